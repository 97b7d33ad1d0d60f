import * as fs from "node:fs";
import * as path from "node:path";

// Request paths the way CloudFront and S3 read them (spec §12, docs/verify-and-edge.md):
// - CloudFront matches cache behaviours on the path normalised per RFC 3986 §6.2.2 (percent-encoded
//   unreserved characters decoded, other percent-encodings kept with upper-case hex, dot segments removed)
//   with repeated slashes merged;
// - it forwards the raw path, and S3 decodes that once into the object key, literally (no dot-segment
//   removal, no slash merging; a literal + reads as a space).
// The file for a key is then looked up so that no input can leave the served root.

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 §5.2.4 remove_dot_segments, on a path that starts with "/". */
function removeDotSegments(input: string): string {
  let rest = input;
  let output = "";
  while (rest.length > 0) {
    if (rest.startsWith("/./")) rest = rest.slice(2);
    else if (rest === "/.") rest = "/";
    else if (rest.startsWith("/../") || rest === "/..") {
      rest = rest === "/.." ? "/" : rest.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
    } else {
      const next = rest.indexOf("/", 1);
      const segment = next < 0 ? rest : rest.slice(0, next);
      output += segment;
      rest = next < 0 ? "" : rest.slice(next);
    }
  }
  return output === "" ? "/" : output;
}

/**
 * The path CloudFront matches path patterns against: `rawPath` (a request target without its query)
 * normalised per RFC 3986 and with repeated slashes merged; still percent-encoded for everything but
 * unreserved characters, so `/private%2Fcat.jpeg` stays one segment. Bad percent-encoding, a raw
 * backslash or a path not starting with "/" is an error (400).
 */
export function normalizeRequestPath(rawPath: string): NormalizedPath {
  if (!rawPath.startsWith("/")) return { ok: false, reason: "the request path must start with /" };
  // A backslash is not a URI character; browsers turn it into "/", CloudFront's answer is unverified.
  if (rawPath.includes("\\")) return { ok: false, reason: "backslash in the path" };
  let decoded = "";
  for (let i = 0; i < rawPath.length; i++) {
    const ch = rawPath[i];
    if (ch !== "%") {
      decoded += ch;
      continue;
    }
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, reason: "bad percent-encoding in the path" };
    const char = String.fromCharCode(parseInt(hex, 16));
    decoded += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  // Merge repeated slashes first (the Developer Guide), then remove dot segments (RFC 3986). (choice)
  return { ok: true, path: removeDotSegments(decoded.replace(/\/{2,}/g, "/")) };
}

export type ObjectKey = { ok: true; key: string } | { ok: false; reason: string };

/**
 * The S3 object key a raw request path names: the path without its leading "/", decoded exactly once,
 * a literal `+` read as a space (S3's REST endpoint does, through CloudFront too). `/` alone is the
 * distribution's default root object, index.html. Not UTF-8 or a NUL byte -> error (400).
 */
export function objectKeyFor(rawPath: string): ObjectKey {
  if (rawPath === "/") return { ok: true, key: "index.html" };
  let key: string;
  try {
    key = decodeURIComponent(rawPath.slice(1).replace(/\+/g, "%20"));
  } catch {
    return { ok: false, reason: "bad percent-encoding in the path (not UTF-8)" };
  }
  if (key.includes("\0")) return { ok: false, reason: "NUL byte in the path" };
  return { ok: true, key };
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export interface ResolvedFile {
  file: string;
  stat: fs.Stats;
  /** The file's real location under the root as a request path ("/a/b.txt"), after symlinks. */
  realPath: string;
}

/**
 * The regular file stored under S3 object key `key` in the folder `realRoot` (already realpath'd), or
 * undefined (-> 404). A folder upload never creates a key with an empty, "." or ".." segment, or one with
 * a backslash (a separator on Windows), so those name no file; nor does a key ending in "/" (directories
 * are not listed). The real path after symlinks must stay inside the root.
 */
export async function resolveObjectKey(realRoot: string, key: string): Promise<ResolvedFile | undefined> {
  const segments = key.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\"))) return undefined;
  const candidate = path.join(realRoot, ...segments);
  if (!inside(realRoot, candidate)) return undefined;
  let real: string;
  try {
    real = await fs.promises.realpath(candidate);
  } catch {
    return undefined;
  }
  if (!inside(realRoot, real)) return undefined;
  try {
    const stat = await fs.promises.stat(real);
    if (!stat.isFile()) return undefined;
    return { file: real, stat, realPath: `/${path.relative(realRoot, real).split(path.sep).join("/")}` };
  } catch {
    return undefined;
  }
}

export type ByteRange = { start: number; end: number } | "unsatisfiable";

/**
 * A single `Range: bytes=...` against a file of `size` bytes. undefined = ignore the header (serve 200):
 * absent, another unit, malformed, or several ranges (allowed by RFC 9110 for a server).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === "" && b === "") return undefined;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Number(b);
  if (b !== "" && end < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}
