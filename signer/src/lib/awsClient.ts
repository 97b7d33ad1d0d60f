/*
 * What every AWS client this package builds has in common (KMS, Secrets Manager): the region a full ARN names,
 * a connection timeout, a deadline per attempt that covers the whole answer (headers and body), bounded retries,
 * and a cap on the bytes of an answer it reads. Without them a call to an endpoint that accepts and never answers
 * waits forever, and a hostile endpoint can make the client buffer any amount of data. The settings and checks
 * live here; the HTTP handler, which needs the AWS SDK's own packages, in awsHttp.ts.
 */
import { Transform, type Readable } from "node:stream";
import { InputError } from "./errors";

/** Timeouts and retries of the AWS clients this package builds (caller-supplied clients keep their own). */
export interface AwsClientOptions {
  /** Milliseconds to establish the TCP/TLS connection of one attempt. Default 3000. */
  connectionTimeoutMs?: number;
  /** Milliseconds for one attempt from sending the request to the last byte of the answer. Default 5000. */
  requestTimeoutMs?: number;
  /**
   * Attempts per call, the first included (timeouts, throttling and 5xx answers are retried with backoff).
   * Default: the AWS SDK's (AWS_MAX_ATTEMPTS, the profile's max_attempts, else 3).
   */
  maxAttempts?: number;
  /** The region; default: the one a full ARN names, else the AWS SDK's (AWS_REGION, the profile). */
  region?: string;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 3000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 600_000;
const MAX_ATTEMPTS = 20;

/** The largest answer body a client reads by default (any KMS Sign/GetPublicKey answer is a few KB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

/** Checks the options once, naming the field; `prefix` names where they came from (e.g. "aws."). */
export function checkAwsClientOptions(options: AwsClientOptions | undefined, prefix = "aws."): Required<Pick<AwsClientOptions, "connectionTimeoutMs" | "requestTimeoutMs">> & AwsClientOptions {
  const o = options ?? {};
  const ms = (name: "connectionTimeoutMs" | "requestTimeoutMs", fallback: number): number => {
    const value = o[name];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
      throw new InputError(`${prefix}${name}: give whole milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
    return value;
  };
  const connectionTimeoutMs = ms("connectionTimeoutMs", DEFAULT_CONNECTION_TIMEOUT_MS);
  const requestTimeoutMs = ms("requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS);
  if (o.maxAttempts !== undefined && (typeof o.maxAttempts !== "number" || !Number.isInteger(o.maxAttempts) || o.maxAttempts < 1 || o.maxAttempts > MAX_ATTEMPTS)) {
    throw new InputError(`${prefix}maxAttempts: give a whole number of attempts from 1 to ${MAX_ATTEMPTS}`);
  }
  if (o.region !== undefined && (typeof o.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(o.region))) {
    throw new InputError(`${prefix}region: give an AWS region name such as eu-west-1`);
  }
  return { ...o, connectionTimeoutMs, requestTimeoutMs };
}

/**
 * The region a full ARN names (`arn:aws:kms:eu-west-1:111122223333:key/…` → eu-west-1), or undefined for a
 * key id, an alias name, a secret name or a malformed ARN: those are looked up in the SDK's configured region.
 */
export function regionOfArn(id: string | undefined): string | undefined {
  if (typeof id !== "string") return undefined;
  const match = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:/.exec(id);
  return match === null ? undefined : match[1];
}

/** An answer was larger than the client reads: never a legitimate answer of the calls this package makes. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes, more than any legitimate answer; the endpoint is not the AWS service or is broken`);
    this.name = "ResponseTooLarge";
  }
}

/**
 * The body of an answer, read through: fails with ResponseTooLargeError past `maxBytes`, and with a TimeoutError
 * when it is not complete by `deadline` (Date.now() milliseconds), so a server that sends headers and then
 * trickles or stalls cannot hold the call beyond the request timeout.
 */
export function boundedBody(source: Readable, maxBytes: number, deadline: number, timeoutMs: number): Readable {
  let seen = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new ResponseTooLargeError(maxBytes));
      else callback(null, chunk);
    },
  });
  const timer = setTimeout(() => {
    bounded.destroy(Object.assign(new Error(`no complete answer within the ${timeoutMs} ms request timeout`), { name: "TimeoutError", code: "ETIMEDOUT" }));
  }, Math.max(0, deadline - Date.now()));
  // Only a stalled socket needs it, and that socket keeps the process alive by itself.
  timer.unref();
  const done = (): void => clearTimeout(timer);
  bounded.once("end", done);
  bounded.once("close", done);
  source.once("error", (error) => bounded.destroy(error));
  // A consumer that stops reading (or an error above) releases the connection.
  bounded.once("close", () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(bounded);
  return bounded;
}

/** True for the errors a timeout produces (the SDK names them TimeoutError; Node's codes for a dead connection). */
export function isTimeoutError(error: unknown): boolean {
  const e = (error ?? {}) as { name?: unknown; code?: unknown };
  return e.name === "TimeoutError" || e.code === "ETIMEDOUT" || e.code === "ESOCKETTIMEDOUT";
}
