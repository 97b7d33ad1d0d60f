import * as crypto from "node:crypto";
import type { KMSClient } from "@aws-sdk/client-kms";
import { InputError } from "./errors";
import { checkKeyPairId } from "./keyPairId";
import type { KeyAlgorithm } from "./keys";
import { AsyncCloudFrontSigner, RemoteSigningError } from "./asyncSigner";
import { AwsClientOptions, checkAwsClientOptions, isTimeoutError, ResponseTooLargeError } from "./awsClient";
import { awsClientConfig } from "./awsHttp";
import { withoutNodeVersionWarning } from "./sdkWarning";
import { requireOptionalPeer } from "./optionalPeer";

type KmsModule = typeof import("@aws-sdk/client-kms");
/** The KMS client package, loaded on first use (an optional peer dependency). */
const kms = (): KmsModule => requireOptionalPeer<KmsModule>("@aws-sdk/client-kms");

// The package entry point `@signed-content/cloudfront-signer/kms` is this module: what a KMS signer returns is nameable from it.
export { AsyncCloudFrontSigner, RemoteSigningError } from "./asyncSigner";
export type { RemoteSigningKey } from "./asyncSigner";
export { withoutNodeVersionWarning } from "./sdkWarning";
export type { AwsClientOptions } from "./awsClient";

/** The KMS signing algorithm per CloudFront key type. KMS cannot sign with SHA-1, so always SHA-256. */
export const KMS_SIGNING_ALGORITHMS = { RSA: "RSASSA_PKCS1_V1_5_SHA_256", ECDSA: "ECDSA_SHA_256" } as const;

/** The KMS key specs CloudFront can verify (spec §1): RSA 2048 and ECDSA P-256. */
export const KMS_KEY_SPECS = { RSA_2048: "RSA", ECC_NIST_P256: "ECDSA" } as const satisfies Record<string, KeyAlgorithm>;

/**
 * KMS signs at most 4096 bytes with MessageType RAW. A longer policy (a canned URL of about 4 KB and more) is
 * signed as its SHA-256 digest with MessageType DIGEST: the same signature, since KMS then skips only the hashing.
 */
export const KMS_MAX_RAW_MESSAGE = 4096;

/**
 * A KMS client with region, credentials and endpoint from the standard AWS SDK sources (AWS_REGION, profile;
 * the default credential chain; AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, profile `endpoint_url`), so VPC
 * endpoints and stand-ins work without flags, except that a full key or alias ARN's region wins (a key in
 * another region is signed with there). Every call has a connection and a request timeout and bounded retries
 * (`options`, see AwsClientOptions). The SDK's Node-version warning (printed on Node 20) is kept out of the
 * CLI's output.
 */
export function createKmsClient(keyId?: string, options?: AwsClientOptions): KMSClient {
  // The SDK first: without it, the one line says which package to install.
  const { KMSClient: Client } = kms();
  const config = awsClientConfig(keyId, options, "@aws-sdk/client-kms");
  return withoutNodeVersionWarning(() => new Client(config));
}

interface ServiceErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
}

/** What describeKmsError says beyond the error: the message type of a Sign call, the timeouts in force. */
export interface KmsCallContext {
  messageType?: "RAW" | "DIGEST";
  /** The request timeout of the client this package built (unknown for a caller's client). */
  requestTimeoutMs?: number;
}

