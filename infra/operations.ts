// Pure builders for what a platform team asks of the bucket and the distribution:
// old-version expiry, tags and access logging (CloudFront standard logging v2). Plain data, tested without Pulumi.

/** Lifecycle rules of the versioned content bucket; [] when old versions are kept forever (days 0). */
export function noncurrentVersionLifecycleRules(days: number) {
    if (days === 0) return [];
    return [
        {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            // every object of the bucket: an explicit empty prefix, since a bare `filter: {}` draws the
            // provider's "one of prefix, tag, ..." warning and may be dropped as an empty block
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: days },
            // delete markers left with no version behind them are removed too
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
}

/** `tags` input for a taggable resource: undefined when none are configured (no diff on old stacks). */
export function resourceTags(tags: Readonly<Record<string, string>>): Record<string, string> | undefined {
    return Object.keys(tags).length > 0 ? { ...tags } : undefined;
}

/** CloudFront standard logging (v2) is configured in us-east-1 only, whatever the stack's region. */
export const ACCESS_LOGS_REGION = "us-east-1";

/**
 * The fields of every log record: the 33 fields of the legacy standard log, in its order, without `cs(Cookie)`:
 * signed-cookie values are credentials and are never logged. (Field names as CloudFront's standard logging v2
 * documents them; unverified against a live delivery.)
 */
export const ACCESS_LOG_RECORD_FIELDS: readonly string[] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/** The delivery destination of the logs: the bucket's ARN, with the key prefix when there is one. */
export function accessLogsDestinationArn(bucket: string, prefix: string | undefined): string {
    return `arn:aws:s3:::${bucket}${prefix !== undefined ? `/${prefix.replace(/\/+$/, "")}` : ""}`;
}

/** The account of a CloudFront distribution ARN (`arn:aws:cloudfront::<account>:distribution/<id>`). */
export function accountOfDistributionArn(arn: string): string {
    const match = /^arn:aws[a-z-]*:cloudfront::(\d{12}):distribution\//.exec(arn);
    if (match === null) throw new Error(`accountOfDistributionArn: "${arn}" is not a CloudFront distribution ARN`);
    return match[1];
}

/** An S3 bucket policy document (the shape the builders here return). */
export interface BucketPolicyDocument {
    Version: "2012-10-17";
    Statement: {
        Sid: string;
        Effect: "Allow";
        Principal: { Service: string };
        Action: string | string[];
        Resource: string;
        Condition: Record<string, Record<string, string>>;
    }[];
}

/**
 * The log bucket's policy as AWS documents it for logs delivered to S3 by CloudWatch Logs vended-log delivery
 * ("Logs sent to Amazon S3", V2 permissions): the `delivery.logs.amazonaws.com` service may put objects under the
 * prefix (with `bucket-owner-full-control`) and check the bucket's ACL and list it, only for deliveries of this
 * account (`aws:SourceAccount`) from CloudWatch Logs in us-east-1 (`aws:SourceArn`).
 */
export function accessLogsBucketPolicyDocument(bucket: string, prefix: string | undefined, account: string): BucketPolicyDocument {
    const source = {
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: { "aws:SourceArn": `arn:aws:logs:${ACCESS_LOGS_REGION}:${account}:*` },
    };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AWSLogDeliveryWrite",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `arn:aws:s3:::${bucket}/${prefix ?? ""}*`,
                Condition: { ...source, StringEquals: { ...source.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
            },
            {
                Sid: "AWSLogDeliveryAclCheck",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: ["s3:GetBucketAcl", "s3:ListBucket"],
                Resource: `arn:aws:s3:::${bucket}`,
                Condition: source,
            },
        ],
    };
}
