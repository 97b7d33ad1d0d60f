// The key sources of `cf-sign url`, `cookies` and `probe` as one ordered table. Each entry names the flags
// (or variables, or stack outputs) that give it, says when it applies and loads its signer; resolution walks
// the table once and the first entry that applies wins. --help's key-source section and the table in
// docs/signing.md are written from it (keySourceHelp.ts), and so is the "no signing key found" error.
// Adding a key source is adding one entry (and its flag to KEY_SOURCE_ARGS).
import type { AsyncCloudFrontSigner } from "../lib/asyncSigner";
import type { HashAlgorithm } from "../lib/constants";
import { InputError } from "../lib/errors";
import { checkKeyPairId } from "../lib/keyPairId";
import { CloudFrontSigner } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";
import { awsOptionsFromEnv } from "./awsEnv";
import { readKeyFile, type CliIo } from "./io";
import { kmsGeneration, signerForGeneration } from "./keyGenerations";
import { checkStackOptions, loadOutputsFor, type LoadedOutputs } from "./stackOptions";

/** Every flag a key source reads, as util.parseArgs takes them (each is in some entry's `flags`). */
export const KEY_SOURCE_ARGS = {
  "kms-key-id": { type: "string" },
  "key-pair-id": { type: "string" },
  "private-key-file": { type: "string" },
  "passphrase-env": { type: "string" },
  "secret-id": { type: "string" },
  generation: { type: "string" },
  "outputs-file": { type: "string" },
  stack: { type: "string" },
} as const;

export type KeySourceFlag = keyof typeof KEY_SOURCE_ARGS;

/** The key-source flags as util.parseArgs returns them. */
export type KeySourceValues = { readonly [F in KeySourceFlag]?: string };

/** A local key signs synchronously; a KMS key (or any remote key) asynchronously. */
export type AnySigner = CloudFrontSigner | AsyncCloudFrontSigner;

/** The signer, and the stack outputs when they were read (for baseUrl). */
export interface ResolvedKey {
  signer: AnySigner;
  outputs?: StackOutputs;
}

/** What a key source looks at. */
export interface KeyRequest {
  readonly values: KeySourceValues;
  /** The --hash asked for: SHA1 is refused for a KMS key before KMS is contacted. */
  readonly hash?: HashAlgorithm;
  readonly io: CliIo;
  /** The stack outputs (--outputs-file, --stack, else the selected stack's), read on first use and then kept. */
  stackOutputs(): LoadedOutputs | undefined;
}

/** Where a key source's key is named: flags, the environment, or the stack outputs (grouped in --help). */
export type KeySourceKind = "flags" | "environment" | "stack outputs";

export interface KeySource {
  kind: KeySourceKind;
  /** The flags it reads (--help and the docs name them in `usage`). */
  flags: readonly KeySourceFlag[];
  /** How it is given: the flags, the variables, or the outputs it reads. */
  usage: string;
  /** What it is, in one sentence (plain text: --help shows it as written, the docs in a table). */
  description: string;
  /** Whether this is the key source to use: the first entry for which this holds wins. */
  applies(request: KeyRequest): boolean;
  /** Checks the options that go with it, then loads the signer. Errors are one-line InputErrors without key text. */
  load(request: KeyRequest): Promise<ResolvedKey>;
}

/** Where the stack outputs of the "stack outputs" sources come from, as --help shows it (usage, description). */
export const STACK_OUTPUT_OPTIONS: readonly (readonly [string, string])[] = [
  ["--outputs-file F", "the file F, from: pulumi stack output --json [--show-secrets] > F"],
  ["--stack S", "the outputs of stack S, read with the Pulumi CLI (an error if they cannot be read)"],
  ["", "else the selected stack's outputs, when the Pulumi CLI is installed"],
];

const ENV_KEY_PAIR_ID = "CLOUDFRONT_KEY_PAIR_ID";
const ENV_PRIVATE_KEY = "CLOUDFRONT_PRIVATE_KEY";
const ENV_PRIVATE_KEY_FILE = "CLOUDFRONT_PRIVATE_KEY_FILE";

