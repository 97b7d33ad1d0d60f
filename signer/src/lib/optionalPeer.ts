// The AWS SDK v3 clients are optional peer dependencies of the signer package: an application that signs with
// a local key never installs them. The KMS and Secrets Manager signers load them on first use, and a missing
// one is a one-line error naming the package to install, not a stack trace.
import { InputError } from "./errors";

/** The AWS SDK packages the signer can use, with what needs each. */
export const OPTIONAL_PEERS = {
  "@aws-sdk/client-kms": "signing with an AWS KMS key (createKmsSigner, cf-sign --kms-key-id)",
  "@aws-sdk/client-secrets-manager": "reading the signing key from AWS Secrets Manager (signerFromSecret, cf-sign --secret-id)",
} as const;

export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

function isMissing(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e !== null && typeof e === "object" && e.code === "MODULE_NOT_FOUND" && typeof e.message === "string" && e.message.includes(`'${name}'`);
}

/** `require(name)`, or an InputError saying which package to install when it is not installed. */
export function requireOptionalPeer<T>(name: OptionalPeer): T {
  try {
    return require(name) as T;
  } catch (error) {
    if (isMissing(error, name)) {
      throw new InputError(`${OPTIONAL_PEERS[name]} needs the package ${name}, which is not installed: run npm install ${name}`);
    }
    throw error;
  }
}
