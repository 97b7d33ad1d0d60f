// The path guard: the source of a CloudFront Function (viewer request, cloudfront-js-2.0) generated from
// the protected path patterns. Pure and free of Pulumi on purpose: the PathGuard component deploys this
// source and the local edge (scripts/edge) executes the very same text in node:vm.
//
// Why it exists (docs/verify-and-edge.md, spec §12): CloudFront matches cache behaviours on the
// RFC 3986-normalised path, where %2F stays encoded, but S3 decodes the raw path once, so
// `/private%2Fcat.jpeg` falls to the public default behaviour and reaches the key `private/cat.jpeg`.
// The guard, on every behaviour that does not require a signature, refuses any request whose S3 key
// would fall under a protected pattern.

/** CloudFront Functions runtime the source is written for (ES 5.1 syntax plus what 2.0 adds; we use ES5 only). */
export const PATH_GUARD_RUNTIME = "cloudfront-js-2.0";
/** The only event type the guard makes sense on: before the cache and the origin. */
export const PATH_GUARD_EVENT_TYPE = "viewer-request";
/** CloudFront Functions quota: maximum size of a function's code. */
export const MAX_FUNCTION_CODE_BYTES = 10 * 1024;
/** CloudFront limit on the length of a path pattern. */
export const MAX_PATH_PATTERN_LENGTH = 255;
/** Characters CloudFront allows in a path pattern. */
export const PATH_PATTERN_CHARS = /^[A-Za-z0-9_\-.*?$/~"'@:+&]+$/;

/** The body of the guard's 403: CloudFront's own AccessDenied answer (spec §9), so a refusal reveals nothing more. */
export const PATH_GUARD_DENIED_BODY =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>';

export class PathGuardError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PathGuardError";
    }
}

function show(value: unknown): string {
    const text = typeof value === "string" ? JSON.stringify(value) : String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks the protected path patterns the guard is generated from and returns them as a new array.
 * Throws a one-line PathGuardError naming the item and the fix.
 */
export function validatePathGuardPatterns(protectedPaths: unknown, field = "protectedPaths"): string[] {
    if (!Array.isArray(protectedPaths)) {
        throw new PathGuardError(`${field} must be a list of path patterns such as ["/private/*"], got ${show(protectedPaths)}`);
    }
    if (protectedPaths.length === 0) {
        throw new PathGuardError(`${field} is empty: a path guard protects nothing without the protected path patterns; list them or do not create the guard`);
    }
    return protectedPaths.map((pattern: unknown, index) => {
        const where = `${field}[${index}]`;
        if (typeof pattern !== "string" || pattern === "") {
            throw new PathGuardError(`${where} must be a non-empty path pattern such as "/private/*", got ${show(pattern)}`);
        }
        if (pattern.length > MAX_PATH_PATTERN_LENGTH) {
            throw new PathGuardError(`${where} is ${pattern.length} characters long; CloudFront allows at most ${MAX_PATH_PATTERN_LENGTH}`);
        }
        if (!PATH_PATTERN_CHARS.test(pattern)) {
            throw new PathGuardError(`${where} ${show(pattern)} has a character CloudFront does not allow in a path pattern; allowed: A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`);
        }
        return pattern;
    });
}

/** A pattern as CloudFront matches it: without a leading `/` it is matched as if it had one; "**" is "*". */
export function canonicalPathPattern(pattern: string): string {
    const withSlash = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
    return withSlash.replace(/\*{2,}/g, "*");
}

/**
 * The CloudFront Function source (cloudfront-js-2.0, viewer request) guarding the behaviours that do not
 * require a signature. It answers 403 (CloudFront's AccessDenied XML) when the path holds an encoded slash
 * or backslash (`%2F`, `%5C`, any case) or a raw backslash, when the path cannot be decoded, or when the
 * object key S3 would read from the raw path (decoded once; a literal `+` read both as `+` and as a space)
 * matches a protected pattern; every other request is returned unchanged. Throws PathGuardError on bad
 * patterns or when the source would exceed CloudFront's 10 KB code limit.
 */
export function pathGuardSource(protectedPaths: string[]): string {
    const patterns = validatePathGuardPatterns(protectedPaths);
    const canonical = patterns.map(canonicalPathPattern);
    const source = [
        "// Path guard (cloudfront-signed-content), generated from the protected path patterns in PROTECTED.",
        "// CloudFront matches behaviours on the normalised path (%2F stays encoded) but S3 decodes the raw",
        "// path once, so /private%2Fcat.jpeg would reach private/cat.jpeg through a public behaviour.",
        "// This viewer-request function refuses such requests and passes every other one through unchanged.",
        `var PROTECTED = ${JSON.stringify(canonical)};`,
        `var DENIED = ${JSON.stringify(PATH_GUARD_DENIED_BODY)};`,
        "",
        "function deny() {",
        "  return {",
        "    statusCode: 403,",
        "    statusDescription: 'Forbidden',",
        "    headers: { 'content-type': { value: 'text/xml' }, 'cache-control': { value: 'no-store' } },",
        "    body: { encoding: 'text', data: DENIED }",
        "  };",
        "}",
        "",
        "// CloudFront path pattern matching: case-sensitive, * any characters (including /), ? exactly one.",
        "// Greedy with one backtrack point: O(pattern x path) at worst, no catastrophic backtracking.",
        "function matches(pattern, text) {",
        "  var p = 0, t = 0, star = -1, mark = 0;",
        "  while (t < text.length) {",
        "    var c = pattern.charAt(p);",
        "    if (p < pattern.length && c === '*') {",
        "      star = p++;",
        "      mark = t;",
        "    } else if (p < pattern.length && (c === '?' || c === text.charAt(t))) {",
        "      p++;",
        "      t++;",
        "    } else if (star !== -1) {",
        "      p = star + 1;",
        "      t = ++mark;",
        "    } else {",
        "      return false;",
        "    }",
        "  }",
        "  while (p < pattern.length && pattern.charAt(p) === '*') p++;",
        "  return p === pattern.length;",
        "}",
        "",
        "function isProtected(key) {",
        "  for (var i = 0; i < PROTECTED.length; i++) {",
        "    if (matches(PROTECTED[i], key)) return true;",
        "  }",
        "  return false;",
        "}",
        "",
        "function decode(text) {",
        "  try {",
        "    return decodeURIComponent(text);",
        "  } catch (e) {",
        "    return null;",
        "  }",
        "}",
        "",
        "function handler(event) {",
        "  var request = event.request;",
        "  var uri = request.uri;",
        "  if (typeof uri !== 'string' || uri.charAt(0) !== '/') return deny();",
        "  // An encoded / or \\ becomes part of the S3 key, unseen by behaviour matching.",
        "  if (/%(?:2f|5c)/i.test(uri) || uri.indexOf('\\\\') !== -1) return deny();",
        "  var key = decode(uri);",
        "  // S3 reads a literal + in the path as a space: check both spellings.",
        "  var spaced = uri.indexOf('+') === -1 ? key : decode(uri.replace(/\\+/g, '%20'));",
        "  if (key === null || spaced === null) return deny();",
        "  if (isProtected(key) || isProtected(spaced)) return deny();",
        "  return request;",
        "}",
        "",
    ].join("\n");
    const bytes = Buffer.byteLength(source, "utf8");
    if (bytes > MAX_FUNCTION_CODE_BYTES) {
        throw new PathGuardError(
            `protectedPaths: the path guard for ${patterns.length} patterns is ${bytes} bytes, over CloudFront Functions' ${MAX_FUNCTION_CODE_BYTES}-byte code limit; combine patterns with wildcards`,
        );
    }
    return source;
}
