/*
 * `cf-sign url --stdin`: sign many URLs with one key. Lines are cut into 250-line chunks handed out from
 * one queue to the main thread and worker threads (each gets the already-parsed KeyObject); results are
 * joined in input order. Nothing is printed unless every line signed: the first bad line (lowest line
 * number) is reported instead. Set CF_SIGN_THREADS=1 to stay on one thread.
 */
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { InputError } from "../lib/errors";
import { CloudFrontSigner, SignedUrl, SignOptions } from "../lib/signer";

/** One input line after path resolution: the URL to sign, or the error resolving it. */
export type BatchLine = { line: number; url: string } | { line: number; error: string };

export type BatchResult = { ok: true; out: string[] } | { ok: false; line: number; message: string };

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

/** Signs lines in order; stops at the first bad one. */
export function signChunk(signer: CloudFrontSigner, options: SignOptions, json: boolean, lines: BatchLine[]): BatchResult {
  const out: string[] = new Array<string>(lines.length);
  // The URL label is the line, so messages read "stdin line 7: contains a raw space ...".
  const labelled: SignOptions = { ...options, labels: { ...options.labels } };
  const labels = labelled.labels as NonNullable<SignOptions["labels"]>;
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i];
    const field = `stdin line ${entry.line}`;
    if ("error" in entry) return { ok: false, line: entry.line, message: `${field}: ${entry.error}` };
    labels.url = field;
    try {
      const signed = signer.signUrl(entry.url, labelled);
      out[i] = json ? describeSignedUrl(signed) : signed.url;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const message = error.message.startsWith(field) ? error.message : `${field}: ${error.message}`;
      return { ok: false, line: entry.line, message };
    }
  }
  return { ok: true, out };
}

const MIN_LINES_PER_THREAD = 1000;
const MAX_THREADS = 8;
/** Lines per unit of work: small enough to balance threads, big enough that messaging is noise. */
const CHUNK_LINES = 250;
/** Chunks queued per worker so it never waits for the (busy) main thread to hand out the next one. */
const IN_FLIGHT_PER_WORKER = 2;

/** How many threads (main included) --stdin may use: CF_SIGN_THREADS, else the cores (max 8). */
export function threadLimit(env: NodeJS.ProcessEnv): number {
  // Worker threads need the compiled .js (not a TypeScript loader).
  if (!__filename.endsWith(".js")) return 1;
  const configured = Number(env.CF_SIGN_THREADS);
  return Number.isInteger(configured) && configured >= 1 ? Math.min(configured, 64) : Math.min(availableParallelism(), MAX_THREADS);
}

interface WorkerInit {
  keyPairId: string;
  privateKey: import("node:crypto").KeyObject;
  options: SignOptions;
  json: boolean;
}

type ToWorker = { init: WorkerInit } | { index: number; lines: BatchLine[] };
interface FromWorker {
  index: number;
  result: BatchResult;
}

/**
 * Worker threads started before stdin is read, so their start-up (loading the signer) overlaps reading
 * the input. close() ends them all (also the unused ones).
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

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Signs all lines and returns the output lines in input order, or the first bad line. Work is handed out
 * in chunks from one queue to the main thread and the pool's workers, so a slow thread never holds the rest.
 */
export async function signBatch(
  signer: CloudFrontSigner,
  options: SignOptions,
  json: boolean,
  lines: BatchLine[],
  pool?: WorkerPool,
): Promise<BatchResult> {
  const workers = pool ? pool.workers.slice(0, Math.max(0, Math.floor(lines.length / MIN_LINES_PER_THREAD) - 1)) : [];
  if (workers.length === 0) return signChunk(signer, options, json, lines);

  const chunkCount = Math.ceil(lines.length / CHUNK_LINES);
  const results: (BatchResult | undefined)[] = new Array<BatchResult | undefined>(chunkCount);
  let next = 0;
  // Lowest chunk index that failed: later chunks cannot hold the first bad line, so they are skipped.
  let firstFailure = chunkCount;
  const take = (): number | undefined => (next < chunkCount && next < firstFailure ? next++ : undefined);
  const chunk = (index: number) => lines.slice(index * CHUNK_LINES, (index + 1) * CHUNK_LINES);
  const record = (index: number, result: BatchResult) => {
    results[index] = result;
    if (!result.ok && index < firstFailure) firstFailure = index;
  };

  const init: WorkerInit = { keyPairId: signer.keyPairId, privateKey: signer.privateKeyObject, options, json };
  const workersDone = workers.map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        let inFlight = 0;
        const send = () => {
          const index = take();
          if (index === undefined) return;
          inFlight++;
          worker.postMessage({ index, lines: chunk(index) } satisfies ToWorker);
        };
        const finish = () => {
          worker.off("message", onMessage);
          worker.off("error", reject);
          worker.unref();
          resolve();
        };
        const onMessage = (message: FromWorker) => {
          inFlight--;
          record(message.index, message.result);
          send();
          if (inFlight === 0) finish();
        };
        worker.ref();
        worker.on("message", onMessage);
        worker.once("error", reject);
        worker.postMessage({ init } satisfies ToWorker);
        for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) send();
        if (inFlight === 0) finish();
      }),
  );

  // The main thread signs chunks too, yielding between them so worker replies get handed more work.
  for (let index = take(); index !== undefined; index = take()) {
    record(index, signChunk(signer, options, json, chunk(index)));
    await yieldToEvents();
  }
  await Promise.all(workersDone);

  const out: string[] = [];
  for (let index = 0; index < chunkCount; index++) {
    const result = results[index];
    if (result === undefined) break; // only after a failure: later chunks were skipped
    if (!result.ok) return result;
    for (const line of result.out) out.push(line);
  }
  return { ok: true, out };
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | undefined)?.kind === "cf-sign-batch") {
  const port = parentPort;
  let signer: CloudFrontSigner | undefined;
  let init: WorkerInit | undefined;
  port.on("message", (message: ToWorker) => {
    if ("init" in message) {
      init = message.init;
      signer = new CloudFrontSigner({ keyPairId: init.keyPairId, privateKey: init.privateKey });
      return;
    }
    if (signer === undefined || init === undefined) throw new Error("signing worker used before init");
    port.postMessage({ index: message.index, result: signChunk(signer, init.options, init.json, message.lines) } satisfies FromWorker);
  });
}
