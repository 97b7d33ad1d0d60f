import { terminalText } from "./terminal";

/**
 * Bad user input (an argument, an option, a key, a file). The CLI prints `error: <message>` and exits 2,
 * so the message is one line that names the field and says how to fix it. It never contains key material
 * nor control characters: whatever a caller quoted that looks like a key is replaced by a description,
 * and control characters are written as escapes (\n, \x1b, \u202e), so the message is safe to print.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(terminalText(message));
    this.name = "InputError";
  }
}
