// An independent model of what CloudFront and S3 do with a request path (docs/protocol.md, "Request paths" and
// "The path guard's rule"), written from the documents and RFC 3986, sharing no code with the path guard:
// - normalise(): the path CloudFront matches cache behaviours against, under each reading the documents leave
//   open (hex case of kept escapes, slash merging before or after dot segments, dot segments before or after
//   unreserved escapes are decoded);
// - s3Key(): the key S3 reads (the raw path decoded once, a literal + read as a space or as itself);
// - spellings(): every raw path that S3 reads as a given key (brute force, for short keys);
// - modelVerdict(): "protected" when some spelling's normalised path matches a protected pattern.

export interface NormalisationReading {
  /** RFC 3986 §6.2.2.1: the hex digits of kept escapes are upper-cased (else kept as sent) */
  hexUpper: boolean;
  /** runs of "/" merge before dot segments are removed (else after) */
  mergeFirst: boolean;
  /** dot segments are removed before unreserved escapes are decoded (so "%2E%2E" is no dot segment) */
  dotsBeforeDecoding: boolean;
}

export const NORMALISATION_READINGS: NormalisationReading[] = [];
for (const hexUpper of [true, false]) {
  for (const mergeFirst of [true, false]) {
    for (const dotsBeforeDecoding of [false, true]) NORMALISATION_READINGS.push({ hexUpper, mergeFirst, dotsBeforeDecoding });
  }
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 §2.3 + §6.2.2.2: %XX of an unreserved character becomes the character; other escapes stay. */
function decodeUnreserved(path: string, hexUpper: boolean): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    if (UNRESERVED.test(char)) return char;
    return hexUpper ? escape.toUpperCase() : escape;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, step by step as the RFC writes it. */
export function removeDotSegments(path: string): string {
  let input = path;
  let output = "";
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../") || input === "/..") {
      input = input === "/.." ? "/" : input.slice(3);
      const last = output.lastIndexOf("/");
      output = last < 0 ? "" : output.slice(0, last);
    } else if (input === "." || input === "..") input = "";
    else {
      const next = input.indexOf("/", input.startsWith("/") ? 1 : 0);
      const segment = next < 0 ? input : input.slice(0, next);
      output += segment;
      input = input.slice(segment.length);
    }
  }
  return output;
}

function structure(path: string, mergeFirst: boolean): string {
  const merge = (p: string) => p.replace(/\/{2,}/g, "/");
  return mergeFirst ? removeDotSegments(merge(path)) : merge(removeDotSegments(path));
}

/** The path CloudFront matches path patterns against, for a raw path that starts with "/". */
export function normalise(raw: string, reading: NormalisationReading): string {
  const normalised = reading.dotsBeforeDecoding
    ? decodeUnreserved(structure(raw, reading.mergeFirst), reading.hexUpper)
    : structure(decodeUnreserved(raw, reading.hexUpper), reading.mergeFirst);
  return normalised === "" ? "/" : normalised;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes S3 reads from a raw path (without its leading "/"): %XY a byte, other characters their UTF-8. */
function keyBytes(raw: string, plusIsSpace: boolean): number[] | undefined {
  const bytes: number[] = [];
  for (let i = 1; i < raw.length; i++) {
    const char = raw[i];
    if (char === "%") {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (char === "+") {
      bytes.push(plusIsSpace ? 0x20 : 0x2b);
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return bytes;
}

/** The S3 key of a raw path (decoded once), or undefined when it does not decode to UTF-8. */
export function s3Key(raw: string, plusIsSpace: boolean): string | undefined {
  if (!raw.startsWith("/")) return undefined;
  const bytes = keyBytes(raw, plusIsSpace);
  if (!bytes) return undefined;
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function hexCases(byte: number): string[] {
  const hex = byte.toString(16).toUpperCase().padStart(2, "0");
  const variants = (c: string) => (/[A-F]/.test(c) ? [c, c.toLowerCase()] : [c]);
  const out: string[] = [];
  for (const a of variants(hex[0])) for (const b of variants(hex[1])) out.push(`%${a}${b}`);
  return out;
}

/** How one key byte can be written in a raw path that S3 reads back as that byte. */
export function byteSpellings(byte: number, plusIsSpace: boolean): string[] {
  const char = String.fromCharCode(byte);
  if (byte < 0x80 && UNRESERVED.test(char)) {
    // Any %XX of an unreserved character normalises and decodes like the character, except that a "."
    // written %2E is no dot segment under the reading that removes dot segments before decoding.
    return char === "." ? [".", "%2E"] : [char];
  }
  const out = hexCases(byte);
  // printable ASCII a request path may hold as it is (a query starts at ?, a fragment at #, % escapes)
  const literal = byte >= 0x21 && byte <= 0x7e && !"#%?".includes(char) && !(plusIsSpace && char === "+");
  if (literal) out.push(char);
  if (plusIsSpace && byte === 0x20) out.push("+");
  return out;
}

/** Every raw path S3 reads as `key`, or undefined when there are more than `limit`. */
export function spellings(key: string, plusIsSpace: boolean, limit = 20_000): string[] | undefined {
  const options = [...Buffer.from(key, "utf8")].map((b) => byteSpellings(b, plusIsSpace));
  let count = 1;
  for (const o of options) count *= o.length;
  if (count > limit) return undefined;
  let paths = ["/"];
  for (const o of options) {
    const next: string[] = [];
    for (const p of paths) for (const s of o) next.push(p + s);
    paths = next;
  }
  return paths;
}

/** A path pattern as CloudFront reads it (leading "/" implied; * any characters, ? one), as a regular expression. */
export function patternRegExp(pattern: string): RegExp {
  const full = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
  let source = "";
  for (const char of full) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export type ModelVerdict = "pass" | "protected" | "undecodable";

export class PathModel {
  private readonly regexps: RegExp[];
  private readonly cache = new Map<string, boolean>();
  /** keys whose spellings were too many to enumerate */
  unknown = 0;

  constructor(readonly patterns: readonly string[], readonly limit = 20_000) {
    this.regexps = patterns.map(patternRegExp);
  }

  /** Some normalised path matches a protected pattern. */
  matchesPath(raw: string): boolean {
    return NORMALISATION_READINGS.some((r) => {
      const normalised = normalise(raw, r);
      return this.regexps.some((re) => re.test(normalised));
    });
  }

  /** Is `key` (as S3 reads it with this reading of +) reachable through a protected behaviour? undefined: too many spellings. */
  protectedKey(key: string, plusIsSpace: boolean): boolean | undefined {
    const id = `${plusIsSpace ? "s" : "p"}${key}`;
    const known = this.cache.get(id);
    if (known !== undefined) return known;
    const all = spellings(key, plusIsSpace, this.limit);
    if (!all) return undefined;
    let found = false;
    for (const raw of all) {
      if (s3Key(raw, plusIsSpace) !== key) throw new Error(`model: spelling ${raw} does not read back as ${key}`);
      if (this.matchesPath(raw)) {
        found = true;
        break;
      }
    }
    this.cache.set(id, found);
    return found;
  }

  /** What the guard must answer for a request path; undefined when the key has too many spellings to decide. */
  verdict(uri: string): ModelVerdict | undefined {
    const space = s3Key(uri, true);
    const plus = s3Key(uri, false);
    if (space === undefined || plus === undefined) return "undecodable";
    const a = this.protectedKey(space, true);
    if (a) return "protected";
    const b = this.protectedKey(plus, false);
    if (b) return "protected";
    if (a === undefined || b === undefined) {
      this.unknown++;
      return undefined;
    }
    return "pass";
  }
}
