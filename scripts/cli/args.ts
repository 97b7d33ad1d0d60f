import { parseArgs, ParseArgsConfig } from "node:util";
import { InputError } from "../lib/errors";
import { parseTime } from "../lib/time";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Shortens a user-supplied token for an error message (it could be anything, even pasted key text). */
function quoteToken(text: string): string {
  const clean = text.replace(/[\r\n]+/g, " ");
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

/**
 * util.parseArgs in strict mode, with its errors turned into one-line InputErrors that name the command.
 * Repeated string options keep the last value (as most CLIs do).
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  maxPositionals: number,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new InputError(`${command}: unknown option ${quoteToken(option.split("=")[0])}; see cf-sign ${command} --help`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const option = /'(--?[A-Za-z-]+)/.exec(message)?.[1] ?? "option";
      if (/argument missing/.test(message)) throw new InputError(`${command}: ${option} needs a value; see cf-sign ${command} --help`);
      throw new InputError(`${command}: ${option} does not take a value; see cf-sign ${command} --help`);
    }
    throw new InputError(`${command}: ${quoteToken(message.split(/\.\s|\n/)[0])}; see cf-sign ${command} --help`);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals];
    throw new InputError(
      `${command}: unexpected argument "${quoteToken(extra)}" (quote a URL containing & or ?, e.g. 'https://…?a=1&b=2'); see cf-sign ${command} --help`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The moment to evaluate at for `--at T` (rounded down to whole seconds, as CloudFront compares), else `now`. */
export function atTime(at: string | undefined, now = new Date()): Date {
  return at === undefined ? now : new Date(Math.floor(parseTime(at, "--at", now)) * 1000);
}
