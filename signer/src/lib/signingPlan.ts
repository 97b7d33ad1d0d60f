/*
 * What every CloudFront signer does around the signature itself, shared by the synchronous
 * CloudFrontSigner (a local private key) and the AsyncCloudFrontSigner (KMS, an HSM, any remote signer):
 * resolving the options once, choosing and building the policy, and assembling the signed URL or cookies.
 */
import { COOKIE_NAMES, HashAlgorithm, parseHashAlgorithm } from "./constants";
import { buildSetCookieHeaders, cookieDomainMismatch, CookieOptions, validateCookieOptions, ValidCookieOptions } from "./cookies";
import { parseIpv4Network } from "./cidr";
import { toCloudFrontBase64 } from "./encoding";
import { InputError } from "./errors";
import type { KeyAlgorithm } from "./keys";
import { cannedPolicy, customPolicy } from "./policy";
import type { PreparedUrl, SignedCookies, SignOptions } from "./signingTypes";
import { parseTime } from "./time";
import { hasWildcard, normalizeResourcePattern, normalizeUrl } from "./url";
import { matchResource } from "./wildcard";

/** The URL-independent part of the options, resolved once (see CloudFrontSigner.urlSigner). */
export interface Conditions {
  expires: number;
  startsAt?: number;
  sourceIp?: string;
  policyResource?: string;
  policyResourceField: string;
  /** the names of the options that make a policy custom, for messages (the CLI's flags, or the library's fields) */
  customFields: { startsAt: string; ipAddress: string; policyResource: string };
  /** the hash, or the error for a bad hash name (reported after the resource match) */
  hash: HashAlgorithm | InputError;
}

/** CloudFront refuses a request whose URL is longer than this (HTTP 414); counted on the whole signed URL. */
export const MAX_SIGNED_URL_BYTES = 8192;

/**
 * The longest signature each key type yields, in CloudFront base64: RSA 2048 always 256 bytes (344 characters);
 * ECDSA P-256 a DER sequence of at most 72 bytes (96 characters; rarely 92 or fewer).
 */
export const MAX_SIGNATURE_CHARS: Readonly<Record<KeyAlgorithm, number>> = { RSA: 344, ECDSA: 96 };

/**
 * The length of the URL that signing `prepared` with `keyPairId` emits, for a signature of `signatureChars`
 * characters: base, `?` or `&`, Expires|Policy, Signature, Key-Pair-Id (and Hash-Algorithm). URLs and policies
 * are ASCII (normalizeUrl refuses anything else), so characters are bytes.
 */
export function signedUrlLength(prepared: PreparedUrl, keyPairId: string, signatureChars: number): number {
  const params = prepared.canned
    ? "Expires=".length + String(prepared.expires).length + "&Signature=".length
    : "Policy=".length + 4 * Math.ceil(Buffer.byteLength(prepared.policy, "utf8") / 3) + "&Signature=".length;
  // urlParamsAfterSignature's length, without building it (this runs once per URL of a batch).
  const after = "&Key-Pair-Id=".length + keyPairId.length + (prepared.hash === "SHA256" ? "&Hash-Algorithm=SHA256".length : 0);
  return prepared.base.length + 1 + params + signatureChars + after;
}

