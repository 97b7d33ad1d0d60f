// Pure builders for the distribution's cache behaviours and the bucket policy: plain data, no
// resources, so they are tested without Pulumi.
import type { Input } from "@pulumi/pulumi";

/** Managed cache policy "CachingOptimized": a stable AWS constant, so no lookup (invoke) is needed. */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** The single origin's id inside the distribution. */
export const S3_ORIGIN_ID = "s3-content";
/** Name of the default behaviour in `SigningKeyGroup.attachTo` selections. */
export const DEFAULT_BEHAVIOUR_NAME = "default";

/** The settings every behaviour shares; assignable to the provider's cache behaviour inputs. */
export interface BehaviourSettings {
    targetOriginId: string;
    viewerProtocolPolicy: "redirect-to-https";
    allowedMethods: string[];
    cachedMethods: string[];
    cachePolicyId: string;
    compress: boolean;
    /** Added by `SigningKeyGroup.attachTo` to the protected behaviours only. */
    trustedKeyGroups?: Input<Input<string>[] | undefined>;
}

export interface CacheBehaviours {
    defaultCacheBehavior: BehaviourSettings;
    orderedCacheBehaviors: (BehaviourSettings & { pathPattern: string })[];
}

// Static files only: GET/HEAD (OPTIONS only with corsAllowedOrigins, see cors.ts); signatures travel
// in the query string or cookies and are checked by CloudFront before the cache, so CachingOptimized is safe here.
function behaviourSettings(originId: string): BehaviourSettings {
    return {
        targetOriginId: originId,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
        compress: true,
    };
}

/**
 * The default behaviour and one ordered behaviour per protected path pattern, in the order given
 * (CloudFront: first match wins). None of them trusts a key group yet: `SigningKeyGroup.attachTo`
 * adds it to exactly the selected behaviours.
 */
export function buildCacheBehaviours(protectedPaths: readonly string[], originId: string = S3_ORIGIN_ID): CacheBehaviours {
    return {
        defaultCacheBehavior: behaviourSettings(originId),
        orderedCacheBehaviors: protectedPaths.map((pathPattern) => ({ pathPattern, ...behaviourSettings(originId) })),
    };
}

/** What to hand to `attachTo`: every protected pattern, plus the default behaviour when asked. */
export function protectedSelection(protectedPaths: readonly string[], protectDefaultBehavior: boolean, defaultName: string = DEFAULT_BEHAVIOUR_NAME): string[] {
    return protectDefaultBehavior ? [...protectedPaths, defaultName] : [...protectedPaths];
}

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal: { Service: string };
    Action: string;
    Resource: string;
    Condition: { StringEquals: { "AWS:SourceArn": string } };
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/**
 * Only this distribution (through its OAC) may read objects: service principal
 * cloudfront.amazonaws.com, s3:GetObject on the bucket's objects, AWS:SourceArn = the distribution.
 */
export function bucketPolicyDocument(bucketArn: string, distributionArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AllowCloudFrontReadViaOAC",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: `${bucketArn}/*`,
                Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
        ],
    };
}

/** `https://` + the first alternate domain name, else the distribution's own domain. */
export function baseUrlFor(aliases: readonly string[], distributionDomainName: string): string {
    return `https://${aliases.length > 0 ? aliases[0] : distributionDomainName}`;
}

/** CloudFront comments allow 128 characters, OAC descriptions 256: long stack names must not break `up`. */
export function limitText(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
