import * as crypto from "node:crypto";
import type { HashAlgorithm } from "./constants";
import { InputError } from "./errors";

export type KeyAlgorithm = "RSA" | "ECDSA";

/** A parsed key CloudFront can use (RSA 2048 or ECDSA P-256), kept as a KeyObject so it is parsed once. */
export interface SigningKey {
  key: crypto.KeyObject;
  algorithm: KeyAlgorithm;
}

/** Checks the key type and size CloudFront accepts (spec §1); `label` names the key in the message. */
function checkCloudFrontKey(key: crypto.KeyObject, label: string): SigningKey {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === "rsa") {
    if (details.modulusLength !== 2048) {
      throw new InputError(
        `${label}: RSA ${details.modulusLength ?? "?"}-bit key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys`,
      );
    }
    return { key, algorithm: "RSA" };
  }
  if (type === "ec") {
    if (details.namedCurve !== "prime256v1") {
      throw new InputError(
        `${label}: ECDSA key on curve ${details.namedCurve ?? "?"} refused; CloudFront accepts only ECDSA P-256 (prime256v1) or RSA 2048 keys`,
      );
    }
    return { key, algorithm: "ECDSA" };
  }
  throw new InputError(`${label}: ${type ?? "unknown"} key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys`);
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return "";
}

/**
 * Parses a private key once: PEM in PKCS#1 (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`), SEC1
 * (`EC PRIVATE KEY`) or encrypted (`ENCRYPTED PRIVATE KEY`, or a legacy `Proc-Type: 4,ENCRYPTED` header)
 * with `passphrase`; or a private `KeyObject`. Refuses anything CloudFront cannot verify.
 * Messages never include the key material. `label` names the source in messages (e.g. a file path).
 */
export function loadPrivateKey(
  material: string | Buffer | crypto.KeyObject,
  passphrase?: string,
  label = "private key",
): SigningKey {
  if (material instanceof crypto.KeyObject) {
    if (material.type !== "private") {
      throw new InputError(`${label}: a ${material.type} key was given; signing needs the private key`);
    }
    return checkCloudFrontKey(material, label);
  }
  const text = typeof material === "string" ? material : material.toString("latin1");
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(text) && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    const kind = text.includes("BEGIN RSA PUBLIC KEY") ? "a PKCS#1 RSA public key" : "a public key";
    throw new InputError(`${label}: this is ${kind}, not a private key; give the private key (BEGIN PRIVATE KEY / RSA PRIVATE KEY / EC PRIVATE KEY)`);
  }
  if (text.includes("BEGIN CERTIFICATE")) {
    throw new InputError(`${label}: this is a certificate, not a private key; give the private key PEM`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new InputError(`${label}: not a PEM private key (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)`);
  }
  const encrypted = text.includes("BEGIN ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(text);
  if (encrypted && (passphrase === undefined || passphrase === "")) {
    throw new InputError(`${label}: the private key is encrypted; supply its passphrase (CLI: --passphrase-env VAR)`);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: text, format: "pem", passphrase: encrypted ? passphrase : undefined });
  } catch (error) {
    if (errorCode(error) === "ERR_MISSING_PASSPHRASE") {
      throw new InputError(`${label}: the private key is encrypted; supply its passphrase (CLI: --passphrase-env VAR)`);
    }
    if (encrypted) {
      // OpenSSL usually says "bad decrypt"; but about 1 wrong passphrase in 256 decrypts to garbage with valid
      // padding and fails later, as a decoding error. Either way the passphrase is what to check.
      throw new InputError(`${label}: wrong passphrase for the encrypted private key`);
    }
    throw new InputError(`${label}: could not parse the PEM private key (corrupt or unsupported format)`);
  }
  return checkCloudFrontKey(key, label);
}

/**
 * Parses a public key for verification: SPKI PEM (`BEGIN PUBLIC KEY`, what CloudFront stores), a PKCS#1
 * `RSA PUBLIC KEY`, a KeyObject (a private KeyObject gives its public half). Same type/size checks.
 */
export function loadPublicKey(material: string | Buffer | crypto.KeyObject, label = "public key"): SigningKey {
  let key: crypto.KeyObject;
  if (material instanceof crypto.KeyObject) {
    key = material.type === "public" ? material : crypto.createPublicKey(material);
  } else {
    const text = typeof material === "string" ? material : material.toString("latin1");
    if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) {
      throw new InputError(`${label}: not a PEM public key (expected -----BEGIN PUBLIC KEY-----)`);
    }
    try {
      key = crypto.createPublicKey({ key: text, format: "pem" });
    } catch {
      throw new InputError(`${label}: could not parse the PEM public key (corrupt or unsupported format)`);
    }
  }
  return checkCloudFrontKey(key, label);
}

/** The node:crypto digest for `crypto.sign`/`crypto.verify` (RSA PKCS#1 v1.5, ECDSA DER signatures). */
export function signatureDigest(hash: HashAlgorithm): "sha1" | "sha256" {
  return hash === "SHA256" ? "sha256" : "sha1";
}

/** CloudFront's default per key type (spec §4, choice): SHA-1 for RSA (as every AWS SDK), SHA-256 for ECDSA. */
export function defaultHashAlgorithm(algorithm: KeyAlgorithm): HashAlgorithm {
  return algorithm === "ECDSA" ? "SHA256" : "SHA1";
}
