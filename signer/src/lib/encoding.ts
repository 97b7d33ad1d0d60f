/**
 * CloudFront's URL-safe base64 variant (spec §4): standard base64, then `+`→`-`, `=`→`_`, `/`→`~`.
 * Padding is kept (as `_`). This is NOT base64url (which uses `-`/`_` for `+`/`/` and drops padding).
 */
export function toCloudFrontBase64(data: Buffer | string): string {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  // base64url already maps + to -; only / (base64url "_") → "~" is left, and the padding comes back as "_".
  // One native pass instead of three: this runs once per signature.
  const text = bytes.toString("base64url").replaceAll("_", "~");
  const padding = (4 - (text.length & 3)) & 3;
  return padding === 0 ? text : padding === 2 ? `${text}__` : `${text}_`;
}

const CLOUDFRONT_BASE64 = /^[A-Za-z0-9~-]*_{0,2}$/;

/**
 * Decodes CloudFront base64. Returns undefined when the text is empty, uses characters outside the
 * alphabet (`A-Z a-z 0-9 - ~`, `_` padding at the end), or cannot be a base64 string (length ≡ 1 mod 4,
 * wrong padding). Missing padding is tolerated, like CloudFront's decoder is assumed to.
 */
export function fromCloudFrontBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !CLOUDFRONT_BASE64.test(text)) return undefined;
  const padding = text.length - text.replace(/_+$/, "").length;
  const bodyLength = text.length - padding;
  if (bodyLength % 4 === 1) return undefined;
  // With padding present, the total must be a multiple of 4 and the padding exactly what the body needs.
  if (padding > 0 && (text.length % 4 !== 0 || padding !== (4 - (bodyLength % 4)) % 4)) return undefined;
  const standard = text.replace(/-/g, "+").replace(/~/g, "/").replace(/_/g, "=");
  return Buffer.from(standard, "base64");
}
