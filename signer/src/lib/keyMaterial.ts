// Recognising text that may be key material, so that messages and output describe it instead of quoting
// it. A pasted key ends up where a URL or an option value was expected more often than one would think
// (`cf-sign url "$(cat key.pem)"`), and an error that quotes the first 60 characters of a PEM block
// leaks about 100 bits of the private scalar into a terminal, a CI log or a bug report.
//
// Two shapes count as key material:
// - PEM armour: "-----BEGIN …-----" or "-----END …-----"; a BEGIN line followed by data (base64 or PEM
//   headers) makes a block that runs to its END line, or to the end of the data when there is none.
// - A base64 run: 40 or more characters of A-Z a-z 0-9 + / (with = padding), unless it is shaped like a
//   path (more than one "/" per 16 characters: /Users/alice/Documents/outputs is a path, a key's base64
//   has a "/" every 64 characters on average), or is less than half letters (a number; base64 is about
//   80% letters), or lies in a URL's query string, so that a signed URL's Signature=… or Policy=… value
//   is still shown.

/** Where a piece of text looks like key material. `end` is exclusive. */
export interface KeyMaterialSpan {
  kind: "pem" | "base64";
  start: number;
  end: number;
  /** pem: the armour label ("EC PRIVATE KEY", "PUBLIC KEY", ...), "" for a bare -----BEGIN or -----END. */
  label?: string;
  /** pem: whether data follows the BEGIN line (armour alone, e.g. in a hint, carries no key). */
  hasData?: boolean;
}

/** The shortest base64 run treated as key material. */
export const MIN_BASE64_RUN = 40;

const ARMOUR = /-----(BEGIN|END)(?: ([A-Z0-9 ]{1,60}?)-----)?/g;
// After a BEGIN line: whitespace (or an escaped \n, as CI systems store PEMs), then base64 or a PEM header.
const DATA_AFTER_ARMOUR = /^(?:\s|\\[nr])*(?:[A-Za-z0-9+/]{4}|Proc-Type:|DEK-Info:)/;
// The data of a block without its END line: base64 words and PEM headers, up to whatever else comes.
const PEM_DATA = /^(?:(?:\s|\\[nr])*(?:Proc-Type:[^\r\n]*|DEK-Info:[^\r\n]*|[A-Za-z0-9+/=]{4,}))*/;
const BASE64_RUN = /[A-Za-z0-9+/]+={0,2}/g;
// A URL (absolute or a /path) with a query: the query is group 1.
const URL_QUERY = /(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|\/)[^\s?#"'<>]*\?([^\s#"'<>]*)/g;

function pemSpans(text: string): KeyMaterialSpan[] {
  const spans: KeyMaterialSpan[] = [];
  ARMOUR.lastIndex = 0;
  for (let m = ARMOUR.exec(text); m !== null; m = ARMOUR.exec(text)) {
    const label = m[2] ?? "";
    const armourEnd = m.index + m[0].length;
    if (m[1] === "END" || m[2] === undefined) {
      spans.push({ kind: "pem", start: m.index, end: armourEnd, label, hasData: false });
      continue;
    }
    const hasData = DATA_AFTER_ARMOUR.test(text.slice(armourEnd, armourEnd + 80));
    if (!hasData) {
      spans.push({ kind: "pem", start: m.index, end: armourEnd, label, hasData });
      continue;
    }
    const endArmour = `-----END ${label}-----`;
    const endAt = text.indexOf(endArmour, armourEnd);
    const end = endAt !== -1 ? endAt + endArmour.length : armourEnd + (PEM_DATA.exec(text.slice(armourEnd))?.[0].length ?? 0);
    spans.push({ kind: "pem", start: m.index, end, label, hasData });
    ARMOUR.lastIndex = end;
  }
  return spans;
}

/** The [start, end) ranges of the query strings of URLs in `text`. */
function queryRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  URL_QUERY.lastIndex = 0;
  for (let m = URL_QUERY.exec(text); m !== null; m = URL_QUERY.exec(text)) {
    const end = m.index + m[0].length;
    ranges.push([end - m[1].length, end]);
    if (m[0].length === 0) URL_QUERY.lastIndex++;
  }
  return ranges;
}

/** Base64 is about 80% letters; a long number ("99999999999999999999s") is not base64 of anything. */
function mostlyLetters(run: string): boolean {
  let letters = 0;
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i) | 0x20;
    if (c >= 0x61 && c <= 0x7a) letters++;
  }
  return letters * 2 >= run.length;
}

function isPathShaped(run: string): boolean {
  let slashes = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) === 0x2f) slashes++;
  return slashes * 16 > run.length;
}

/**
 * Every place in `text` that looks like key material (PEM armour or blocks, base64 runs outside URL
 * query strings), in order, not overlapping. Pure; the one detection that messages and output rely on.
 */
export function findKeyMaterial(text: string): KeyMaterialSpan[] {
  if (text.length < MIN_BASE64_RUN && !text.includes("-----")) return [];
  const pem = text.includes("-----") ? pemSpans(text) : [];
  const queries = text.includes("?") ? queryRanges(text) : [];
  const spans: KeyMaterialSpan[] = [...pem];
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(text); m !== null; m = BASE64_RUN.exec(text)) {
    const run = m[0].replace(/=+$/, "");
    if (run.length < MIN_BASE64_RUN || isPathShaped(run) || !mostlyLetters(run)) continue;
    const start = m.index;
    const end = m.index + m[0].length;
    if (pem.some((p) => start < p.end && end > p.start) || queries.some(([from, to]) => start >= from && end <= to)) continue;
    spans.push({ kind: "base64", start, end });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** What a span looks like, for a message: "a PEM private key", "base64 key material". */
export function keyMaterialKind(span: KeyMaterialSpan): string {
  if (span.kind === "base64") return "base64 key material";
  const label = span.label ?? "";
  if (!span.hasData) return "PEM armour";
  if (/PRIVATE KEY/.test(label)) return "a PEM private key";
  if (/PUBLIC KEY/.test(label)) return "a PEM public key";
  if (/CERTIFICATE/.test(label)) return "a PEM certificate";
  return "a PEM block";
}
