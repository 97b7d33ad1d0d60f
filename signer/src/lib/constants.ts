import { InputError } from "./errors";
import { quoteInput } from "./terminal";

/** Hash algorithm names exactly as CloudFront spells them in `Hash-Algorithm` / `CloudFront-Hash-Algorithm`. */
export type HashAlgorithm = "SHA1" | "SHA256";

/** Query parameters that make CloudFront treat a request as a signed URL (spec §5). */
export const URL_SIGNING_PARAMS = ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"] as const;

/** Signed-cookie names (spec §6). */
export const COOKIE_NAMES = {
  expires: "CloudFront-Expires",
  policy: "CloudFront-Policy",
  signature: "CloudFront-Signature",
  keyPairId: "CloudFront-Key-Pair-Id",
  hashAlgorithm: "CloudFront-Hash-Algorithm",
} as const;

/** Reads a user-supplied hash algorithm name; accepts `sha256`, `SHA-256` etc. and returns CloudFront's spelling. */
export function parseHashAlgorithm(value: string, field: string): HashAlgorithm {
  const normalized = value.toUpperCase().replace("-", "");
  if (normalized === "SHA1" || normalized === "SHA256") return normalized;
  throw new InputError(`${field}: ${quoteInput(value)} is not a hash algorithm CloudFront accepts; use SHA1 or SHA256`);
}
