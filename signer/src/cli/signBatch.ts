/*
 * `cf-sign url --stdin`: sign many URLs with one key, on several threads.
 *
 * 1. The main thread validates every line in input order with the library (urlSigner().prepare: the
 *    same checks as signUrl) and writes, per line, the policy to sign and the output text around the
 *    signature (urlSigner().around) to shared memory. A bad line is therefore known before any signature
 *    is made; then every line is checked and every bad one reported, and a bad batch prints nothing.
 * 2. Signing, the expensive part, is shared: the main thread and worker threads claim 100-line chunks
 *    from an Atomics counter (a worker starts on a chunk as soon as it is validated), sign each policy,
 *    put the CloudFront-base64 signature between its before/after text and store the chunk's output.
 *    Workers load no signer module and run only this small loop, so they start fast and compile little.
 * 3. The main thread joins the chunks in input order and prints them in one write.
 * Everything the threads share is in SharedArrayBuffers; the main thread waits for a worker's chunk with
 * Atomics.wait. CF_SIGN_THREADS=1 keeps everything on the main thread.
 */
import type { KeyObject } from "node:crypto";
import * as crypto from "node:crypto";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { HashAlgorithm } from "../lib/constants";
import { toCloudFrontBase64 } from "../lib/encoding";
import { InputError } from "../lib/errors";
// Types only: the entry point starts the pool before the signer is loaded, and workers never load it.
import type { CloudFrontSigner, PreparedUrl, SignedUrl, SignOptions, UrlBatchSigner } from "../lib/signer";

/**
 * The lines to sign, as parallel arrays: the URL after path resolution and its 1-based input line
 * number; `errors` holds the message for an entry whose path could not be resolved.
 */
export interface BatchInput {
  urls: string[];
  lineNumbers: number[];
  errors: Map<number, string>;
}

/** The output lines, each ending in "\n"; or every bad line's message ("stdin line 7: ..."), in input order. */
export type BatchResult = { ok: true; text: string } | { ok: false; messages: string[] };

/** The --json form of a signed URL, as the text around the URL (`url` is JSON-escaped by stringify). */
function describeAround(prepared: PreparedUrl, keyPairId: string, url: { before: string; after: string }): { before: string; after: string } {
  const rest = JSON.stringify({
    keyPairId,
    expires: prepared.expires,
    expiresAt: new Date(prepared.expires * 1000).toISOString(),
    canned: prepared.canned,
    hashAlgorithm: prepared.hash,
    policy: JSON.parse(prepared.policy) as unknown,
  });
  // `{"url":"<before>` + signature + `<after>","keyPairId":…}`; signatures and `after` never need escaping.
  return { before: `{"url":${JSON.stringify(url.before).slice(0, -1)}`, after: `${url.after}",${rest.slice(1)}` };
}

/** The --json form of a signed URL (one object per line with --stdin). */
export function describeSignedUrl(signed: SignedUrl): string {
  const prepared: PreparedUrl = { base: signed.url, policy: signed.policy, canned: signed.canned, expires: signed.expires, hash: signed.hashAlgorithm };
  const { before, after } = describeAround(prepared, signed.keyPairId, { before: signed.url, after: "" });
  return before + after;
}

/** The label of an entry in messages: "stdin line 7: contains a raw space ...". */
const fieldOf = (input: BatchInput, index: number) => `stdin line ${input.lineNumbers[index]}`;

/** The message for a line that failed, labelled with the line ("stdin line 7: ..."). */
function lineMessage(input: BatchInput, index: number, error: unknown): string {
  if (!(error instanceof InputError)) throw error;
  const field = fieldOf(input, index);
  return error.message.startsWith(field) ? error.message : `${field}: ${error.message}`;
}

function lineFailure(input: BatchInput, index: number, error: unknown): BatchResult {
  return { ok: false, messages: [lineMessage(input, index, error)] };
}

/**
 * Every bad line of the batch (a line that could not be read or resolved, or that the library refuses),
 * in input order. Runs only once a bad line is known: the checks are pure, so running them again is safe.
 */