function passphraseFrom({ values, io }: KeyRequest): string | undefined {
  const name = values["passphrase-env"];
  if (name === undefined) return undefined;
  // The value is never echoed: users sometimes type the passphrase itself here.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InputError("--passphrase-env takes the NAME of an environment variable holding the passphrase (e.g. --passphrase-env CF_KEY_PASSPHRASE), not the passphrase itself");
  }
  const value = io.env[name];
  if (value === undefined) {
    throw new InputError(
      "--passphrase-env: no environment variable of that name is set (the value is not repeated here); export one holding the key's passphrase and pass its name, e.g. --passphrase-env CF_KEY_PASSPHRASE",
    );
  }
  return value;
}

function refusePassphrase({ values }: KeyRequest, why: string): void {
  if (values["passphrase-env"] !== undefined) {
    throw new InputError(`--passphrase-env is for an encrypted --private-key-file; ${why}: drop --passphrase-env`);
  }
}

function refuseSha1({ hash }: KeyRequest, source: string): void {
  if (hash === "SHA1") {
    throw new InputError(`--hash SHA1: ${source} is a KMS key, and KMS cannot sign with SHA-1; drop --hash (KMS signing always uses SHA256)`);
  }
}

/** The outputs of an --outputs-file, read whenever given (besides key material they supply baseUrl). */
function outputsFileIfGiven(request: KeyRequest): StackOutputs | undefined {
  checkStackOptions({ outputsFile: request.values["outputs-file"], stack: request.values.stack });
  return request.values["outputs-file"] !== undefined ? request.stackOutputs()?.outputs : undefined;
}

/** The outputs named by --outputs-file or --stack (for baseUrl), read before anything is asked of AWS. */
function namedOutputs(request: KeyRequest): StackOutputs | undefined {
  const { values } = request;
  return values["outputs-file"] === undefined && values.stack === undefined ? undefined : request.stackOutputs()?.outputs;
}

async function kmsSigner(keyId: string, keyPairId: string, label: string, env: NodeJS.ProcessEnv): Promise<AsyncCloudFrontSigner> {
  // Loaded only for KMS: the AWS SDK costs start-up time every other signing run would pay for nothing.
  const { createKmsSigner } = require("../lib/kmsSigner") as typeof import("../lib/kmsSigner");
  return createKmsSigner({ keyId, keyPairId, label, aws: awsOptionsFromEnv(env) });
}

/** Reads the secret once (one-shot CLI: no background refresh); one-line InputError on failure. */
async function secretSigner(secretId: string, label: string, env: NodeJS.ProcessEnv): Promise<CloudFrontSigner> {
  const { signerFromSecret } = require("../lib/secretSigner") as typeof import("../lib/secretSigner");
  const aws = awsOptionsFromEnv(env);
  try {
    return (await signerFromSecret(secretId, { refreshAfterMs: Number.MAX_SAFE_INTEGER, aws })).signer;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError(label === "--secret-id" ? message : `${label}: ${message}`);
  }
}

function stackOutputsWith(request: KeyRequest, holds: (outputs: StackOutputs) => boolean): boolean {
  const loaded = request.stackOutputs();
  return loaded !== undefined && holds(loaded.outputs);
}

/** The stack outputs a "stack outputs" source's applies() has read. */
function loadedOutputs(request: KeyRequest): LoadedOutputs {
  return request.stackOutputs() as LoadedOutputs;
}

function checkOutputsKeyPairId(outputs: StackOutputs, source: string): string {
  if (typeof outputs.keyPairId !== "string" || outputs.keyPairId === "") {
    throw new InputError(`${source}: no keyPairId output; is this the outputs of the signed-content stack?`);
  }
  checkKeyPairId(outputs.keyPairId, `${source}: keyPairId output`);
  return outputs.keyPairId;
}

/**
 * A PEM whose line breaks are written as the two characters \n (or \r\n), as many CI systems store a multi-line
 * secret, with real line breaks. A PEM never holds a backslash, so this changes nothing else.
 */
function unescapeNewlines(pem: string): string {
  return pem.replace(/\\r\\n|\\n/g, "\n");
}

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

