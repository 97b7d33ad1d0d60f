/**
 * Bad user input (an argument, an option, a key, a file). The CLI prints `error: <message>` and exits 2,
 * so the message is one line that names the field and says how to fix it. It never contains key material.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