export function badLines(input: BatchInput, prepare: (url: string, field: string) => unknown): string[] {
  const messages: string[] = [];
  for (let i = 0; i < input.urls.length; i++) {
    const early = input.errors.get(i);
    if (early !== undefined) {
      messages.push(lineMessage(input, i, new InputError(early)));
      continue;
    }
    try {
      prepare(input.urls[i], fieldOf(input, i));
    } catch (error) {
      messages.push(lineMessage(input, i, error));
    }
  }
  return messages;
}

/** One thread: signs every line in order; on a bad line, reports every bad line instead. */
function signOnThisThread(batch: UrlBatchSigner, json: boolean, input: BatchInput): BatchResult {
  const out = new Array<string>(input.urls.length);
  const everyBadLine = () => badLines(input, (url, field) => batch.prepare(url, field));
  for (let i = 0; i < input.urls.length; i++) {
    if (input.errors.has(i)) return { ok: false, messages: everyBadLine() };
    try {
      const signed = batch.sign(input.urls[i], fieldOf(input, i));
      out[i] = json ? describeSignedUrl(signed) : signed.url;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // A line the checks refuse (then all of them are reported), or a signature that could not be made.
      const messages = everyBadLine();
      return messages.length > 0 ? { ok: false, messages } : lineFailure(input, i, error);
    }
  }
  out.push(""); // the output ends with a newline
  return { ok: true, text: out.join("\n") };
}

const MAX_THREADS = 8;
/**
 * Lines per unit of work: big enough that claiming one is noise, small enough that a worker can start
 * soon after validation begins and that the wait for the last chunk is short (~2 ms).
 */
const CHUNK_LINES = 100;

/** How many threads (main included) --stdin may use: CF_SIGN_THREADS, else the cores (max 8). */
export function threadLimit(env: NodeJS.ProcessEnv): number {
  // Worker threads need the compiled .js (not a TypeScript loader).
  if (!__filename.endsWith(".js")) return 1;
  const configured = Number(env.CF_SIGN_THREADS);
  return Number.isInteger(configured) && configured >= 1 ? Math.min(configured, 64) : Math.min(availableParallelism(), MAX_THREADS);
}

/** Shared counters (Int32): the next chunk to claim, chunks validated so far, and "stop" (a failure). */
const NEXT = 0;
const VALIDATED = 1;
const STOP = 2;
/** Chunk status (0 while pending). */
const SIGNED = 1;
const FAILED = 2;

/**
 * The shared memory of one batch. Per line i: the policy bytes [policyAt[i], policyAt[i + 1]) and the
 * output text before and after the signature, [textAt[2i], textAt[2i + 1]) and [textAt[2i + 1],
 * textAt[2i + 2]); per chunk: its output lines in [outAt[c], outAt[c] + outLength[c]). All text is ASCII
 * (validated URLs, JSON without escapes), so one byte per character.
 */
interface SharedBatch {
  count: number;
  digest: "sha1" | "sha256";
  counters: SharedArrayBuffer;
  status: SharedArrayBuffer;
  policies: SharedArrayBuffer;
  policyAt: SharedArrayBuffer;
  texts: SharedArrayBuffer;
  textAt: SharedArrayBuffer;
  out: SharedArrayBuffer;
  outAt: SharedArrayBuffer;
  outLength: SharedArrayBuffer;
}

interface Views {
  chunkCount: number;
  counters: Int32Array;
  status: Int32Array;
  policies: Buffer;
  policyAt: Int32Array;
  texts: Buffer;
  textAt: Int32Array;
  out: Buffer;
  outAt: Int32Array;
  outLength: Int32Array;
}

function views(shared: SharedBatch): Views {
  return {
    chunkCount: Math.ceil(shared.count / CHUNK_LINES),
    counters: new Int32Array(shared.counters),
    status: new Int32Array(shared.status),
    policies: Buffer.from(shared.policies),
    policyAt: new Int32Array(shared.policyAt),
    texts: Buffer.from(shared.texts),
    textAt: new Int32Array(shared.textAt),
    out: Buffer.from(shared.out),
    outAt: new Int32Array(shared.outAt),
    outLength: new Int32Array(shared.outLength),
  };
}

/**
 * Writes ASCII text to [at, end). Anything else (non-ASCII text, a wrong length, a buffer sized too small)
 * is a bug, never bad input (the URL checks refuse non-ASCII), and must never become a different policy
 * or URL: so it is checked, and throws.
 */
