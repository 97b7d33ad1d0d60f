// Pure builders for what the component stores in / grants on AWS Secrets Manager.
import { KeyAlgorithm } from "./types";

/** JSON stored in the Secrets Manager secret: what an application needs to sign at runtime. */
export interface StoredSigningKey {
    keyPairId: string;
    privateKeyPem: string;
    algorithm: KeyAlgorithm;
    /** the generation id the key belongs to */
    generation: string;
}

export function storedSigningKeyJson(value: StoredSigningKey): string {
    return JSON.stringify({
        keyPairId: value.keyPairId,
        privateKeyPem: value.privateKeyPem,
        algorithm: value.algorithm,
        generation: value.generation,
    });
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** The staging label Secrets Manager moves to each new version: the one applications read. */
export const CURRENT_VERSION_STAGE = "AWSCURRENT";

/**
 * IAM policy document (JSON) that grants read access to exactly one secret, for the version applications should
 * read: requests that name a version stage must name AWSCURRENT (a request without one gets AWSCURRENT anyway;
 * requests by version id stay allowed, because the AWS caching clients read the current version by its id).
 * With a customer managed KMS key (`kmsKeyArn`, a key ARN: resolve ids and aliases first), it also allows
 * kms:Decrypt on that key only through Secrets Manager in the secret's region and only for this secret.
 */
export function secretReadPolicyDocument(secretArn: string, kmsKeyArn?: string): string {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn)) {
        throw new Error(`secretReadPolicyDocument: secretArn "${secretArn}" is not a Secrets Manager secret ARN`);
    }
    if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
        throw new Error(`secretReadPolicyDocument: kmsKeyArn "${kmsKeyArn}" is not a KMS key ARN (resolve key ids and aliases to the key ARN first)`);
    }
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ReadCurrentCloudFrontSigningKey",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: secretArn,
            Condition: { StringEqualsIfExists: { "secretsmanager:VersionStage": CURRENT_VERSION_STAGE } },
        },
        {
            Sid: "DescribeCloudFrontSigningKey",
            Effect: "Allow",
            Action: "secretsmanager:DescribeSecret",
            Resource: secretArn,
        },
    ];
    if (kmsKeyArn !== undefined) {
        const region = secretArn.split(":")[3];
        statements.push({
            Sid: "DecryptCloudFrontSigningKey",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: kmsKeyArn,
            Condition: {
                StringEquals: {
                    "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
                    "kms:EncryptionContext:SecretARN": secretArn,
                },
            },
        });
    }
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The KMS signing algorithm CloudFront signatures use for each key type (KMS cannot sign with SHA-1). */
export const KMS_SIGNING_ALGORITHMS: Readonly<Record<KeyAlgorithm, string>> = { RSA: "RSASSA_PKCS1_V1_5_SHA_256", ECDSA: "ECDSA_SHA_256" };

/**
 * The message types a CloudFront signer sends to kms:Sign: the policy itself (RAW, up to KMS's 4096 bytes) or, for a
 * longer policy, its SHA-256 digest (DIGEST); both yield the signature CloudFront checks.
 */
export const KMS_SIGNING_MESSAGE_TYPES: readonly string[] = ["RAW", "DIGEST"];

/**
 * IAM policy document (JSON) that lets a signer use exactly one KMS key for CloudFront signatures: kms:Sign on that
 * key only with the key type's SHA-256 algorithm, for RAW messages (a policy up to 4096 bytes) and DIGEST messages (the
 * SHA-256 digest of a longer one), and kms:GetPublicKey on it (the signing tool reads the key type and checks every
 * signature with it). Attach it to the role of the application or job that signs.
 */
export function kmsSigningPolicyDocument(keyArn: string, algorithm: KeyAlgorithm): string {
    if (!KMS_KEY_ARN.test(keyArn)) {
        throw new Error(`kmsSigningPolicyDocument: keyArn "${keyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
    }
    const signingAlgorithm = KMS_SIGNING_ALGORITHMS[algorithm];
    if (signingAlgorithm === undefined) throw new Error(`kmsSigningPolicyDocument: algorithm "${String(algorithm)}" is not RSA or ECDSA`);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "SignCloudFrontPolicies",
                Effect: "Allow",
                Action: "kms:Sign",
                Resource: keyArn,
                Condition: { StringEquals: { "kms:SigningAlgorithm": signingAlgorithm, "kms:MessageType": [...KMS_SIGNING_MESSAGE_TYPES] } },
            },
            { Sid: "ReadCloudFrontSigningPublicKey", Effect: "Allow", Action: "kms:GetPublicKey", Resource: keyArn },
        ],
    });
}
