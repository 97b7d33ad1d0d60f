// When the stack deploys the path guard: pure, so it is tested without Pulumi. Which behaviours get it is the
// component's rule (PathGuard.attachTo: every unsigned behaviour reading from the bucket, added to what it runs).
import type { StackSettings } from "./config";

/** The guard is deployed when enabled and some behaviour needs no signature while some path is protected. */
export function needsPathGuard(settings: Pick<StackSettings, "pathGuard" | "protectedPaths" | "protectDefaultBehavior">): boolean {
    return settings.pathGuard && settings.protectedPaths.length > 0 && !settings.protectDefaultBehavior;
}
