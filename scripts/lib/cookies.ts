import { InputError } from "./errors";

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
      throw new InputError(`${field}: "${options.domain}" is a wildcard; a cookie Domain is a plain domain name such as cdn.example.com`);
    }
    const bare = domain.replace(/^\./, "");
    if (bare === "cloudfront.net") {
      throw new InputError(
        `${field}: "${options.domain}" would share the cookies with every CloudFront distribution (browsers refuse it anyway); use the distribution's alternate domain name, e.g. cdn.example.com`,
      );
    }
    if (!DOMAIN.test(domain)) {
      throw new InputError(`${field}: "${options.domain}" is not a domain name; give e.g. cdn.example.com (punycode for international names)`);
    }
  }
  const path = options.path ?? "/";
  if (!COOKIE_PATH.test(path)) {
    throw new InputError(`${labels.path ?? "path"}: "${path}" is not a cookie path; it must start with / and contain no spaces, ';' or non-ASCII`);
  }
  let sameSite: ValidCookieOptions["sameSite"];
  if (options.sameSite !== undefined) {
    const value = String(options.sameSite).toLowerCase();
    if (value === "strict") sameSite = "Strict";
    else if (value === "lax") sameSite = "Lax";
    else if (value === "none") sameSite = "None";
    else throw new InputError(`${labels.sameSite ?? "sameSite"}: "${options.sameSite}" is not a SameSite value; use Strict, Lax or None`);
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
