/*
 * `cf-sign url --stdin`: sign many URLs with one key. The lines are cut into chunks; the main thread and
 * the worker threads claim chunks from a shared counter (Atomics on a SharedArrayBuffer), so no thread
 * waits for another to hand out work. Each worker gets the already-parsed KeyObject and the whole input
 * once. Results are joined in input order, and nothing is printed unless every line signed: the first
 * bad line (lowest line number) is reported instead. Set CF_SIGN_THREADS=1 to stay on one thread.
 */
import type { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { InputError } from "../lib/errors";
// Types only at the top: the pool is started before the signer is loaded (see prestartWorkers).
import type { CloudFrontSigner, SignedUrl, SignOptions } from "../lib/signer";

/**
 * The lines to sign, as parallel arrays (cheap to hand to a worker): the URL after path resolution and
 * its 1-based input line number; `errors` holds the message for an entry whose path could not be resolved.
 */
export interface BatchInput {
  urls: string[];
  lineNumbers: number[];
  errors: Map<number, string>;
}

/** One chunk's signed lines joined by "\n", or the first bad line in it. */
type ChunkResult = { ok: true; text: string } | { ok: false; line: number; message: string };

export type BatchResult = { ok: true; text: string } | { ok: false; line: number; message: string };

/** The --json form of a signed URL (one object per line with --stdin). */
export function describeSignedUrl(signed: SignedUrl): string {
  return JSON.stringify({
    url: signed.url,
    keyPairId: signed.keyPairId,
    expires: signed.expires,
    expiresAt: new Date(signed.expires * 1000).toISOString(),
    canned: signed.canned,
    hashAlgorithm: signed.hashAlgorithm,
    policy: JSON.parse(signed.policy) as unknown,
  });
}

type UrlSigner = (url: string, field?: string) => SignedUrl;

/** Signs entries [start, end) in order; stops at the first bad one. */
function signRange(sign: UrlSigner, json: boolean, input: BatchInput, start: number, end: number): ChunkResult {
  const out = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    // The URL label is the line, so messages read "stdin line 7: contains a raw space ...".
    const field = `stdin line ${input.lineNumbers[i]}`;
    const resolveError = input.errors.get(i);
    if (resolveError !== undefined) return { ok: false, line: input.lineNumbers[i], message: `${field}: ${resolveError}` };
    try {
      const signed = sign(input.urls[i], field);
      out[i - start] = json ? describeSignedUrl(signed) : signed.url;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const message = error.message.startsWith(field) ? error.message : `${field}: ${error.message}`;
      return { ok: false, line: input.lineNumbers[i], message };
    }
  }
  return { ok: true, text: out.join("\n") };
}

const MAX_THREADS = 8;
/**
 * Lines per unit of work. Threads claim chunks themselves, so a chunk only has to be big enough that
 * claiming and posting it back is noise; small chunks keep the wait for the last one short (~2 ms).
 */
const CHUNK_LINES = 100;

/** How many threads (main included) --stdin may use: CF_SIGN_THREADS, else the cores (max 8). */
export function threadLimit(env: NodeJS.ProcessEnv): number {
  // Worker threads need the compiled .js (not a TypeScript loader).
  if (!__filename.endsWith(".js")) return 1;
  const configured = Number(env.CF_SIGN_THREADS);
  return Number.isInteger(configured) && configured >= 1 ? Math.min(configured, 64) : Math.min(availableParallelism(), MAX_THREADS);
}

/*
 * Shared state, one Int32 each: the next chunk to claim, and the lowest chunk index that failed (chunks
 * after it cannot hold the first bad line, so nobody claims them).
 */
const NEXT = 0;
const FIRST_FAILURE = 1;

function claim(state: Int32Array, chunkCount: number): number | undefined {
  const index = Atomics.add(state, NEXT, 1);
  return index < chunkCount && index < Atomics.load(state, FIRST_FAILURE) ? index : undefined;
}

function recordFailure(state: Int32Array, index: number): void {
  for (let seen = Atomics.load(state, FIRST_FAILURE); index < seen; seen = Atomics.load(state, FIRST_FAILURE)) {
    if (Atomics.compareExchange(state, FIRST_FAILURE, seen, index) === seen) return;
  }
}

/** Claims and signs chunks until none is left; `done` receives each result. */
function signClaimed(
  sign: UrlSigner,
  json: boolean,
  input: BatchInput,
  state: Int32Array,
  done: (index: number, result: ChunkResult) => void,
): void {
  const count = input.urls.length;
  const chunkCount = Math.ceil(count / CHUNK_LINES);
  for (let index = claim(state, chunkCount); index !== undefined; index = claim(state, chunkCount)) {
    const start = index * CHUNK_LINES;
    const result = signRange(sign, json, input, start, Math.min(start + CHUNK_LINES, count));
    if (!result.ok) recordFailure(state, index);
    done(index, result);
  }
}

