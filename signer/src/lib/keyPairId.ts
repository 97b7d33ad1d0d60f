import { InputError } from "./errors";

// CloudFront key pair ids (public key ids such as K2JCJMDEHXQW5F, legacy APKA… ids) are upper-case
// letters and digits. Anything else ends up in Key-Pair-Id and CloudFront answers InvalidKey.
const KEY_PAIR_ID = /^[A-Z0-9]{1,128}$/;

/**
 * Checks the shape of a CloudFront key pair id and returns it; throws a one-line InputError naming `field`.
 * The value is echoed only when it is short and harmless: a pasted PEM line or key must never be printed.
 * `keyHint` says where key material belongs, for the message when `field` holds a PEM key.
 */
export function checkKeyPairId(value: unknown, field: string, keyHint = "give the key itself separately"): string {
  if (typeof value === "string" && KEY_PAIR_ID.test(value)) return value;
  const text = typeof value === "string" ? value : String(value);
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new InputError(`${field} holds a private key (PEM), not a key pair id; set it to the CloudFront public key id (e.g. K2JCJMDEHXQW5F) and ${keyHint}`);
  }
  if (/-----BEGIN /.test(text)) {
    throw new InputError(`${field} holds a PEM block, not a key pair id; set it to the CloudFront public key id (e.g. K2JCJMDEHXQW5F)`);
  }
  const shown = text.length <= 32 && /^[\x20-\x7e]*$/.test(text) ? `"${text}"` : `(${text.length} characters, not shown)`;
  const why = /^[A-Za-z0-9]+$/.test(text) ? " (lower-case letters: CloudFront ids are upper case; copy the id exactly)" : "";
  throw new InputError(
    `${field}: ${shown} is not a CloudFront public key id${why}; key pair ids are upper-case letters and digits, e.g. K2JCJMDEHXQW5F (the keyPairId stack output)`,
  );
}
