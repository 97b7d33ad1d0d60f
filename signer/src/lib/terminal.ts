// Text from requests and signed URLs is attacker-controlled: before it reaches a terminal or a log line,
// control characters are written as escapes, so it can neither start a fake line (CR/LF), paint with
// ANSI sequences (ESC), nor reorder what is shown (bidirectional overrides).

// C0 controls, DEL, C1 controls, Unicode line/paragraph separators, bidi embeddings/overrides/isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as \n, \r, \t, \xNN or \uNNNN; everything else unchanged. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
