// Pure helper that trusts a key group on chosen cache behaviours of a Distribution's inputs.
// Behaviours are inputs of the one aws.cloudfront.Distribution, so the component cannot attach itself: it returns
// the behaviours with the key group added, and the stack passes them straight to the Distribution.
import * as pulumi from "@pulumi/pulumi";

/** Selects the distribution's default cache behaviour (ordered behaviours are selected by their path pattern). */
export const DEFAULT_BEHAVIOUR = "default";
/** CloudFront quota: key groups trusted by one cache behaviour. */
export const MAX_KEY_GROUPS_PER_BEHAVIOUR = 4;

/** The part of a cache behaviour this helper touches; aws.types.input.cloudfront behaviours satisfy it. */
export interface CacheBehaviourLike {
    trustedKeyGroups?: pulumi.Input<pulumi.Input<string>[] | undefined>;
}

/**
 * A distribution's behaviours: the default one and the ordered ones (matched by path pattern, first match wins).
 * `B` is any behaviour type (typically aws.types.input.cloudfront.DistributionDefaultCacheBehavior); it is only
 * constrained to `object` because CacheBehaviourLike is a "weak" type that TypeScript would refuse to match against
 * an object literal that has no trustedKeyGroups yet.
 */
export interface CacheBehaviours<B extends object> {
    defaultCacheBehavior: B & CacheBehaviourLike;
    /** path patterns must be plain strings here, so the selection can be checked when the program runs */
    orderedCacheBehaviors?: (B & CacheBehaviourLike & { pathPattern: string })[];
}

export class AttachKeyGroupError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "AttachKeyGroupError";
    }
}

function tooMany(label: string, count: number): AttachKeyGroupError {
    return new AttachKeyGroupError(
        `attachKeyGroup: cache behaviour ${label} would trust ${count} key groups but CloudFront allows at most ${MAX_KEY_GROUPS_PER_BEHAVIOUR}: remove one from its trustedKeyGroups`,
    );
}

/** Adds the key group to one behaviour's trustedKeyGroups, keeping the ones already there. */
function withKeyGroup<T extends CacheBehaviourLike>(behaviour: T, keyGroupId: pulumi.Input<string>, label: string): T {
    const existing = behaviour.trustedKeyGroups;
    if (existing === undefined || Array.isArray(existing)) {
        // (an explicit array type: without strictNullChecks the narrowing by Array.isArray is lost)
        const list: pulumi.Input<string>[] = existing ? [...(existing as pulumi.Input<string>[])] : [];
        // Same id (string) or same Output object: already trusted, nothing to add.
        if (!list.some((g) => g === keyGroupId)) list.push(keyGroupId);
        if (list.length > MAX_KEY_GROUPS_PER_BEHAVIOUR) throw tooMany(label, list.length);
        return { ...behaviour, trustedKeyGroups: list };
    }
    // An Output/Promise list can only be checked once its value is known (at deployment, not now).
    const combined = pulumi.all([pulumi.output(existing), pulumi.output(keyGroupId)]).apply(([groups, id]) => {
        const list: string[] = [...(groups ?? [])];
        if (!list.includes(id)) list.push(id);
        if (list.length > MAX_KEY_GROUPS_PER_BEHAVIOUR) throw tooMany(label, list.length);
        return list;
    });
    return { ...behaviour, trustedKeyGroups: combined };
}

/**
 * Returns the behaviours with `keyGroupId` added to `trustedKeyGroups` of exactly the selected ones: path patterns
 * of ordered behaviours (exact, case-sensitive) or DEFAULT_BEHAVIOUR for the default behaviour. Key groups already
 * trusted are kept and count toward CloudFront's limit of 4 per behaviour. Inputs are not modified; unselected
 * behaviours are returned as they are. Throws a one-line error when a selection matches no behaviour or a behaviour
 * would exceed 4 key groups. When an existing `trustedKeyGroups` is an Output (not a plain array), the limit is
 * checked when its value is known, i.e. during `pulumi preview`/`up`.
 */
export function attachKeyGroup<B extends object>(
    behaviours: CacheBehaviours<B>,
    keyGroupId: pulumi.Input<string>,
    select: readonly string[],
): CacheBehaviours<B> {
    if (!behaviours || typeof behaviours !== "object" || !behaviours.defaultCacheBehavior) {
        throw new AttachKeyGroupError("attachKeyGroup: behaviours.defaultCacheBehavior is missing: pass { defaultCacheBehavior, orderedCacheBehaviors }");
    }
    if (!Array.isArray(select)) {
        throw new AttachKeyGroupError(`attachKeyGroup: select must be an array of path patterns or "${DEFAULT_BEHAVIOUR}"`);
    }
    const ordered = behaviours.orderedCacheBehaviors ?? [];
    const patterns = ordered.map((b) => b.pathPattern);
    const wanted = new Set(select);
    for (const s of wanted) {
        if (typeof s !== "string" || s.length === 0) {
            throw new AttachKeyGroupError(`attachKeyGroup: select contains ${JSON.stringify(s)}: use path patterns or "${DEFAULT_BEHAVIOUR}"`);
        }
        if (s === DEFAULT_BEHAVIOUR) {
            if (patterns.includes(s)) {
                throw new AttachKeyGroupError(`attachKeyGroup: "${s}" is both the default behaviour's name and an ordered behaviour's path pattern: rename that path pattern`);
            }
            continue;
        }
        if (!patterns.includes(s)) {
            const known = patterns.length ? patterns.map((p) => JSON.stringify(p)).join(", ") : "none";
            throw new AttachKeyGroupError(
                `attachKeyGroup: path pattern ${JSON.stringify(s)} matches no cache behaviour (ordered: ${known}; use "${DEFAULT_BEHAVIOUR}" for the default behaviour)`,
            );
        }
    }

    const result: CacheBehaviours<B> = {
        ...behaviours,
        defaultCacheBehavior: wanted.has(DEFAULT_BEHAVIOUR)
            ? withKeyGroup(behaviours.defaultCacheBehavior, keyGroupId, "default")
            : behaviours.defaultCacheBehavior,
    };
    if (behaviours.orderedCacheBehaviors !== undefined) {
        result.orderedCacheBehaviors = ordered.map((b) =>
            wanted.has(b.pathPattern) ? withKeyGroup(b, keyGroupId, JSON.stringify(b.pathPattern)) : b,
        );
    }
    return result;
}
