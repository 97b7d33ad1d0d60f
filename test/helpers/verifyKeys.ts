// Key pairs and helpers shared by the verifier/edge/inspect tests.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestKeyPair {
  keyPairId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

function make(keyPairId: string, algorithm: "RSA" | "ECDSA"): TestKeyPair {
  const { privateKey, publicKey } =
    algorithm === "RSA"
      ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
      : crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    keyPairId,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

let cache: { rsa: TestKeyPair; ecdsa: TestKeyPair; stranger: TestKeyPair } | undefined;

/** Generated once per mocha run (RSA generation is the slow part). */
export function testKeys(): { rsa: TestKeyPair; ecdsa: TestKeyPair; stranger: TestKeyPair } {
  cache ??= { rsa: make("KRSATESTKEY001", "RSA"), ecdsa: make("KECDSATESTKEY1", "ECDSA"), stranger: make("KSTRANGERKEY01", "RSA") };
  return cache;
}

/**
 * A fresh temp folder for the verify CLI tests holding `public.pem` (the PEM given) and `outputs.json`
 * (the stack outputs given, as `pulumi stack output --json` would print them). The caller removes `dir`.
 */
export function writeVerifyFixtures(
  prefix: string,
  publicKeyPem: string,
  outputs: Record<string, unknown>,
): { dir: string; pubFile: string; outputsFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const pubFile = path.join(dir, "public.pem");
  fs.writeFileSync(pubFile, publicKeyPem);
  const outputsFile = path.join(dir, "outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify(outputs));
  return { dir, pubFile, outputsFile };
}
