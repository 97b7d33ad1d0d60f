// The lines of `cf-sign url --stdin`: split, trimmed, checked for UTF-8, /paths resolved. A bad line does
// not stop the reading: every bad line is reported (and nothing is signed), so one run shows them all.
import { isUtf8 } from "node:buffer";
import { InputError } from "../lib/errors";
import { findKeyMaterial, keyMaterialKind } from "../lib/keyMaterial";
import { terminalText } from "../lib/terminal";
import type { BatchInput } from "./signBatch";

/** Several bad input lines: the CLI prints one `error:` line for each (and nothing on stdout). */
export class BadLinesError extends InputError {
  readonly lines: readonly string[];

  constructor(lines: readonly string[]) {
    super(lines.length === 1 ? lines[0] : `${lines[0]} (and ${lines.length - 1} more bad lines)`);
    this.name = "BadLinesError";
    this.lines = lines.map(terminalText);
  }
}

/** One ill-formed UTF-8 sequence: where it starts in the line (0-based) and its bytes. */
interface BadSequence {
  at: number;
  bytes: number[];
}

/**
 * The ill-formed sequences of `bytes` (Unicode's "maximal subparts": a lead byte and the continuation
 * bytes that were still valid), adjacent ones merged.
 */
export function invalidUtf8(bytes: Uint8Array): BadSequence[] {
  const bad: BadSequence[] = [];
  const add = (at: number, length: number): void => {
    const last = bad[bad.length - 1];
    const chunk = Array.from(bytes.subarray(at, at + length));
    if (last !== undefined && last.at + last.bytes.length === at) last.bytes.push(...chunk);
    else bad.push({ at, bytes: chunk });
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f; // nothing above U+10FFFF
    } else {
      add(i, 1);
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const c = bytes[i + j];
      if (c === undefined || c < (j === 1 ? low : 0x80) || c > (j === 1 ? high : 0xbf)) break;
    }
    if (j > need) {
      i += need + 1;
      continue;
    }
    add(i, j);
    i += j;
  }
  return bad;
}

const hexByte = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");

/** "not valid UTF-8 (\xE9 at byte 25); ..." for a line that is not UTF-8 (bytes shown as they are). */
export function invalidUtf8Message(line: Uint8Array): string {
  const bad = invalidUtf8(line);
  const shown = bad
    .slice(0, 4)
    .map((s) => `${s.bytes.slice(0, 8).map((b) => `\\x${hexByte(b)}`).join("")}${s.bytes.length > 8 ? "..." : ""} at byte ${s.at + 1}`)
    .join(", ");
  const more = bad.length > 4 ? ` and ${bad.length - 4} more` : "";
  return `not valid UTF-8 (${shown}${more}); save the input as UTF-8, and percent-encode what is not ASCII (e.g. é is %C3%A9 in UTF-8)`;
}

/** Splits `bytes` at "\n"; a line that is not UTF-8 is undefined in `lines` and has its message in `problems`. */
function splitLines(bytes: Buffer): { lines: (string | undefined)[]; problems: Map<number, string> } {
  if (isUtf8(bytes)) return { lines: bytes.toString("utf8").split("\n"), problems: new Map() };
  const lines: (string | undefined)[] = [];
  const problems = new Map<number, string>();
  for (let start = 0; start <= bytes.length; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    if (isUtf8(line)) {
      lines.push(line.toString("utf8"));
    } else {
      problems.set(lines.length, invalidUtf8Message(line));
      lines.push(undefined);
    }
    start = end + 1;
  }
  return { lines, problems };
}

/**
 * A key piped in by mistake: each line of a PEM block gets a message that describes the block, so that
 * no line of it (not even its short last line, which a line-by-line check would quote) is shown.
 */
function describeKeyBlocks(lines: (string | undefined)[], problems: Map<number, string>): void {
  if (!lines.some((line) => line?.includes("-----BEGIN"))) return;
  const text = lines.map((line) => line ?? "").join("\n");
  for (const span of findKeyMaterial(text)) {
    if (span.kind !== "pem" || !span.hasData) continue;
    const first = text.slice(0, span.start).split("\n").length - 1;
    const last = text.slice(0, span.end).split("\n").length - 1;
    const message = `part of what looks like ${keyMaterialKind(span)} (lines ${first + 1}-${last + 1}, not shown); give one URL per line (cf-sign reads keys only from files and the environment)`;
    for (let i = first; i <= last; i++) if (!problems.has(i)) problems.set(i, message);
  }
}

/**
 * The URLs to sign: one per non-blank line, surrounding whitespace (spaces, tabs, a CR) trimmed; a /path
 * is resolved here (the stack outputs live in this thread). A line that cannot be used keeps its place
 * with its message in `errors`, so that every bad line is reported, in order.
 */
export function parseStdinLines(bytes: Buffer, resolve: (input: string, field: string) => string): BatchInput {
  const { lines, problems } = splitLines(bytes);
  describeKeyBlocks(lines, problems);
  const input: BatchInput = { urls: [], lineNumbers: [], errors: new Map() };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    let line = raw === undefined ? "" : raw.trim();
    if (raw !== undefined && line === "") continue;
    const problem = problems.get(i);
    if (problem !== undefined) {
      input.errors.set(input.urls.length, problem);
    } else if (line.charCodeAt(0) === 0x2f /* / */) {
      try {
        line = resolve(line, "url");
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        input.errors.set(input.urls.length, error.message.replace(/^url: /, ""));
      }
    }
    input.urls.push(line);
    input.lineNumbers.push(i + 1);
  }
  return input;
}