/** The key sources, in the one documented order: the first that applies wins. */
export const KEY_SOURCES: readonly KeySource[] = [
  {
    kind: "flags",
    flags: ["kms-key-id", "key-pair-id"],
    usage: "--kms-key-id ARN|alias/NAME --key-pair-id ID",
    description: "a key in AWS KMS: it never leaves KMS; always SHA-256 (--hash SHA1 is refused)",
    applies: ({ values }) => values["kms-key-id"] !== undefined,
    async load(request) {
      const { values } = request;
      const keyId = values["kms-key-id"] as string;
      if (values["secret-id"] !== undefined || values.generation !== undefined) {
        throw new InputError(`--kms-key-id is a key source of its own; give it without ${values["secret-id"] !== undefined ? "--secret-id" : "--generation"}`);
      }
      if (values["private-key-file"] !== undefined) {
        throw new InputError("--kms-key-id and --private-key-file are two different keys; give one of them");
      }
      refusePassphrase(request, "a KMS key has no passphrase");
      const keyPairId = values["key-pair-id"];
      if (keyPairId === undefined) {
        throw new InputError("--kms-key-id needs --key-pair-id ID (the CloudFront public key id holding this KMS key's public key)");
      }
      // Checked here, before KMS is contacted, and named after the flag (not the signer's keyPairId field).
      checkKeyPairId(keyPairId, "--key-pair-id", "give the KMS key with --kms-key-id");
      refuseSha1(request, `--kms-key-id ${keyId}`);
      const outputs = namedOutputs(request);
      return { signer: await kmsSigner(keyId, keyPairId, `--kms-key-id ${keyId}`, request.io.env), outputs };
    },
  },
  {
    kind: "flags",
    flags: ["key-pair-id", "private-key-file", "passphrase-env"],
    usage: "--key-pair-id ID --private-key-file FILE [--passphrase-env VAR]",
    description: "a private key file (PEM; --passphrase-env VAR names the variable holding an encrypted key's passphrase)",
    // With --secret-id or --generation, the key flags are refused by those sources (one line naming both).
    applies: ({ values }) =>
      (values["key-pair-id"] !== undefined || values["private-key-file"] !== undefined) && values["secret-id"] === undefined && values.generation === undefined,
    async load(request) {
      const { values, io } = request;
      const outputs = outputsFileIfGiven(request);
      const keyPairId = values["key-pair-id"];
      const file = values["private-key-file"];
      if (file === undefined) {
        throw new InputError("--key-pair-id needs --private-key-file FILE (the matching private key), or --kms-key-id ARN for a key in AWS KMS");
      }
      if (keyPairId === undefined) {
        throw new InputError("--private-key-file needs --key-pair-id ID (the CloudFront public key id, e.g. K2JCJMDEHXQW5F)");
      }
      checkKeyPairId(keyPairId, "--key-pair-id", "pass the private key with --private-key-file FILE");
      const pem = readKeyFile(file, "--private-key-file", io);
      return { signer: new CloudFrontSigner({ keyPairId, privateKey: pem, passphrase: passphraseFrom(request), label: `--private-key-file ${file}` }), outputs };
    },
  },
  {
    kind: "flags",
    flags: ["secret-id"],
    usage: "--secret-id ARN|NAME",
    description: "the Secrets Manager secret the stack stores (storePrivateKey)",
    // With --generation, --secret-id is refused by that source.
    applies: ({ values }) => values["secret-id"] !== undefined && values.generation === undefined,
    async load(request) {
      const { values } = request;
      if (values["key-pair-id"] !== undefined || values["private-key-file"] !== undefined) {
        throw new InputError("--secret-id is a key source of its own; give it without --key-pair-id and --private-key-file");
      }
      refusePassphrase(request, "the key in the secret has no passphrase");
      // The outputs (for baseUrl) are read first: an unreadable --stack fails before AWS is contacted.
      const outputs = namedOutputs(request);
      return { signer: await secretSigner(values["secret-id"] as string, "--secret-id", request.io.env), outputs };
    },
  },
  {
    kind: "flags",
    flags: ["generation", "outputs-file", "stack"],
    usage: "--generation ID",
    description:
      "that key generation from the stack outputs (the rotation canary): its privateKeyPems entry (needs --show-secrets), or for a KMS generation its kmsKeyArns entry, through KMS",
    applies: ({ values }) => values.generation !== undefined,
    async load(request) {
      const { values } = request;
      const generation = values.generation as string;
      if (values["key-pair-id"] !== undefined || values["private-key-file"] !== undefined || values["secret-id"] !== undefined) {
        throw new InputError("--generation picks a key from the stack outputs; give it without --key-pair-id, --private-key-file or --secret-id");
      }
      refusePassphrase(request, "the stack's generation keys have no passphrase");
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(generation)) {
        throw new InputError(`--generation: "${generation.slice(0, 64)}" is not a generation id (letters, digits, - and _), e.g. 2026-11`);
      }
      const loaded = request.stackOutputs();
      if (loaded === undefined) {
        throw new InputError("--generation needs the stack outputs: pass --outputs-file F (from pulumi stack output --json --show-secrets), or install the Pulumi CLI");
      }
      const kms = kmsGeneration(loaded.outputs, generation);
      if (kms === undefined) return { signer: signerForGeneration(loaded.outputs, loaded.source, generation), outputs: loaded.outputs };
      refuseSha1(request, `--generation ${generation}`);
      return { signer: await kmsSigner(kms.keyArn, kms.keyPairId, `--generation ${generation}: ${loaded.source}: ${kms.from}`, request.io.env), outputs: loaded.outputs };
    },
  },
  {
    kind: "environment",
    flags: ["passphrase-env"],
    usage: `env ${ENV_KEY_PAIR_ID} with ${ENV_PRIVATE_KEY} (PEM text) or ${ENV_PRIVATE_KEY_FILE}`,
    description: "the environment; CLOUDFRONT_PRIVATE_KEY may write the PEM's line breaks as \\n, as CI secrets often do",
    applies: ({ io }) => io.env[ENV_KEY_PAIR_ID] !== undefined && (io.env[ENV_PRIVATE_KEY] !== undefined || io.env[ENV_PRIVATE_KEY_FILE] !== undefined),
    async load(request) {
      const { io } = request;
      const outputs = outputsFileIfGiven(request);
      const keyPairId = io.env[ENV_KEY_PAIR_ID] as string;
      const text = io.env[ENV_PRIVATE_KEY];
      const file = io.env[ENV_PRIVATE_KEY_FILE];
      checkKeyPairId(keyPairId, ENV_KEY_PAIR_ID, `put the private key in ${ENV_PRIVATE_KEY} (or its file name in ${ENV_PRIVATE_KEY_FILE})`);
      const pem = text !== undefined ? unescapeNewlines(text) : readKeyFile(file as string, ENV_PRIVATE_KEY_FILE, io);
      const label = text !== undefined ? ENV_PRIVATE_KEY : `${ENV_PRIVATE_KEY_FILE} ${file}`;
      return { signer: new CloudFrontSigner({ keyPairId, privateKey: pem, passphrase: passphraseFrom(request), label }), outputs };
    },
  },
  {
    kind: "stack outputs",
    flags: ["outputs-file", "stack"],
    usage: 'signingKeySource "kms" -> kmsKeyArn and keyPairId',
    description: "the stack's active key is in AWS KMS: signed through KMS, always SHA-256",
    applies: (request) => stackOutputsWith(request, (outputs) => outputs.signingKeySource === "kms"),
    async load(request) {
      const { outputs, source } = loadedOutputs(request);
      if (!nonEmpty(outputs.kmsKeyArn)) {
        throw new InputError(`${source}: signingKeySource is "kms" but there is no kmsKeyArn output; is this the outputs of the signed-content stack?`);
      }
      const keyPairId = checkOutputsKeyPairId(outputs, source);
      refuseSha1(request, `the active key in ${source}`);
      return { signer: await kmsSigner(outputs.kmsKeyArn, keyPairId, `${source}: kmsKeyArn ${outputs.kmsKeyArn}`, request.io.env), outputs };
    },
  },
  {
    kind: "stack outputs",
    flags: ["outputs-file", "stack"],
    usage: "privateKeySecretArn -> that secret",
    description: "the Secrets Manager secret the stack stores its key in (outputs made without --show-secrets suffice)",
    applies: (request) => stackOutputsWith(request, (outputs) => nonEmpty(outputs.privateKeySecretArn)),
    async load(request) {
      const { outputs, source } = loadedOutputs(request);
      return { signer: await secretSigner(outputs.privateKeySecretArn as string, `${source}: privateKeySecretArn`, request.io.env), outputs };
    },
  },
  {
    kind: "stack outputs",
    flags: ["outputs-file", "stack", "passphrase-env"],
    usage: "keyPairId and privateKeyPem (needs --show-secrets)",
    description: 'the private key in the stack outputs (an outputs file holding "[secret]" is refused, with the fix)',
    applies: (request) => request.stackOutputs() !== undefined,
    async load(request) {
      const { outputs, source } = loadedOutputs(request);
      if (outputs.privateKeyPem === "[secret]") {
        throw new InputError(`${source}: privateKeyPem is hidden as "[secret]"; produce the outputs with pulumi stack output --json --show-secrets`);
      }
      const keyPairId = checkOutputsKeyPairId(outputs, source);
      if (!nonEmpty(outputs.privateKeyPem)) {
        throw new InputError(
          `${source}: no privateKeyPem output (the stack does not hold the private key); use --key-pair-id ${keyPairId} --private-key-file FILE instead`,
        );
      }
      return {
        signer: new CloudFrontSigner({ keyPairId, privateKey: outputs.privateKeyPem, passphrase: passphraseFrom(request), label: `${source}: privateKeyPem` }),
        outputs,
      };
    },
  },
];

