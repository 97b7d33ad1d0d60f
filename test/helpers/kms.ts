import { KMSClient } from "@aws-sdk/client-kms";
import { withoutNodeVersionWarning } from "../../signer/src/lib/kmsSigner";
import type { KmsStandIn } from "../../scripts/standin/kms";

/** Fake credentials for the stand-in (it checks the header's presence and scope, not the signature). */
export const STAND_IN_CREDENTIALS = { accessKeyId: "AKIASTANDIN000000000", secretAccessKey: "stand-in-secret-not-a-real-one" };

/**
 * The real @aws-sdk/client-kms client pointed at a stand-in through its `endpoint` setting. Retries are
 * the SDK's standard ones unless `maxAttempts` is given.
 */
export function standInClient(standIn: KmsStandIn, maxAttempts?: number): KMSClient {
  return withoutNodeVersionWarning(
    () => new KMSClient({ endpoint: standIn.endpoint, region: standIn.region, credentials: STAND_IN_CREDENTIALS, maxAttempts }),
  );
}

/** The environment a CLI child needs to reach the stand-in through the standard AWS SDK sources only. */
export function standInEnv(standIn: KmsStandIn): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_KMS: standIn.endpoint,
    AWS_REGION: standIn.region,
    AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
    // No ~/.aws of the developer's, and no instance metadata lookups.
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
