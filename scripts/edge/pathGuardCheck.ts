// What the stack's path guard does with a request path, for explanations (cf-sign verify): the generated
// source run by the same CloudFront Function runner the local edge uses.
import type { IncomingMessage } from "node:http";
import * as vm from "node:vm";
import { pathGuardSource, type PathGuardVerdict } from "../../components/pathGuard";
import { CloudFrontFunction, viewerRequestEvent } from "./cloudfrontFunction";
import { objectKeyFor } from "./paths";
import { pathPatternMatches } from "./behaviors";

const cache = new Map<string, CloudFrontFunction>();
const verdicts = new Map<string, (uri: string) => PathGuardVerdict>();

function compiled(protectedPaths: string[]): CloudFrontFunction {
  const cacheKey = JSON.stringify(protectedPaths);
  let guard = cache.get(cacheKey);
  if (!guard) {
    guard = new CloudFrontFunction(pathGuardSource(protectedPaths), "path-guard.js", { timeoutMs: 0 });
    cache.set(cacheKey, guard);
  }
  return guard;
}

/** True when the path guard generated from `protectedPaths` answers `rawPath` itself (403) instead of passing it on. */
export function pathGuardRefuses(protectedPaths: string[], rawPath: string): boolean {
  const req = { method: "GET", rawHeaders: [], socket: {} } as unknown as IncomingMessage;
  return compiled(protectedPaths).run(viewerRequestEvent(req, rawPath, "verify.local", "verify")).kind !== "request";
}

/** Why the guard answers as it does: "pass", "protected", "undecodable", "budget" or "error" (pathGuard.verdict). */
export function pathGuardVerdict(protectedPaths: string[], rawPath: string): PathGuardVerdict {
  const cacheKey = JSON.stringify(protectedPaths);
  let verdict = verdicts.get(cacheKey);
  if (!verdict) {
    const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
    new vm.Script(pathGuardSource(protectedPaths), { filename: "path-guard.js" }).runInContext(context);
    verdict = new vm.Script("(function (uri) { return pathGuard.verdict(uri); })").runInContext(context) as (uri: string) => PathGuardVerdict;
    verdicts.set(cacheKey, verdict);
  }
  return verdict(rawPath);
}

/** True when the S3 key of `rawPath` (decoded once) falls under a protected pattern as it is. */
export function objectKeyIsProtected(protectedPaths: string[], rawPath: string): boolean {
  const key = objectKeyFor(rawPath);
  return key.ok && protectedPaths.some((p) => pathPatternMatches(p, `/${key.key}`));
}
