import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "./errors";

/** The stack outputs the signing tools read (names exported by infra/). Extra outputs are kept as-is. */
export interface StackOutputs {
  baseUrl?: string;
  keyPairId?: string;
  keyPairIds?: Record<string, string>;
  publicKeyPems?: Record<string, string>;
  privateKeyPem?: string;
  protectedPaths?: string[];
  protectDefaultBehavior?: boolean;
  ipv6Enabled?: boolean;
  distributionDomainName?: string;
  /** "kms" when the active key is a KMS key (then kmsKeyArn names it and there is no privateKeyPem). */
  signingKeySource?: "tls" | "kms";
  kmsKeyArn?: string;
  /** generation id -> KMS key ARN of every KMS generation (`--generation` signs through KMS with it). */
  kmsKeyArns?: Record<string, string>;
  /** ARN and source code of the path guard CloudFront Function on the unsigned behaviours, when deployed. */
  pathGuardFunctionArn?: string;
  pathGuardCode?: string;
  [k: string]: unknown;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

/** Checks the shape of the outputs the tools rely on; `source` names the file or command in messages. */
export function validateStackOutputs(value: unknown, source: string): StackOutputs {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`${source}: stack outputs must be a JSON object (the output of pulumi stack output --json --show-secrets)`);
  }
  const o = value as Record<string, unknown>;
  const expect = (name: string, ok: boolean, what: string): void => {
    if (o[name] !== undefined && !ok) throw new InputError(`${source}: output "${name}" must be ${what}`);
  };
  for (const name of ["baseUrl", "keyPairId", "privateKeyPem", "distributionDomainName", "kmsKeyArn", "pathGuardFunctionArn", "pathGuardCode"]) {
    expect(name, typeof o[name] === "string", "a string");
  }
  expect("keyPairIds", isStringRecord(o.keyPairIds), "an object of strings");
  expect("publicKeyPems", isStringRecord(o.publicKeyPems), "an object of strings");
  expect("kmsKeyArns", isStringRecord(o.kmsKeyArns), "an object of strings");
  expect(
    "protectedPaths",
    Array.isArray(o.protectedPaths) && o.protectedPaths.every((p) => typeof p === "string"),
    "an array of strings",
  );
  expect("protectDefaultBehavior", typeof o.protectDefaultBehavior === "boolean", "true or false");
  expect("signingKeySource", o.signingKeySource === "tls" || o.signingKeySource === "kms", '"tls" or "kms"');
  expect("ipv6Enabled", typeof o.ipv6Enabled === "boolean", "true or false");
  return o as StackOutputs;
}

/** Reads a file written by `pulumi stack output --json --show-secrets > outputs.json`. */
export function readOutputsFile(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : "cannot read it";
    throw new InputError(`--outputs-file ${file}: ${why}; create it with: pulumi stack output --json --show-secrets > ${path.basename(file)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError(`--outputs-file ${file}: not valid JSON; create it with: pulumi stack output --json --show-secrets > ${path.basename(file)}`);
  }
  return validateStackOutputs(parsed, `--outputs-file ${file}`);
}

/** Finds an executable on PATH without spawning a shell (cheap; avoids a failed spawn). */
export function findOnPath(command: string, envPath: string | undefined = process.env.PATH): string | undefined {
  if (!envPath) return undefined;
  const names = process.platform === "win32" ? [`${command}.exe`, `${command}.cmd`, command] : [command];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/**
 * Stack outputs from `outputsFile` when given; else from `pulumi stack output --json --show-secrets
 * [--stack S]` when the Pulumi CLI is on PATH; else undefined. A failing pulumi command is an InputError
 * carrying pulumi's first error line (pulumi never prints secret values in its errors).
 */
export function loadStackOutputs(opts: { outputsFile?: string; stack?: string; cwd?: string; env?: NodeJS.ProcessEnv }): StackOutputs | undefined {
  if (opts.outputsFile !== undefined) {
    return readOutputsFile(path.resolve(opts.cwd ?? process.cwd(), opts.outputsFile));
  }
  const env = opts.env ?? process.env;
  const pulumi = findOnPath("pulumi", env.PATH);
  if (pulumi === undefined) return undefined;
  // Loaded lazily: most runs never need to spawn anything.
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const args = ["stack", "output", "--json", "--show-secrets", ...(opts.stack ? ["--stack", opts.stack] : [])];
  const result = spawnSync(pulumi, args, { cwd: opts.cwd, env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  const source = `pulumi ${args.join(" ")}`;
  if (result.error || result.status !== 0) {
    const firstLine = (result.stderr || String(result.error ?? "")).split("\n").map((l) => l.trim()).find((l) => l !== "") ?? `exit ${result.status}`;
    throw new InputError(`${source} failed: ${firstLine}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new InputError(`${source}: did not print JSON`);
  }
  return validateStackOutputs(parsed, source);
}
