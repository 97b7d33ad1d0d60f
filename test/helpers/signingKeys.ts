import * as crypto from "node:crypto";

/** Test key material, generated once per test run (never committed, so nothing secret lives in git). */
export interface TestKeys {
  rsa: { pkcs1: string; pkcs8: string; encryptedPkcs8: string; encryptedPkcs1: string; spki: string; pkcs1Public: string; passphrase: string };
  ec: { sec1: string; pkcs8: string; spki: string };
  rsa1024: string;
  p384: string;
  ed25519: string;
}

let cached: TestKeys | undefined;

export function testKeys(): TestKeys {
  if (cached) return cached;
  const passphrase = "correct horse battery staple";
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pem = (key: crypto.KeyObject, type: "pkcs1" | "pkcs8" | "sec1"): string => key.export({ type, format: "pem" }) as string;
  cached = {
    rsa: {
      pkcs1: pem(rsa.privateKey, "pkcs1"),
      pkcs8: pem(rsa.privateKey, "pkcs8"),
      encryptedPkcs8: rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }) as string,
      encryptedPkcs1: rsa.privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase }) as string,
      spki: rsa.publicKey.export({ type: "spki", format: "pem" }) as string,
      pkcs1Public: rsa.publicKey.export({ type: "pkcs1", format: "pem" }) as string,
      passphrase,
    },
    ec: {
      sec1: pem(ec.privateKey, "sec1"),
      pkcs8: pem(ec.privateKey, "pkcs8"),
      spki: ec.publicKey.export({ type: "spki", format: "pem" }) as string,
    },
    rsa1024: pem(crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey, "pkcs8"),
    p384: pem(crypto.generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey, "pkcs8"),
    ed25519: pem(crypto.generateKeyPairSync("ed25519").privateKey, "pkcs8"),
  };
  return cached;
}

/** The base64 body of a PEM (what must never show up in any output). */
export function pemBody(pemText: string): string[] {
  return pemText
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("-----") && !line.includes(":"))
    .filter((line) => line.length >= 40);
}