/** Where the "stack outputs" sources read them, in the error that lists every key source. */
const STACK_OUTPUTS_FROM = "--outputs-file F (pulumi stack output --json --show-secrets > F), --stack S, or the selected stack when the Pulumi CLI is installed";

/** Every key source, numbered in the table's order, for the error when none applies. */
function keySourceList(): string {
  return KEY_SOURCES.map((source, i) => {
    const item = `${i + 1}. ${source.usage}`;
    const firstOfStack = source.kind === "stack outputs" && KEY_SOURCES[i - 1]?.kind !== "stack outputs";
    return firstOfStack ? `the stack outputs from ${STACK_OUTPUTS_FROM}, with ${item}` : item;
  }).join("; ");
}

/** The error when no key source applies: every key source in order; a half-set environment is named. */
function noSigningKeyFound(env: NodeJS.ProcessEnv): InputError {
  const hasId = env[ENV_KEY_PAIR_ID] !== undefined;
  const hasKey = env[ENV_PRIVATE_KEY] !== undefined || env[ENV_PRIVATE_KEY_FILE] !== undefined;
  const note =
    hasId === hasKey
      ? ""
      : hasId
        ? ` (${ENV_KEY_PAIR_ID} is set but neither ${ENV_PRIVATE_KEY} nor ${ENV_PRIVATE_KEY_FILE} is)`
        : ` (${ENV_PRIVATE_KEY}/_FILE is set but ${ENV_KEY_PAIR_ID} is not)`;
  return new InputError(`no signing key found${note}: give one of these key sources (the first that applies wins): ${keySourceList()}`);
}

/**
 * The signer for `url`, `cookies` and `probe`: the first key source of KEY_SOURCES that applies. Also returns
 * the stack outputs when they were read (for baseUrl). Errors are one-line InputErrors that never contain key text.
 */
export async function resolveSigningKey(values: KeySourceValues, hash: HashAlgorithm | undefined, io: CliIo): Promise<ResolvedKey> {
  let outputs: { loaded: LoadedOutputs | undefined } | undefined;
  const request: KeyRequest = {
    values,
    hash,
    io,
    stackOutputs: () => (outputs ??= { loaded: loadOutputsFor({ outputsFile: values["outputs-file"], stack: values.stack }, io) }).loaded,
  };
  for (const source of KEY_SOURCES) {
    if (source.applies(request)) return source.load(request);
  }
  throw noSigningKeyFound(io.env);
}
