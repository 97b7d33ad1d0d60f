import * as crypto from "node:crypto";
import { ipv4InCidr, parseIpv4Cidr } from "./cidr";
import type { HashAlgorithm } from "./constants";
import { fromCloudFrontBase64, toCloudFrontBase64 } from "./encoding";
import { loadPublicKey, signatureDigest, type KeyAlgorithm, type SigningKey } from "./keys";
import { cannedPolicy } from "./policy";
import { parsePolicy } from "./policyParse";
import { extractCredentials, type CredentialSource } from "./signedRequest";
import { matchResource } from "./wildcard";

// CloudFront's verdict on a signed request (spec §4–§9), checked in CloudFront's order:
// MissingKey -> InvalidKey -> MalformedSignature -> MalformedPolicy -> AccessDenied.
// Within AccessDenied: signature, then DateLessThan, DateGreaterThan, source IP, resource.

export type CloudFrontErrorCode = "MissingKey" | "InvalidKey" | "MalformedSignature" | "MalformedPolicy" | "AccessDenied";

/** The `<Message>` CloudFront sends with each code (spec §9). */
export const ERROR_MESSAGES: Readonly<Record<CloudFrontErrorCode, string>> = {
  MissingKey: "Missing Key-Pair-Id query parameter or cookie value",
  InvalidKey: "Unknown Key",
  MalformedSignature: "Could not unencode Signature",
  MalformedPolicy: "Malformed Policy",
  AccessDenied: "Access denied",
};

/** Which check failed, for humans and tests. */
export type VerificationCheck =
  | "key-pair-id"
  | "trusted-key"
  | "signature-encoding"
  | "hash-algorithm"
  | "policy"
  | "signature"
  | "expires"
  | "starts"
  | "ip"
  | "resource";

export interface VerifiedPolicy {
  kind: "canned" | "custom";
  /** The exact policy text the signature covers (rebuilt for canned, decoded for custom). */
  text: string;
  resource: string;
  dateLessThan: number;
  dateGreaterThan?: number;
  sourceIp?: string;
}

export interface VerificationSuccess {
  ok: true;
  via: CredentialSource;
  keyPairId: string;
  keyAlgorithm: KeyAlgorithm;
  hashAlgorithm: HashAlgorithm;
  policy: VerifiedPolicy;
  /** The request URL without signing parameters (what the origin is asked for). */
  resourceUrl: string;
  expiresAt: Date;
}

export interface VerificationFailure {
  ok: false;
  code: CloudFrontErrorCode;
  message: string;
  check: VerificationCheck;
  /** One human sentence: what failed and how to fix it. */
  detail: string;
  via?: CredentialSource;
  keyPairId?: string;
  policy?: VerifiedPolicy;
  resourceUrl: string;
}

export type VerificationResult = VerificationSuccess | VerificationFailure;

export type TrustedKeys = Readonly<Record<string, string | crypto.KeyObject>>;

export interface VerifyInput {
  /** The absolute request URL as the viewer sent it (scheme://host/path?query, signing params included). */
  url: string;
  /** The request's cookies (name -> value). */
  cookies?: Record<string, string>;
  /** The viewer's IP address (needed only when a policy has an IP condition). */
  ip?: string;
  now?: Date;
  /** Key pair id -> public key (PEM or KeyObject): the key group trusted by the matched behaviour. */
  trustedKeys: TrustedKeys;
}

// Parsing a PEM costs far more than verifying a signature; keep parsed keys per PEM / KeyObject.
const pemCache = new Map<string, SigningKey>();
const keyObjectCache = new WeakMap<crypto.KeyObject, SigningKey>();
const PEM_CACHE_LIMIT = 256;

/** Parses (once) a trusted public key; throws InputError naming the key pair id when unusable. */
export function trustedKey(material: string | crypto.KeyObject, keyPairId: string): SigningKey {
  const cached = typeof material === "string" ? pemCache.get(material) : keyObjectCache.get(material);
  if (cached) return cached;
  const loaded = loadPublicKey(material, `public key for key pair id ${keyPairId}`);
  if (typeof material !== "string") {
    keyObjectCache.set(material, loaded);
  } else {
    if (pemCache.size >= PEM_CACHE_LIMIT) pemCache.clear();
    pemCache.set(material, loaded);
  }
  return loaded;
}

/**
 * Decodes CloudFront base64 and insists on the canonical spelling (choice): base64 leaves spare bits in
 * the last character, so several texts decode to the same bytes; accepting only the one a signer emits
 * means any change to the text after signing is refused, not silently equivalent.
 */
export function decodeCanonical(text: string): Buffer | undefined {
  const bytes = fromCloudFrontBase64(text);
  if (!bytes) return undefined;
  const strip = (t: string): string => t.replace(/_+$/, "");
  return strip(toCloudFrontBase64(bytes)) === strip(text) ? bytes : undefined;
}