interface Job {
  keyPairId: string;
  privateKey: KeyObject;
  options: SignOptions;
  json: boolean;
  input: BatchInput;
  state: SharedArrayBuffer;
}

interface FromWorker {
  index: number;
  result: ChunkResult;
}

/**
 * Worker threads started before the key is parsed and stdin is read, so their start-up (a fresh V8
 * isolate, loading the signer) overlaps that work. close() ends them all (also unused ones).
 */
export class WorkerPool {
  readonly workers: Worker[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(__filename, { workerData: { kind: "cf-sign-batch" } });
      worker.unref(); // never keeps the process alive on its own
      this.workers.push(worker);
    }
  }

  close(): void {
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
}

let prestarted: WorkerPool | undefined;

/**
 * Starts the --stdin worker threads as early as possible (cf-sign's entry point calls this before it
 * loads the url command); takeWorkerPool() hands them over, or starts them if nobody did.
 */
export function prestartWorkers(env: NodeJS.ProcessEnv): void {
  prestarted ??= new WorkerPool(threadLimit(env) - 1);
}

export function takeWorkerPool(env: NodeJS.ProcessEnv): WorkerPool {
  const pool = prestarted ?? new WorkerPool(threadLimit(env) - 1);
  prestarted = undefined;
  return pool;
}

/** Ends workers prestarted for a command that turned out not to need them (e.g. --help). */
export function discardPrestartedWorkers(): void {
  prestarted?.close();
  prestarted = undefined;
}

/**
 * Signs all lines and returns the output lines (joined by "\n") in input order, or the first bad line.
 * With a pool, the workers get the whole input at once and every thread, main included, claims chunks
 * until none is left; a worker still starting up when the work runs out simply gets none.
 */
export async function signBatch(
  signer: CloudFrontSigner,
  options: SignOptions,
  json: boolean,
  input: BatchInput,
  pool?: WorkerPool,
): Promise<BatchResult> {
  const count = input.urls.length;
  const chunkCount = Math.ceil(count / CHUNK_LINES);
  const workers = pool && chunkCount > 1 ? pool.workers : [];
  if (workers.length === 0) return signRange(signer.urlSigner(options), json, input, 0, count);

  const shared = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const state = new Int32Array(shared);
  state[NEXT] = 0;
  state[FIRST_FAILURE] = chunkCount;
  const results = new Array<ChunkResult | undefined>(chunkCount);
  const record = (index: number, result: ChunkResult) => {
    results[index] = result;
  };
  /** Every chunk up to the first failure (or all) has a result. */
  const complete = () => {
    const needed = Math.min(chunkCount, Atomics.load(state, FIRST_FAILURE) + 1);
    for (let index = 0; index < needed; index++) if (results[index] === undefined) return false;
    return true;
  };

  // The workers get the job before the main thread starts signing; they join in as soon as they are up.
  // The options are fixed here (clock included) so every thread signs with the same expiry.
  const fixed: SignOptions = { ...options, now: options.now ?? new Date() };
  const job: Job = { keyPairId: signer.keyPairId, privateKey: signer.privateKeyObject, options: fixed, json, input, state: shared };
  let settle: (error?: Error) => void = () => undefined;
  const workersDone = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const listeners = workers.map((worker) => {
    const onMessage = (message: FromWorker) => {
      record(message.index, message.result);
      if (complete()) settle();
    };
    const onError = (error: Error) => settle(new Error(`a signing thread failed: ${error.message}; run again with CF_SIGN_THREADS=1`));
    const onExit = (code: number) => settle(new Error(`a signing thread stopped (exit code ${code}); run again with CF_SIGN_THREADS=1`));
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    worker.ref();
    worker.postMessage(job);
    return () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      worker.unref();
    };
  });
  try {
    signClaimed(signer.urlSigner(fixed), json, input, state, record);
    // Chunks still missing were claimed by a worker; their results arrive as messages.
    if (!complete()) await workersDone;
  } finally {
    for (const unlisten of listeners) unlisten();
  }

  const texts: string[] = [];
  for (let index = 0; index < chunkCount; index++) {
    const result = results[index] as ChunkResult; // complete(): present up to the first failure
    if (!result.ok) return result;
    texts.push(result.text);
  }
  return { ok: true, text: texts.join("\n") };
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | undefined)?.kind === "cf-sign-batch") {
  const port = parentPort;
  // Loaded now, while the main thread parses the key and reads stdin.
  const { CloudFrontSigner } = require("../lib/signer") as typeof import("../lib/signer");
  port.on("message", (job: Job) => {
    const signer = new CloudFrontSigner({ keyPairId: job.keyPairId, privateKey: job.privateKey });
    const state = new Int32Array(job.state);
    signClaimed(signer.urlSigner(job.options), job.json, job.input, state, (index, result) => {
      port.postMessage({ index, result } satisfies FromWorker);
    });
  });
}
