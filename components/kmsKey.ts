// A key generation whose private key lives in AWS KMS: an asymmetric SIGN_VERIFY key, its alias, and its public key
// (read back with kms:GetPublicKey) for the CloudFront public key.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { KeyAlgorithm } from "./types";

/** KMS key specs CloudFront can verify, per key type (spec §1: RSA 2048, ECDSA P-256). */
export const KMS_KEY_SPECS: Readonly<Record<KeyAlgorithm, string>> = { RSA: "RSA_2048", ECDSA: "ECC_NIST_P256" };

/**
 * aws.kms.Key inputs for a CloudFront signing key. No enableKeyRotation: KMS cannot rotate asymmetric keys (rotation
 * is a new generation). No key policy: the default one lets IAM policies grant access (see kmsSigningPolicyDocument).
 */
export function kmsKeyArgsFor(algorithm: KeyAlgorithm, deletionWindowInDays: number, description: string): aws.kms.KeyArgs {
    return { customerMasterKeySpec: KMS_KEY_SPECS[algorithm], keyUsage: "SIGN_VERIFY", deletionWindowInDays, description };
}

/**
 * The default alias prefix: unique per project, stack and component, as aliases are unique per account and region.
 * Characters KMS refuses in an alias (e.g. "." in stack names) become "-".
 */
export function defaultKmsAliasPrefix(project: string, stack: string, componentName: string): string {
    const clean = (part: string) => part.replace(/[^A-Za-z0-9_-]/g, "-");
    return `alias/cloudfront-signing/${clean(project)}/${clean(stack)}/${clean(componentName)}`;
}

export interface KmsSigningKey {
    key: aws.kms.Key;
    alias: aws.kms.Alias;
    /** The key ARN (what the signer and the IAM policy name). */
    keyArn: pulumi.Output<string>;
    /** SPKI PEM from kms:GetPublicKey, with its trailing newline, for aws.cloudfront.PublicKey. */
    publicKeyPem: pulumi.Output<string>;
}

/** Creates the KMS key (tagged, with `opts`: parent, protect) and alias of one generation. */
export function createKmsSigningKey(
    resourceName: string,
    args: {
        algorithm: KeyAlgorithm;
        alias: string;
        deletionWindowInDays: number;
        description: string;
        tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    },
    opts: pulumi.CustomResourceOptions,
): KmsSigningKey {
    const key = new aws.kms.Key(
        resourceName,
        { ...kmsKeyArgsFor(args.algorithm, args.deletionWindowInDays, args.description), tags: args.tags },
        opts,
    );
    const alias = new aws.kms.Alias(resourceName, { name: args.alias, targetKeyId: key.keyId }, opts);
    const publicKeyPem = aws.kms.getPublicKeyOutput({ keyId: key.arn }, { parent: opts.parent }).publicKeyPem;
    return { key, alias, keyArn: key.arn, publicKeyPem };
}
