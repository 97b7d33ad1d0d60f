import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../lib/errors";
import { pathPatternProblem } from "../lib/pathPattern";
import type { StackOutputs } from "../lib/stackOutputs";
import { DEFAULT_PROTECTED_PATHS } from "../lib/behaviors";

// Where the edge takes its protected path patterns and keys from, in this order:
// --protected flags, the stack outputs, the stack's Pulumi.<stack>.yaml config, the default.

export const PROJECT = "cloudfront-signed-content";

export interface ProtectedConfig {
  protectedPaths: string[];
  protectDefaultBehavior: boolean;
  /** Human description of where the patterns came from. */
  source: string;
}

function configValue(config: Record<string, unknown>, key: string): unknown {
  return config[`${PROJECT}:${key}`] ?? config[key];
}

/** The stack config's rule for path patterns (shared with infra/config.ts), as a one-line InputError. */
function checkPattern(pattern: unknown, field: string): void {
  const problem = pathPatternProblem(pattern);
  if (problem !== undefined) throw new InputError(`${field} ${problem}`);
}

function asPatterns(value: unknown, source: string): string[] {
  // `pulumi config set --path` stores arrays; `pulumi config set k '["/a/*"]'` stores a JSON string.
  let list: unknown = value;
  if (typeof value === "string") {
    try {
      list = value.trim().startsWith("[") ? JSON.parse(value) : [value];
    } catch {
      throw new InputError(`${source}: protectedPaths is not a list of path patterns; write e.g. ["/private/*"]`);
    }
  }
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string")) {
    throw new InputError(`${source}: protectedPaths must be a list of path patterns such as /private/*`);
  }
  list.forEach((pattern, index) => checkPattern(pattern, `${source}: protectedPaths[${index}]`));
  return list as string[];
}

function asBoolean(value: unknown, source: string, key = "protectDefaultBehavior"): boolean {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InputError(`${source}: ${key} must be true or false`);
}

/** Reads protectedPaths/protectDefaultBehavior/pathGuard from Pulumi.<stack>.yaml; undefined when the file has none. */
export function readStackConfig(
  stack: string,
  cwd: string,
): { protectedPaths?: string[]; protectDefaultBehavior?: boolean; pathGuard?: boolean; file: string } | undefined {
  const file = path.resolve(cwd, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    // Loaded lazily: only --stack needs YAML.
    const yaml = require("js-yaml") as typeof import("js-yaml");
    doc = yaml.load(text);
  } catch {
    throw new InputError(`${file}: not valid YAML; fix the file or pass --protected PATTERN`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (typeof config !== "object" || config === null) return { file };
  const c = config as Record<string, unknown>;
  const paths = configValue(c, "protectedPaths");
  const protectDefault = configValue(c, "protectDefaultBehavior");
  const pathGuard = configValue(c, "pathGuard");
  return {
    file,
    protectedPaths: paths === undefined ? undefined : asPatterns(paths, file),
    protectDefaultBehavior: protectDefault === undefined ? undefined : asBoolean(protectDefault, file),
    pathGuard: pathGuard === undefined ? undefined : asBoolean(pathGuard, file, "pathGuard"),
  };
}

/** Picks the protected patterns: flags, outputs, Pulumi.<stack>.yaml, default ["/private/*"]. */
export function resolveProtected(opts: {
  flags?: string[];
  protectDefault?: boolean;
  outputs?: StackOutputs;
  outputsSource?: string;
  stack?: string;
  cwd: string;
}): ProtectedConfig {
  if (opts.flags && opts.flags.length > 0) {
    for (const pattern of opts.flags) checkPattern(pattern, "--protected");
    return { protectedPaths: opts.flags, protectDefaultBehavior: opts.protectDefault ?? false, source: "--protected" };
  }
  if (opts.outputs?.protectedPaths) {
    opts.outputs.protectedPaths.forEach((pattern, index) => checkPattern(pattern, `${opts.outputsSource ?? "stack outputs"}: protectedPaths[${index}]`));
    return {
      protectedPaths: opts.outputs.protectedPaths,
      protectDefaultBehavior: opts.protectDefault ?? opts.outputs.protectDefaultBehavior ?? false,
      source: opts.outputsSource ?? "stack outputs",
    };
  }
  if (opts.stack) {
    const config = readStackConfig(opts.stack, opts.cwd);
    if (config?.protectedPaths || config?.protectDefaultBehavior !== undefined) {
      return {
        protectedPaths: config.protectedPaths ?? [...DEFAULT_PROTECTED_PATHS],
        protectDefaultBehavior: opts.protectDefault ?? config.protectDefaultBehavior ?? false,
        source: path.basename(config.file),
      };
    }
  }
  return {
    protectedPaths: [...DEFAULT_PROTECTED_PATHS],
    protectDefaultBehavior: opts.protectDefault ?? false,
    source: "default",
  };
}

/** Key pair id -> public key PEM from the stack outputs (keyPairIds and publicKeyPems, by generation). */
export function trustedKeysFromOutputs(outputs: StackOutputs, source: string): Record<string, string> | undefined {
  const ids = outputs.keyPairIds;
  const pems = outputs.publicKeyPems;
  if (!ids && !pems) return undefined;
  if (!ids || !pems) {
    throw new InputError(`${source}: needs both keyPairIds and publicKeyPems outputs to trust the key group`);
  }
  const keys: Record<string, string> = {};
  for (const [generation, id] of Object.entries(ids)) {
    const pem = pems[generation];
    if (pem === undefined) throw new InputError(`${source}: publicKeyPems has no entry for key generation "${generation}" (key pair id ${id})`);
    keys[id] = pem;
  }
  return keys;
}
