import * as crypto from "node:crypto";
import type { KMSClient } from "@aws-sdk/client-kms";
import { InputError } from "./errors";
import { checkKeyPairId } from "./keyPairId";
import type { KeyAlgorithm } from "./keys";
import { AsyncCloudFrontSigner, RemoteSigningError } from "./asyncSigner";
import { withoutNodeVersionWarning } from "./sdkWarning";
import { requireOptionalPeer } from "./optionalPeer";

type KmsModule = typeof import("@aws-sdk/client-kms");
/** The KMS client package, loaded on first use (an optional peer dependency). */
const kms = (): KmsModule => requireOptionalPeer<KmsModule>("@aws-sdk/client-kms");

// The package entry point `@signed-content/cloudfront-signer/kms` is this module: what a KMS signer returns is nameable from it.
export { AsyncCloudFrontSigner, RemoteSigningError } from "./asyncSigner";
export type { RemoteSigningKey } from "./asyncSigner";
export { withoutNodeVersionWarning } from "./sdkWarning";

/** The KMS signing algorithm per CloudFront key type. KMS cannot sign with SHA-1, so always SHA-256. */
export const KMS_SIGNING_ALGORITHMS = { RSA: "RSASSA_PKCS1_V1_5_SHA_256", ECDSA: "ECDSA_SHA_256" } as const;

/** The KMS key specs CloudFront can verify (spec §1): RSA 2048 and ECDSA P-256. */
export const KMS_KEY_SPECS = { RSA_2048: "RSA", ECC_NIST_P256: "ECDSA" } as const satisfies Record<string, KeyAlgorithm>;

/** KMS accepts at most 4096 bytes for a RAW message; a policy is far smaller unless its resource is huge. */
export const KMS_MAX_RAW_MESSAGE = 4096;

/**
 * A KMS client configured only from the standard AWS SDK sources: region (AWS_REGION, profile),
 * credentials (default provider chain) and endpoint (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, profile
 * `endpoint_url`), so VPC endpoints and stand-ins work without flags. The SDK's Node-version warning
 * (printed on Node 20) is kept out of the CLI's output.
 */
export function createKmsClient(): KMSClient {
  return withoutNodeVersionWarning(() => new (kms().KMSClient)({}));
}

interface ServiceErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
}

/** One line for a failed KMS call, naming the key and the fix. Never includes credentials. */
export function describeKmsError(error: unknown, action: "kms:Sign" | "kms:GetPublicKey", keyId: string): string {
  const e = (error ?? {}) as ServiceErrorLike;
  const name = e.name ?? "Error";
  const detail = (e.message ?? String(error)).split("\n")[0];
  const attempts = e.$metadata?.attempts;
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
  /** A client to use (default: createKmsClient(), i.e. the standard AWS SDK configuration). */
  client?: KMSClient;
  /** Names the key in messages (default: the key id). */
  label?: string;
}

/**
 * A signer for an asymmetric KMS key. Reads the key's public key once (kms:GetPublicKey) to learn its
 * type and to check every signature; then each URL or cookie set costs one kms:Sign call (MessageType
 * RAW, RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256 — KMS returns ECDSA signatures in DER, as CloudFront
 * wants), and carries the SHA-256 marker. The private key never leaves KMS.
 */
export async function createKmsSigner(options: KmsSignerOptions): Promise<AsyncCloudFrontSigner> {
  const keyId = options.keyId;
  if (typeof keyId !== "string" || keyId.trim() === "" || keyId.length > 2048) {
    throw new InputError("kmsKeyId: give a KMS key id, key ARN, alias (alias/name) or alias ARN");
  }
  // A malformed key pair id is refused before KMS is contacted (and billed).
  checkKeyPairId(options.keyPairId, "keyPairId");
  const label = options.label ?? `KMS key ${keyId}`;
  const client = options.client ?? createKmsClient();
  let response;
  try {
    response = await client.send(new (kms().GetPublicKeyCommand)({ KeyId: keyId }));
  } catch (error) {
    throw new RemoteSigningError(describeKmsError(error, "kms:GetPublicKey", keyId));
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
      if (message.length > KMS_MAX_RAW_MESSAGE) {
        throw new InputError(
          `${label}: the policy is ${message.length} bytes; KMS signs at most ${KMS_MAX_RAW_MESSAGE} bytes (MessageType RAW); shorten the resource`,
        );
      }
      try {
        const signed = await client.send(
          new (kms().SignCommand)({ KeyId: keyArn, Message: message, MessageType: "RAW", SigningAlgorithm: signingAlgorithm }),
        );
        if (signed.Signature === undefined) throw new RemoteSigningError(`${label}: KMS returned no signature`);
        return signed.Signature;
      } catch (error) {
        if (error instanceof RemoteSigningError) throw error;
        throw new RemoteSigningError(describeKmsError(error, "kms:Sign", keyId));
      }
    },
  });
}
