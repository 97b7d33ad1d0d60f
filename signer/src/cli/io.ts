import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../lib/errors";

/** What a CLI command may touch; tests and the bin both provide one, so commands never use process.* directly. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream;
}

/** A CLI subcommand: parses `argv` (after the subcommand name) and returns the exit code. */
export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

/** The process-backed CliIo used by the `cf-sign` bin. `out`/`err` write text as given (no newline added). */
export function processIo(): CliIo {
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}

/** All of a stream (stdin) as bytes (events, not async iteration: fewer turns of the event loop per 64 KB chunk). */
export function readAllBytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer | string) => chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

/** All of a stream (stdin) as UTF-8 (invalid bytes become U+FFFD). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return (await readAllBytes(stream)).toString("utf8");
}

/** A key file (private or public PEM) as text; a missing or unreadable file is an InputError naming `label`. */
export function readKeyFile(file: string, label: string, io: CliIo): string {
  try {
    return fs.readFileSync(path.resolve(io.cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : "cannot read it";
    throw new InputError(`${label} ${file}: ${why}`);
  }
}
