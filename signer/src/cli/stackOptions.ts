// --outputs-file and --stack: reading the stack outputs (key material, baseUrl, the key group) and resolving
// a /path against their baseUrl, the same in every command.
import { InputError } from "../lib/errors";
import { loadStackOutputs, StackOutputs } from "../lib/stackOutputs";
import type { CliIo } from "./io";

/** Stack outputs with the place they came from (the outputs file or the pulumi command), for messages. */
export interface LoadedOutputs {
  outputs: StackOutputs;
  source: string;
}

/**
 * The stack outputs from --outputs-file, else from `pulumi stack output` when the Pulumi CLI is on PATH,
 * else undefined; `source` names where they came from, for messages.
 */
export function loadOutputsFor(opts: { outputsFile?: string; stack?: string }, io: CliIo): LoadedOutputs | undefined {
  checkStackOptions(opts);
  const outputs = loadStackOutputs({ outputsFile: opts.outputsFile, stack: opts.stack, cwd: io.cwd, env: io.env });
  if (outputs === undefined) {
    // An explicit --stack is never silently ignored.
    if (opts.stack !== undefined) throw stackUnreadable(opts.stack);
    return undefined;
  }
  return { outputs, source: outputsSourceLabel(opts) };
}

/** Names where stack outputs come from, for messages: the outputs file or the pulumi command. */
export function outputsSourceLabel(opts: { outputsFile?: string; stack?: string }): string {
  return opts.outputsFile !== undefined ? `--outputs-file ${opts.outputsFile}` : `pulumi stack output${opts.stack ? ` --stack ${opts.stack}` : ""}`;
}

/** --outputs-file and --stack both name the stack outputs: one of them, never a silent choice. */
export function checkStackOptions(opts: { outputsFile?: string; stack?: string }): void {
  if (opts.outputsFile !== undefined && opts.stack !== undefined) {
    throw new InputError("give --outputs-file or --stack, not both (both name the stack outputs to use)");
  }
  if (opts.stack !== undefined && opts.stack.trim() === "") throw new InputError("--stack: empty stack name; give e.g. --stack dev");
}

/** The error for a --stack whose outputs cannot be read because the Pulumi CLI is missing. */
export function stackUnreadable(stack: string, extra = ""): InputError {
  return new InputError(
    `--stack ${stack}: cannot read the stack's outputs: the Pulumi CLI is not on PATH${extra}; install it, or pass --outputs-file F (pulumi stack output --json --show-secrets --stack ${stack} > F)`,
  );
}

/**
 * Resolves a path-only URL (`/private/cat.jpeg`) against the stack's baseUrl; full URLs pass through.
 * `outputs` is loaded lazily (only a path needs it).
 */
export function resolveAgainstBaseUrl(input: string, field: string, getOutputs: () => StackOutputs | undefined, source?: string): string {
  if (!input.startsWith("/")) return input;
  const outputs = getOutputs();
  const baseUrl = outputs?.baseUrl;
  if (outputs !== undefined && (typeof baseUrl !== "string" || baseUrl === "")) {
    throw new InputError(
      `${field}: "${input}" is a path, but ${source ?? "the stack outputs"} has no baseUrl output to resolve it against; give a full https:// URL, or the outputs of the signed-content stack`,
    );
  }
  if (typeof baseUrl !== "string" || baseUrl === "") {
    throw new InputError(`${field}: "${input}" is a path; give a full https:// URL, or --outputs-file F whose baseUrl output it is resolved against`);
  }
  return baseUrl.replace(/\/+$/, "") + input;
}
