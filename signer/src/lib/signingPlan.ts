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
  /** the hash, or the error for a bad hash name (reported after the resource match) */
  hash: HashAlgorithm | InputError;
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
  return { expires, startsAt, sourceIp, policyResource, policyResourceField, hash };
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
