/*
 * `cf-sign url --stdin`: sign many URLs with one key. Lines are split into contiguous chunks signed in
 * parallel by worker threads (each gets the already-parsed KeyObject) plus the main thread; results are
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

export interface BatchJob {
  keyPairId: string;
  privateKey: import("node:crypto").KeyObject;
  options: SignOptions;
  json: boolean;
  lines: BatchLine[];
}

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

function threadCount(lines: number, env: NodeJS.ProcessEnv): number {
  const configured = Number(env.CF_SIGN_THREADS);
  const limit = Number.isInteger(configured) && configured >= 1 ? configured : Math.min(availableParallelism(), MAX_THREADS);
  // Worker threads need the compiled .js (not a TypeScript loader) and enough lines to pay for their start.
  if (!__filename.endsWith(".js")) return 1;
  return Math.max(1, Math.min(limit, Math.floor(lines / MIN_LINES_PER_THREAD)));
}

function runWorker(job: BatchJob): Promise<BatchResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { kind: "cf-sign-batch", job } });
    worker.once("message", (result: BatchResult) => resolve(result));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`signing worker exited with code ${code}`));
    });
  });
}

/** Signs all lines (in parallel when worthwhile) and returns the output lines or the first error. */
export async function signBatch(
  signer: CloudFrontSigner,
  options: SignOptions,
  json: boolean,
  lines: BatchLine[],
  env: NodeJS.ProcessEnv,
): Promise<BatchResult> {
  const threads = threadCount(lines.length, env);
  if (threads === 1) return signChunk(signer, options, json, lines);
  const size = Math.ceil(lines.length / threads);
  const chunks: BatchLine[][] = [];
  for (let i = 0; i < lines.length; i += size) chunks.push(lines.slice(i, i + size));
  // Workers take the later chunks; the main thread signs the first one meanwhile.
  const pending = chunks.slice(1).map((chunk) => runWorker({ keyPairId: signer.keyPairId, privateKey: signer.privateKeyObject, options, json, lines: chunk }));
  const first = signChunk(signer, options, json, chunks[0]);
  const results = [first, ...(await Promise.all(pending))];
  const out: string[] = [];
  for (const result of results) {
    // Chunks are in line order, so the first failing chunk holds the first bad line.
    if (!result.ok) return result;
    for (const line of result.out) out.push(line);
  }
  return { ok: true, out };
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | undefined)?.kind === "cf-sign-batch") {
  const { job } = workerData as { job: BatchJob };
  const signer = new CloudFrontSigner({ keyPairId: job.keyPairId, privateKey: job.privateKey });
  parentPort.postMessage(signChunk(signer, job.options, job.json, job.lines));
}
