import * as fs from "node:fs";
import * as path from "node:path";

// Turning a request path into a file under the served root, such that no input can escape it:
// decode exactly once (bad percent-encoding -> 400), refuse NUL and backslash, resolve dot segments
// clamped at the root, then check containment of the real path (symlinks pointing out are refused).

/** `rewritten`: dot or empty segments were removed, so `path` names another path than the one requested. */
export type NormalizedPath = { ok: true; path: string; rewritten: boolean } | { ok: false; reason: string };

/** Decodes and normalises the raw path of a request target (no query). The result starts with "/". */
export function normalizeRequestPath(rawPath: string): NormalizedPath {
  if (!rawPath.startsWith("/")) return { ok: false, reason: "the request path must start with /" };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, reason: "bad percent-encoding in the path" };
  }
  if (decoded.includes("\0")) return { ok: false, reason: "NUL byte in the path" };
  // A backslash is a separator on Windows; refusing it keeps the rules the same on every platform.
  if (decoded.includes("\\")) return { ok: false, reason: "backslash in the path" };
  const segments: string[] = [];
  const parts = decoded.split("/");
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (part === "" || part === ".") continue;
    if (part === "..") {
      segments.pop(); // clamped at the root, like a browser resolving dot segments
      continue;
    }
    segments.push(part);
  }
  const trailingSlash = decoded.endsWith("/") && segments.length > 0;
  const normalized = `/${segments.join("/")}${trailingSlash ? "/" : ""}`;
  return { ok: true, path: normalized, rewritten: normalized !== decoded };
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export interface ResolvedFile {
  file: string;
  stat: fs.Stats;
}

/**
 * The regular file for a normalised path under `realRoot` (already realpath'd), or undefined (-> 404).
 * "/" serves index.html (CloudFront's default root object); other directories are not listed.
 */
export async function resolveFile(realRoot: string, normalized: string): Promise<ResolvedFile | undefined> {
  const relative = normalized === "/" ? "index.html" : normalized.slice(1);
  if (relative.endsWith("/")) return undefined;
  const candidate = path.resolve(realRoot, ...relative.split("/"));
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
    return stat.isFile() ? { file: real, stat } : undefined;
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
