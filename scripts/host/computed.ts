// What a provider returns for a new resource of the types this project creates: made-up ids, ARNs, domain names and
// real tls key material, derived deterministically from the URN. The host harness's fake engine (fakeEngine.ts,
// providerModel.ts) answers registrations with it; the in-process mocks of the tests (test/harness/mocks.ts) too.
import * as crypto from "node:crypto";

import { generateTlsKey, TlsKeyMaterial } from "./tlsKeys";

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";

/** Pulumi's secret wrapper (runtime/rpc.ts specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const keyCache = new Map<string, TlsKeyMaterial>();

export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Removes Pulumi's secret markers, recursively. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretWrapper(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const [k, val] of Object.entries(v)) out[k] = unwrapSecrets(val);
        return out;
    }
    return v;
}

export function hashOf(text: string, length: number, alphabet = "0123456789abcdef"): string {
    const digest = crypto.createHash("sha256").update(text).digest();
    let out = "";
    for (let i = 0; out.length < length; i++) out += alphabet[digest[i % digest.length] % alphabet.length];
    return out;
}

export function uuidOf(text: string): string {
    const h = hashOf(text, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The engine's autoname: logical name + "-" + 7 hex chars (deterministic per URN here). */
export function autoname(name: string, urn: string): string {
    return `${name}-${hashOf("autoname:" + urn, 7)}`;
}


export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** AWS types known to have no `arn` output (the generic default adds one to every other aws type). */
const NO_ARN = new Set<string>([
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketObject:BucketObject",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
]);

/**
 * Computed fields per type (merged over the inputs), plus the physical id. Also the host harness's fake engine
 * (providerModel.ts) answers registrations with it.
 */