/** `scheme://host/first-segment/*` (or `scheme://host/*`): a short wildcard resource covering the URL, for messages. */
export function shortWildcard(base: string): string {
  const m = /^([a-z]+:\/\/[^/?#]+)(\/[^/?#]*)?/.exec(base);
  if (m === null) return "https://cdn.example.com/private/*";
  const rest = base.slice(m[0].length);
  const first = m[2] ?? "";
  return rest.startsWith("/") && first.length > 1 && first.length <= 64 ? `${m[1]}${first}/*` : `${m[1]}/*`;
}

/**
 * Refuses a URL whose signed form would exceed MAX_SIGNED_URL_BYTES: one line naming the limit, the length
 * (with the longest signature the key type yields, so the outcome never depends on a random ECDSA signature)
 * and how to shorten it: a canned policy, or a short wildcard policy resource.
 */
export function checkSignedUrlLength(prepared: PreparedUrl, conditions: Conditions, keyPairId: string, signatureChars: number, field: string): void {
  const length = signedUrlLength(prepared, keyPairId, signatureChars);
  if (length <= MAX_SIGNED_URL_BYTES) return;
  throw signedUrlTooLong(length, prepared, conditions, field);
}

/** The error for a signed URL of `length` bytes (see checkSignedUrlLength). */
export function signedUrlTooLong(length: number, prepared: PreparedUrl, conditions: Conditions, field: string): InputError {
  const f = conditions.customFields;
  const limit = `the signed URL would be ${length} bytes, over CloudFront's limit of ${MAX_SIGNED_URL_BYTES} bytes for a URL (it answers 414 URI Too Long)`;
  if (prepared.canned) {
    return new InputError(`${field}: ${limit}; a canned policy is already the shortest form: shorten the URL's path or query`);
  }
  return new InputError(
    `${field}: ${limit}; the custom policy travels in the URL: sign a canned policy (no ${f.startsAt}, ${f.ipAddress} or ${f.policyResource}), ` +
      `or give ${f.policyResource} a short wildcard resource that covers the URL, e.g. ${shortWildcard(prepared.base)}`,
  );
}

/**
 * The options that do not depend on the URL: times, IP and the policy resource pattern, checked in
 * that order. A bad hash name is kept for preparePolicy, which reports it after the resource match (the
 * order signUrl has always used). `defaultHash` applies when the options name none.
 */
export function resolveConditions(options: SignOptions, defaultHash: HashAlgorithm): Conditions {
  const labels = options.labels ?? {};
  const now = options.now ?? new Date();
  const nowSeconds = now.getTime() / 1000;
  const expiresField = labels.expires ?? "expires";
  if (options.expires === undefined || options.expires === null) {
    throw new InputError(`${expiresField}: an expiry is required (e.g. a duration like 15m or 24h, or an ISO-8601 time)`);
  }
  const expires = Math.floor(parseTime(options.expires, expiresField, now));
  if (expires <= nowSeconds) {
    throw new InputError(
      `${expiresField}: the expiry ${new Date(expires * 1000).toISOString()} is not in the future; give a later time or a duration like 15m`,
    );
  }
  let startsAt: number | undefined;
  if (options.startsAt !== undefined) {
    const startsField = labels.startsAt ?? "startsAt";
    startsAt = Math.ceil(parseTime(options.startsAt, startsField, now));
    if (startsAt >= expires) {
      throw new InputError(
        `${startsField}: the start ${new Date(startsAt * 1000).toISOString()} is not before the expiry ${new Date(expires * 1000).toISOString()}; give an earlier start or a later expiry`,
      );
    }
  }
  const sourceIp = options.ipAddress === undefined ? undefined : parseIpv4Network(options.ipAddress, labels.ipAddress ?? "ipAddress").text;
  const policyResourceField = labels.policyResource ?? "policyResource";
  const policyResource =
    options.policyResource === undefined ? undefined : normalizeResourcePattern(options.policyResource, policyResourceField);
  let hash: HashAlgorithm | InputError = defaultHash;
  if (options.hashAlgorithm !== undefined) {
    try {
      hash = parseHashAlgorithm(String(options.hashAlgorithm), labels.hashAlgorithm ?? "hashAlgorithm");
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      hash = error;
    }
  }
  const customFields = { startsAt: labels.startsAt ?? "startsAt", ipAddress: labels.ipAddress ?? "ipAddress", policyResource: policyResourceField };
  return { expires, startsAt, sourceIp, policyResource, policyResourceField, customFields, hash };
}

/** The policy for one normalized URL or resource; canned unless the spec's rules require custom. */
export function preparePolicy(base: string, conditions: Conditions, baseField: string): PreparedUrl {
  const { expires, startsAt, sourceIp, policyResource } = conditions;
  let resource = base;
  if (policyResource !== undefined) {
    resource = policyResource;
    const match = matchResource(resource, base);
    if (!match.matches) {
      throw new InputError(
        `${conditions.policyResourceField}: ${match.reason ?? `"${resource}" does not match "${base}"`} (the ${baseField} must be covered by the policy resource)`,
      );
    }
  }
  if (conditions.hash instanceof InputError) throw conditions.hash;
  const canned = startsAt === undefined && sourceIp === undefined && resource === base && !hasWildcard(resource);
  const policy = canned
    ? cannedPolicy(resource, expires)
    : customPolicy({ resource, dateLessThan: expires, dateGreaterThan: startsAt, sourceIp });
  return { base, policy, canned, expires, hash: conditions.hash };
}

/** The signing parameters before the signature: `Expires=…&Signature=` (canned) or `Policy=…&Signature=`. */
export function urlParamsBeforeSignature(prepared: PreparedUrl): string {
  return prepared.canned ? `Expires=${prepared.expires}&Signature=` : `Policy=${toCloudFrontBase64(prepared.policy)}&Signature=`;
}

/** The signing parameters after the signature: `&Key-Pair-Id=…`, then `&Hash-Algorithm=SHA256` for SHA-256. */
export function urlParamsAfterSignature(keyPairId: string, hash: HashAlgorithm): string {
  return hash === "SHA256" ? `&Key-Pair-Id=${keyPairId}&Hash-Algorithm=SHA256` : `&Key-Pair-Id=${keyPairId}`;
}

/** The signed cookies for a prepared resource and its signature (CloudFront base64), in CloudFront's order. */
export function assembleSignedCookies(
  prepared: PreparedUrl,
  signature: string,
  keyPairId: string,
  cookieOptions: ValidCookieOptions,
): SignedCookies {
  const cookies: Record<string, string> = {};
  if (prepared.canned) cookies[COOKIE_NAMES.expires] = String(prepared.expires);
  else cookies[COOKIE_NAMES.policy] = toCloudFrontBase64(prepared.policy);
  cookies[COOKIE_NAMES.signature] = signature;
  cookies[COOKIE_NAMES.keyPairId] = keyPairId;
  if (prepared.hash === "SHA256") cookies[COOKIE_NAMES.hashAlgorithm] = "SHA256";
  return {
    cookies,
    setCookieHeaders: buildSetCookieHeaders(cookies, cookieOptions),
    keyPairId,
    expires: prepared.expires,
    policy: prepared.policy,
    canned: prepared.canned,
    hashAlgorithm: prepared.hash,
  };
}

/**
 * The resource cookies are signed for (an exact URL or a wildcard pattern, normalized) and the checked cookie
 * attributes; a cookie Domain the browser would never send to the resource's host is refused.
 */
export function cookieTarget(
  resource: string,
  options: SignOptions & CookieOptions,
): { base: string; field: string; cookieOptions: ValidCookieOptions } {
  const labels = options.labels ?? {};
  const field = labels.resource ?? "resource";
  const cookieOptions = validateCookieOptions(options);
  const base = hasWildcard(resource) ? normalizeResourcePattern(resource, field) : normalizeUrl(resource, field);
  const mismatch = cookieOptions.domain === undefined ? undefined : cookieDomainMismatch(cookieOptions.domain, base);
  if (mismatch !== undefined) throw new InputError(`${labels.domain ?? "domain"}: ${mismatch}`);
  return { base, field, cookieOptions };
}
