import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../lib/errors";
import { checkKeyPairId } from "../lib/keyPairId";
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

/** The one key-source order of url, cookies and probe (kmsKeySource.ts resolveAnySigner implements it). */
export const KEY_SOURCE_HELP = `Key source, in this order (the first that applies wins):
  --kms-key-id ARN|alias/NAME --key-pair-id ID
                         1. a key in AWS KMS: it never leaves KMS; always SHA-256 (--hash SHA1 is refused)
  --key-pair-id ID --private-key-file FILE [--passphrase-env VAR]
                         2. a private key file; or --secret-id, or --generation (only one of these three)
  --secret-id ARN|NAME   2. the Secrets Manager secret the stack stores (storePrivateKey)
  --generation ID        2. that key generation from the stack outputs (the rotation canary): its privateKeyPems
                            entry (needs --show-secrets), or for a KMS generation its kmsKeyArns entry, through KMS
  env CLOUDFRONT_KEY_PAIR_ID with CLOUDFRONT_PRIVATE_KEY (PEM text) or CLOUDFRONT_PRIVATE_KEY_FILE
                         3. the environment
  --outputs-file F       4. the stack outputs in F, from: pulumi stack output --json [--show-secrets] > F
  --stack S              4. the outputs of stack S, read with the Pulumi CLI (an error if they cannot be read)
                         4. else the selected stack's outputs, when the Pulumi CLI is installed
  In the stack outputs: signingKeySource "kms" -> kmsKeyArn and keyPairId, through KMS; else
  privateKeySecretArn -> that secret; else keyPairId and privateKeyPem (needs --show-secrets).

AWS (KMS, Secrets Manager): region, credentials and endpoint come from the AWS SDK's usual sources (AWS_REGION,
  AWS_PROFILE, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...); a full ARN's region wins. Each call
  gives up after CF_SIGN_AWS_CONNECTION_TIMEOUT_MS (3000) / CF_SIGN_AWS_REQUEST_TIMEOUT_MS (5000) per attempt and
  AWS_MAX_ATTEMPTS (3) attempts. A KMS key needs kms:Sign and
  kms:GetPublicKey (output kmsSigningPolicy); a secret needs secretsmanager:GetSecretValue (output
  privateKeyReadPolicy). CF_SIGN_KMS_CONCURRENCY=N: KMS Sign calls in flight for url --stdin (default 8, max 64).`;

const WAYS =
  "give --key-pair-id with --private-key-file, or set CLOUDFRONT_KEY_PAIR_ID with CLOUDFRONT_PRIVATE_KEY or CLOUDFRONT_PRIVATE_KEY_FILE, " +
  "or pass --outputs-file F (from pulumi stack output --json --show-secrets), or run inside the Pulumi project with the Pulumi CLI installed";

