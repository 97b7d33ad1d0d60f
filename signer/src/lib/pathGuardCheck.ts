// What the stack's path guard does with a request path, for explanations (cf-sign verify): the guard's
// source (the stack output pathGuardCode, or the local edge's own guard) run by the same CloudFront Function
// runner the local edge uses. The signer package does not generate guards: the component package does.
import type { IncomingMessage } from "node:http";
import * as vm from "node:vm";
import { CloudFrontFunction, viewerRequestEvent } from "./cloudfrontFunction";
import { objectKeyFor } from "./paths";
import { pathPatternMatches } from "./behaviors";

/** Why a guard answers as it does (`pathGuard.verdict(uri)` in the generated source). */
export type PathGuardVerdict = "pass" | "protected" | "undecodable" | "budget" | "error";

const cache = new Map<string, CloudFrontFunction>();
const verdicts = new Map<string, ((uri: string) => unknown) | undefined>();

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

/**
 * Why the guard whose source is `guardSource` answers `rawPath` as it does, or undefined when the source has no
 * `pathGuard.verdict` (a guard generated before it had one).
 */
export function pathGuardVerdict(guardSource: string, rawPath: string): PathGuardVerdict | undefined {
  if (!verdicts.has(guardSource)) {
    let verdict: ((uri: string) => unknown) | undefined;
    try {
      const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
      new vm.Script(guardSource, { filename: "path-guard.js" }).runInContext(context, { timeout: 1000 });
      verdict = new vm.Script("typeof pathGuard === 'object' && pathGuard && typeof pathGuard.verdict === 'function' ? function (uri) { return pathGuard.verdict(uri); } : undefined").runInContext(context) as
        | ((uri: string) => unknown)
        | undefined;
    } catch {
      verdict = undefined;
    }
    verdicts.set(guardSource, verdict);
  }
  const answer = verdicts.get(guardSource)?.(rawPath);
  return typeof answer === "string" && ["pass", "protected", "undecodable", "budget", "error"].includes(answer) ? (answer as PathGuardVerdict) : undefined;
}

/** True when the S3 key of `rawPath` (decoded once) falls under a protected pattern as it is. */
export function objectKeyIsProtected(protectedPaths: string[], rawPath: string): boolean {
  const key = objectKeyFor(rawPath);
  return key.ok && protectedPaths.some((p) => pathPatternMatches(p, `/${key.key}`));
}
