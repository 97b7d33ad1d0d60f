// Which cache behaviours get the path guard function: pure, so it is tested without Pulumi.
import type { Input } from "@pulumi/pulumi";
import type { StackSettings } from "./config";

/** Name of the default behaviour in selections (as in SigningKeyGroup.attachTo). */
const DEFAULT_BEHAVIOUR = "default";

/** One entry of a cache behaviour's `functionAssociations`. */
export type FunctionAssociationInput = Input<{ eventType: string; functionArn: string }>;

interface Behaviours<B> {
    defaultCacheBehavior: B;
    orderedCacheBehaviors?: (B & { pathPattern: string })[];
}

type WithFunctions<B> = B & { functionAssociations?: FunctionAssociationInput[] };

/** The guard is deployed when enabled and some behaviour needs no signature while some path is protected. */
export function needsPathGuard(settings: Pick<StackSettings, "pathGuard" | "protectedPaths" | "protectDefaultBehavior">): boolean {
    return settings.pathGuard && settings.protectedPaths.length > 0 && !settings.protectDefaultBehavior;
}

/**
 * The behaviours with `association` added to every behaviour NOT in `protectedSelection` (path patterns of
 * protected ordered behaviours, or "default"). Inputs are not modified.
 */
export function associatePathGuard<B extends object>(
    behaviours: Behaviours<B>,
    association: FunctionAssociationInput,
    protectedSelection: readonly string[],
): { defaultCacheBehavior: WithFunctions<B>; orderedCacheBehaviors?: WithFunctions<B & { pathPattern: string }>[] } {
    const guarded = new Set(protectedSelection);
    const add = <T extends object>(behaviour: T): WithFunctions<T> => ({ ...behaviour, functionAssociations: [association] });
    return {
        ...behaviours,
        defaultCacheBehavior: guarded.has(DEFAULT_BEHAVIOUR) ? behaviours.defaultCacheBehavior : add(behaviours.defaultCacheBehavior),
        orderedCacheBehaviors: behaviours.orderedCacheBehaviors?.map((b) => (guarded.has(b.pathPattern) ? b : add(b))),
    };
}