/** An epoch in seconds as ISO-8601; integer seconds past year 275760 do not fit in a Date. */
export function isoTime(epoch: number): string {
  const date = new Date(epoch * 1000);
  return Number.isNaN(date.getTime()) ? "beyond year 275760" : date.toISOString().replace(".000Z", "Z");
}

function verifySignature(key: SigningKey, hash: HashAlgorithm, signed: Buffer, signature: Buffer): boolean | Error {
  try {
    return crypto.verify(signatureDigest(hash), signed, key.key, signature);
  } catch (error) {
    // Some platforms refuse SHA-1 signatures outright (FIPS, distro crypto policies).
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Applies CloudFront's checks to one request. Pure apart from the key cache; never throws for bad requests. */
export function verifyRequest(input: VerifyInput): VerificationResult {
  const { resourceUrl, credentials } = extractCredentials(input.url, input.cookies);
  const fail = (
    code: CloudFrontErrorCode,
    check: VerificationCheck,
    detail: string,
    extra: Partial<VerificationFailure> = {},
  ): VerificationFailure => ({ ok: false, code, message: ERROR_MESSAGES[code], check, detail, resourceUrl, ...extra });

  if (!credentials) {
    return fail(
      "MissingKey",
      "key-pair-id",
      "the request has no signing parameters and no CloudFront-* cookies; sign the URL (cf-sign url) or set signed cookies (cf-sign cookies)",
    );
  }
  const via = credentials.via;
  const where = via === "url" ? "the Key-Pair-Id query parameter" : "the CloudFront-Key-Pair-Id cookie";
  const keyPairId = credentials.keyPairId;
  if (keyPairId === undefined || keyPairId === "") {
    const note = via === "url" ? " (the URL has other signing parameters, so cookies are ignored)" : "";
    return fail("MissingKey", "key-pair-id", `${where} is ${keyPairId === undefined ? "missing" : "empty"}${note}`, { via });
  }
  const material = Object.prototype.hasOwnProperty.call(input.trustedKeys, keyPairId)
    ? input.trustedKeys[keyPairId]
    : undefined;
  if (material === undefined) {
    const known = Object.keys(input.trustedKeys);
    return fail(
      "InvalidKey",
      "trusted-key",
      `key pair id ${keyPairId} is not in the key group trusted by this path (trusted: ${known.length ? known.join(", ") : "none"}); sign with a key of that key group`,
      { via, keyPairId },
    );
  }
  const key = trustedKey(material, keyPairId);

  const sigName = via === "url" ? "Signature" : "CloudFront-Signature";
  if (credentials.signature === undefined || credentials.signature === "") {
    return fail("MalformedSignature", "signature-encoding", `${sigName} is ${credentials.signature === undefined ? "missing" : "empty"}`, { via, keyPairId });
  }
  const signature = decodeCanonical(credentials.signature);
  if (!signature) {
    return fail(
      "MalformedSignature",
      "signature-encoding",
      `${sigName} is not CloudFront base64 (A-Z a-z 0-9 - ~, padding _); it was probably re-encoded or truncated in transit`,
      { via, keyPairId },
    );
  }
  // The hash marker is part of what CloudFront reads before the policy; an unknown value cannot verify.
  const hashName = via === "url" ? "Hash-Algorithm" : "CloudFront-Hash-Algorithm";
  let hash: HashAlgorithm = "SHA1";
  if (credentials.hashAlgorithm !== undefined) {
    if (credentials.hashAlgorithm !== "SHA1" && credentials.hashAlgorithm !== "SHA256") {
      return fail(
        "MalformedSignature",
        "hash-algorithm",
        `${hashName}=${credentials.hashAlgorithm} is not SHA1 or SHA256`,
        { via, keyPairId },
      );
    }
    hash = credentials.hashAlgorithm;
  }

  const expiresName = via === "url" ? "Expires" : "CloudFront-Expires";
  const policyName = via === "url" ? "Policy" : "CloudFront-Policy";
  let policy: VerifiedPolicy;
  // The exact bytes the signature covers: the decoded Policy bytes, or the rebuilt canned text.
  let signedBytes: Buffer;
  if (credentials.expires !== undefined && credentials.policy !== undefined) {
    return fail("MalformedPolicy", "policy", `both ${expiresName} and ${policyName} are present; a signed request carries exactly one`, { via, keyPairId });
  } else if (credentials.policy !== undefined) {
    const decoded = decodeCanonical(credentials.policy);
    if (!decoded) {
      return fail("MalformedPolicy", "policy", `${policyName} is not CloudFront base64 (A-Z a-z 0-9 - ~, padding _)`, { via, keyPairId });
    }
    signedBytes = decoded;
    const text = decoded.toString("utf8");
    const parsed = parsePolicy(text);
    if (!parsed.ok) return fail("MalformedPolicy", "policy", `${policyName}: ${parsed.reason}`, { via, keyPairId });
    policy = { kind: "custom", text, ...parsed.conditions };
  } else if (credentials.expires !== undefined) {
    if (!/^\d{1,15}$/.test(credentials.expires)) {
      return fail("MalformedPolicy", "policy", `${expiresName}=${credentials.expires} is not integer epoch seconds`, { via, keyPairId });
    }
    const dateLessThan = Number(credentials.expires);
    // Canned: CloudFront rebuilds the policy from the URL it received, minus the signing parameters.
    policy = { kind: "canned", text: cannedPolicy(resourceUrl, dateLessThan), resource: resourceUrl, dateLessThan };
    signedBytes = Buffer.from(policy.text, "utf8");
  } else {
    return fail("MalformedPolicy", "policy", `neither ${expiresName} (canned policy) nor ${policyName} (custom policy) is present`, { via, keyPairId });
  }

  const verified = verifySignature(key, hash, signedBytes, signature);
  if (verified instanceof Error) {
    return fail(
      "AccessDenied",
      "signature",
      `this platform could not verify a ${hash} signature (${verified.message}); sign with --hash-algorithm SHA256`,
      { via, keyPairId, policy },
    );
  }
  if (!verified) {
    let hint: string;
    const other: HashAlgorithm = hash === "SHA1" ? "SHA256" : "SHA1";
    if (verifySignature(key, other, signedBytes, signature) === true) {
      hint = hash === "SHA1"
        ? `it was signed with SHA256 but ${hashName}=SHA256 is missing`
        : `it was signed with SHA1 but ${hashName}=SHA256 claims SHA256`;
    } else if (policy.kind === "canned") {
      hint = `the URL (${resourceUrl}) or ${expiresName} changed after signing, or the private key does not belong to key pair id ${keyPairId}`;
    } else {
      hint = `the policy or signature changed after signing, or the private key does not belong to key pair id ${keyPairId}`;
    }
    return fail(
      "AccessDenied",
      "signature",
      `the ${key.algorithm}/${hash} signature does not verify against the ${policy.kind} policy: ${hint}`,
      { via, keyPairId, policy },
    );
  }

  // Times are compared in whole seconds; both bounds are exclusive (spec §7).
  const nowDate = input.now ?? new Date();
  const now = Math.floor(nowDate.getTime() / 1000);
  if (!(now < policy.dateLessThan)) {
    return fail(
      "AccessDenied",
      "expires",
      `expired: DateLessThan is ${isoTime(policy.dateLessThan)} (${policy.dateLessThan}) and the request came at ${isoTime(now)}; sign again with a later expiry`,
      { via, keyPairId, policy },
    );
  }
  if (policy.dateGreaterThan !== undefined && !(now > policy.dateGreaterThan)) {
    return fail(
      "AccessDenied",
      "starts",
      `not yet valid: DateGreaterThan is ${isoTime(policy.dateGreaterThan)} (${policy.dateGreaterThan}) and the request came at ${isoTime(now)}`,
      { via, keyPairId, policy },
    );
  }
  if (policy.sourceIp !== undefined) {
    const cidr = parseIpv4Cidr(policy.sourceIp, "AWS:SourceIp");
    if (input.ip === undefined) {
      return fail("AccessDenied", "ip", `the policy allows only source IP ${cidr.text} and the viewer IP is unknown (pass --ip)`, { via, keyPairId, policy });
    }
    if (!ipv4InCidr(input.ip, cidr)) {
      const ipv6 = input.ip.includes(":") && !/^::ffff:\d/i.test(input.ip);
      return fail(
        "AccessDenied",
        "ip",
        ipv6
          ? `the viewer IP ${input.ip} is IPv6 and the policy's IP condition (${cidr.text}) is IPv4-only; disable IPv6 on the distribution`
          : `the viewer IP ${input.ip} is outside the policy's source IP ${cidr.text}`,
        { via, keyPairId, policy },
      );
    }
  }
  if (policy.kind === "custom") {
    const match = matchResource(policy.resource, resourceUrl);
    if (!match.matches) {
      return fail("AccessDenied", "resource", match.reason ?? `resource ${policy.resource} does not match ${resourceUrl}`, { via, keyPairId, policy });
    }
  }
  return {
    ok: true,
    via,
    keyPairId,
    keyAlgorithm: key.algorithm,
    hashAlgorithm: hash,
    policy,
    resourceUrl,
    expiresAt: new Date(policy.dateLessThan * 1000),
  };
}

/** CloudFront's 403 body for a failed check (spec §9); served as `text/xml`. */
export function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