export function computedFor(
    type: string,
    name: string,
    urn: string,
    inputs: Record<string, unknown>,
): { id: string; computed: Record<string, unknown> } {
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    const region = MOCK_REGION;
    const account = MOCK_ACCOUNT_ID;
    switch (type) {
        case "tls:index/privateKey:PrivateKey": {
            const algorithm = str(plain.algorithm) ?? "RSA";
            const rsaBits = typeof plain.rsaBits === "number" ? plain.rsaBits : 2048;
            const ecdsaCurve = str(plain.ecdsaCurve) ?? "P224";
            const cacheKey = `${urn}|${algorithm}|${algorithm === "RSA" ? rsaBits : ecdsaCurve}`;
            let key = keyCache.get(cacheKey);
            if (!key) {
                key = generateTlsKey({ algorithm, rsaBits, ecdsaCurve });
                keyCache.set(cacheKey, key);
            }
            const { id, ...material } = key;
            return { id, computed: { algorithm, rsaBits, ecdsaCurve, ...material } };
        }
        case "aws:kms/key:Key": {
            // KMS key ids are UUIDs; the ARN names the key (aliases are separate resources). A different key spec or
            // usage replaces the key, so it gets a different id (and different key material).
            const keyId = uuidOf(`kms:${urn}|${str(plain.customerMasterKeySpec) ?? ""}|${str(plain.keyUsage) ?? ""}`);
            const arn = `arn:aws:kms:${region}:${account}:key/${keyId}`;
            return {
                id: keyId,
                computed: {
                    keyId,
                    arn,
                    customerMasterKeySpec: str(plain.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT",
                    keyUsage: str(plain.keyUsage) ?? "ENCRYPT_DECRYPT",
                    deletionWindowInDays: plain.deletionWindowInDays ?? 30,
                    isEnabled: plain.isEnabled ?? true,
                    enableKeyRotation: plain.enableKeyRotation ?? false,
                    multiRegion: plain.multiRegion ?? false,
                    policy: str(plain.policy) ?? JSON.stringify({ Version: "2012-10-17", Id: "key-default-1", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }] }),
                    tagsAll: plain.tags ?? {},
                },
            };
        }
        case "aws:kms/alias:Alias": {
            const aliasName = str(plain.name) ?? `${str(plain.namePrefix) ?? "alias/terraform-"}${hashOf("alias:" + urn, 26)}`;
            const target = str(plain.targetKeyId) ?? "";
            return {
                id: aliasName,
                computed: {
                    name: aliasName,
                    arn: `arn:aws:kms:${region}:${account}:${aliasName}`,
                    targetKeyArn: target.startsWith("arn:") ? target : `arn:aws:kms:${region}:${account}:key/${target}`,
                },
            };
        }
        case "aws:cloudfront/publicKey:PublicKey": {
            const id = "K" + hashOf("id:" + urn, 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
            return { id, computed: { name: str(plain.name) ?? autoname(name, urn), etag: "E" + hashOf("etag:" + urn, 13).toUpperCase() } };
        }
        case "aws:cloudfront/keyGroup:KeyGroup": {
            const id = uuidOf("id:" + urn);
            // etag changes with the items, as CloudFront's does on every update
            const etag = "E" + hashOf("etag:" + urn + JSON.stringify(plain.items ?? []), 13).toUpperCase();
            return { id, computed: { name: str(plain.name) ?? autoname(name, urn), etag } };
        }
        case "aws:secretsmanager/secret:Secret": {
            const secretName = str(plain.name) ?? autoname(name, urn);
            const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${secretName}-${hashOf("arn:" + urn, 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}`;
            return { id: arn, computed: { name: secretName, arn, recoveryWindowInDays: plain.recoveryWindowInDays ?? 30, tagsAll: plain.tags ?? {} } };
        }
        case "aws:secretsmanager/secretVersion:SecretVersion": {
            const secretId = str(plain.secretId) ?? "unknown-secret";
            const versionId = uuidOf("version:" + urn + JSON.stringify(plain.secretString ?? ""));
            return { id: `${secretId}|${versionId}`, computed: { arn: secretId, versionId, versionStages: ["AWSCURRENT"] } };
        }
        case "random:index/randomId:RandomId": {
            const byteLength = typeof plain.byteLength === "number" ? plain.byteLength : 8;
            const bytes = crypto.createHash("sha256").update("random:" + urn).digest().subarray(0, Math.min(byteLength, 32));
            const prefix = str(plain.prefix) ?? "";
            const b64Url = bytes.toString("base64url");
            return {
                id: b64Url,
                computed: {
                    hex: prefix + bytes.toString("hex"),
                    b64Url: prefix + b64Url,
                    b64Std: prefix + bytes.toString("base64"),
                    dec: prefix + BigInt("0x" + bytes.toString("hex")).toString(10),
                },
            };
        }
        case "random:index/randomString:RandomString": {
            const length = typeof plain.length === "number" ? plain.length : 16;
            const alphabet = plain.upper === false ? "abcdefghijklmnopqrstuvwxyz0123456789" : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            const result = hashOf("random:" + urn, length, alphabet);
            return { id: result, computed: { result } };
        }
        case "aws:cloudfront/function:Function": {
            const functionName = str(plain.name) ?? autoname(name, urn);
            const etag = "E" + hashOf("etag:" + urn + JSON.stringify(plain.code ?? ""), 13).toUpperCase();
            return {
                id: functionName,
                computed: {
                    name: functionName,
                    arn: `arn:aws:cloudfront::${account}:function/${functionName}`,
                    etag,
                    liveStageEtag: plain.publish === false ? "" : etag,
                    status: "UNASSOCIATED",
                },
            };
        }
        case "aws:cloudfront/distribution:Distribution": {
            const id = "E" + hashOf("id:" + urn, 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
            return {
                id,
                computed: {
                    arn: `arn:aws:cloudfront::${account}:distribution/${id}`,
                    domainName: `d${hashOf("domain:" + urn, 13, "abcdefghijklmnopqrstuvwxyz0123456789")}.cloudfront.net`,
                    hostedZoneId: "Z2FDTNDATAQYW2",
                    status: "Deployed",
                    etag: "E" + hashOf("etag:" + urn, 13).toUpperCase(),
                    callerReference: uuidOf("ref:" + urn),
                    inProgressValidationBatches: 0,
                },
            };
        }
        case "aws:cloudwatch/logDeliverySource:LogDeliverySource":
        case "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": {
            // CloudWatch Logs delivery objects; CloudFront's live in us-east-1 (the stack creates them there).
            const kind = type.includes("Source") ? "delivery-source" : "delivery-destination";
            const deliveryName = str(plain.name) ?? autoname(name, urn);
            return {
                id: deliveryName,
                computed: {
                    name: deliveryName,
                    arn: `arn:aws:logs:us-east-1:${account}:${kind}:${deliveryName}`,
                    ...(kind === "delivery-source" ? { service: "cloudfront" } : { deliveryDestinationType: "S3" }),
                },
            };
        }
        case "aws:cloudwatch/logDelivery:LogDelivery": {
            const id = hashOf("delivery:" + urn, 16, "abcdefghijklmnopqrstuvwxyz0123456789");
            return { id, computed: { arn: `arn:aws:logs:us-east-1:${account}:delivery:${id}` } };
        }
        case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {
            // CloudFront policies: a UUID id, a global ARN (no region), an etag, an autoname
            const id = uuidOf("id:" + urn);
            return {
                id,
                computed: {
                    arn: `arn:aws:cloudfront::${account}:response-headers-policy/${id}`,
                    etag: "E" + hashOf("etag:" + urn + JSON.stringify(plain.corsConfig ?? {}), 13).toUpperCase(),
                    name: str(plain.name) ?? autoname(name, urn),
                },
            };
        }
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2": {
            const bucket = str(plain.bucket) ?? `${name}-${hashOf("bucket:" + urn, 7)}`;
            return {
                id: bucket,
                computed: {
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketDomainName: `${bucket}.s3.amazonaws.com`,
                    bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                    region,
                    hostedZoneId: "Z3AQBSTGFYJSTF",
                },
            };
        }
        default: {
            const computed: Record<string, unknown> = {};
            const [pkg, mod] = type.split(":");
            if (pkg === "aws" && !NO_ARN.has(type)) {
                const service = mod.split("/")[0];
                computed.arn = `arn:aws:${service}:${region}:${account}:${name}`;
            }
            return { id: `${name}-id`, computed };
        }
    }
}