/** One line for a failed KMS call, naming the key and the fix. Never includes credentials. */
export function describeKmsError(error: unknown, action: "kms:Sign" | "kms:GetPublicKey", keyId: string, context: KmsCallContext = {}): string {
  const e = (error ?? {}) as ServiceErrorLike;
  const name = e.name ?? "Error";
  const detail = (e.message ?? String(error)).split("\n")[0];
  const attempts = e.$metadata?.attempts;
  if (name === "AccessDeniedException" && context.messageType === "DIGEST") {
    return (
      `KMS denied kms:Sign with MessageType DIGEST on ${keyId} (AccessDeniedException: ${detail}): policies over ${KMS_MAX_RAW_MESSAGE} bytes are signed as their SHA-256 digest, ` +
      "which a kmsSigningPolicy from before this version does not allow; run pulumi up to update the stack's kmsSigningPolicy and attach it again (or allow kms:MessageType DIGEST), or sign a shorter URL"
    );
  }
  if (error instanceof ResponseTooLargeError) {
    return `KMS ${action} on ${keyId} failed: ${error.message}; check AWS_ENDPOINT_URL_KMS`;
  }
  if (isTimeoutError(error)) {
    const within = context.requestTimeoutMs !== undefined ? ` within the ${context.requestTimeoutMs} ms request timeout` : "";
    return (
      `no answer from KMS for ${action} on ${keyId}${within}${attempts ? ` (${attempts} attempt${attempts === 1 ? "" : "s"})` : ""} (${name}: ${detail}): ` +
      "check the network, AWS_REGION and AWS_ENDPOINT_URL_KMS; raise the timeouts (aws.requestTimeoutMs, aws.connectionTimeoutMs; CLI: CF_SIGN_AWS_REQUEST_TIMEOUT_MS, CF_SIGN_AWS_CONNECTION_TIMEOUT_MS) or the attempts (AWS_MAX_ATTEMPTS) if KMS is just slow"
    );
  }
  switch (name) {
    case "ThrottlingException":
      return (
        `KMS throttled ${action} on ${keyId} (ThrottlingException: ${detail}${attempts ? `; ${attempts} attempts` : ""}): ` +
        "sign fewer at once (CF_SIGN_KMS_CONCURRENCY, AWS_MAX_ATTEMPTS for more retries), ask for a higher KMS request quota, or use signed cookies (one signature per session) instead of many URLs"
      );
    case "AccessDeniedException":
      return `KMS denied ${action} on ${keyId} (AccessDeniedException: ${detail}): grant kms:Sign and kms:GetPublicKey on this key to the caller (the stack output kmsSigningPolicy is that policy)`;
    case "NotFoundException":
      return `KMS key ${keyId} not found (NotFoundException: ${detail}): check the key id/alias and the region (AWS_REGION)`;
    case "DisabledException":
      return `KMS key ${keyId} is disabled (DisabledException: ${detail}): enable it or sign with another key`;
    case "KMSInvalidStateException":
      return `KMS key ${keyId} cannot sign in its current state (KMSInvalidStateException: ${detail}): is it pending deletion? cancel the deletion or use another key`;
    case "InvalidKeyUsageException":
      return `KMS key ${keyId} cannot sign for CloudFront (InvalidKeyUsageException: ${detail}): it needs key usage SIGN_VERIFY and key spec RSA_2048 or ECC_NIST_P256`;
    case "CredentialsProviderError":
      return `no AWS credentials for KMS (${detail}): configure them as for the AWS CLI (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, an instance role)`;
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
      return `KMS refused the AWS credentials (${name}: ${detail}): refresh or fix them`;
    default:
      break;
  }
  if (/region is missing/i.test(detail)) {
    return `no AWS region for KMS: set AWS_REGION (or a region in your AWS profile) to the region of ${keyId}`;
  }
  if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "ETIMEDOUT" || e.code === "ECONNRESET" || name === "TimeoutError") {
    return `cannot reach KMS (${e.code ?? name}: ${detail}): check the network, AWS_REGION and AWS_ENDPOINT_URL_KMS`;
  }
  return `KMS ${action} on ${keyId} failed (${name}: ${detail})`;
}

export interface KmsSignerOptions {
  /** The KMS key: key id, key ARN, alias name (alias/…) or alias ARN. */
  keyId: string;
  /** The CloudFront public key id whose public key is this KMS key's public key. */
  keyPairId: string;
  /**
   * A client to use (default: createKmsClient(keyId, aws): the standard AWS SDK configuration, the region of a
   * full ARN, timeouts and bounded retries). A client you pass keeps its own settings, timeouts included.
   */
  client?: KMSClient;
  /** Timeouts, attempts and region of the default client (ignored with `client`). */
  aws?: AwsClientOptions;
  /** Names the key in messages (default: the key id). */
  label?: string;
}

/**
 * What kms:Sign gets for a policy: the policy itself (MessageType RAW) up to KMS_MAX_RAW_MESSAGE bytes, else its
 * SHA-256 digest (MessageType DIGEST). Both give a signature over SHA-256 of the policy, which CloudFront checks.
 */
