#!/usr/bin/env node
import { InputError } from "../lib/errors";
import { describeKeyMaterial, quoteInput, terminalText } from "../lib/terminal";
import { CliCommand, CliIo, processIo } from "./io";
import { BadLinesError } from "./stdinLines";
import { packageVersion } from "./version";

const HELP = `Usage: cf-sign <command> [options]

Commands:
  url <url|/path>         print a CloudFront signed URL (--stdin: one URL per line)
  cookies <resource>      print CloudFront signed cookies (Set-Cookie headers, JSON, Cookie, curl)
  verify                  check a signed URL or cookies the way CloudFront would
  inspect                 decode and explain a signed URL or cookies
  probe                   check a deployed distribution (or the local edge) with real requests

Run "cf-sign <command> --help" for the options of a command; "cf-sign --version" prints the version.
An option that takes a value may be given once (those marked "repeatable" in a command's help are
lists); a key is read only from a file or the environment, never from an argument.
Exit status: 0 on success, 2 on bad input ("error: ..." on stderr); verify: 1 when CloudFront would deny;
probe: 1 when a request was not answered as expected.
`;

// Each command is loaded only when used, so `cf-sign url` does not pay for the verifier or the edge.
const COMMANDS: Record<string, string> = { url: "./url", cookies: "./cookies", verify: "./verify", inspect: "./inspect", probe: "./probe" };

function loadCommand(name: string): CliCommand {
  let mod: { run?: CliCommand };
  try {
    // A computed path keeps the TypeScript build independent of commands another module provides.
    mod = require(COMMANDS[name]) as { run?: CliCommand };
  } catch (error) {
    if ((error as { code?: string }).code === "MODULE_NOT_FOUND") {
      throw new InputError(`the ${name} command is not available in this build`);
    }
    throw error;
  }
  if (typeof mod.run !== "function") throw new InputError(`the ${name} command is not available in this build`);
  return mod.run;
}

/** Runs cf-sign with `argv` (without node and the script); returns the exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) {
      // The usage summary, then the one error line (stderr: stdout stays empty on bad input).
      io.err(HELP);
      throw new InputError("missing command; use url, cookies, verify, inspect or probe (cf-sign --help)");
    }
    if (name === "--version") {
      const version = packageVersion();
      if (version === undefined) throw new InputError("--version: package.json not found next to this cf-sign build");
      io.out(`cf-sign ${version}\n`);
      return 0;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      io.out(HELP);
      return 0;
    }
    if (!Object.prototype.hasOwnProperty.call(COMMANDS, name)) {
      const described = describeKeyMaterial(name);
      const shown = described === undefined ? quoteInput(name, { max: 40 }) : `(the first argument ${described})`;
      throw new InputError(`unknown command ${shown}; use url, cookies, verify, inspect or probe (cf-sign --help)`);
    }
    return await loadCommand(name)(rest, io);
  } catch (error) {
    // One line per error, never a stack trace. Messages may quote input or an AWS service: whatever looks
    // like key material is described, and control characters (also \n) are escaped, so each stays one line.
    const lines = error instanceof BadLinesError ? error.lines : [error instanceof Error ? error.message : String(error)];
    for (const line of lines) io.err(`error: ${terminalText(line)}\n`);
    if (lines.length > 1) io.err(`error: ${lines.length} bad lines; nothing was signed\n`);
    return 2;
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  // `url --stdin` signs on worker threads: start them before anything else, so their start-up overlaps
  // loading the command, parsing the key and reading stdin (the url command adopts or ends them).
  if (argv[0] === "url" && argv.includes("--stdin")) (require("./signBatch") as typeof import("./signBatch")).prestartWorkers(process.env);
  // A reader that closed the pipe early (e.g. `| head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  void main(argv, processIo()).then((code) => {
    process.exitCode = code;
  });
}
