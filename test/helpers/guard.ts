// Runs a CloudFront Function source the way the tests need it: a fresh, empty node:vm context per call
// (no require, no process, no network, no eval), a JSON event in, the JSON result out.
import * as vm from "node:vm";

export interface GuardResult {
  /** set when the function answered instead of passing the request on */
  statusCode?: number;
  statusDescription?: string;
  headers?: Record<string, { value: string }>;
  body?: { encoding: string; data: string } | string;
  /** the request, when the function passed it on */
  uri?: string;
}

export function runGuard(source: string, uri: string, request: Record<string, unknown> = {}): GuardResult {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  new vm.Script(source, { filename: "guard.js" }).runInContext(context, { timeout: 5_000 });
  context.__event = JSON.stringify({
    version: "1.0",
    context: { eventType: "viewer-request" },
    viewer: { ip: "198.51.100.7" },
    request: { method: "GET", uri, querystring: {}, headers: {}, cookies: {}, ...request },
  });
  const out = new vm.Script("JSON.stringify(handler(JSON.parse(__event)))").runInContext(context, { timeout: 5_000 }) as string;
  return JSON.parse(out) as GuardResult;
}
