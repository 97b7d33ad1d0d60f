// Runs the generated path guard the way the tests need it, in both engines that matter: node:vm (V8, what the
// local edge runs) and njs (the engine CloudFront Functions' runtime derives from; Debian package `njs`). A
// batch runs in one fresh vm context and one njs process, and any difference between the two fails the test.
// Without njs (and CF_NJS_TEST not "required") the batches run in node:vm alone.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import type { PathGuardVerdict } from "../../components/pathGuard";

export interface GuardResult {
  /** set when the function answered instead of passing the request on */
  statusCode?: number;
  statusDescription?: string;
  headers?: Record<string, { value: string }>;
  body?: { encoding: string; data: string } | string;
  /** the request, when the function passed it on */
  uri?: string;
}

/** The njs binary (NJS_PATH to override); CI installs Debian's `njs` next to chromium (.ci/run). */
export const NJS = process.env.NJS_PATH ?? "/usr/bin/njs";

function event(uri: unknown, request: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "1.0",
    context: { eventType: "viewer-request" },
    viewer: { ip: "198.51.100.7" },
    request: { method: "GET", uri, querystring: {}, headers: {}, cookies: {}, ...request },
  };
}

/** `expression` evaluated for each input (bound to `__in`) after `source`, in a fresh vm context; JSON results. */
function inVm(source: string, expression: string, inputs: unknown[]): unknown[] {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  new vm.Script(source, { filename: "guard.js" }).runInContext(context, { timeout: 10_000 });
  context.__inputs = JSON.stringify(inputs);
  const out = new vm.Script(`(function () { var all = JSON.parse(__inputs), out = []; for (var i = 0; i < all.length; i++) { var __in = all[i]; out.push(${expression}); } return JSON.stringify(out); })()`).runInContext(context, { timeout: 60_000 }) as string;
  return JSON.parse(out) as unknown[];
}

/**
 * Whether njs is there to run. Without it the batches run in node:vm alone, unless CF_NJS_TEST=required (CI, which
 * installs it: .ci/run), where its absence fails the test.
 */
export function njsAvailable(): boolean {
  if (fs.existsSync(NJS)) return true;
  if (process.env.CF_NJS_TEST === "required") throw new Error(`${NJS} not found: install njs (apt-get install -y --no-install-recommends njs) or set NJS_PATH`);
  return false;
}

/** The same in one njs process. */
function inNjs(source: string, expression: string, inputs: unknown[]): unknown[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-njs-"));
  try {
    const file = path.join(dir, "guard.js");
    fs.writeFileSync(
      file,
      `${source}\nvar __all = ${JSON.stringify(inputs)};\nfor (var __i = 0; __i < __all.length; __i++) { var __in = __all[__i]; console.log(JSON.stringify(${expression})); }\n`,
    );
    // one result per line: njs breaks long console.log lines
    const out = execFileSync(NJS, [file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    const lines = out.split("\n").filter((line) => line !== "");
    if (lines.length !== inputs.length) throw new Error(`njs printed ${lines.length} results for ${inputs.length} inputs: ${out.slice(0, 300)}`);
    return lines.map((line) => JSON.parse(line) as unknown);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Both engines; throws on the first input where they differ. An undefined result reads as null in both. */
function inBothEngines(source: string, value: string, inputs: unknown[]): unknown[] {
  const expression = `(function (v) { return v === undefined ? null : v; })(${value})`;
  const v8 = inVm(source, expression, inputs);
  if (!njsAvailable()) return v8;
  const njs = inNjs(source, expression, inputs);
  for (let i = 0; i < inputs.length; i++) {
    if (JSON.stringify(v8[i]) !== JSON.stringify(njs[i])) {
      throw new Error(`node:vm and njs disagree on ${JSON.stringify(inputs[i])}: ${JSON.stringify(v8[i])} vs ${JSON.stringify(njs[i])}`);
    }
  }
  return v8;
}

/** `expression` (over `__in`) after `source` for each input, in both engines; the JSON results. */
export function evaluate(source: string, expression: string, inputs: readonly unknown[]): unknown[] {
  return inBothEngines(source, expression, [...inputs]);
}

/** `pathGuard.verdict(uri)` for each uri, in both engines (one run each for the whole batch). */
export function guardVerdicts(source: string, uris: readonly unknown[]): PathGuardVerdict[] {
  return inBothEngines(source, "pathGuard.verdict(__in)", [...uris]) as PathGuardVerdict[];
}

/** The function's handler on a CloudFront-Functions-shaped event for each uri, in both engines. */
export function guardResults(source: string, uris: readonly unknown[], request: Record<string, unknown> = {}): GuardResult[] {
  return inBothEngines(source, "handler(__in)", uris.map((uri) => event(uri, request))) as GuardResult[];
}

/** One request through the handler, in both engines. */
export function runGuard(source: string, uri: string, request: Record<string, unknown> = {}): GuardResult {
  return guardResults(source, [uri], request)[0];
}
