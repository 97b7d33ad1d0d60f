// The shapes every CloudFront signer shares: the options it takes and what it returns. Their own module, so
// that the signers (signer.ts, asyncSigner.ts) and what they share (signingPlan.ts) import them without a cycle.
import type { HashAlgorithm } from "./constants";
import type { TimeInput } from "./time";

/** Names used for each option in error messages; the CLI passes its flag names (`--expires-in`, …). */
export interface SignOptionLabels {
  url?: string;
  resource?: string;
  expires?: string;
  startsAt?: string;
  ipAddress?: string;
  policyResource?: string;
  hashAlgorithm?: string;
}

export interface SignOptions {
  /** Required. Date, ISO-8601 with offset/Z, epoch seconds, or a duration from now ("15m", "24h", "7d"). Rounded down. */
  expires: TimeInput;
  /** Optional start (DateGreaterThan); rounded up. Forces a custom policy. */
  startsAt?: TimeInput;
  /** Optional IPv4 address or CIDR (a bare address means /32). Forces a custom policy. */
  ipAddress?: string;
  /** Optional wildcard pattern the URL must match; when it differs from the URL, a custom policy uses it. */
  policyResource?: string;
  /** Default: SHA1 for RSA keys, SHA256 for ECDSA keys. */
  hashAlgorithm?: HashAlgorithm;
  /** The clock for durations and the past-expiry check (tests). */
  now?: Date;
  labels?: SignOptionLabels;
}

export interface SignedUrl {
  url: string;
  keyPairId: string;
  /** DateLessThan, integer epoch seconds */
  expires: number;
  /** the policy JSON text that was signed (canned: the text CloudFront will rebuild) */
  policy: string;
  canned: boolean;
  hashAlgorithm: HashAlgorithm;
}

export interface SignedCookies {
  /** cookie name → value, in the order CloudFront documents */
  cookies: Record<string, string>;
  /** one `Set-Cookie` header value per cookie (without the "Set-Cookie: " prefix) */
  setCookieHeaders: string[];
  keyPairId: string;
  expires: number;
  policy: string;
  canned: boolean;
  hashAlgorithm: HashAlgorithm;
}

/**
 * A URL validated and normalized (`base`) with the exact policy text to sign for it. Only `finish` turns
 * it into a signed URL, so the string signed is always the string returned.
 */
export interface PreparedUrl {
  readonly base: string;
  readonly policy: string;
  readonly canned: boolean;
  readonly expires: number;
  readonly hash: HashAlgorithm;
}
