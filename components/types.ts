import * as pulumi from "@pulumi/pulumi";

/** CloudFront accepts RSA 2048 and ECDSA P-256 public keys. */
export type KeyAlgorithm = "RSA" | "ECDSA";

/** One key generation: a private key, its CloudFront public key, and a place in the key group. */
export interface KeyGeneration {
    /**
     * Stable id of this generation, e.g. "2026-01" (letters, digits, "-", "_"; at most 64 characters). It is part of
     * the logical names, so never rename a generation: renaming replaces its key.
     */
    id: string;
    /** "RSA" (2048 bits) or "ECDSA" (curve P-256). Default "RSA". Never change it for an existing generation. */
    algorithm?: KeyAlgorithm;
}

/** Where and how to keep the active private key in AWS Secrets Manager. */
export interface StorePrivateKeyOptions {
    /** KMS key (id, ARN or alias) that encrypts the secret; default the account's `aws/secretsmanager` key. */
    kmsKeyId?: pulumi.Input<string>;
    /** Days a deleted secret stays recoverable: 0 (delete at once) or 7..30. Default 30. */
    recoveryWindowInDays?: number;
}

export interface SigningKeyGroupArgs {
    /**
     * The key generations, oldest first, e.g. `[{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }]`.
     * At most 5 (CloudFront's public keys per key group). Default: one RSA generation with id "default".
     */
    keys?: readonly KeyGeneration[];
    /** Id of the generation that signs (its key pair id and private key are exported). Default: the newest (last). */
    activeKey?: string;
    /** Comment on the public keys and the key group, at most 128 characters. */
    comment?: string;
    /**
     * Also keep the active private key and its key pair id in AWS Secrets Manager (JSON secret
     * `{"keyPairId","privateKeyPem","algorithm","generation"}`) for applications that sign at runtime, and export
     * the secret's ARN and a read-only IAM policy for it. `true` for the defaults.
     */
    storePrivateKey?: boolean | StorePrivateKeyOptions;
}
