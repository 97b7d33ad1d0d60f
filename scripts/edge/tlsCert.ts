// A throwaway self-signed TLS certificate, made at run time (nothing committed, no openssl needed): an ECDSA
// P-256 key and an X.509 v3 certificate for the given host names and 127.0.0.1, DER-encoded by hand.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface ThrowawayCertificate {
  /** PEM certificate (public). */
  cert: string;
  /** PEM private key; also in keyFile (mode 0600). */
  key: string;
  keyFile: string;
  certFile: string;
  hostnames: string[];
  /** Removes the key and certificate files. */
  dispose(): void;
}

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...content: Buffer[]): Buffer => tlv(0x30, ...content);
function oid(text: string): Buffer {
  const parts = text.split(".").map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"; // YYMMDDHHMMSSZ
  return tlv(0x17, Buffer.from(text, "ascii"));
}
const name = (commonName: string): Buffer => seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));
const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));

const HOSTNAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The DER certificate and PEM key for `hostnames` (plus localhost and 127.0.0.1), valid from an hour ago for `days`. */
export function selfSignedCertificate(hostnames: readonly string[], now = new Date(), days = 7): { cert: string; key: string } {
  for (const host of hostnames) {
    if (!HOSTNAME.test(host)) throw new Error(`TLS host name "${host}" is not a lower-case DNS name`);
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const names = [...new Set([...hostnames, "localhost"])];
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // a positive INTEGER in minimal DER (a leading 0x00 byte is refused as illegal padding)
  const subject = name(names[0]);
  const subjectAltName = seq(...names.map((n) => tlv(0x82, Buffer.from(n, "ascii"))), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    ecdsaWithSha256,
    subject, // issuer = subject: self-signed
    seq(utcTime(new Date(now.getTime() - 3600_000)), utcTime(new Date(now.getTime() + days * 86400_000))),
    subject,
    publicKey.export({ type: "spki", format: "der" }),
    tlv(
      0xa3,
      seq(
        extension("2.5.29.19", true, seq()), // basicConstraints: not a CA
        extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x07, 0x80]))), // keyUsage: digitalSignature
        extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
        extension("2.5.29.17", false, subjectAltName),
      ),
    ),
  );
  const signature = crypto.sign("sha256", tbs, privateKey); // DER ECDSA signature
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  return { cert, key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/**
 * A throwaway certificate written to a new 0700 directory: the key file is created with mode 0600 (never
 * world-readable, even briefly) and both files are removed by dispose().
 */
export function throwawayCertificate(hostnames: readonly string[], parentDir?: string): ThrowawayCertificate {
  const { cert, key } = selfSignedCertificate(hostnames);
  const base = parentDir ?? os.tmpdir();
  const directory = fs.mkdtempSync(path.join(base, "cf-edge-tls-"));
  fs.chmodSync(directory, 0o700);
  const keyFile = path.join(directory, "tls-key.pem");
  const certFile = path.join(directory, "tls-cert.pem");
  fs.writeFileSync(keyFile, key, { mode: 0o600, flag: "wx" });
  fs.writeFileSync(certFile, cert, { mode: 0o644, flag: "wx" });
  return { cert, key, keyFile, certFile, hostnames: [...hostnames], dispose: () => fs.rmSync(directory, { recursive: true, force: true }) };
}
