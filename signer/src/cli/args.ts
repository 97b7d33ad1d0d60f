import { parseArgs, ParseArgsConfig } from "node:util";
import { InputError } from "../lib/errors";
import { findKeyMaterial } from "../lib/keyMaterial";
import { describeKeyMaterial, quoteInput } from "../lib/terminal";
import { parseTime } from "../lib/time";

type Options = NonNullable<ParseArgsConfig["options"]>;
type ParseArgsToken = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/** A user-supplied token for an error message: escaped and shortened, or described when it looks like a key. */
function quoteToken(text: string): string {
  return quoteInput(text, { bare: true, noun: "an argument" });
}

/** Options that are lists by design: each occurrence adds a value. Every other option may be given once. */
export function listOptions(options: Options): string[] {
  return Object.entries(options)
    .filter(([, o]) => o.multiple === true)
    .map(([name]) => `--${name}`);
}

/**
 * A key belongs in a file or the environment, never on the command line (where shell history, `ps` and
 * CI logs keep it): an argument holding PEM armour is refused before anything else, and described, not
 * quoted. (Base64 runs are legitimate in some arguments, e.g. a CloudFront-Policy cookie; messages that
 * quote an argument describe them instead.)
 */
function refusePemArguments(command: string, argv: string[], options: Options): void {
  for (let i = 0; i < argv.length; i++) {
    if (!findKeyMaterial(argv[i]).some((span) => span.kind === "pem")) continue;
    const previous = argv[i - 1];
    const option = previous !== undefined && /^--[A-Za-z]/.test(previous) && !previous.includes("=") ? previous.slice(2) : undefined;
    const takesValue = option !== undefined && Object.prototype.hasOwnProperty.call(options, option) && options[option].type === "string";
    const what = takesValue ? `the value of --${option} (argument ${i + 1})` : `argument ${i + 1}`;
    throw new InputError(
      `${command}: ${what} ${describeKeyMaterial(argv[i]) ?? "looks like PEM armour"}; cf-sign reads keys only from files and the environment (see cf-sign ${command} --help)`,
    );
  }
}

/** An option that takes a value, given more than once (the last one would silently win): refused. */
function refuseRepeatedOptions(command: string, tokens: ParseArgsToken[], options: Options): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = options[token.name];
    if (option === undefined || option.type !== "string" || option.multiple === true) continue;
    if (seen.has(token.name)) {
      const lists = listOptions(options);
      throw new InputError(
        `${command}: --${token.name} is given more than once; give it once${lists.length > 0 ? ` (only ${lists.join(" and ")} may be repeated)` : ""}`,
      );
    }
    seen.add(token.name);
  }
}

/**
 * util.parseArgs in strict mode, with its errors turned into one-line InputErrors that name the command.
 * An option that takes a value may be given once, unless it is a list (`multiple`); a flag may repeat.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  maxPositionals: number,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } {
  refusePemArguments(command, argv, options);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new InputError(`${command}: unknown option ${quoteToken(option.split("=")[0])}; see cf-sign ${command} --help`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const option = /'(--?[A-Za-z-]+)/.exec(message)?.[1] ?? "option";
      if (/ambiguous/.test(message)) throw dashValueError(command, option, argv[argv.indexOf(option) + 1], options);
      if (/argument missing/.test(message)) throw new InputError(`${command}: ${option} needs a value; see cf-sign ${command} --help`);
      throw new InputError(`${command}: ${option} does not take a value; see cf-sign ${command} --help`);
    }
    throw new InputError(`${command}: ${quoteToken(message.split(/\.\s|\n/)[0])}; see cf-sign ${command} --help`);
  }
  refuseRepeatedOptions(command, parsed.tokens, options);
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals];
    const described = describeKeyMaterial(extra);
    const shown = described === undefined ? quoteInput(extra) : `${argv.indexOf(extra) + 1}, which ${described},`;
    throw new InputError(
      `${command}: unexpected argument ${shown} (quote a URL containing & or ?, e.g. 'https://…?a=1&b=2'); see cf-sign ${command} --help`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** `--expires-in -1h` (or `=-1h`): an expiry in the past can never work. */
export function negativeExpiresIn(text: string): InputError {
  return new InputError(`--expires-in: "${text.slice(0, 20)}" is a negative duration, which is not allowed: the expiry must be in the future (e.g. --expires-in 1h)`);
}

/** Numeric options for which a negative value is never right: what to give instead. */
const POSITIVE_NUMBER_OPTIONS: Readonly<Record<string, string>> = { "--timeout": "give seconds between 1 and 120 (e.g. --timeout 10)" };

/** Options whose value may be a time before now, written `--at=-1h`. */
const PAST_TIME_OPTIONS: ReadonlySet<string> = new Set(["--at", "--starts-at"]);

/**
 * util.parseArgs refuses `--opt -value` as ambiguous: say what is wrong with the value instead. Values
 * are echoed only when they look like a negative number or duration (never, say, a passphrase).
 */
function dashValueError(command: string, option: string, value: string | undefined, options: Options): InputError {
  if (value === undefined || !/^-[0-9.]/.test(value)) {
    // Name the next token only when it is one of this command's options (anything else could be a secret).
    const name = value?.split("=")[0] ?? "";
    const known = /^--[A-Za-z]/.test(name) ? Object.prototype.hasOwnProperty.call(options, name.slice(2)) : Object.values(options).some((o) => `-${o.short}` === name);
    const next = value === undefined ? "" : known ? ` (it is followed by the option ${name})` : ' (the next argument starts with "-")';
    return new InputError(`${command}: ${option} needs a value${next}; see cf-sign ${command} --help`);
  }
  const shown = /^-[0-9.][0-9A-Za-z.:]{0,19}$/.test(value) ? `"${value}"` : "the value";
  if (option === "--expires-in") return negativeExpiresIn(value);
  if (option === "--expires-at") {
    return new InputError(`--expires-at: ${shown} would be a time before now, which is not allowed: the expiry must be in the future (e.g. --expires-in 1h)`);
  }
  if (Object.prototype.hasOwnProperty.call(POSITIVE_NUMBER_OPTIONS, option)) {
    return new InputError(`${option}: ${shown} is a negative number, which is not allowed; ${POSITIVE_NUMBER_OPTIONS[option]}`);
  }
  if (PAST_TIME_OPTIONS.has(option)) {
    return new InputError(`${option}: ${shown} starts with "-", so it reads as an option; for a time before now write ${option}=${shown === "the value" ? "-D" : value}`);
  }
  return new InputError(`${option}: ${shown} starts with "-", so it reads as an option; write ${option}=${shown === "the value" ? "VALUE" : value} if that value is meant`);
}

/** The moment to evaluate at for `--at T` (rounded down to whole seconds, as CloudFront compares), else `now`. */
export function atTime(at: string | undefined, now = new Date()): Date {
  return at === undefined ? now : new Date(Math.floor(parseTime(at, "--at", now)) * 1000);
}
