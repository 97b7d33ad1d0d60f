// What the stack's path guard does with a request path, for explanations (cf-sign verify): the guard's
// source (the stack output pathGuardCode, or the local edge's own guard) run by the same CloudFront Function
// runner the local edge uses. The signer package does not generate guards: the component package does.
import type { IncomingMessage } from "node:http";
import { CloudFrontFunction, viewerRequestEvent } from "./cloudfrontFunction";
import { objectKeyFor } from "./paths";
import { pathPatternMatches } from "./behaviors";

const cache = new Map<string, CloudFrontFunction>();

/** True when the path guard whose source is `guardSource` answers `rawPath` itself (403) instead of passing it on. */
export function pathGuardRefuses(guardSource: string, rawPath: string): boolean {
  let guard = cache.get(guardSource);
  if (!guard) {
    guard = new CloudFrontFunction(guardSource, "path-guard.js", { timeoutMs: 0 });
    cache.set(guardSource, guard);
  }
  const req = { method: "GET", rawHeaders: [], socket: {} } as unknown as IncomingMessage;
  return guard.run(viewerRequestEvent(req, rawPath, "verify.local", "verify")).kind !== "request";
}

/** True when the S3 key of `rawPath` (decoded once) falls under a protected pattern. */
export function objectKeyIsProtected(protectedPaths: string[], rawPath: string): boolean {
  const key = objectKeyFor(rawPath);
  return key.ok && protectedPaths.some((p) => pathPatternMatches(p, `/${key.key}`));
}