function put(buffer: Buffer, text: string, at: number, end: number): void {
  if (text.length !== end - at || end > buffer.length || Buffer.byteLength(text, "utf8") !== text.length) {
    throw new Error("internal error: --stdin batch text is not ASCII or its buffer is too small");
  }
  buffer.write(text, at, "latin1");
}

/** Where the next line's policy, text and output go; the hash of the batch once known. */
interface Cursor {
  policy: number;
  text: number;
  out: number;
  hash: HashAlgorithm | undefined;
}

/**
 * Validates lines [start, end) with the library and stores each one's policy and the text around its
 * signature (one write per buffer). Returns the index of the first bad line, or -1. The label is the
 * library's default: the caller checks a bad line again with its own label, so the hot path builds none.
 */
function validateLines(
  batch: UrlBatchSigner,
  json: boolean,
  keyPairId: string,
  input: BatchInput,
  v: Views,
  signatureText: number,
  start: number,
  end: number,
  at: Cursor,
): number {
  const policies = new Array<string>(end - start);
  const texts = new Array<string>(2 * (end - start));
  const policyStart = at.policy;
  const textStart = at.text;
  for (let i = start; i < end; i++) {
    if (input.errors.has(i)) return i;
    let prepared: PreparedUrl;
    try {
      prepared = batch.prepare(input.urls[i]);
    } catch (error) {
      if (error instanceof InputError) return i;
      throw error;
    }
    at.hash ??= prepared.hash;
    const around = json ? describeAround(prepared, keyPairId, batch.around(prepared)) : batch.around(prepared);
    policies[i - start] = prepared.policy;
    v.policyAt[i] = at.policy;
    at.policy += prepared.policy.length;
    texts[2 * (i - start)] = around.before;
    texts[2 * (i - start) + 1] = around.after;
    v.textAt[2 * i] = at.text;
    at.text += around.before.length;
    v.textAt[2 * i + 1] = at.text;
    at.text += around.after.length;
    at.out += around.before.length + signatureText + around.after.length + 1;
  }
  v.policyAt[end] = at.policy;
  v.textAt[2 * end] = at.text;
  put(v.policies, policies.join(""), policyStart, at.policy);
  put(v.texts, texts.join(""), textStart, at.text);
  return -1;
}

/** A signature that could not be made (reported for its line). */
interface SigningFailure {
  index: number;
  error: unknown;
}

/**
 * Signs lines [start, end) and returns their output lines joined, or the failure. Kept small: it is the
 * hot loop on every thread, and each thread compiles it for itself.
 */
function signLines(shared: SharedBatch, v: Views, key: KeyObject, start: number, end: number): string | SigningFailure {
  const { policies, policyAt, textAt } = v;
  // The chunk's text in one string; each line's before/after text is a cheap substring of it.
  const base = textAt[2 * start];
  const text = v.texts.toString("latin1", base, textAt[2 * end]);
  const lines = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    let signature: Buffer;
    try {
      signature = crypto.sign(shared.digest, policies.subarray(policyAt[i], policyAt[i + 1]), key);
    } catch (error) {
      return { index: i, error };
    }
    const signed = toCloudFrontBase64(signature);
    lines[i - start] = text.substring(textAt[2 * i] - base, textAt[2 * i + 1] - base) + signed + text.substring(textAt[2 * i + 1] - base, textAt[2 * i + 2] - base);
  }
  return lines.join("\n");
}

/**
 * Claims chunks, signs them and stores each chunk's output, until none is left or a failure stops the
 * batch. A worker waits for the chunk it claimed to be validated; the main thread only claims once all
 * are. Returns the chunks this thread signed, with their text (a worker's go to shared memory).
 */
