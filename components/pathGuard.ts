// The path guard: the source of a CloudFront Function (viewer request, cloudfront-js-2.0) generated from
// the protected path patterns. Pure and free of Pulumi on purpose: the PathGuard component deploys this
// source and the local edge (scripts/edge) executes the very same text in node:vm.
//
// Why it exists (docs/protocol.md, spec §12): CloudFront matches cache behaviours on the normalised path,
// where %2F stays encoded, but S3 decodes the raw path once, so `/private%2Fcat.jpeg` falls to the public
// default behaviour and reaches the key `private/cat.jpeg`. The guard, on every behaviour that does not
// require a signature, refuses a request when some spelling of its S3 key would match a protected pattern
// (the rule and its proof obligations: docs/protocol.md, "The path guard's rule").
import { PATH_GUARD_RUNTIME_LINES } from "./pathGuardRuntime";

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
/**
 * Work the generated check may do for one request, in steps (one step: one partial match advanced by one
 * character, or 32 characters scanned by a native string method). Spent, the request is refused. Measured
 * in njs (`npm run bench`), a full budget is well under CloudFront Functions' millisecond.
 */
export const PATH_GUARD_STEP_BUDGET = 8000;
/** Static cost rule: at most this many protected patterns (CloudFront's default quota of cache behaviours). */
export const MAX_GUARDED_PATTERNS = 25;
/** Static cost rule: at most this many `*` in one pattern. */
export const MAX_PATTERN_STARS = 8;
/** Static cost rule: at most this many `?` in one pattern. */
export const MAX_PATTERN_QUESTION_MARKS = 16;

/** The body of the guard's 403: CloudFront's own AccessDenied answer (spec §9), so a refusal reveals nothing more. */
export const PATH_GUARD_DENIED_BODY =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>';

/** What the generated check says about a request path (`pathGuard.verdict(uri)` in the source). */
export type PathGuardVerdict = "pass" | "protected" | "undecodable" | "budget" | "error";

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

function count(text: string, char: string): number {
    return text.split(char).length - 1;
}

/**
 * Why a pattern breaks the guard's static cost rule (docs/protocol.md), or undefined. The rule bounds the
 * work per request for ordinary paths; the step budget bounds it for every path.
 */
export function pathGuardCostProblem(pattern: string): string | undefined {
    const canonical = canonicalPathPattern(pattern);
    const stars = count(canonical, "*");
    const questions = count(canonical, "?");
    if (stars > MAX_PATTERN_STARS) return `has ${stars} "*" wildcards; the path guard allows at most ${MAX_PATTERN_STARS} per pattern`;
    if (questions > MAX_PATTERN_QUESTION_MARKS) return `has ${questions} "?" wildcards; the path guard allows at most ${MAX_PATTERN_QUESTION_MARKS} per pattern`;
    return undefined;
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
    if (protectedPaths.length > MAX_GUARDED_PATTERNS) {
        throw new PathGuardError(`${field} has ${protectedPaths.length} patterns; the path guard checks at most ${MAX_GUARDED_PATTERNS} (CloudFront's default number of cache behaviours): combine patterns with wildcards`);
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
        const cost = pathGuardCostProblem(pattern);
        if (cost !== undefined) throw new PathGuardError(`${where} ${show(pattern)} ${cost}: split it into simpler patterns`);
        return pattern;
    });
}

/** A pattern as CloudFront matches it: without a leading `/` it is matched as if it had one; "**" is "*". */
export function canonicalPathPattern(pattern: string): string {
    const withSlash = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
    return withSlash.replace(/\*{2,}/g, "*");
}

/** How a pattern character that matches one whole key byte appears in the key's canonical form. */
const CANONICAL: Record<string, string> = { "/": "%2F", $: "%24", '"': "%22", "'": "%27", "@": "%40", ":": "%3A", "&": "%26" };

/** A canonical pattern in the spelling the check works on, with `+` read by S3 as a space or as itself. */
function canonicalSpelling(pattern: string, plusIsSpace: boolean): string {
    let out = "";
    for (const char of pattern) out += char === "+" ? (plusIsSpace ? "%20" : "%2B") : (CANONICAL[char] ?? char);
    return out;
}

/** The longest common prefix of some strings. */
function commonPrefix(texts: string[]): string {
    let common = texts[0];
    for (const other of texts) while (!other.startsWith(common)) common = common.slice(0, -1);
    return common;
}

/** At most this many characters of a pattern's fixed start and end go into the generated source. */
const FIXED_LENGTH = 16;

/**
 * What the canonical key F must start with for the pattern to match when F holds no region normalisation removes:
 * the leading "%2F" and the pattern's text up to its first wildcard (or `+`, spelled per reading).
 */
function fixedStart(spellings: string[]): string {
    return commonPrefix(spellings.map((s) => (s.startsWith("%2F") ? s.split(/[*?]/)[0] : ""))).slice(0, FIXED_LENGTH);
}

/**
 * What F must end with for the pattern to match: the text after the pattern's last wildcard, less its leading hex
 * digits (at most two) when a wildcard precedes it: they may match the hex digits of an escape, in either case.
 */
function fixedEnd(spellings: string[]): string {
    const ends = spellings.map((s) => {
        const tail = s.split(/[*?]/).pop() ?? "";
        return tail.length === s.length ? tail : tail.replace(/^[0-9A-Fa-f]{1,2}/, "");
    });
    const reversed = commonPrefix(ends.map((e) => [...e].reverse().join("")));
    return [...reversed].reverse().join("").slice(-FIXED_LENGTH);
}

