// Another team's stack: it already has a distribution in front of its application and adds signed URLs and
// cookies to two of its behaviours by consuming the component package by name (a dependency in package.json,
// pinned to a version), not by copying or importing the source folder.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PathGuard, SigningKeyGroup } from "@signed-content/cloudfront-signed-content";

const config = new pulumi.Config();
const appOriginDomain = config.get("appOriginDomain") ?? "app-origin.example.com";

// Managed CloudFront policies (stable AWS ids, so no lookups).
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
const APP_ORIGIN = "app";
const FILES_ORIGIN = "files";

/** The two behaviours that require a signed URL or signed cookie. */
export const protectedPaths = ["/downloads/*", "/reports/*"];

const tags = { team: "reporting", stack: pulumi.getStack() };

// Private bucket for the files, read by CloudFront through origin access control only.
const files = new aws.s3.Bucket("files", { tags });
const publicAccessBlock = new aws.s3.BucketPublicAccessBlock("files-public-access", {
    bucket: files.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
});
const oac = new aws.cloudfront.OriginAccessControl("files-oac", {
    originAccessControlOriginType: "s3",
    signingBehavior: "always",
    signingProtocol: "sigv4",
});

const signing = new SigningKeyGroup("reports", {
    keys: [{ id: "2026-01", algorithm: "ECDSA" }],
    comment: "reports and downloads",
    protectKeys: true,
    tags,
});

type Behaviour = aws.types.input.cloudfront.DistributionDefaultCacheBehavior;

const fileBehaviour = (pathPattern: string): Behaviour & { pathPattern: string } => ({
    pathPattern,
    targetOriginId: FILES_ORIGIN,
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
    cachePolicyId: CACHING_OPTIMIZED,
    compress: true,
});

const signed = signing.attachTo<Behaviour>(
    {
        // The application stays public (it has its own login); only files need signatures.
        defaultCacheBehavior: {
            targetOriginId: APP_ORIGIN,
            viewerProtocolPolicy: "redirect-to-https",
            allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            cachedMethods: ["GET", "HEAD"],
            cachePolicyId: CACHING_DISABLED,
            originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
            compress: true,
        },
        orderedCacheBehaviors: [fileBehaviour("/downloads/*"), fileBehaviour("/reports/*"), fileBehaviour("/static/*")],
    },
    protectedPaths,
);

// The unsigned behaviour that reads the files bucket (/static/*) refuses every path whose S3 key some spelling
// routes through /downloads/* or /reports/* (e.g. /static/..%2Fdownloads/q3.pdf: CloudFront matches it as /static/*,
// S3 reads the key static/../downloads/q3.pdf, which /static/../downloads/q3.pdf reaches through /downloads/*).
// The application's behaviour reads another origin, where no protected key lives, so it gets no guard. attachTo
// adds the guard next to the functions a behaviour already runs.
const guard = new PathGuard("reports-guard", { protectedPaths });
const behaviours = guard.attachTo(signed, { originId: FILES_ORIGIN });

const cdn = new aws.cloudfront.Distribution("cdn", {
    enabled: true,
    isIpv6Enabled: true,
    comment: "application + signed downloads and reports",
    origins: [
        {
            originId: APP_ORIGIN,
            domainName: appOriginDomain,
            customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
        },
        { originId: FILES_ORIGIN, domainName: files.bucketRegionalDomainName, originAccessControlId: oac.id },
    ],
    defaultCacheBehavior: behaviours.defaultCacheBehavior,
    orderedCacheBehaviors: behaviours.orderedCacheBehaviors,
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
    tags,
});

new aws.s3.BucketPolicy(
    "files-policy",
    {
        bucket: files.id,
        policy: pulumi.all([files.arn, cdn.arn]).apply(([bucketArn, distributionArn]) =>
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "CloudFrontReadsFiles",
                        Effect: "Allow",
                        Principal: { Service: "cloudfront.amazonaws.com" },
                        Action: "s3:GetObject",
                        Resource: `${bucketArn}/*`,
                        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
                    },
                ],
            }),
        ),
    },
    { dependsOn: [publicAccessBlock] },
);

// What `cf-sign` reads (pulumi stack output --json --show-secrets > outputs.json).
export const baseUrl = pulumi.interpolate`https://${cdn.domainName}`;
export const distributionId = cdn.id;
export const distributionDomainName = cdn.domainName;
export const keyGroupId = signing.keyGroupId;
export const keyPairId = signing.activeKeyPairId;
export const keyPairIds = signing.keyPairIds;
export const publicKeyPems = signing.publicKeyPems;
export const privateKeyPem = signing.privateKeyPem;
export const protectDefaultBehavior = false;
export const ipv6Enabled = true;
