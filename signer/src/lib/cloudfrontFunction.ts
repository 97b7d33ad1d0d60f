// Runs a CloudFront Function (viewer request) on loopback: the source in its own node:vm context with no
// require, process, network or eval, a CloudFront-Functions-shaped event (JSON in, JSON out, as in
// CloudFront's test API), and the outcome CloudFront would act on.
import type { IncomingMessage } from "node:http";
import * as vm from "node:vm";

/** `{ value }`, plus `multiValue` when the name occurs more than once (as in CloudFront Functions). */
export interface FunctionValue {
  value: string;
  multiValue?: { value: string }[];
}

export interface ViewerRequestEvent {
  version: "1.0";
  context: { distributionDomainName: string; distributionId: string; eventType: "viewer-request"; requestId: string };
  viewer: { ip: string };
  request: {
    method: string;
    /** the path as the viewer sent it (still percent-encoded) */
    uri: string;
    querystring: Record<string, FunctionValue>;
    /** lower-case names; Cookie is not here but in `cookies` */
    headers: Record<string, FunctionValue>;
    cookies: Record<string, FunctionValue>;
  };
}

export interface FunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type FunctionOutcome = { kind: "request"; uri: string } | { kind: "response"; response: FunctionResponse } | { kind: "error"; reason: string };

/** Default bound on one invocation; CloudFront allows about 1 ms of compute, this only stops a runaway loop. */
const RUN_TIMEOUT_MS = 1000;
/** The least wall-clock limit a run without a watchdog gets (a safety net: the path guard's step budget comes first). */
export const MIN_WALL_CLOCK_LIMIT_MS = 50;

function add(target: Record<string, FunctionValue>, name: string, value: string): void {
  const existing = Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined;
  if (!existing) {
    target[name] = { value };
    return;
  }
  existing.multiValue ??= [{ value: existing.value }];
  existing.multiValue.push({ value });
}

/** The event CloudFront Functions would get for this request (query values as sent, not decoded). */
export function viewerRequestEvent(req: IncomingMessage, target: string, distributionDomainName: string, requestId: string): ViewerRequestEvent {
  const q = target.indexOf("?");
  const uri = q < 0 ? target : target.slice(0, q);
  const querystring: Record<string, FunctionValue> = Object.create(null) as Record<string, FunctionValue>;
  if (q >= 0) {
    for (const part of target.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      add(querystring, eq < 0 ? part : part.slice(0, eq), eq < 0 ? "" : part.slice(eq + 1));
    }
  }
  const headers: Record<string, FunctionValue> = Object.create(null) as Record<string, FunctionValue>;
  const cookies: Record<string, FunctionValue> = Object.create(null) as Record<string, FunctionValue>;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name !== "cookie") {
      add(headers, name, value);
      continue;
    }
    for (const pair of value.split(";")) {
      const text = pair.trim();
      if (text === "") continue;
      const eq = text.indexOf("=");
      add(cookies, eq < 0 ? text : text.slice(0, eq), eq < 0 ? "" : text.slice(eq + 1));
    }
  }
  return {
    version: "1.0",
    context: { distributionDomainName, distributionId: "ELOCALEDGE", eventType: "viewer-request", requestId },
    viewer: { ip: req.socket.remoteAddress ?? "127.0.0.1" },
    request: { method: req.method ?? "GET", uri, querystring, headers, cookies },
  };
}