function passphraseFrom(opts: KeySourceOptions, io: CliIo): string | undefined {
  if (opts.passphraseEnv === undefined) return undefined;
  // The value is never echoed: users sometimes type the passphrase itself here.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.passphraseEnv)) {
    throw new InputError("--passphrase-env takes the NAME of an environment variable holding the passphrase (e.g. --passphrase-env CF_KEY_PASSPHRASE), not the passphrase itself");
  }
  const value = io.env[opts.passphraseEnv];
  if (value === undefined) {
    throw new InputError(
      "--passphrase-env: no environment variable of that name is set (the value is not repeated here); export one holding the key's passphrase and pass its name, e.g. --passphrase-env CF_KEY_PASSPHRASE",
    );
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
  checkKeyPairId(outputs.keyPairId, `${source}: keyPairId output`);
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
 * `fromOutputs`, when given, is asked first about stack outputs (before their privateKeyPem): what it returns
 * stands for the key (cf. secretKeySource.ts: the privateKeySecretArn output, read asynchronously).
 */
export function resolveSigner<T = never>(
  opts: KeySourceOptions,
  io: CliIo,
  extra: {
    /** asked first about stack outputs (before their privateKeyPem): what it returns stands for the key */
    fromOutputs?: (outputs: StackOutputs, source: string) => T | undefined;
    /** stack outputs a caller already read from the Pulumi CLI (not read twice) */
    stackOutputs?: { outputs: StackOutputs; source: string };
  } = {},
): { signer: CloudFrontSigner | T; outputs?: StackOutputs } {
  checkStackOptions(opts);
  // An outputs file is read whenever given: besides key material it supplies baseUrl.
  const fileOutputs = opts.outputsFile !== undefined ? readOutputsFile(path.resolve(io.cwd, opts.outputsFile)) : undefined;

  // 1. Flags.
  if (opts.keyPairId !== undefined || opts.privateKeyFile !== undefined) {
    if (opts.privateKeyFile === undefined) {
      throw new InputError("--key-pair-id needs --private-key-file FILE (the matching private key), or --kms-key-id ARN for a key in AWS KMS");
    }
    if (opts.keyPairId === undefined) {
      throw new InputError("--private-key-file needs --key-pair-id ID (the CloudFront public key id, e.g. K2JCJMDEHXQW5F)");
    }
    checkKeyPairId(opts.keyPairId, "--key-pair-id", "pass the private key with --private-key-file FILE");
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
    checkKeyPairId(envId, "CLOUDFRONT_KEY_PAIR_ID", "put the private key in CLOUDFRONT_PRIVATE_KEY (or its file name in CLOUDFRONT_PRIVATE_KEY_FILE)");
    const pem = envKey !== undefined ? envKey : readKeyFile(envKeyFile as string, "CLOUDFRONT_PRIVATE_KEY_FILE", io);
    const label = envKey !== undefined ? "CLOUDFRONT_PRIVATE_KEY" : `CLOUDFRONT_PRIVATE_KEY_FILE ${envKeyFile}`;
    return {
      signer: new CloudFrontSigner({ keyPairId: envId, privateKey: pem, passphrase: passphraseFrom(opts, io), label }),
      outputs: fileOutputs,
    };
  }

  // 3. Outputs file.
  if (fileOutputs !== undefined) {
    const other = extra.fromOutputs?.(fileOutputs, `--outputs-file ${opts.outputsFile}`);
    if (other !== undefined) return { signer: other, outputs: fileOutputs };
    return { signer: signerFromOutputs(fileOutputs, `--outputs-file ${opts.outputsFile}`, opts, io), outputs: fileOutputs };
  }

  // 4. The Pulumi CLI.
  // (already read by resolveAnySigner, which looks for a KMS key in them first)
  const fromPulumi = extra.stackOutputs ?? loadOutputsFor({ stack: opts.stack }, io);
  if (fromPulumi !== undefined) {
    const other = extra.fromOutputs?.(fromPulumi.outputs, fromPulumi.source);
    if (other !== undefined) return { signer: other, outputs: fromPulumi.outputs };
    return { signer: signerFromOutputs(fromPulumi.outputs, fromPulumi.source, opts, io), outputs: fromPulumi.outputs };
  }
  const note = partialEnv
    ? envId === undefined
      ? " (CLOUDFRONT_PRIVATE_KEY/_FILE is set but CLOUDFRONT_KEY_PAIR_ID is not)"
      : " (CLOUDFRONT_KEY_PAIR_ID is set but neither CLOUDFRONT_PRIVATE_KEY nor CLOUDFRONT_PRIVATE_KEY_FILE is)"
    : "";
  throw new InputError(`no signing key found${note}: ${WAYS}`);
}

/**
 * The stack outputs from --outputs-file, else from `pulumi stack output` when the Pulumi CLI is on PATH,
 * else undefined; `source` names where they came from, for messages.
 */
export function loadOutputsFor(opts: { outputsFile?: string; stack?: string }, io: CliIo): { outputs: StackOutputs; source: string } | undefined {
  checkStackOptions(opts);
  const outputs = loadStackOutputs({ outputsFile: opts.outputsFile, stack: opts.stack, cwd: io.cwd, env: io.env });
  if (outputs === undefined) {
    // An explicit --stack is never silently ignored.
    if (opts.stack !== undefined) throw stackUnreadable(opts.stack);
    return undefined;
  }
  return { outputs, source: outputsSourceLabel(opts) };
}

/**
 * The stack outputs named explicitly by --outputs-file or --stack, else undefined (no look-up of the selected
 * stack): for key sources that need the outputs only for baseUrl, so --stack is never silently ignored.
 */
export function loadNamedOutputs(opts: { outputsFile?: string; stack?: string }, io: CliIo): { outputs: StackOutputs; source: string } | undefined {
  return opts.outputsFile === undefined && opts.stack === undefined ? undefined : loadOutputsFor(opts, io);
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
