// Text from outside (arguments, stdin, files, requests, signed URLs, AWS error messages) is untrusted.
// Before it reaches a terminal, a log line or a JSON document:
// - control characters are written as escapes, so it can neither start a fake line (CR/LF), paint with
//   ANSI sequences (ESC, or the one-character CSI U+009B), ring the bell, nor reorder what is shown
//   (bidirectional overrides and isolates);
// - whatever looks like key material (see keyMaterial.ts) is described, never quoted.
// Every message, table and JSON document the CLI prints goes through this module.
import { findKeyMaterial, keyMaterialKind } from "./keyMaterial";

// C0 controls, DEL, C1 controls, the Arabic letter mark, LRM/RLM, Unicode line/paragraph separators,
// bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw of the above (it escapes C0 itself).
const JSON_RAW_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex4 = (c: string): string => c.charCodeAt(0).toString(16).padStart(4, "0");

/** `text` with every control character written as \n, \r, \t, \xNN or \uNNNN; everything else unchanged. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${hex4(c)}`;
  });
}

/**
 * `text` with each piece that looks like key material replaced by a description such as
 * "[a PEM private key, 227 characters, not shown]". PEM armour without data (as in a hint "expected -----BEGIN PUBLIC
 * KEY-----") stays.
 */
export function redactKeyMaterial(text: string): string {
  const spans = findKeyMaterial(text).filter((s) => s.kind === "base64" || s.hasData);
  if (spans.length === 0) return text;
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += `${text.slice(at, span.start)}[${keyMaterialKind(span)}, ${span.end - span.start} characters, not shown]`;
    at = span.end;
  }
  return out + text.slice(at);
}

/** Text from outside, made fit for a terminal line: key material described, control characters escaped. */
export function terminalText(text: string): string {
  return escapeControl(redactKeyMaterial(text));
}

export interface QuoteOptions {
  /** What the text is, for a description: "a value" (default), "an argument", "the line". */
  noun?: string;
  /** Longest text quoted (default 60 characters); longer text is cut and ends in "...". */
  max?: number;
  /** Without the surrounding double quotes (e.g. for an option name). */
  bare?: boolean;
}

/**
 * How `text` looks like key material, for a message ("looks like a PEM private key (227 characters, not
 * shown)"), or undefined when it does not.
 */
export function describeKeyMaterial(text: string): string | undefined {
  const spans = findKeyMaterial(text);
  if (spans.length === 0) return undefined;
  const first = spans[0];
  // Surrounding whitespace (also an escaped \n, as CI systems store a PEM) does not count.
  const lead = text.length - text.replace(/^(?:\s|\\[nr])+/, "").length;
  const trail = text.replace(/(?:\s|\\[nr])+$/, "").length;
  if (spans.length === 1 && first.start <= lead && first.end >= trail) {
    return `looks like ${keyMaterialKind(first)} (${text.length} characters, not shown)`;
  }
  return `holds what looks like ${keyMaterialKind(first)} at character ${first.start + 1} (${text.length} characters, not shown)`;
}

/**
 * A value from outside, for a message: `"text"` with control characters escaped and long text cut, or,
 * when it holds anything that looks like key material, a description with its length and position,
 * e.g. `a value that looks like a PEM private key (227 characters, not shown)`.
 */
export function quoteInput(text: string, options: QuoteOptions = {}): string {
  const described = describeKeyMaterial(text);
  if (described !== undefined) return `${options.noun ?? "a value"} that ${described}`;
  const max = options.max ?? 60;
  const shown = escapeControl(text.length > max ? `${text.slice(0, max - 3)}...` : text);
  return options.bare ? shown : `"${shown}"`;
}

/**
 * JSON.stringify for a document a terminal or another program reads: string values have key material
 * described (as in terminal output), and the characters JSON.stringify leaves raw (DEL, C1 controls,
 * U+2028/2029, bidi controls) are written as \uNNNN. The result parses back to the same structure.
 */
export function jsonText(value: unknown, space?: number): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? redactKeyMaterial(v) : v), space) ?? "null";
  return json.replace(JSON_RAW_CONTROL, (c) => `\\u${hex4(c)}`);
}
