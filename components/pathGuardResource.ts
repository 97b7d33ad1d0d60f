// PathGuard: the path guard CloudFront Function (see pathGuard.ts), published, and attachTo(), which adds it to the
// cache behaviours that need it without dropping what they already run.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { CacheBehaviours } from "./behaviours";
import { PATH_GUARD_EVENT_TYPE, PATH_GUARD_RUNTIME, PathGuardError, pathGuardCheckSource, pathGuardSource } from "./pathGuard";

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

/** Which behaviours attachTo() guards. */
export interface PathGuardAttachOptions {
    /**
     * The origin id (a behaviour's `targetOriginId`) of the S3 bucket that holds the protected objects, or several
     * ids that point at that bucket. Only behaviours reading from it can reach a protected key.
     */
    originId: string | readonly string[];
}

export class PathGuardAttachError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "PathGuardAttachError";
    }
}

/** The fields of a cache behaviour attachPathGuard reads; aws.types.input.cloudfront behaviours have them. */
interface GuardableBehaviour {
    targetOriginId?: unknown;
    trustedKeyGroups?: unknown;
    trustedSigners?: unknown;
    functionAssociations?: unknown;
    lambdaFunctionAssociations?: unknown;
}

function isPlainList(value: unknown): value is unknown[] {
    return Array.isArray(value) && !pulumi.Output.isInstance(value);
}

/** True when the behaviour requires a signature: trusted key groups (or legacy trusted signers), however given. */
function isSigned(behaviour: GuardableBehaviour): boolean {
    return [behaviour.trustedKeyGroups, behaviour.trustedSigners].some((list) => list !== undefined && list !== null && !(isPlainList(list) && list.length === 0));
}

/** The plain eventType strings of an association list, or an error naming what is not plain. */
function eventTypes(list: unknown, field: string, label: string): string[] {
    if (list === undefined || list === null) return [];
    const plain = "must be a plain list of { eventType: \"...\", ... } with plain eventType strings so the path guard can be added to it when the program runs";
    if (!isPlainList(list)) throw new PathGuardAttachError(`PathGuard.attachTo: ${label}: ${field} ${plain}`);
    return list.map((entry) => {
        const eventType = entry !== null && typeof entry === "object" && !pulumi.Output.isInstance(entry) ? (entry as { eventType?: unknown }).eventType : undefined;
        if (typeof eventType !== "string") throw new PathGuardAttachError(`PathGuard.attachTo: ${label}: ${field} ${plain}`);
        return eventType;
    });
}

function guard(behaviour: GuardableBehaviour, association: { eventType: string; functionArn: pulumi.Input<string> }, label: string): GuardableBehaviour {
    const functions = eventTypes(behaviour.functionAssociations, "functionAssociations", label);
    const lambdas = eventTypes(behaviour.lambdaFunctionAssociations, "lambdaFunctionAssociations", label);
    if (functions.includes(PATH_GUARD_EVENT_TYPE)) {
        throw new PathGuardAttachError(
            `PathGuard.attachTo: ${label} already runs a CloudFront Function on viewer-request and CloudFront allows one per event type: paste the guard's check (its checkCode output, or pathGuardCheckSource) into that function, call pathGuard.allows(event.request.uri) first, and leave this behaviour out of attachTo`,
        );
    }
    const viewerLambda = lambdas.find((eventType) => eventType.startsWith("viewer-"));
    if (viewerLambda !== undefined) {
        throw new PathGuardAttachError(
            `PathGuard.attachTo: ${label} runs Lambda@Edge on ${viewerLambda} and CloudFront does not run a CloudFront Function next to Lambda@Edge on viewer events: move that Lambda@Edge function to an origin event, or run the guard's check (its checkCode output) inside it and leave this behaviour out of attachTo`,
        );
    }
    const existing = isPlainList(behaviour.functionAssociations) ? behaviour.functionAssociations : [];
    return { ...behaviour, functionAssociations: [...existing, association] };
}

/**
 * Returns the behaviours with the guard's association added to every behaviour that requires no signature and reads
 * from the bucket origin `options.originId`: appended to its `functionAssociations`, next to what is there;
 * `lambdaFunctionAssociations` are left as they are. Inputs are not modified; signed behaviours and behaviours of
 * other origins are returned as they are. Throws a one-line PathGuardAttachError, naming the behaviour and what to
 * do, when a guarded behaviour already has a viewer-request CloudFront Function or Lambda@Edge on a viewer event
 * (CloudFront runs one function per event type, and not both kinds on viewer events), or when what must be read
 * (`targetOriginId`, the association lists and their `eventType`) is not a plain value.
 */
