// Pure builders for what a platform team asks of the bucket and the distribution:
// old-version expiry, tags and access logging. Plain data, tested without Pulumi.

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

/**
 * The distribution's standard (legacy) access logging: CloudFront writes to `<bucket>.s3.amazonaws.com`
 * through the bucket ACL. Cookies are never logged: signed-cookie values are credentials.
 */
export function accessLoggingConfig(bucket: string | undefined, prefix: string | undefined) {
    if (bucket === undefined) return undefined;
    return { bucket: `${bucket}.s3.amazonaws.com`, includeCookies: false, ...(prefix !== undefined ? { prefix } : {}) };
}
