import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../lib/errors";
import { CloudFrontSigner } from "../lib/signer";
import { loadStackOutputs, readOutputsFile, StackOutputs } from "../lib/stackOutputs";
import type { CliIo } from "./io";

/** Where the key material may come from (CLI flags); environment and Pulumi are consulted too. */
export interface KeySourceOptions {
  keyPairId?: string;
  privateKeyFile?: string;
  passphraseEnv?: string;
  outputsFile?: string;
  stack?: string;
}

/** The option definitions shared by every command that needs key material (for util.parseArgs). */
export const KEY_SOURCE_ARGS = {
  "key-pair-id": { type: "string" },
  "private-key-file": { type: "string" },
  "passphrase-env": { type: "string" },
  "outputs-file": { type: "string" },
  stack: { type: "string" },
} as const;

export const KEY_SOURCE_HELP = `Key material (first found wins):
  --key-pair-id ID --private-key-file FILE [--passphrase-env VAR]
  env CLOUDFRONT_KEY_PAIR_ID with CLOUDFRONT_PRIVATE_KEY (PEM text) or CLOUDFRONT_PRIVATE_KEY_FILE
  --outputs-file F   JSON from: pulumi stack output --json --show-secrets > F
  pulumi stack output --json --show-secrets [--stack S], when the Pulumi CLI is installed`;

const WAYS =
  "give --key-pair-id with --private-key-file, or set CLOUDFRONT_KEY_PAIR_ID with CLOUDFRONT_PRIVATE_KEY or CLOUDFRONT_PRIVATE_KEY_FILE, " +
  "or pass --outputs-file F (from pulumi stack output --json --show-secrets), or run inside the Pulumi project with the Pulumi CLI installed";

