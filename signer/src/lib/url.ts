import { URL_SIGNING_PARAMS } from "./constants";
import { InputError } from "./errors";
import { quoteInput } from "./terminal";

/*
 * URL validation and normalization for signing (spec §5). The rule: the string we sign is the string we
 * return, and no client may rewrite it afterwards. So instead of re-encoding (what `URL`/`URLSearchParams`
 * do, the source of most signer bugs) we refuse anything a client would change and ask for the
 * percent-encoded form. Allowed characters are RFC 3986's (unreserved, sub-delims, `:`, `@`, `/`, `?`,
 * `%XX`), minus `'` in the query (browsers rewrite it to %27 there).
 */

// 0 = allowed; otherwise the code of the complaint.
const enum Bad {
  Ok = 0,
  Control = 1,
  Space = 2,
  Quote = 3,
  Backslash = 4,
  Fragment = 5,
  Percent = 6,
  Unsafe = 7,
}

const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) CHAR_CLASS[c] = Bad.Control;
CHAR_CLASS[0x7f] = Bad.Control;
CHAR_CLASS[0x20] = Bad.Space;
CHAR_CLASS[0x22] = Bad.Quote;
CHAR_CLASS[0x5c] = Bad.Backslash;
CHAR_CLASS[0x23] = Bad.Fragment;
CHAR_CLASS[0x25] = Bad.Percent; // checked for two hex digits
for (const ch of "<>`{}|^[]") CHAR_CLASS[ch.charCodeAt(0)] = Bad.Unsafe;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function percentOf(ch: string): string {
  return Array.from(Buffer.from(ch, "utf8"), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}

/** Refuses characters a client would rewrite or that cannot be sent; one message per kind of problem. */
function checkCharacters(text: string, field: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      const ch = String.fromCodePoint(text.codePointAt(i) ?? c);
      throw new InputError(
        `${field}: contains the non-ASCII character "${ch}" at position ${i + 1}; percent-encode it (${percentOf(ch)}) and use the punycode (xn--) form of an international domain name`,
      );
    }
    const kind = CHAR_CLASS[c];
    if (kind === Bad.Ok) continue;
    switch (kind) {
      case Bad.Control:
        throw new InputError(
          `${field}: contains a control character (U+${c.toString(16).toUpperCase().padStart(4, "0")}) at position ${i + 1}; percent-encode it as %${c.toString(16).toUpperCase().padStart(2, "0")}`,
        );
      case Bad.Space:
        throw new InputError(`${field}: contains a raw space at position ${i + 1}; percent-encode it as %20 (clients rewrite spaces, which breaks the signature)`);
      case Bad.Quote:
        throw new InputError(`${field}: contains a double quote (") at position ${i + 1}; percent-encode it as %22`);
      case Bad.Backslash:
        throw new InputError(`${field}: contains a backslash at position ${i + 1}; percent-encode it as %5C (browsers turn a raw \\ into /)`);
      case Bad.Fragment:
        throw new InputError(
          `${field}: has a fragment (${quoteInput(text.slice(i))}); clients never send the # part, so remove it (a literal # is written %23)`,
        );
      case Bad.Percent:
        if (i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
          i += 2;
          continue;
        }
        throw new InputError(`${field}: has a "%" at position ${i + 1} not followed by two hex digits; write a literal % as %25`);
      default:
        throw new InputError(
          `${field}: contains "${text[i]}" at position ${i + 1}, which clients percent-encode; write it as ${percentOf(text[i])}`,
        );
    }
  }
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const HOST = /^[a-z0-9_.-]+$/;
const PATTERN_HOST = /^[a-z0-9_.*?-]+$/;
const SIGNING_PARAMS: ReadonlySet<string> = new Set(URL_SIGNING_PARAMS);
const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

function safeDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Refuses query parameters CloudFront reserves for signed URLs (spec §5). Scans without splitting (hot path). */
function checkQuery(query: string, field: string): void {
  if (query.includes("'")) {
    throw new InputError(`${field}: the query contains ' which browsers rewrite to %27 (breaking the signature); write it as %27`);
  }
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    let nameEnd = query.indexOf("=", start);
    if (nameEnd === -1 || nameEnd > end) nameEnd = end;
    // The shortest reserved name is 6 characters ("Policy"); a percent-encoded one is longer.
    if (nameEnd - start >= 6) {
      const name = safeDecode(query.slice(start, nameEnd));
      if (SIGNING_PARAMS.has(name)) {
        throw new InputError(
          `${field}: the query already has the CloudFront signing parameter "${name}"; CloudFront would read it as a signature — rename that parameter (reserved: ${URL_SIGNING_PARAMS.join(", ")})`,
        );
      }
    }
    start = end + 1;
  }
}

// A whole path segment made of one or two dots, literal or percent-encoded (clients decode %2e too).
const DOT_SEGMENT_IN_PATH = /(?:^|\/)((?:\.|%2e){1,2})(?=\/|$)/i;

function checkPath(path: string, field: string): void {
  const m = DOT_SEGMENT_IN_PATH.exec(path);
  if (m) {
    throw new InputError(
      `${field}: the path has a dot segment ("/${m[1]}/"), which clients collapse before sending; give the resolved path without /./ or /../`,
    );
  }
}

interface Parts {
  scheme: string;
  authority: string;
  path: string;
  query: string | undefined;
}

function split(text: string, field: string, allowWildcardScheme: boolean): Parts {
  let scheme: string;
  let restStart: number;
  // The usual lower-case schemes first: exactly what SCHEME would find, without running it (hot path).
  if (text.startsWith("https://")) {
    scheme = "https";
    restStart = 8;
  } else if (text.startsWith("http://")) {
    scheme = "http";
    restStart = 7;
  } else {
    const m = SCHEME.exec(text);
    if (m) {
      scheme = m[1].toLowerCase();
      restStart = m[0].length;
    } else if (allowWildcardScheme && text.startsWith("*://")) {
      scheme = "*";
      restStart = 4;
    } else if (text.startsWith("/")) {
      const shown = quoteInput(text, { max: 120 });
      throw new InputError(
        `${field}: ${shown} is a path, not a URL; give https://<domain>${shown.startsWith('"') ? shown.slice(1, -1) : "/<path>"} (the CLI resolves paths against the stack's baseUrl)`,
      );
    } else {
      throw new InputError(`${field}: ${quoteInput(text)} is not an absolute URL; give it as https://<domain>/<path>`);
    }
  }
  if (scheme !== "http" && scheme !== "https" && scheme !== "*") {
    throw new InputError(`${field}: the scheme ${quoteInput(scheme)} is not supported; CloudFront signed URLs use https:// (or http://)`);
  }
  // The authority ends at the first "/" or "?"; the query starts at the first "?" after it.
  let pathStart = -1;
  for (let i = restStart; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */) {
      pathStart = i;
      break;
    }
  }
  if (pathStart === -1) return { scheme, authority: text.slice(restStart), path: "", query: undefined };
  const q = text.indexOf("?", pathStart);
  return {
    scheme,
    authority: text.slice(restStart, pathStart),
    path: q === -1 ? text.slice(pathStart) : text.slice(pathStart, q),
    query: q === -1 ? undefined : text.slice(q + 1),
  };
}

// Most batches sign many URLs on one domain: remember the last valid authority (a pure function of its inputs).
let lastAuthorityIn = "";
let lastAuthorityScheme = "";
let lastAuthorityOut = "";

function normalizeAuthority(authority: string, scheme: string, field: string, pattern: boolean): string {
  if (!pattern && authority === lastAuthorityIn && scheme === lastAuthorityScheme) return lastAuthorityOut;
  const out = normalizeAuthorityUncached(authority, scheme, field, pattern);
  if (!pattern) {
    lastAuthorityIn = authority;
    lastAuthorityScheme = scheme;
    lastAuthorityOut = out;
  }
  return out;
}

