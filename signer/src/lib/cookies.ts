import { InputError } from "./errors";
import { quoteInput } from "./terminal";

/** Attributes for the `Set-Cookie` headers of signed cookies (spec §6). */
export interface CookieOptions {
  /** The distribution's own domain or an alternate domain name; never a `*.cloudfront.net` wildcard. */
  domain?: string;
  /** Default "/". */
  path?: string;
  sameSite?: "Strict" | "Lax" | "None";
  labels?: { domain?: string; path?: string; sameSite?: string };
}

export interface ValidCookieOptions {
  domain?: string;
  path: string;
  sameSite?: "Strict" | "Lax" | "None";
}

const DOMAIN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/; // printable ASCII except ';' (it would end the attribute)

/** Checks the cookie attributes once; the messages name the option. */
export function validateCookieOptions(options: CookieOptions): ValidCookieOptions {
  const labels = options.labels ?? {};
  let domain: string | undefined;
  if (options.domain !== undefined) {
    const field = labels.domain ?? "domain";
    domain = options.domain.toLowerCase();
    if (domain.includes("*")) {
      throw new InputError(`${field}: ${quoteInput(options.domain)} is a wildcard; a cookie Domain is a plain domain name such as cdn.example.com`);
    }
    const bare = domain.replace(/^\./, "");
    if (bare === "cloudfront.net") {
      throw new InputError(
        `${field}: ${quoteInput(options.domain)} would share the cookies with every CloudFront distribution (browsers refuse it anyway); use the distribution's alternate domain name, e.g. cdn.example.com`,
      );
    }
    if (bare.endsWith(".cloudfront.net")) {
      throw new InputError(
        `${field}: ${quoteInput(options.domain)} is a *.cloudfront.net domain: browsers treat cloudfront.net as a public suffix, so an application on another site can never set cookies for it; ` +
          "give the distribution an alternate domain name (e.g. cdn.example.com) and sign for that, or omit the Domain for host-only cookies",
      );
    }
    if (!DOMAIN.test(domain)) {
      throw new InputError(`${field}: ${quoteInput(options.domain)} is not a domain name; give e.g. cdn.example.com (punycode for international names)`);
    }
  }
  const path = options.path ?? "/";
  if (!COOKIE_PATH.test(path)) {
    throw new InputError(`${labels.path ?? "path"}: ${quoteInput(path)} is not a cookie path; it must start with / and contain no spaces, ';' or non-ASCII`);
  }
  let sameSite: ValidCookieOptions["sameSite"];
  if (options.sameSite !== undefined) {
    const value = String(options.sameSite).toLowerCase();
    if (value === "strict") sameSite = "Strict";
    else if (value === "lax") sameSite = "Lax";
    else if (value === "none") sameSite = "None";
    else throw new InputError(`${labels.sameSite ?? "sameSite"}: ${quoteInput(String(options.sameSite))} is not a SameSite value; use Strict, Lax or None`);
  }
  return { domain, path, sameSite };
}

/**
 * One `Set-Cookie` value per cookie: `Name=value; Domain=…; Path=…; Secure; HttpOnly[; SameSite=…]`.
 * Session cookies (no Expires/Max-Age): the policy inside carries the real expiry.
 */
export function buildSetCookieHeaders(cookies: Record<string, string>, options: ValidCookieOptions): string[] {
  const attributes =
    (options.domain !== undefined ? `; Domain=${options.domain}` : "") +
    `; Path=${options.path}; Secure; HttpOnly` +
    (options.sameSite !== undefined ? `; SameSite=${options.sameSite}` : "");
  return Object.entries(cookies).map(([name, value]) => `${name}=${value}${attributes}`);
}

/** The host of a resource URL or pattern (`https://host:port/path` → `host`), or undefined when it has none. */
function resourceHost(resource: string): string | undefined {
  const m = /^[A-Za-z*]+:\/\/([^/?#]*)/.exec(resource);
  return m ? m[1].replace(/:[0-9*?]*$/, "").toLowerCase() : undefined;
}

/**
 * Why a cookie Domain would keep the cookies from the resource's host (RFC 6265 domain-match: the host is
 * the domain or ends with "." + domain), or undefined when it is fine. A wildcard host passes when some
 * host it matches could domain-match; a resource without a host (`*`) cannot be checked.
 */
export function cookieDomainMismatch(domain: string, resource: string): string | undefined {
  const host = resourceHost(resource);
  const bare = domain.replace(/^\./, "").toLowerCase();
  if (host === undefined || host === "") return undefined;
  const wildcard = Math.max(host.lastIndexOf("*"), host.lastIndexOf("?"));
  if (wildcard < 0) {
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  } else {
    const suffix = host.slice(wildcard + 1);
    if (suffix === "" || `.${bare}`.endsWith(suffix) || suffix.endsWith(`.${bare}`)) return undefined;
  }
  return `Domain=${bare} does not domain-match ${host}, the host these cookies are signed for, so browsers would never send them there; sign for a URL on ${bare} (its alternate domain name) or drop the Domain`;
}

/**
 * Browsers drop a cookie whose name and value together exceed 4,096 bytes (Chromium's rule, also Firefox's), without
 * a word: CloudFront then sees no CloudFront-Policy cookie and answers 403.
 */
export const MAX_COOKIE_NAME_VALUE_BYTES = 4096;

/** The cookies a browser would drop for their size (name + value over MAX_COOKIE_NAME_VALUE_BYTES), with their sizes. */
export function oversizedCookies(cookies: Record<string, string>): { name: string; bytes: number }[] {
  return Object.entries(cookies)
    .map(([name, value]) => ({ name, bytes: Buffer.byteLength(name, "utf8") + Buffer.byteLength(value, "utf8") }))
    .filter((cookie) => cookie.bytes > MAX_COOKIE_NAME_VALUE_BYTES);
}