function passphraseFrom(opts: KeySourceOptions, io: CliIo): string | undefined {
  if (opts.passphraseEnv === undefined) return undefined;
  const value = io.env[opts.passphraseEnv];
  if (value === undefined) {
    throw new InputError(`--passphrase-env ${opts.passphraseEnv}: that environment variable is not set; export it with the key's passphrase`);
  }
  return value;
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

function signerFromOutputs(outputs: StackOutputs, source: string, opts: KeySourceOptions, io: CliIo): CloudFrontSigner {
  if (outputs.privateKeyPem === "[secret]") {
    throw new InputError(`${source}: privateKeyPem is hidden as "[secret]"; produce the outputs with pulumi stack output --json --show-secrets`);
  }
  if (typeof outputs.keyPairId !== "string" || outputs.keyPairId === "") {
    throw new InputError(`${source}: no keyPairId output; is this the outputs of the signed-content stack?`);
  }
  if (typeof outputs.privateKeyPem !== "string" || outputs.privateKeyPem === "") {
    throw new InputError(
      `${source}: no privateKeyPem output (the stack does not hold the private key); use --key-pair-id ${outputs.keyPairId} --private-key-file FILE instead`,
    );
  }
  return new CloudFrontSigner({
    keyPairId: outputs.keyPairId,
    privateKey: outputs.privateKeyPem,
    passphrase: passphraseFrom(opts, io),
    label: `${source}: privateKeyPem`,
  });
}

/**
 * Finds the key material in the documented order and builds one signer (the key is parsed once).
 * Also returns the stack outputs when they were read (for baseUrl). Errors never contain key text.
 */
export function resolveSigner(
  opts: KeySourceOptions,
  io: CliIo,
  stackOutputs?: { outputs: StackOutputs; source: string },
): { signer: CloudFrontSigner; outputs?: StackOutputs } {
  // An outputs file is read whenever given: besides key material it supplies baseUrl.
  const fileOutputs = opts.outputsFile !== undefined ? readOutputsFile(path.resolve(io.cwd, opts.outputsFile)) : undefined;

  // 1. Flags.
  if (opts.keyPairId !== undefined || opts.privateKeyFile !== undefined) {
    if (opts.privateKeyFile === undefined) {
      throw new InputError("--key-pair-id needs --private-key-file FILE (the matching private key)");
    }
    if (opts.keyPairId === undefined) {
      throw new InputError("--private-key-file needs --key-pair-id ID (the CloudFront public key id, e.g. K2JCJMDEHXQW5F)");
    }
    const label = `--private-key-file ${opts.privateKeyFile}`;
    const pem = readKeyFile(opts.privateKeyFile, "--private-key-file", io);
    return {
      signer: new CloudFrontSigner({ keyPairId: opts.keyPairId, privateKey: pem, passphrase: passphraseFrom(opts, io), label }),
      outputs: fileOutputs,
    };
  }

  // 2. Environment.
  const envId = io.env.CLOUDFRONT_KEY_PAIR_ID;
  const envKey = io.env.CLOUDFRONT_PRIVATE_KEY;
  const envKeyFile = io.env.CLOUDFRONT_PRIVATE_KEY_FILE;
  const partialEnv = (envId !== undefined) !== (envKey !== undefined || envKeyFile !== undefined);
  if (envId !== undefined && (envKey !== undefined || envKeyFile !== undefined)) {
    const pem = envKey !== undefined ? envKey : readKeyFile(envKeyFile as string, "CLOUDFRONT_PRIVATE_KEY_FILE", io);
    const label = envKey !== undefined ? "CLOUDFRONT_PRIVATE_KEY" : `CLOUDFRONT_PRIVATE_KEY_FILE ${envKeyFile}`;
    return {
      signer: new CloudFrontSigner({ keyPairId: envId, privateKey: pem, passphrase: passphraseFrom(opts, io), label }),
      outputs: fileOutputs,
    };
  }

  // 3. Outputs file.
  if (fileOutputs !== undefined) {
    return { signer: signerFromOutputs(fileOutputs, `--outputs-file ${opts.outputsFile}`, opts, io), outputs: fileOutputs };
  }

  // 4. The Pulumi CLI.
  // (already read by resolveAnySigner, which looks for a KMS key in them first)
  const fromPulumi = stackOutputs ?? loadOutputsFor({ stack: opts.stack }, io);
  if (fromPulumi !== undefined) {
    return { signer: signerFromOutputs(fromPulumi.outputs, fromPulumi.source, opts, io), outputs: fromPulumi.outputs };
  }
  const note = partialEnv
    ? envId === undefined
      ? " (CLOUDFRONT_PRIVATE_KEY/_FILE is set but CLOUDFRONT_KEY_PAIR_ID is not)"
      : " (CLOUDFRONT_KEY_PAIR_ID is set but neither CLOUDFRONT_PRIVATE_KEY nor CLOUDFRONT_PRIVATE_KEY_FILE is)"
    : opts.stack !== undefined
      ? " (--stack needs the Pulumi CLI, which is not on PATH)"
      : "";
  throw new InputError(`no signing key found${note}: ${WAYS}`);
}

/**
 * The stack outputs from --outputs-file, else from `pulumi stack output` when the Pulumi CLI is on PATH,
 * else undefined; `source` names where they came from, for messages.
 */
export function loadOutputsFor(opts: { outputsFile?: string; stack?: string }, io: CliIo): { outputs: StackOutputs; source: string } | undefined {
  const outputs = loadStackOutputs({ outputsFile: opts.outputsFile, stack: opts.stack, cwd: io.cwd, env: io.env });
  if (outputs === undefined) return undefined;
  const source = opts.outputsFile !== undefined ? `--outputs-file ${opts.outputsFile}` : `pulumi stack output${opts.stack ? ` --stack ${opts.stack}` : ""}`;
  return { outputs, source };
}

/**
 * Resolves a path-only URL (`/private/cat.jpeg`) against the stack's baseUrl; full URLs pass through.
 * `outputs` is loaded lazily (only a path needs it).
 */
export function resolveAgainstBaseUrl(input: string, field: string, getOutputs: () => StackOutputs | undefined): string {
  if (!input.startsWith("/")) return input;
  const outputs = getOutputs();
  const baseUrl = outputs?.baseUrl;
  if (typeof baseUrl !== "string" || baseUrl === "") {
    throw new InputError(`${field}: "${input}" is a path; give a full https:// URL, or --outputs-file F whose baseUrl output it is resolved against`);
  }
  return baseUrl.replace(/\/+$/, "") + input;
}
