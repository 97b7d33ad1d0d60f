// What the stack's path guard does with a request path, for explanations (cf-sign verify): the generated
// source run by the same CloudFront Function runner the local edge uses.
import type { IncomingMessage } from "node:http";
import { pathGuardSource } from "../../components/pathGuard";
import { CloudFrontFunction, viewerRequestEvent } from "./cloudfrontFunction";
import { objectKeyFor } from "./paths";
import { pathPatternMatches } from "./behaviors";

const cache = new Map<string, CloudFrontFunction>();

/** True when the path guard generated from `protectedPaths` answers `rawPath` itself (403) instead of passing it on. */
export function pathGuardRefuses(protectedPaths: string[], rawPath: string): boolean {
  const cacheKey = JSON.stringify(protectedPaths);
  let guard = cache.get(cacheKey);
  if (!guard) {
    guard = new CloudFrontFunction(pathGuardSource(protectedPaths), "path-guard.js", { timeoutMs: 0 });
    cache.set(cacheKey, guard);
  }
  const req = { method: "GET", rawHeaders: [], socket: {} } as unknown as IncomingMessage;
  return guard.run(viewerRequestEvent(req, rawPath, "verify.local", "verify")).kind !== "request";
}

/** True when the S3 key of `rawPath` (decoded once) falls under a protected pattern. */
export function objectKeyIsProtected(protectedPaths: string[], rawPath: string): boolean {
  const key = objectKeyFor(rawPath);
  return key.ok && protectedPaths.some((p) => pathPatternMatches(p, `/${key.key}`));
}
