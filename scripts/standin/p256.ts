/*
 * ECDSA over NIST P-256 for an already computed digest, for the KMS stand-in's MessageType DIGEST: node:crypto
 * hashes every message it signs with ECDSA, so it cannot sign a digest it is given. Plain bigint arithmetic
 * (Jacobian coordinates), a fresh random nonce per signature as KMS uses, DER output. A test tool, not
 * constant-time: never use it with a key that protects anything.
 */
import * as crypto from "node:crypto";

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const A = P - 3n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

const INFINITY: Jacobian = { x: 0n, y: 1n, z: 0n };

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function pow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** The inverse modulo a prime (Fermat). */
function invert(a: bigint, m: bigint): bigint {
  return pow(a, m - 2n, m);
}

function double(q: Jacobian): Jacobian {
  if (q.z === 0n || q.y === 0n) return INFINITY;
  const yy = (q.y * q.y) % P;
  const s = (4n * q.x * yy) % P;
  const zz = (q.z * q.z) % P;
  const m = mod(3n * q.x * q.x + A * zz * zz, P);
  const x = mod(m * m - 2n * s, P);
  const y = mod(m * (s - x) - 8n * yy * yy, P);
  const z = (2n * q.y * q.z) % P;
  return { x, y, z };
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const pz2 = (p.z * p.z) % P;
  const qz2 = (q.z * q.z) % P;
  const u1 = (p.x * qz2) % P;
  const u2 = (q.x * pz2) % P;
  const s1 = (p.y * qz2 * q.z) % P;
  const s2 = (q.y * pz2 * p.z) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const h2 = (h * h) % P;
  const h3 = (h2 * h) % P;
  const x = mod(r * r - h3 - 2n * u1 * h2, P);
  const y = mod(r * (u1 * h2 - x) - s1 * h3, P);
  const z = (h * p.z * q.z) % P;
  return { x, y, z };
}

/** k·G, affine x coordinate. */
function multiplyBaseX(k: bigint): bigint {
  let result = INFINITY;
  let addend: Jacobian = { x: G.x, y: G.y, z: 1n };
  let e = k;
  while (e > 0n) {
    if (e & 1n) result = add(result, addend);
    addend = double(addend);
    e >>= 1n;
  }
  if (result.z === 0n) throw new Error("p256: point at infinity");
  const zi = invert(result.z, P);
  return (result.x * zi * zi) % P;
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`);
}

/** A DER INTEGER: big-endian, minimal, with a 0x00 in front when the top bit is set. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, "hex");
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** The private scalar of a P-256 private key (from its JWK export). */
export function p256PrivateScalar(key: crypto.KeyObject): bigint {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.d !== "string") throw new Error("p256: not a P-256 private key");
  return toBigInt(Buffer.from(jwk.d, "base64url"));
}

/** A random nonce in [1, n-1] (rejection sampling). */
function nonce(): bigint {
  for (;;) {
    const k = toBigInt(crypto.randomBytes(32));
    if (k > 0n && k < N) return k;
  }
}

/**
 * The ECDSA signature (DER) of a 32-byte digest with a P-256 private key: what crypto.sign("sha256", message, key)
 * returns when digest = SHA-256(message).
 */
export function signP256Digest(digest: Buffer, key: crypto.KeyObject): Buffer {
  if (digest.length !== 32) throw new Error("p256: the digest must be 32 bytes");
  const d = p256PrivateScalar(key);
  const e = toBigInt(digest);
  for (;;) {
    const k = nonce();
    const r = multiplyBaseX(k) % N;
    if (r === 0n) continue;
    const s = (invert(k, N) * mod(e + r * d, N)) % N;
    if (s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}