export function kmsSignInput(message: Buffer): { input: Buffer; messageType: "RAW" | "DIGEST" } {
  if (message.length <= KMS_MAX_RAW_MESSAGE) return { input: message, messageType: "RAW" };
  return { input: crypto.createHash("sha256").update(message).digest(), messageType: "DIGEST" };
}

/**
 * A signer for an asymmetric KMS key. Reads the key's public key once (kms:GetPublicKey) to learn its
 * type and to check every signature; then each URL or cookie set costs one kms:Sign call (MessageType
 * RAW, or DIGEST above 4096 bytes; RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256 — KMS returns ECDSA signatures
 * in DER, as CloudFront wants), and carries the SHA-256 marker. The private key never leaves KMS.
 */
export async function createKmsSigner(options: KmsSignerOptions): Promise<AsyncCloudFrontSigner> {
  const keyId = options.keyId;
  if (typeof keyId !== "string" || keyId.trim() === "" || keyId.length > 2048) {
    throw new InputError("kmsKeyId: give a KMS key id, key ARN, alias (alias/name) or alias ARN");
  }
  // A malformed key pair id is refused before KMS is contacted (and billed).
  checkKeyPairId(options.keyPairId, "keyPairId");
  const label = options.label ?? `KMS key ${keyId}`;
  const requestTimeoutMs = options.client === undefined ? checkAwsClientOptions(options.aws).requestTimeoutMs : undefined;
  const client = options.client ?? createKmsClient(keyId, options.aws);
  let response;
  try {
    response = await client.send(new (kms().GetPublicKeyCommand)({ KeyId: keyId }));
  } catch (error) {
    throw new RemoteSigningError(describeKmsError(error, "kms:GetPublicKey", keyId, { requestTimeoutMs }));
  }
  if (response.KeyUsage !== undefined && response.KeyUsage !== "SIGN_VERIFY") {
    throw new InputError(`${label}: key usage is ${response.KeyUsage}; CloudFront signing needs an asymmetric SIGN_VERIFY key (RSA_2048 or ECC_NIST_P256)`);
  }
  const spec = response.KeySpec ?? response.CustomerMasterKeySpec;
  const algorithm: KeyAlgorithm | undefined = spec !== undefined && spec in KMS_KEY_SPECS ? KMS_KEY_SPECS[spec as keyof typeof KMS_KEY_SPECS] : undefined;
  if (algorithm === undefined) {
    throw new InputError(`${label}: key spec ${spec ?? "unknown"} refused; CloudFront accepts only RSA_2048 or ECC_NIST_P256 keys`);
  }
  const signingAlgorithm = KMS_SIGNING_ALGORITHMS[algorithm];
  if (response.SigningAlgorithms !== undefined && !response.SigningAlgorithms.includes(signingAlgorithm)) {
    throw new InputError(`${label}: the key does not offer ${signingAlgorithm}, which CloudFront signatures need`);
  }
  if (response.PublicKey === undefined) throw new RemoteSigningError(`${label}: KMS returned no public key`);
  const publicKey = crypto.createPublicKey({ key: Buffer.from(response.PublicKey), format: "der", type: "spki" });
  // Later calls name the key by its ARN (as returned), so an alias re-pointed mid-batch cannot mix keys.
  const keyArn = response.KeyId ?? keyId;
  return new AsyncCloudFrontSigner({
    keyPairId: options.keyPairId,
    algorithm,
    hashAlgorithm: "SHA256",
    publicKey,
    label,
    sign: async (message) => {
      const { input, messageType } = kmsSignInput(message);
      try {
        const signed = await client.send(
          new (kms().SignCommand)({ KeyId: keyArn, Message: input, MessageType: messageType, SigningAlgorithm: signingAlgorithm }),
        );
        if (signed.Signature === undefined) throw new RemoteSigningError(`${label}: KMS returned no signature`);
        return signed.Signature;
      } catch (error) {
        if (error instanceof RemoteSigningError) throw error;
        throw new RemoteSigningError(describeKmsError(error, "kms:Sign", keyId, { messageType, requestTimeoutMs }));
      }
    },
  });
}