function normalizeAuthorityUncached(authority: string, scheme: string, field: string, pattern: boolean): string {
  if (authority.includes("@")) {
    throw new InputError(`${field}: user info ("…@") in the URL is not supported; remove the credentials`);
  }
  const colon = authority.lastIndexOf(":");
  const host = (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
  const port = colon === -1 ? undefined : authority.slice(colon + 1);
  if (host === "") throw new InputError(`${field}: the URL has no domain; give it as https://<domain>/<path>`);
  if (!(pattern ? PATTERN_HOST : HOST).test(host) || host.startsWith(".") || host.includes("..")) {
    throw new InputError(`${field}: ${quoteInput(host)} is not a valid domain name (letters, digits, - and . only; use the punycode form for international names)`);
  }
  if (port === undefined) return host;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new InputError(`${field}: invalid port ${quoteInput(port)}; use 1-65535`);
  }
  // Clients drop a default port from the request; keeping it would make the Resource differ.
  if (DEFAULT_PORT[scheme] === String(Number(port))) return host;
  return `${host}:${Number(port)}`;
}

/**
 * Validates and normalizes a URL to be signed: http(s) only, scheme and domain lower-cased, default port
 * dropped, empty path → "/", empty query / trailing "&" dropped. Refuses fragments, characters clients
 * rewrite, dot segments, user info and existing signing parameters. `field` names the argument in errors.
 */
export function normalizeUrl(input: string, field = "url"): string {
  // First whether it is a URL at all ("not a url" is that, not "a raw space at position 4").
  const parts = split(input, field, false);
  checkCharacters(input, field);
  const authority = normalizeAuthority(parts.authority, parts.scheme, field, false);
  const path = parts.path === "" ? "/" : parts.path;
  checkPath(path, field);
  const query = parts.query !== undefined && parts.query.endsWith("&") ? parts.query.replace(/&+$/, "") : parts.query;
  if (query !== undefined && query !== "") checkQuery(query, field);
  // Usually the URL is already in normal form: then it is returned as given (the very same characters),
  // which saves building a copy for every line of a batch.
  if (authority === parts.authority && path === parts.path && query === parts.query && query !== "" && input.startsWith(parts.scheme)) {
    return input;
  }
  return `${parts.scheme}://${authority}${path}${query ? `?${query}` : ""}`;
}

/** True when a resource uses the custom-policy wildcard `*` (so it can never be a canned policy). */
export function hasWildcard(resource: string): boolean {
  return resource.includes("*");
}

/**
 * Validates a policy resource pattern (`https://cdn.example.com/private/*`, `*://*.example.com/*`, `*`).
 * Patterns are used verbatim apart from lower-casing scheme and domain: adding a "/" or dropping parts
 * would change what the wildcard covers. Same character rules as URLs (so `*` and `?` are fine).
 */
let lastPatternIn: string | undefined;
let lastPatternOut = "";

export function normalizeResourcePattern(input: string, field = "policyResource"): string {
  if (input === "*") return input;
  // Cookies are usually signed for one resource over and over: remember the last valid one.
  if (input === lastPatternIn) return lastPatternOut;
  const out = normalizeResourcePatternUncached(input, field);
  lastPatternIn = input;
  lastPatternOut = out;
  return out;
}

function normalizeResourcePatternUncached(input: string, field: string): string {
  const parts = split(input, field, true);
  checkCharacters(input, field);
  const authority = normalizeAuthority(parts.authority, parts.scheme === "*" ? "*" : parts.scheme, field, true);
  checkPath(parts.path, field);
  if (parts.query !== undefined && parts.query !== "") checkQuery(parts.query, field);
  return `${parts.scheme}://${authority}${parts.path}${parts.query !== undefined ? `?${parts.query}` : ""}`;
}

/** Appends query parameters to a URL that has been through normalizeUrl. */
export function appendQuery(url: string, params: string): string {
  return url + (url.includes("?") ? "&" : "?") + params;
}