export function attachPathGuard<B extends object>(
    behaviours: CacheBehaviours<B>,
    association: { eventType: string; functionArn: pulumi.Input<string> },
    options: PathGuardAttachOptions,
): CacheBehaviours<B> {
    if (!behaviours || typeof behaviours !== "object" || !behaviours.defaultCacheBehavior) {
        throw new PathGuardAttachError("PathGuard.attachTo: behaviours.defaultCacheBehavior is missing: pass { defaultCacheBehavior, orderedCacheBehaviors }");
    }
    const origins = typeof options?.originId === "string" ? [options.originId] : Array.isArray(options?.originId) ? [...options.originId] : [];
    if (origins.length === 0 || !origins.every((id) => typeof id === "string" && id !== "")) {
        throw new PathGuardAttachError('PathGuard.attachTo: options.originId must name the origin of the bucket that holds the protected objects, e.g. { originId: "s3-content" }');
    }
    const apply = <T extends object>(behaviour: T, label: string): T => {
        const view = behaviour as GuardableBehaviour;
        if (isSigned(view)) return behaviour;
        if (typeof view.targetOriginId !== "string") {
            throw new PathGuardAttachError(`PathGuard.attachTo: ${label}: targetOriginId must be a plain string so the guard can tell which behaviours read the bucket`);
        }
        return origins.includes(view.targetOriginId) ? (guard(view, association, label) as T) : behaviour;
    };
    return {
        ...behaviours,
        defaultCacheBehavior: apply(behaviours.defaultCacheBehavior, "default cache behaviour"),
        orderedCacheBehaviors: behaviours.orderedCacheBehaviors?.map((b) => apply(b, `cache behaviour ${JSON.stringify(b.pathPattern)}`)),
    };
}

/**
 * A published CloudFront Function (cloudfront-js-2.0) that refuses, on the behaviours that need no signature, every
 * request whose S3 key some spelling would route through a protected behaviour (`/private%2Fcat.jpeg`, ...). Add it
 * with `guard.attachTo(behaviours, { originId })`, which keeps each behaviour's own functions; or put
 * `{ eventType: guard.eventType, functionArn: guard.functionArn }` in a behaviour's `functionAssociations`.
 */
export class PathGuard extends pulumi.ComponentResource {
    /** ARN of the CloudFront Function (its LIVE stage is what associations run). */
    readonly functionArn: pulumi.Output<string>;
    /** Name of the CloudFront Function (autonamed from the component's name). */
    readonly functionName: pulumi.Output<string>;
    /** "viewer-request", known during preview (unlike the ARN), so a behaviour's association has a known shape. */
    readonly eventType: pulumi.Output<string>;
    /**
     * `{ eventType: "viewer-request", functionArn }` as one value, unknown during preview until the function exists;
     * prefer attachTo() or `{ eventType, functionArn }` from the two outputs, whose shape policies can check at preview.
     */
    readonly functionAssociation: pulumi.Output<PathGuardAssociation>;
    /** The generated function source, as deployed (also what the local edge runs). */
    readonly code: pulumi.Output<string>;
    /**
     * The guard's check alone (defines `pathGuard.allows(uri)` and `pathGuard.denied()`), to paste into a
     * viewer-request function a behaviour already has (CloudFront runs one function per event type).
     */
    readonly checkCode: pulumi.Output<string>;

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
        let checkCode: string;
        try {
            code = pathGuardSource(args.protectedPaths);
            checkCode = pathGuardCheckSource(args.protectedPaths);
        } catch (error) {
            // Pulumi prints a RunError's message alone, without a stack trace.
            if (error instanceof PathGuardError) throw new pulumi.RunError(`PathGuard ${name}: ${error.message}`);
            throw error;
        }
        super(PATH_GUARD_TYPE, name, {}, opts);
        this.code = pulumi.output(code);
        this.checkCode = pulumi.output(checkCode);
        this.eventType = pulumi.output(PATH_GUARD_EVENT_TYPE);
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
            eventType: this.eventType,
            functionAssociation: this.functionAssociation,
            code: this.code,
            checkCode: this.checkCode,
        });
    }

    /**
     * The behaviours with this guard added to each one that requires no signature and reads from the bucket origin
     * `options.originId` (see attachPathGuard): `{ eventType: "viewer-request", functionArn }` appended to its
     * `functionAssociations`, whose shape is known during preview.
     */
    attachTo<B extends object>(behaviours: CacheBehaviours<B>, options: PathGuardAttachOptions): CacheBehaviours<B> {
        return attachPathGuard(behaviours, { eventType: PATH_GUARD_EVENT_TYPE, functionArn: this.functionArn }, options);
    }
}
