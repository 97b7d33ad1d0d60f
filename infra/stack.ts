// The resources of the stack: private bucket, OAC, signing key group, distribution, bucket policy,
// uploaded assets. Takes already-validated settings, so it never fails on configuration.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

import { DEFAULT_BEHAVIOUR, KeySource, PathGuard, SigningKeyGroup } from "../components";
import type { AssetFile } from "./assets";
import type { StackSettings } from "./config";
import { S3_ORIGIN_ID, baseUrlFor, limitText, bucketPolicyDocument, buildCacheBehaviours, protectedSelection } from "./distribution";
import { corsResponseHeadersConfig, s3CorsRules, withCors } from "./cors";
import {
    ACCESS_LOG_RECORD_FIELDS,
    ACCESS_LOGS_REGION,
    accessLogsBucketPolicyDocument,
    accessLogsDestinationArn,
    accountOfDistributionArn,
    noncurrentVersionLifecycleRules,
    resourceTags,
} from "./operations";
import { needsPathGuard } from "./pathGuard";

export interface ContentStack {
    bucket: aws.s3.Bucket;
    distribution: aws.cloudfront.Distribution;
    signing: SigningKeyGroup;
    pathGuard?: PathGuard;
    objects: aws.s3.BucketObjectv2[];
}

export interface ContentStackOutputs {
    bucketName: pulumi.Output<string>;
    distributionId: pulumi.Output<string>;
    distributionDomainName: pulumi.Output<string>;
    baseUrl: pulumi.Output<string>;
    keyGroupId: pulumi.Output<string>;
    keyPairId: pulumi.Output<string>;
    keyPairIds: pulumi.Output<Record<string, string>>;
    publicKeyPems: pulumi.Output<Record<string, string>>;
    /** undefined with exportPrivateKey false, or when the active key is a KMS key (its private key never leaves KMS). */
    privateKeyPem: pulumi.Output<string> | undefined;
    /** generation id -> private key PEM of every tls generation (secret): signs the rotation canary; undefined with exportPrivateKey false. */
    privateKeyPems: pulumi.Output<Record<string, string>> | undefined;
    /** "tls" or "kms": where the active key lives; cf-sign picks KMS signing from this alone */
    signingKeySource: KeySource;
    /** ARN of the active KMS key (only when signingKeySource is "kms") */
    kmsKeyArn: pulumi.Output<string> | undefined;
    /** generation id -> KMS key ARN of every KMS generation (only when there is one): `cf-sign --generation ID` signs through KMS */
    kmsKeyArns: pulumi.Output<Record<string, string>> | undefined;
    /** IAM policy JSON granting kms:Sign and kms:GetPublicKey on exactly that key (only for a KMS active key) */
    kmsSigningPolicy: pulumi.Output<string> | undefined;
    /** "SHA256" for a KMS active key (KMS cannot sign with SHA-1); undefined for tls (the signer's default per key type) */
    signingHashAlgorithm: "SHA256" | undefined;
    privateKeySecretArn: pulumi.Output<string> | undefined;
    privateKeyReadPolicy: pulumi.Output<string> | undefined;
    protectedPaths: string[];
    protectDefaultBehavior: boolean;
    ipv6Enabled: boolean;
    /** ARN of the path guard function, when it is associated. */
    pathGuardFunctionArn: pulumi.Output<string> | undefined;
    /** Source code of that function, so `cf-sign verify` runs what CloudFront runs. */
    pathGuardCode: pulumi.Output<string> | undefined;
}

/**
 * The aws:* settings of the stack that the us-east-1 provider for the access logs must share with the default
 * provider (the same account and role, the same default tags); the region is the one it changes.
 */
function usEast1ProviderArgs(): aws.ProviderArgs {
    const config = new pulumi.Config("aws");
    const args: aws.ProviderArgs = { region: ACCESS_LOGS_REGION };
    const profile = config.get("profile");
    if (profile !== undefined) args.profile = profile;
    const assumeRoles = config.getObject<aws.types.input.ProviderAssumeRole[]>("assumeRoles");
    if (assumeRoles !== undefined) args.assumeRoles = assumeRoles;
    const defaultTags = config.getObject<aws.types.input.ProviderDefaultTags>("defaultTags");
    if (defaultTags !== undefined) args.defaultTags = defaultTags;
    return args;
}

/**
 * CloudFront standard logging (v2) to the existing bucket `accessLogsBucket`: a delivery source (the distribution's
 * ACCESS_LOGS), a delivery destination (the bucket and prefix) and the delivery between them, all in us-east-1
 * through their own provider (CloudFront's logging is configured there, whatever the stack's region), and the log
 * bucket's policy letting CloudWatch Logs' delivery service write there. No bucket ACLs are involved, unlike the
 * legacy logging, so a BucketOwnerEnforced bucket works. Cookies are never logged.
 */