const WORD = /[A-Za-z0-9_$]/;

/**
 * One line of the runtime without the spaces JavaScript does not need: kept inside string literals, between two
 * identifier characters and between two of + -, dropped everywhere else. The runtime holds no regular expression
 * literal, comment or division (a "/" outside a string throws here, so a later edit cannot slip one in).
 */
export function compactLine(line: string): string {
    let out = "";
    let quote = "";
    const text = line.trim();
    for (let i = 0; i < text.length; i++) {
        const char = text[i];
        const keep = () => (WORD.test(out.slice(-1)) && WORD.test(text[i + 1] ?? "")) || (/[+-]/.test(out.slice(-1)) && /[+-]/.test(text[i + 1] ?? ""));
        if (quote) {
            out += char;
            if (char === "\\") out += text[++i];
            else if (char === quote) quote = "";
        } else if (char === "'" || char === '"') {
            quote = char;
            out += char;
        } else if (char === "/") {
            throw new Error(`path guard runtime: "/" outside a string literal in ${JSON.stringify(text)}`);
        } else if (char !== " " || keep()) {
            out += char;
        }
    }
    return out;
}

function utf8Length(text: string): number {
    return encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, "x").length;
}

/**
 * The guard's check alone, as ES5 source text that defines one global, `pathGuard`, with
 * `pathGuard.allows(uri)` (true: pass the request on), `pathGuard.denied()` (the 403 to return otherwise)
 * and `pathGuard.verdict(uri)` ("pass", "protected", "undecodable", "budget" or "error"). Paste it into
 * your own viewer-request function (see combinePathGuardSource). Throws PathGuardError on bad patterns.
 */
export function pathGuardCheckSource(protectedPaths: string[]): string {
    const patterns = [...new Set(validatePathGuardPatterns(protectedPaths).map(canonicalPathPattern))];
    const entries = patterns.map((pattern) => {
        const spellings = [canonicalSpelling(pattern, true), canonicalSpelling(pattern, false)];
        return [spellings[0], spellings[1] === spellings[0] ? 0 : spellings[1], fixedStart(spellings), fixedEnd(spellings)] as const;
    });
    const gate: Record<string, number[]> = {};
    const open: number[] = [];
    entries.forEach(([, , start], index) => {
        if (start.length < 6) open.push(index);
        else (gate[` ${start.slice(3, 6)}`] ??= []).push(index);
    });
    const values: Record<string, string> = {
        __PATTERNS__: JSON.stringify(entries),
        __GATE__: JSON.stringify(gate),
        __OPEN__: JSON.stringify(open),
        __QP__: String(patterns.some((p) => p.includes("?") || p.includes("+"))),
        __BUDGET__: String(PATH_GUARD_STEP_BUDGET),
        __DENIED__: JSON.stringify(PATH_GUARD_DENIED_BODY),
    };
    const code = PATH_GUARD_RUNTIME_LINES.map(compactLine)
        .filter((line) => line !== "")
        .map((line) => line.replace(/__[A-Z]+__/g, (name) => values[name] ?? name));
    return [
        "// Path guard check (cloudfront-signed-content): pathGuard.allows(uri) is false when some spelling of the",
        "// S3 key the path names matches a protected pattern (PATS, in canonical spelling). docs/protocol.md.",
        ...code,
        "",
    ].join("\n");
}

function checkSize(source: string, what: string, count: number): string {
    const bytes = utf8Length(source);
    if (bytes > MAX_FUNCTION_CODE_BYTES) {
        throw new PathGuardError(
            `protectedPaths: ${what} for ${count} patterns is ${bytes} bytes, over CloudFront Functions' ${MAX_FUNCTION_CODE_BYTES}-byte code limit; combine patterns with wildcards`,
        );
    }
    return source;
}

/**
 * The CloudFront Function source (cloudfront-js-2.0, viewer request) guarding the behaviours that do not
 * require a signature: 403 (CloudFront's AccessDenied XML) unless `pathGuard.allows(uri)`, the request
 * unchanged otherwise; an exception inside also ends in the 403. Throws PathGuardError on bad patterns or
 * when the source would exceed CloudFront's 10 KB code limit.
 */
export function pathGuardSource(protectedPaths: string[]): string {
    const source = [
        pathGuardCheckSource(protectedPaths),
        "function handler(event) {",
        "  try {",
        "    if (pathGuard.allows(event.request.uri)) return event.request;",
        "  } catch (e) {",
        "    // refused below",
        "  }",
        "  return pathGuard.denied();",
        "}",
        "",
    ].join("\n");
    return checkSize(source, "the path guard", protectedPaths.length);
}

/**
 * Your own viewer-request function with the guard's check in front of it, for a behaviour that already has
 * one (CloudFront runs one function per event type). `functionSource` must call the check first, e.g.
 * `function handler(event) { if (!pathGuard.allows(event.request.uri)) return pathGuard.denied(); ... }`.
 * Throws PathGuardError when it does not, or when the combined code exceeds CloudFront's 10 KB limit.
 */
export function combinePathGuardSource(protectedPaths: string[], functionSource: string): string {
    if (typeof functionSource !== "string" || !/\bpathGuard\.allows\(/.test(functionSource)) {
        throw new PathGuardError(
            "functionSource must call the check first: if (!pathGuard.allows(event.request.uri)) return pathGuard.denied();",
        );
    }
    return checkSize(`${pathGuardCheckSource(protectedPaths)}\n${functionSource}`, "your function with the path guard check", protectedPaths.length);
}
