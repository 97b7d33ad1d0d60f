// PathGuard: the path guard CloudFront Function (see pathGuard.ts), published, ready to associate with the
// cache behaviours of a distribution that do not require a signature.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PATH_GUARD_EVENT_TYPE, PATH_GUARD_RUNTIME, PathGuardError, pathGuardSource } from "./pathGuard";

export const PATH_GUARD_TYPE = "cloudfront-signed-content:index:PathGuard";
/** CloudFront Function names: 1-64 of [A-Za-z0-9_-]; Pulumi's autoname adds "-" and 7 characters. */
const MAX_NAME_LENGTH = 56;
const MAX_COMMENT_LENGTH = 128;

export interface PathGuardArgs {
    /**
     * The path patterns of the cache behaviours that require a signed URL or signed cookie, exactly as in
     * their `pathPattern` (e.g. ["/private/*"]). Requests whose S3 object key would fall under one of them are
     * refused on the behaviours this guard is associated with.
     */
    protectedPaths: string[];
    /** Comment on the CloudFront Function (at most 128 characters). Default: a description of the guard. */
    comment?: pulumi.Input<string>;
    /** Tags for the CloudFront Function (the provider's schema takes them). Merged over the provider's default tags. */
    tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/** What goes into a cache behaviour's `functionAssociations` list. */
export interface PathGuardAssociation {
    /** Always "viewer-request": the guard must run before the cache and the origin. */
    eventType: string;
    /** ARN of the published CloudFront Function. */
    functionArn: string;
}

/**
 * A published CloudFront Function (cloudfront-js-2.0) that closes the encoded-slash way into protected
 * objects: associate `functionAssociation` with every cache behaviour of the distribution that does NOT
 * trust a key group (typically the default behaviour), e.g.
 * `defaultCacheBehavior: { ..., functionAssociations: [guard.functionAssociation] }`. A behaviour takes one
 * viewer-request function, so a behaviour that already has one must merge the guard's logic into it.
 */
export class PathGuard extends pulumi.ComponentResource {
    /** ARN of the CloudFront Function (its LIVE stage is what associations run). */
    readonly functionArn: pulumi.Output<string>;
    /** Name of the CloudFront Function (autonamed from the component's name). */
    readonly functionName: pulumi.Output<string>;
    /** `{ eventType: "viewer-request", functionArn }`, for a cache behaviour's `functionAssociations`. */
    readonly functionAssociation: pulumi.Output<PathGuardAssociation>;
    /** The generated function source, as deployed (also what the local edge runs). */
    readonly code: pulumi.Output<string>;

    constructor(name: string, args: PathGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        // Everything is checked before anything is registered.
        if (!/^[A-Za-z0-9_-]+$/.test(name) || name.length > MAX_NAME_LENGTH) {
            throw new pulumi.RunError(
                `PathGuard name ${JSON.stringify(name)} cannot name a CloudFront Function; use 1-${MAX_NAME_LENGTH} characters of A-Z a-z 0-9 _ -`,
            );
        }
        if (!args || typeof args !== "object") throw new pulumi.RunError(`PathGuard ${name}: needs args { protectedPaths: ["/private/*"] }`);
        if (typeof args.comment === "string" && args.comment.length > MAX_COMMENT_LENGTH) {
            throw new pulumi.RunError(`PathGuard ${name}: comment is ${args.comment.length} characters long; CloudFront allows at most ${MAX_COMMENT_LENGTH}`);
        }
        let code: string;
        try {
            code = pathGuardSource(args.protectedPaths);
        } catch (error) {
            // Pulumi prints a RunError's message alone, without a stack trace.
            if (error instanceof PathGuardError) throw new pulumi.RunError(`PathGuard ${name}: ${error.message}`);
            throw error;
        }
        super(PATH_GUARD_TYPE, name, {}, opts);
        this.code = pulumi.output(code);
        const fn = new aws.cloudfront.Function(
            name,
            {
                runtime: PATH_GUARD_RUNTIME,
                publish: true,
                code,
                comment: args.comment ?? "Refuses paths whose S3 key falls under a signed-only path pattern",
                tags: args.tags,
            },
            { parent: this },
        );
        this.functionArn = fn.arn;
        this.functionName = fn.name;
        this.functionAssociation = fn.arn.apply((functionArn) => ({ eventType: PATH_GUARD_EVENT_TYPE, functionArn }));
        this.registerOutputs({
            functionArn: this.functionArn,
            functionName: this.functionName,
            functionAssociation: this.functionAssociation,
            code: this.code,
        });
    }
}