function accessLogs(settings: StackSettings, distribution: aws.cloudfront.Distribution): void {
    const bucket = settings.accessLogsBucket;
    if (bucket === undefined) return;
    const prefix = settings.accessLogsPrefix;
    const tags = resourceTags(settings.tags);
    const usEast1 = new aws.Provider("access-logs-us-east-1", usEast1ProviderArgs());
    const source = new aws.cloudwatch.LogDeliverySource(
        "access-logs",
        { logType: "ACCESS_LOGS", resourceArn: distribution.arn, tags },
        { provider: usEast1 },
    );
    const destination = new aws.cloudwatch.LogDeliveryDestination(
        "access-logs",
        { deliveryDestinationConfiguration: { destinationResourceArn: accessLogsDestinationArn(bucket, prefix) }, tags },
        { provider: usEast1 },
    );
    // The bucket's own region: the stack's (default provider). The stack owns this bucket's policy.
    const policy = new aws.s3.BucketPolicy("access-logs-policy", {
        bucket,
        policy: distribution.arn.apply((arn) => JSON.stringify(accessLogsBucketPolicyDocument(bucket, prefix, accountOfDistributionArn(arn)))),
    });
    new aws.cloudwatch.LogDelivery(
        "access-logs",
        { deliverySourceName: source.name, deliveryDestinationArn: destination.arn, recordFields: [...ACCESS_LOG_RECORD_FIELDS], tags },
        // The bucket must accept the delivery service before the first delivery is attempted.
        { provider: usEast1, dependsOn: [policy] },
    );
}

/** The private origin bucket: no public access, owner-enforced objects, SSE-S3, versioned. */
function privateBucket(settings: StackSettings) {
    const bucket = new aws.s3.Bucket("content", { forceDestroy: settings.forceDestroy, tags: resourceTags(settings.tags) });
    const child = { parent: bucket };
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        "content-public-access",
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        child,
    );
    // ACLs disabled: the bucket owner owns every object, so only the bucket policy grants access.
    const ownership = new aws.s3.BucketOwnershipControls(
        "content-ownership",
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        "content-encryption",
        {
            bucket: bucket.id,
            // SSE-S3: OAC can read it without KMS grants for CloudFront.
            // No bucketKeyEnabled: S3 Bucket Keys only reduce KMS calls and do nothing for AES256.
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        },
        child,
    );
    const versioning = new aws.s3.BucketVersioning("content-versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    expireNoncurrentVersions(bucket, versioning, settings.noncurrentVersionExpirationDays);
    return { bucket, publicAccessBlock, ownership };
}

/** Old object versions are deleted after `days` (none with 0), once versioning is on. */
function expireNoncurrentVersions(bucket: aws.s3.Bucket, versioning: aws.s3.BucketVersioning, days: number): void {
    const rules = noncurrentVersionLifecycleRules(days);
    if (rules.length === 0) return;
    new aws.s3.BucketLifecycleConfiguration("content-lifecycle", { bucket: bucket.id, rules }, { parent: bucket, dependsOn: [versioning] });
}

/** With corsAllowedOrigins: the response headers policy for the behaviours and the bucket's CORS rule for preflights. */
function corsResources(settings: StackSettings, bucket: aws.s3.Bucket, label: string): aws.cloudfront.ResponseHeadersPolicy | undefined {
    if (settings.corsAllowedOrigins.length === 0) return undefined;
    new aws.s3.BucketCorsConfiguration("content-cors", { bucket: bucket.id, corsRules: s3CorsRules(settings.corsAllowedOrigins) }, { parent: bucket });
    return new aws.cloudfront.ResponseHeadersPolicy("cdn-cors", {
        comment: limitText(`${label}: CORS with credentials for ${settings.corsAllowedOrigins.join(" ")}`, 128),
        corsConfig: corsResponseHeadersConfig(settings.corsAllowedOrigins),
    });
}