function signClaimed(shared: SharedBatch, v: Views, key: KeyObject, onFailure: (failure: SigningFailure) => void): Map<number, string> {
  const mine = new Map<number, string>();
  const { counters, status } = v;
  for (;;) {
    if (Atomics.load(counters, STOP) !== 0) return mine;
    const chunk = Atomics.add(counters, NEXT, 1);
    if (chunk >= v.chunkCount) return mine;
    for (let seen = Atomics.load(counters, VALIDATED); seen <= chunk; seen = Atomics.load(counters, VALIDATED)) {
      if (Atomics.load(counters, STOP) !== 0) return mine;
      Atomics.wait(counters, VALIDATED, seen, 100);
    }
    const start = chunk * CHUNK_LINES;
    const result = signLines(shared, v, key, start, Math.min(start + CHUNK_LINES, shared.count));
    if (typeof result !== "string") {
      Atomics.store(counters, STOP, 1);
      onFailure(result);
    } else if (isMainThread) {
      mine.set(chunk, result);
    } else {
      put(v.out, result, v.outAt[chunk], v.outAt[chunk] + result.length);
      v.outLength[chunk] = result.length;
    }
    Atomics.store(status, chunk, typeof result === "string" ? SIGNED : FAILED);
    Atomics.notify(status, chunk);
  }
}

type ToWorker = { shared: SharedBatch; key: KeyObject };
type FromWorker = { failed: number; message: string } | { done: true };

/**
 * Worker threads started as early as possible (see prestartWorkers), so their start-up overlaps parsing
 * the key, reading stdin and validating. close() ends them all (also unused ones).
 */
