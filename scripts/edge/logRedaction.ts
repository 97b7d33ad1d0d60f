// What the local edge logs of a request's credentials: everything that helps debugging (path, Expires, Policy,
// Key-Pair-Id, Hash-Algorithm, which CloudFront-* cookies came), never a signature: a log line must not be a
// working signed URL or cookie set. Other cookies (an application's session) are not logged at all.
import { COOKIE_NAMES } from "../../signer/src/lib/constants";
import { parseCookieHeader } from "../../signer/src/lib/signedRequest";

export const REDACTED = "[redacted]";

const COOKIE_NAME_LIST: readonly string[] = Object.values(COOKIE_NAMES);

/**
 * Replaces every signature value in a log line: the `Signature` query parameter (each occurrence, any letter
 * case) and the `CloudFront-Signature` cookie. The parameter and cookie names stay, so the line still shows
 * that a signature was sent.
 */
export function redactSignatures(line: string): string {
  return line
    .replace(/([?&]signature=)[^&#\s]*/gi, `$1${REDACTED}`)
    .replace(/(\bCloudFront-Signature=)[^;,\s\]]*/gi, `$1${REDACTED}`);
}

/** ` [cookies: CloudFront-Policy=…, CloudFront-Signature=[redacted], …]` for the CloudFront-* cookies a request carries, else "". */
export function cloudFrontCookiesForLog(cookieHeader: string | undefined): string {
  if (!cookieHeader) return "";
  const cookies = parseCookieHeader(cookieHeader);
  const shown = COOKIE_NAME_LIST.filter((name) => Object.prototype.hasOwnProperty.call(cookies, name)).map((name) =>
    name === COOKIE_NAMES.signature ? `${name}=${REDACTED}` : `${name}=${cookies[name]}`,
  );
  return shown.length > 0 ? ` [cookies: ${shown.join(", ")}]` : "";
}
