import * as pulumi from "@pulumi/pulumi";

/**
 * Key algorithm of a generation. CloudFront accepts RSA 2048 and ECDSA P-256 public keys. TypeScript callers may
 * pass the plain strings "RSA" and "ECDSA"; other languages get an enum with those values.
 */
export const KeyAlgorithm = {
    /** RSA with a 2048-bit modulus. */
    RSA: "RSA",
    /** ECDSA on curve P-256 (signers must declare SHA-256). */
    ECDSA: "ECDSA",
} as const;
export type KeyAlgorithm = (typeof KeyAlgorithm)[keyof typeof KeyAlgorithm];

/**
 * Where a generation's private key lives. TypeScript callers may pass the plain strings "tls" and "kms"; other
 * languages get an enum with those values.
 */
export const KeySource = {
    /** A private key from the Pulumi tls provider, kept (encrypted as a secret) in Pulumi state; signs with SHA-1 or SHA-256. */
    Tls: "tls",
    /** An asymmetric AWS KMS key (SIGN_VERIFY): the private key never leaves KMS; signs with SHA-256 only. */
    Kms: "kms",
} as const;
export type KeySource = (typeof KeySource)[keyof typeof KeySource];

/** One key generation: a private key, its CloudFront public key, and a place in the key group. */
export interface KeyGeneration {
    /**
     * Stable id of this generation, e.g. "2026-01" (letters, digits, "-", "_"; at most 64 characters). It is part of
     * the logical names, so never rename a generation: renaming replaces its key.
     */
    id: string;
    /** "RSA" (2048 bits) or "ECDSA" (curve P-256). Default "RSA". Never change it for an existing generation. */
    algorithm?: KeyAlgorithm;
    /**
     * Where the private key lives: "tls" (default; in Pulumi state) or "kms" (an AWS KMS key with key spec RSA_2048 or
     * ECC_NIST_P256 and an alias; it never leaves KMS, and signatures always use SHA-256). Never change it for an
     * existing generation: add a new generation instead (rotation).
     */
    source?: KeySource;
}

/** Settings for the KMS keys of generations with source "kms". */
export interface KmsSigningKeyOptions {
    /** Days (7-30) KMS waits before deleting a key whose generation was removed; the deletion can be cancelled meanwhile. Default 30. */
    deletionWindowInDays?: number;
    /**
     * Alias prefix: each KMS generation gets the alias "<aliasPrefix>/<generation id>". Default
     * "alias/cloudfront-signing/<project>/<stack>/<component name>" (aliases are unique per account and region).
     */
    aliasPrefix?: string;
}

/** How to keep the active private key in AWS Secrets Manager (used only with storePrivateKey: true). */
export interface StorePrivateKeyOptions {
    /**
     * KMS key that encrypts the secret: key id, key ARN, alias name ("alias/...") or alias ARN. It is resolved to
     * the key ARN so the read policy can grant kms:Decrypt through Secrets Manager. Default: the account's
     * `aws/secretsmanager` key.
     */
    kmsKeyId?: pulumi.Input<string>;
    /** Days a deleted secret stays recoverable: 0 (delete at once) or 7..30. Default 30. */
    recoveryWindowInDays?: number;
}

/** Arguments of SigningKeyGroup. */
export interface SigningKeyGroupArgs {
    /**
     * The key generations, oldest first, e.g. `[{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }]`.
     * At most 5 (CloudFront's public keys per key group). Default: one RSA generation with id "default".
     */
    keys?: KeyGeneration[];
    /** Id of the generation that signs (its key pair id and private key are exported). Default: the newest (last). */
    activeKey?: string;
    /** Comment on the public keys and the key group, at most 128 characters. */
    comment?: string;
    /**
     * Also keep the active private key and its key pair id in AWS Secrets Manager (JSON secret
     * `{"keyPairId","privateKeyPem","algorithm","generation"}`) for applications that sign at runtime, and export
     * the secret's ARN and a read-only IAM policy for it. Default false.
     */
    storePrivateKey?: boolean;
    /** Options of the Secrets Manager secret (KMS key, recovery window); needs storePrivateKey: true. */
    storePrivateKeyOptions?: StorePrivateKeyOptions;
    /**
     * Set Pulumi's `protect` on the private keys, public keys and the key group, so that an accidental rename,
     * re-parent or algorithm change cannot delete keys that live signed URLs depend on. Removing a generation then
     * needs `pulumi state unprotect` first. Default false.
     */
    protectKeys?: boolean;
    /**
     * Tags for every taggable AWS resource of the component (the KMS keys and the Secrets Manager secret; CloudFront public keys
     * and key groups cannot be tagged). Merged over the provider's default tags.
     */
    tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Deletion window and alias of the KMS keys (generations with source "kms"). */
    kmsSigningKeys?: KmsSigningKeyOptions;
}