export class WorkerPool {
  readonly workers: Worker[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      let worker: Worker;
      try {
        worker = new Worker(__filename, { workerData: { kind: "cf-sign-batch" } });
      } catch {
        break; // no more threads to be had: the batch is signed by those there are (at least this one)
      }
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
 * Starts the --stdin worker threads before anything else (cf-sign's entry point calls this before it
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

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Signs all lines and returns the output (each line ending in "\n") in input order, or every bad line.
 * Without workers (or for a small batch) everything happens on this thread.
 */
export async function signBatch(
  signer: CloudFrontSigner,
  options: SignOptions,
  json: boolean,
  input: BatchInput,
  pool?: WorkerPool,
): Promise<BatchResult> {
  const batch = signer.urlSigner(options);
  const count = input.urls.length;
  const workers = pool?.workers ?? [];
  if (workers.length === 0 || count < 2 * CHUNK_LINES) return signOnThisThread(batch, json, input);

  // Upper bounds for the shared buffers (only the bytes written are ever touched): a policy is its
  // resource plus at most ~200 bytes of JSON; the text around a signature is at most the URL, the policy
  // in base64 (4/3) and, for --json, the policy again plus ~200 bytes; each output line adds a signature.
  const chunkCount = Math.ceil(count / CHUNK_LINES);
  const patternLength = options.policyResource?.length ?? 0;
  const signatureText = signer.algorithm === "RSA" ? 344 : 96; // CloudFront base64 of a 256 / ≤72-byte signature
  let policyBytes = 0;
  let textBytes = 0;
  for (const url of input.urls) {
    const policy = Math.max(url.length + 1, patternLength) + 256;
    const text = url.length + 1 + Math.ceil(policy / 3) * 4 + 512 + (json ? policy + 512 : 0);
    policyBytes += policy;
    textBytes += text;
  }
  const shared: SharedBatch = {
    count,
    digest: "sha256", // set from the first validated line (the hash is the same for the whole batch)
    counters: new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
    status: new SharedArrayBuffer(chunkCount * Int32Array.BYTES_PER_ELEMENT),
    policies: new SharedArrayBuffer(policyBytes),
    policyAt: new SharedArrayBuffer((count + 1) * Int32Array.BYTES_PER_ELEMENT),
    texts: new SharedArrayBuffer(textBytes),
    textAt: new SharedArrayBuffer((2 * count + 1) * Int32Array.BYTES_PER_ELEMENT),
    out: new SharedArrayBuffer(textBytes + count * (signatureText + 1)),
    outAt: new SharedArrayBuffer(chunkCount * Int32Array.BYTES_PER_ELEMENT),
    outLength: new SharedArrayBuffer(chunkCount * Int32Array.BYTES_PER_ELEMENT),
  };
  const v = views(shared);

  // Worker messages: a signature that failed, and "done" when a worker has nothing left to claim.
  const failures: SigningFailure[] = [];
  let running = 0;
  let workerError: Error | undefined;
  let settle: () => void = () => undefined;
  const workersDone = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const listeners: (() => void)[] = [];
  const startWorkers = () => {
    for (const worker of workers) {
      const onMessage = (message: FromWorker) => {
        if ("failed" in message) failures.push({ index: message.failed, error: new Error(message.message) });
        else if (--running === 0) settle();
      };
      const onError = (error: Error) => {
        workerError = new Error(`a signing thread failed: ${error.message}; run again with CF_SIGN_THREADS=1`);
        settle();
      };
      const onExit = (code: number) => {
        workerError ??= new Error(`a signing thread stopped (exit code ${code}); run again with CF_SIGN_THREADS=1`);
        settle();
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.ref();
      worker.postMessage({ shared, key: signer.privateKeyObject } satisfies ToWorker);
      running++;
      listeners.push(() => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        worker.unref();
      });
    }
  };
  const stop = () => {
    Atomics.store(v.counters, STOP, 1);
    Atomics.notify(v.counters, VALIDATED);
  };

  let hash: HashAlgorithm = "SHA256";
  try {
    // 1. Validate in input order; each validated chunk is released to the workers at once.
    const at: Cursor = { policy: 0, text: 0, out: 0, hash: undefined };
    for (let chunk = 0; chunk < chunkCount; chunk++) {
      const start = chunk * CHUNK_LINES;
      const end = Math.min(start + CHUNK_LINES, count);
      v.outAt[chunk] = at.out;
      const bad = validateLines(batch, json, signer.keyPairId, input, v, signatureText, start, end, at);
      if (bad !== -1) {
        stop();
        // Every bad line, each checked again with its own label (the checks are pure), so the message names it.
        return { ok: false, messages: badLines(input, (url, field) => batch.prepare(url, field)) };
      }
      if (chunk === 0) {
        hash = at.hash as HashAlgorithm;
        // The signer has loaded keys already; workers never need it.
        shared.digest = (require("../lib/keys") as typeof import("../lib/keys")).signatureDigest(hash);
        startWorkers();
      }
      Atomics.store(v.counters, VALIDATED, chunk + 1);
      Atomics.notify(v.counters, VALIDATED);
    }

    // 2. Sign (every thread claims chunks), 3. join in input order.
    const mine = signClaimed(shared, v, signer.privateKeyObject, (failure) => failures.push(failure));
    const texts: string[] = [];
    collect: for (let chunk = 0; chunk < chunkCount && failures.length === 0; chunk++) {
      const text = mine.get(chunk);
      if (text !== undefined) {
        texts.push(text);
        continue;
      }
      // A worker's chunk: wait for it (briefly letting the event loop run, to hear of a dead worker).
      while (Atomics.load(v.status, chunk) === 0) {
        if (workerError) throw workerError;
        if (Atomics.load(v.counters, STOP) !== 0) break collect; // a signature failed somewhere
        if (Atomics.wait(v.status, chunk, 0, 20) === "timed-out") await nextTurn();
      }
      if (Atomics.load(v.status, chunk) !== SIGNED) break;
      texts.push(v.out.toString("latin1", v.outAt[chunk], v.outAt[chunk] + v.outLength[chunk]));
    }
    if (texts.length === chunkCount) {
      texts.push(""); // the output ends with a newline
      return { ok: true, text: texts.join("\n") };
    }

    // A signature failed (on any thread): let the workers finish what they claimed, report the first.
    stop();
    if (running > 0) await workersDone;
    if (failures.length === 0) throw workerError ?? new Error("internal error: a --stdin chunk was never signed");
    const first = failures.reduce((a, b) => (b.index < a.index ? b : a));
    return lineFailure(input, first.index, batch.signingError(first.error, hash));
  } finally {
    stop();
    for (const unlisten of listeners) unlisten();
  }
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | undefined)?.kind === "cf-sign-batch") {
  const port = parentPort;
  port.on("message", ({ shared, key }: ToWorker) => {
    signClaimed(shared, views(shared), key, ({ index, error }) =>
      port.postMessage({ failed: index, message: error instanceof Error ? error.message : String(error) } satisfies FromWorker),
    );
    port.postMessage({ done: true } satisfies FromWorker);
  });
}
