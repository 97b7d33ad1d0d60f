import type { HashAlgorithm } from "../lib/constants";
import { InputError } from "../lib/errors";
import { checkKeyPairId } from "../lib/keyPairId";
import type { AsyncCloudFrontSigner } from "../lib/asyncSigner";
import type { CloudFrontSigner } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";
import { awsOptionsFromEnv } from "./awsEnv";
import type { CliIo } from "./io";
import { loadNamedOutputs, loadOutputsFor } from "./keySource";
import { outputsForGeneration, resolveSigningKey, SigningKeyOptions } from "./secretKeySource";

/** The KMS key source's option (for util.parseArgs), next to KEY_SOURCE_ARGS. */
export const KMS_SOURCE_ARGS = { "kms-key-id": { type: "string" } } as const;

export interface AnyKeySourceOptions extends SigningKeyOptions {
  kmsKeyId?: string;
  /** The --hash asked for: SHA1 is refused for a KMS key before KMS is contacted. */
  hash?: HashAlgorithm;
}

export type AnySigner = CloudFrontSigner | AsyncCloudFrontSigner;

function refuseSha1(hash: HashAlgorithm | undefined, source: string): void {
  if (hash === "SHA1") {
    throw new InputError(`--hash SHA1: ${source} is a KMS key, and KMS cannot sign with SHA-1; drop --hash (KMS signing always uses SHA256)`);
  }
}

async function kmsSigner(keyId: string, keyPairId: string, label: string, env: NodeJS.ProcessEnv): Promise<AsyncCloudFrontSigner> {
  // Loaded only for KMS: the AWS SDK costs start-up time every other signing run would pay for nothing.
  const { createKmsSigner } = require("../lib/kmsSigner") as typeof import("../lib/kmsSigner");
  return createKmsSigner({ keyId, keyPairId, label, aws: awsOptionsFromEnv(env) });
}

/**
 * A generation held in KMS: its kmsKeyArns entry, or (outputs without kmsKeyArns) the active key when it is the
 * KMS key. undefined for a tls generation or an unknown one (resolveSigningKey reports those).
 */
export function kmsGeneration(outputs: StackOutputs, generation: string): { keyArn: string; keyPairId: string; from: string } | undefined {
  const ids = outputs.keyPairIds;
  if (typeof ids !== "object" || ids === null || !Object.prototype.hasOwnProperty.call(ids, generation)) return undefined;
  const keyPairId = ids[generation];
  const arns = outputs.kmsKeyArns;
  if (typeof arns === "object" && arns !== null && Object.prototype.hasOwnProperty.call(arns, generation) && arns[generation] !== "") {
    return { keyArn: arns[generation], keyPairId, from: `kmsKeyArns["${generation}"]` };
  }
  if (outputs.signingKeySource === "kms" && typeof outputs.kmsKeyArn === "string" && outputs.kmsKeyArn !== "" && outputs.keyPairId === keyPairId) {
    return { keyArn: outputs.kmsKeyArn, keyPairId, from: "kmsKeyArn" };
  }
  return undefined;
}

/**
 * The signer for `url`, `cookies` and `probe`: `--kms-key-id` first; then the key flags, --secret-id or
 * --generation (a tls generation's privateKeyPems entry, a KMS generation through KMS); then the environment;
 * then the stack outputs, which name a KMS key when their signingKeySource is "kms", else the secret
 * (privateKeySecretArn) or the private key (privateKeyPem).
 */
export async function resolveAnySigner(opts: AnyKeySourceOptions, io: CliIo): Promise<{ signer: AnySigner; outputs?: StackOutputs }> {
  if (opts.kmsKeyId !== undefined) {
    if (opts.secretId !== undefined || opts.generation !== undefined) {
      throw new InputError(`--kms-key-id is a key source of its own; give it without ${opts.secretId !== undefined ? "--secret-id" : "--generation"}`);
    }
    if (opts.privateKeyFile !== undefined) {
      throw new InputError("--kms-key-id and --private-key-file are two different keys; give one of them");
    }
    if (opts.passphraseEnv !== undefined) {
      throw new InputError("--passphrase-env is for an encrypted --private-key-file; a KMS key has no passphrase: drop --passphrase-env");
    }
    if (opts.keyPairId === undefined) {
      throw new InputError("--kms-key-id needs --key-pair-id ID (the CloudFront public key id holding this KMS key's public key)");
    }
    // Checked here, before KMS is contacted, and named after the flag (not the signer's keyPairId field).
    checkKeyPairId(opts.keyPairId, "--key-pair-id", "give the KMS key with --kms-key-id");
    refuseSha1(opts.hash, `--kms-key-id ${opts.kmsKeyId}`);
    const outputs = loadNamedOutputs(opts, io)?.outputs;
    return { signer: await kmsSigner(opts.kmsKeyId, opts.keyPairId, `--kms-key-id ${opts.kmsKeyId}`, io.env), outputs };
  }
  if (opts.generation !== undefined) {
    const loaded = outputsForGeneration({ ...opts, generation: opts.generation }, io);
    const kms = kmsGeneration(loaded.outputs, opts.generation);
    if (kms === undefined) return resolveSigningKey(opts, io, loaded);
    refuseSha1(opts.hash, `--generation ${opts.generation}`);
    return { signer: await kmsSigner(kms.keyArn, kms.keyPairId, `--generation ${opts.generation}: ${loaded.source}: ${kms.from}`, io.env), outputs: loaded.outputs };
  }
  const env = io.env;
  const localKey =
    opts.keyPairId !== undefined ||
    opts.privateKeyFile !== undefined ||
    (env.CLOUDFRONT_KEY_PAIR_ID !== undefined && (env.CLOUDFRONT_PRIVATE_KEY !== undefined || env.CLOUDFRONT_PRIVATE_KEY_FILE !== undefined));
  // A local key, a secret or a named generation: the private-key sources (secretKeySource.ts).
  if (localKey || opts.secretId !== undefined || opts.generation !== undefined) return resolveSigningKey(opts, io);
  const loaded = loadOutputsFor({ outputsFile: opts.outputsFile, stack: opts.stack }, io);
  if (loaded?.outputs.signingKeySource !== "kms") return resolveSigningKey(opts, io, loaded);
  const { outputs, source } = loaded;
  if (typeof outputs.kmsKeyArn !== "string" || outputs.kmsKeyArn === "") {
    throw new InputError(`${source}: signingKeySource is "kms" but there is no kmsKeyArn output; is this the outputs of the signed-content stack?`);
  }
  if (typeof outputs.keyPairId !== "string" || outputs.keyPairId === "") {
    throw new InputError(`${source}: no keyPairId output; is this the outputs of the signed-content stack?`);
  }
  checkKeyPairId(outputs.keyPairId, `${source}: keyPairId output`);
  refuseSha1(opts.hash, `the active key in ${source}`);
  return { signer: await kmsSigner(outputs.kmsKeyArn, outputs.keyPairId, `${source}: kmsKeyArn ${outputs.kmsKeyArn}`, io.env), outputs };
}
