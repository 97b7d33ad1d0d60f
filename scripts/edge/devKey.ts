import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { KeyAlgorithm } from "../../signer/src/lib/keys";

// A throwaway key pair for running the edge without a stack. The private key only ever goes to a 0600
// file in a 0700 directory (never to stdout/logs); the caller removes it when the edge stops.

export interface DevKeyPair {
  keyPairId: string;
  algorithm: KeyAlgorithm;
  publicKeyPem: string;
  privateKeyFile: string;
  /** The public key (SPKI PEM) next to it, for `cf-sign verify --public-key-file`. */
  publicKeyFile: string;
  /** The directory created for the key (removed by dispose()). */
  directory: string;
  dispose(): void;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A key pair id shaped like CloudFront's (K + 13 upper-case letters/digits), random. */
function randomKeyPairId(): string {
  const bytes = crypto.randomBytes(13);
  let id = "K";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export function generateDevKeyPair(algorithm: KeyAlgorithm = "RSA", parentDir?: string): DevKeyPair {
  const { publicKey, privateKey } =
    algorithm === "ECDSA"
      ? crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" })
      : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPairId = randomKeyPairId();
  const base = parentDir ?? os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const directory = fs.mkdtempSync(path.join(base, "cf-edge-"));
  fs.chmodSync(directory, 0o700);
  const privateKeyFile = path.join(directory, `${keyPairId}.pem`);
  // "wx": never overwrite; mode set at creation so the key is never world-readable, even briefly.
  fs.writeFileSync(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const publicKeyFile = path.join(directory, `${keyPairId}.pub.pem`);
  fs.writeFileSync(publicKeyFile, publicKeyPem, { mode: 0o644, flag: "wx" });
  return {
    keyPairId,
    algorithm,
    publicKeyPem,
    privateKeyFile,
    publicKeyFile,
    directory,
    dispose: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}