function responseFrom(result: Record<string, unknown>): FunctionOutcome {
  const status = result.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) {
    return { kind: "error", reason: `the function returned statusCode ${JSON.stringify(status)}` };
  }
  const headers: Record<string, string> = {};
  if (typeof result.headers === "object" && result.headers !== null) {
    for (const [name, entry] of Object.entries(result.headers as Record<string, unknown>)) {
      const value = (entry as { value?: unknown } | null)?.value;
      if (typeof value === "string") headers[name.toLowerCase()] = value;
    }
  }
  let body = Buffer.alloc(0);
  const raw = result.body;
  if (typeof raw === "string") body = Buffer.from(raw, "utf8");
  else if (typeof raw === "object" && raw !== null) {
    const { data, encoding } = raw as { data?: unknown; encoding?: unknown };
    if (typeof data !== "string" || (encoding !== "text" && encoding !== "base64")) {
      return { kind: "error", reason: "the function returned a body without string data and text/base64 encoding" };
    }
    body = Buffer.from(data, encoding === "base64" ? "base64" : "utf8");
  }
  return {
    kind: "response",
    response: {
      statusCode: status,
      statusDescription: typeof result.statusDescription === "string" ? result.statusDescription : undefined,
      headers,
      body,
    },
  };
}

/** One CloudFront Function, compiled once into its own context. */
export class CloudFrontFunction {
  private readonly context: vm.Context;
  private readonly invoke = new vm.Script("JSON.stringify(handler(JSON.parse(__event)))", { filename: "cloudfront-function-invoke.js" });
  /** The handler behind a JSON-in/JSON-out wrapper, called without a watchdog (timeoutMs 0). */
  private readonly direct: (eventJson: string) => unknown;
  private readonly timeoutMs: number;
  private readonly wallClockLimitMs: number;

  /**
   * Throws when the source does not compile or defines no `handler` function. `timeoutMs` bounds each
   * run (default 1000); 0 runs without a watchdog thread (which costs 60-100 us a call), for sources whose work
   * is bounded by construction, such as the generated path guard (its step budget). Such a run is then held to
   * `wallClockLimitMs` (default and least 50), measured around the call: one that took longer is an error
   * (CloudFront: 503), whatever it returned.
   */
  constructor(readonly source: string, readonly name = "cloudfront-function.js", options: { timeoutMs?: number; wallClockLimitMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? RUN_TIMEOUT_MS;
    this.wallClockLimitMs = Math.max(MIN_WALL_CLOCK_LIMIT_MS, options.wallClockLimitMs ?? MIN_WALL_CLOCK_LIMIT_MS);
    this.context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
    new vm.Script(source, { filename: name }).runInContext(this.context, { timeout: RUN_TIMEOUT_MS });
    if (typeof (this.context as { handler?: unknown }).handler !== "function") throw new Error(`${name} defines no handler(event) function`);
    this.direct = new vm.Script("(function (text) { return JSON.stringify(handler(JSON.parse(text))); })").runInContext(this.context) as (
      eventJson: string,
    ) => unknown;
  }

  /** Runs the handler on `event`; a throw, a timeout or a malformed result is an error (CloudFront: 503). */
  run(event: ViewerRequestEvent): FunctionOutcome {
    let text: unknown;
    try {
      const json = JSON.stringify(event);
      if (this.timeoutMs === 0) {
        const start = process.hrtime.bigint();
        text = this.direct(json);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (ms > this.wallClockLimitMs) return { kind: "error", reason: `the function ran ${ms.toFixed(0)} ms, over the ${this.wallClockLimitMs} ms limit` };
      } else {
        (this.context as { __event?: string }).__event = json;
        text = this.invoke.runInContext(this.context, { timeout: this.timeoutMs });
      }
    } catch (error) {
      return { kind: "error", reason: error instanceof Error ? error.message : String(error) };
    }
    if (typeof text !== "string") return { kind: "error", reason: "the function returned nothing" };
    const result = JSON.parse(text) as unknown;
    if (typeof result !== "object" || result === null) return { kind: "error", reason: "the function returned neither a request nor a response" };
    if ("statusCode" in result) return responseFrom(result as Record<string, unknown>);
    const uri = (result as { uri?: unknown }).uri;
    if (typeof uri !== "string" || !uri.startsWith("/")) return { kind: "error", reason: "the function returned a request without a uri starting with /" };
    // A changed uri changes the object requested, not the cache behaviour (as on CloudFront).
    return { kind: "request", uri };
  }
}