export function createContentStack(settings: StackSettings, assets: readonly AssetFile[]): { stack: ContentStack; outputs: ContentStackOutputs } {
    const label = `${pulumi.getProject()}/${pulumi.getStack()}`;
    // The behaviours that need no signature refuse paths whose S3 key is a protected one (docs/stack.md).
    // Built first: its checks (e.g. CloudFront Functions' 10 KB code limit) fail before any resource is registered.
    const pathGuard = needsPathGuard(settings)
        ? new PathGuard("path-guard", {
              protectedPaths: settings.protectedPaths,
              comment: limitText(`${label}: path guard`, 128),
              tags: resourceTags(settings.tags),
          })
        : undefined;
    const { bucket, publicAccessBlock, ownership } = privateBucket(settings);

    const oac = new aws.cloudfront.OriginAccessControl("content-oac", {
        description: limitText(`${label}: CloudFront reads the private content bucket`, 256),
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
    });

    const activeSpec = settings.activeKey !== undefined ? settings.keys.find((spec) => spec.id === settings.activeKey) : settings.keys[settings.keys.length - 1];
    const activeSource = activeSpec?.source === "kms" ? KeySource.Kms : KeySource.Tls;
    const signing = new SigningKeyGroup("signing", {
        keys: settings.keys.map((spec) => ({ id: spec.id, algorithm: spec.algorithm, ...(spec.source === "kms" ? { source: KeySource.Kms } : {}) })),
        activeKey: settings.activeKey,
        comment: limitText(`${label}: signed URLs and cookies`, 128),
        tags: resourceTags(settings.tags),
        storePrivateKey: settings.storePrivateKey,
        storePrivateKeyOptions:
            settings.storePrivateKey && settings.privateKeyKmsKeyId !== undefined ? { kmsKeyId: settings.privateKeyKmsKeyId } : undefined,
        // A key replaced by mistake (a changed id or algorithm) would break every outstanding URL and cookie.
        protectKeys: settings.protectKeys,
    });

    const corsPolicy = corsResources(settings, bucket, label);
    const selection = protectedSelection(settings.protectedPaths, settings.protectDefaultBehavior, DEFAULT_BEHAVIOUR);
    const signed = signing.attachTo(withCors(buildCacheBehaviours(settings.protectedPaths, S3_ORIGIN_ID), corsPolicy?.id), selection);
    // Added to the unsigned behaviours of the bucket's origin, next to anything they already run.
    const behaviours = pathGuard ? pathGuard.attachTo(signed, { originId: S3_ORIGIN_ID }) : signed;

    const customCertificate = settings.certificateArn !== undefined;
    const distribution = new aws.cloudfront.Distribution("cdn", {
        comment: limitText(label, 128),
        enabled: true,
        isIpv6Enabled: settings.ipv6,
        httpVersion: "http2and3",
        priceClass: settings.priceClass,
        aliases: settings.aliases,
        defaultRootObject: "index.html",
        origins: [
            {
                originId: S3_ORIGIN_ID,
                domainName: bucket.bucketRegionalDomainName,
                // OAC replaces the legacy origin access identity: no s3OriginConfig.
                originAccessControlId: oac.id,
            },
        ],
        defaultCacheBehavior: behaviours.defaultCacheBehavior,
        orderedCacheBehaviors: behaviours.orderedCacheBehaviors,
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: customCertificate
            ? { acmCertificateArn: settings.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
            : { cloudfrontDefaultCertificate: true },
        tags: resourceTags(settings.tags),
    });
    accessLogs(settings, distribution);

    new aws.s3.BucketPolicy(
        "content-policy",
        {
            bucket: bucket.id,
            policy: pulumi
                .all([bucket.arn, distribution.arn])
                .apply(([bucketArn, distributionArn]) => JSON.stringify(bucketPolicyDocument(bucketArn, distributionArn))),
        },
        // S3 aborts concurrent bucket-level changes (OperationAborted): put the policy after the
        // public access block and ownership controls are in place.
        { parent: bucket, dependsOn: [publicAccessBlock, ownership] },
    );

    const objects = assets.map(
        (asset) =>
            new aws.s3.BucketObjectv2(
                `asset:${asset.key}`,
                {
                    bucket: bucket.id,
                    key: asset.key,
                    source: new pulumi.asset.FileAsset(asset.path),
                    contentType: asset.contentType,
                    tags: resourceTags(settings.tags),
                },
                { parent: bucket, dependsOn: [ownership] },
            ),
    );

    const outputs: ContentStackOutputs = {
        bucketName: bucket.bucket,
        distributionId: distribution.id,
        distributionDomainName: distribution.domainName,
        baseUrl: distribution.domainName.apply((domain) => baseUrlFor(settings.aliases, domain)),
        keyGroupId: signing.keyGroupId,
        keyPairId: signing.activeKeyPairId,
        keyPairIds: signing.keyPairIds,
        publicKeyPems: signing.publicKeyPems,
        privateKeyPem: settings.exportPrivateKey && signing.privateKeyPem !== undefined ? pulumi.secret(signing.privateKeyPem) : undefined,
        privateKeyPems: settings.exportPrivateKey && settings.keys.some((spec) => spec.source !== "kms") ? pulumi.secret(signing.privateKeyPems) : undefined,
        signingKeySource: activeSource,
        kmsKeyArn: signing.kmsKeyArn,
        kmsKeyArns: settings.keys.some((spec) => spec.source === "kms") ? signing.kmsKeyArns : undefined,
        kmsSigningPolicy: signing.kmsSigningPolicy,
        signingHashAlgorithm: activeSource === KeySource.Kms ? "SHA256" : undefined,
        privateKeySecretArn: settings.storePrivateKey ? signing.privateKeySecretArn : undefined,
        privateKeyReadPolicy: settings.storePrivateKey ? signing.privateKeyReadPolicy : undefined,
        protectedPaths: settings.protectedPaths,
        protectDefaultBehavior: settings.protectDefaultBehavior,
        ipv6Enabled: settings.ipv6,
        pathGuardFunctionArn: pathGuard?.functionArn,
        pathGuardCode: pathGuard?.code,
    };
    return { stack: { bucket, distribution, signing, pathGuard, objects }, outputs };
}
