// The key sources that need more than resolveSigner's synchronous steps: a Secrets Manager secret
// (--secret-id, or the stack output privateKeySecretArn) and a named key generation (--generation, the
// rotation canary). The order: key flags, --secret-id or --generation (from privateKeyPems; a KMS generation is
// signed through KMS by kmsKeySource.ts), environment, then stack outputs: privateKeySecretArn, else privateKeyPem.
import { InputError } from "../lib/errors";
import { CloudFrontSigner } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";
import { awsOptionsFromEnv } from "./awsEnv";
import type { CliIo } from "./io";
import { KeySourceOptions, loadNamedOutputs, loadOutputsFor, resolveSigner } from "./keySource";

/** The option definitions for util.parseArgs (spread beside KEY_SOURCE_ARGS). */
export const SECRET_SOURCE_ARGS = {
  "secret-id": { type: "string" },
  generation: { type: "string" },
} as const;

export interface SigningKeyOptions extends KeySourceOptions {
  /** --secret-id: name or ARN of the secret holding the component's JSON. */
  secretId?: string;
  /** --generation: a key generation id from the stack outputs (keyPairIds / privateKeyPems). */
  generation?: string;
}

interface SecretRef {
  secretId: string;
  label: string;
}

/** Reads the secret once (one-shot CLI: no background refresh); one-line InputError on failure. */
async function signerFromSecretRef(ref: SecretRef, io: CliIo): Promise<CloudFrontSigner> {
  const { signerFromSecret } = require("../lib/secretSigner") as typeof import("../lib/secretSigner");
  const aws = awsOptionsFromEnv(io.env);
  try {
    return (await signerFromSecret(ref.secretId, { refreshAfterMs: Number.MAX_SAFE_INTEGER, aws })).signer;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError(ref.label === "--secret-id" ? message : `${ref.label}: ${message}`);
  }
}

/** The signer for `generation` from stack outputs; errors name the generation and list the known ones. */
export function signerForGeneration(outputs: StackOutputs, source: string, generation: string): CloudFrontSigner {
  const ids = outputs.keyPairIds;
  if (typeof ids !== "object" || ids === null) {
    throw new InputError(`--generation ${generation}: ${source} has no keyPairIds output; is this the signed-content stack?`);
  }
  const known = Object.keys(ids);
  if (!Object.prototype.hasOwnProperty.call(ids, generation)) {
    throw new InputError(`--generation ${generation}: no such key generation in ${source}; the stack has ${known.join(", ") || "none"}`);
  }
  const pems = outputs.privateKeyPems as unknown;
  if (pems === "[secret]") {
    throw new InputError(`--generation: ${source}: privateKeyPems is hidden as "[secret]"; produce the outputs with pulumi stack output --json --show-secrets`);
  }
  if (typeof pems !== "object" || pems === null || Array.isArray(pems)) {
    throw new InputError(
      `--generation ${generation}: ${source} has no privateKeyPems output (the stack does not export its private keys, e.g. exportPrivateKey false; ` +
        `its secret holds only the active key) and no kmsKeyArns entry for it; for the canary, export them during the rotation, ` +
        `or sign with --key-pair-id ${ids[generation]} --private-key-file FILE (a KMS key: --kms-key-id ARN --key-pair-id ${ids[generation]})`,
    );
  }
  const pem = (pems as Record<string, unknown>)[generation];
  if (typeof pem !== "string" || pem === "") {
    throw new InputError(
      `--generation ${generation}: privateKeyPems in ${source} has no key for it, and no kmsKeyArns output names it as a KMS key; ` +
        `run pulumi up so the outputs include every generation (a KMS generation: or sign with --kms-key-id ARN --key-pair-id ${ids[generation]})`,
    );
  }
  return new CloudFrontSigner({ keyPairId: ids[generation], privateKey: pem, label: `${source}: privateKeyPems["${generation}"]` });
}

/** Checks --generation (its id, no other key flag with it) and reads the stack outputs it picks the key from. */
export function outputsForGeneration(opts: SigningKeyOptions & { generation: string }, io: CliIo): { outputs: StackOutputs; source: string } {
  if (opts.keyPairId !== undefined || opts.privateKeyFile !== undefined || opts.secretId !== undefined) {
    throw new InputError("--generation picks a key from the stack outputs; give it without --key-pair-id, --private-key-file or --secret-id");
  }
  if (opts.passphraseEnv !== undefined) {
    throw new InputError("--passphrase-env is for an encrypted --private-key-file; the stack's generation keys have no passphrase: drop --passphrase-env");
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(opts.generation)) {
    throw new InputError(`--generation: "${opts.generation.slice(0, 64)}" is not a generation id (letters, digits, - and _), e.g. 2026-11`);
  }
  const loaded = loadOutputsFor({ outputsFile: opts.outputsFile, stack: opts.stack }, io);
  if (loaded === undefined) {
    throw new InputError("--generation needs the stack outputs: pass --outputs-file F (from pulumi stack output --json --show-secrets), or install the Pulumi CLI");
  }
  return loaded;
}

/**
 * Finds the key in the documented order (see the header) and builds one signer. Async because a secret is read
 * over the network. Returns the stack outputs when they were read (for baseUrl). Errors are one-line InputErrors.
 */
export async function resolveSigningKey(
  opts: SigningKeyOptions,
  io: CliIo,
  stackOutputs?: { outputs: StackOutputs; source: string },
): Promise<{ signer: CloudFrontSigner; outputs?: StackOutputs }> {
  const explicitKey = opts.keyPairId !== undefined || opts.privateKeyFile !== undefined;
  if (opts.generation !== undefined) {
    const loaded = stackOutputs ?? outputsForGeneration({ ...opts, generation: opts.generation }, io);
    return { signer: signerForGeneration(loaded.outputs, loaded.source, opts.generation), outputs: loaded.outputs };
  }
  if (opts.secretId !== undefined) {
    if (explicitKey) throw new InputError("--secret-id is a key source of its own; give it without --key-pair-id and --private-key-file");
    if (opts.passphraseEnv !== undefined) {
      throw new InputError("--passphrase-env is for an encrypted --private-key-file; the key in the secret has no passphrase: drop --passphrase-env");
    }
    // The outputs (for baseUrl) are read first: an unreadable --stack fails before AWS is contacted.
    const outputs = loadNamedOutputs(opts, io)?.outputs;
    return { signer: await signerFromSecretRef({ secretId: opts.secretId, label: "--secret-id" }, io), outputs };
  }
  const found = resolveSigner<SecretRef>(opts, io, {
    fromOutputs: (outputs, source) =>
      typeof outputs.privateKeySecretArn === "string" && outputs.privateKeySecretArn !== ""
        ? { secretId: outputs.privateKeySecretArn, label: `${source}: privateKeySecretArn` }
        : undefined,
    stackOutputs,
  });
  if (found.signer instanceof CloudFrontSigner) return { signer: found.signer, outputs: found.outputs };
  return { signer: await signerFromSecretRef(found.signer, io), outputs: found.outputs };
}
