import { COOKIE_NAMES, URL_SIGNING_PARAMS } from "./constants";

// Pulling the signing credentials out of a request (spec §5, §6): the URL's signing parameters when
// any is present (then cookies are ignored), else the CloudFront-* cookies. The URL left after removing
// the signing parameters is what a canned policy is rebuilt from, byte for byte.

export type CredentialSource = "url" | "cookie";

/** The raw credential values as the request carried them (undefined = absent). */
export interface RawCredentials {
  via: CredentialSource;
  expires?: string;
  policy?: string;
  signature?: string;
  keyPairId?: string;
  hashAlgorithm?: string;
}

export interface ExtractedRequest {
  /** The request URL without the signing parameters (the canned-policy resource). */
  resourceUrl: string;
  /** undefined when the request carries no signing parameter and no CloudFront-* cookie. */
  credentials?: RawCredentials;
}

const SIGNING_PARAM_SET: ReadonlySet<string> = new Set(URL_SIGNING_PARAMS);

function decodeValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // Not valid percent-encoding: keep the raw text; it then fails the alphabet check with a clear code.
    return raw;
  }
}

/**
 * Removes the signing parameters from a URL, keeping every other byte (order, encoding) as it was.
 * Returns the remaining URL and the first value of each signing parameter (percent-decoded).
 */
export function stripSigningParams(url: string): { url: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const hash = url.indexOf("#");
  const withoutFragment = hash < 0 ? url : url.slice(0, hash);
  const q = withoutFragment.indexOf("?");
  if (q < 0) return { url: withoutFragment, params };
  const kept: string[] = [];
  for (const part of withoutFragment.slice(q + 1).split("&")) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (SIGNING_PARAM_SET.has(name)) {
      // First occurrence wins; a duplicate is still stripped so it cannot reach the origin.
      if (!params.has(name)) params.set(name, eq < 0 ? "" : decodeValue(part.slice(eq + 1)));
    } else {
      kept.push(part);
    }
  }
  const base = withoutFragment.slice(0, q);
  return { url: kept.length > 0 ? `${base}?${kept.join("&")}` : base, params };
}

/** Parses a `Cookie:` header value (`a=b; c=d`). First occurrence of a name wins, like most servers. */
export function parseCookieHeader(header: string): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !Object.prototype.hasOwnProperty.call(cookies, name)) cookies[name] = value;
  }
  return cookies;
}

const COOKIE_NAME_LIST: readonly string[] = Object.values(COOKIE_NAMES);

/** Decides which credentials CloudFront would use for this request and extracts them. */
export function extractCredentials(url: string, cookies?: Record<string, string>): ExtractedRequest {
  const { url: resourceUrl, params } = stripSigningParams(url);
  if (params.size > 0) {
    return {
      resourceUrl,
      credentials: {
        via: "url",
        expires: params.get("Expires"),
        policy: params.get("Policy"),
        signature: params.get("Signature"),
        keyPairId: params.get("Key-Pair-Id"),
        hashAlgorithm: params.get("Hash-Algorithm"),
      },
    };
  }
  const jar = cookies ?? {};
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(jar, name);
  if (!COOKIE_NAME_LIST.some(has)) return { resourceUrl };
  const get = (name: string): string | undefined => (has(name) ? jar[name] : undefined);
  return {
    resourceUrl,
    credentials: {
      via: "cookie",
      expires: get(COOKIE_NAMES.expires),
      policy: get(COOKIE_NAMES.policy),
      signature: get(COOKIE_NAMES.signature),
      keyPairId: get(COOKIE_NAMES.keyPairId),
      hashAlgorithm: get(COOKIE_NAMES.hashAlgorithm),
    },
  };
}
