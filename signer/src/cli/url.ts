import { InputError } from "../lib/errors";
import { AsyncCloudFrontSigner } from "../lib/asyncSigner";
import { CloudFrontSigner, type SignOptions } from "../lib/signer";
import { parseCommandArgs } from "./args";
import { readAll, type CliCommand, type CliIo } from "./io";
import { KEY_SOURCE_HELP } from "./keySourceHelp";
import { BatchInput, describeSignedUrl, discardPrestartedWorkers, signBatch, takeWorkerPool, WorkerPool } from "./signBatch";
import { prepareSigning, SIGN_ARGS, SIGN_HELP, signOptionsFrom } from "./signArgs";
import { signStdinRemote } from "./remoteBatch";

const HELP = `Usage: cf-sign url <url|/path> [options]
       cf-sign url --stdin [options] < urls.txt

Prints a CloudFront signed URL. A /path is resolved against the stack's baseUrl output.
The URL must already be percent-encoded; it is signed and printed exactly as validated.
CloudFront refuses URLs over 8192 bytes (414): a signed URL that would be longer (the whole URL,
signature included) is refused, exit 2. A custom policy travels in the URL: a canned policy or a
short wildcard --policy-resource keeps it short.

${SIGN_HELP}

Output:
  --json                 print {url, keyPairId, expires, expiresAt, canned, hashAlgorithm, policy}
  --stdin                sign one URL per input line (blank lines skipped); one signed URL (or JSON
                         object with --json) per output line. All lines are checked before anything
                         is printed: on a bad line nothing is printed, the error names the line, exit 2.
                         Large batches are signed on several threads (CF_SIGN_THREADS=1: one thread).

${KEY_SOURCE_HELP}
`;

const ARGS = { ...SIGN_ARGS, json: { type: "boolean" }, stdin: { type: "boolean" } } as const;

/**
 * Signs every non-blank stdin line with the one signer (see signBatch). Output is written once at the
 * end, so a bad line leaves stdout empty (no half-written batch) — and one big write is also the fastest.
 */
async function signStdin(
  io: CliIo,
  signer: CloudFrontSigner,
  options: SignOptions,
  resolve: (input: string, field: string) => string,
  json: boolean,
  pool: WorkerPool,
): Promise<number> {
  const input = parseLines(await readAll(io.stdin), resolve);
  const result = await signBatch(signer, options, json, input, pool);
  // The workers are done: let them wind down while the output is written.
  pool.close();
  if (!result.ok) throw new InputError(result.message);
  if (input.urls.length > 0) io.out(result.text);
  return 0;
}

/** Non-blank lines (a trailing \r dropped), /paths resolved here (the stack outputs live in this thread). */
function parseLines(text: string, resolve: (input: string, field: string) => string): BatchInput {
  const raw = text.split("\n");
  const input: BatchInput = { urls: [], lineNumbers: [], errors: new Map() };
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i];
    if (line.charCodeAt(line.length - 1) === 13 /* \r */) line = line.slice(0, -1);
    // A printable ASCII first character means "not blank" without scanning the line.
    const first = line.charCodeAt(0);
    if (!(first > 0x20 && first < 0x7f) && line.trim() === "") continue;
    if (first === 0x2f /* / */) {
      // A failure belongs to its line (reported only if no earlier line is bad).
      try {
        line = resolve(line, "url");
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        input.errors.set(input.urls.length, error.message.replace(/^url: /, ""));
      }
    }
    input.urls.push(line);
    input.lineNumbers.push(i + 1);
  }
  return input;
}

export const run: CliCommand = async (argv, io) => {
  // Worker threads for --stdin (normally started by main already) start up while the key is parsed and
  // stdin is read; whatever path this takes, none is left running.
  let pool: WorkerPool | undefined;
  try {
    const { values, positionals } = parseCommandArgs("url", argv, ARGS, 1);
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    if (values.stdin && positionals.length > 0) {
      throw new InputError("url: give either a URL argument or --stdin, not both");
    }
    if (!values.stdin && positionals.length === 0) {
      throw new InputError("url: missing the URL to sign; usage: cf-sign url <url|/path> [--expires-in 1h] (see --help)");
    }
    if (values.stdin) pool = takeWorkerPool(io.env);
    const options = signOptionsFrom(values, new Date());
    const { signer, resolve } = await prepareSigning(values, io);
    if (options.policyResource !== undefined) options.policyResource = resolve(options.policyResource, "--policy-resource");
    // A remote signer has no use for the worker threads: end them now rather than after the batch.
    if (pool && signer instanceof AsyncCloudFrontSigner) pool.close();
    if (pool && signer instanceof AsyncCloudFrontSigner) return await signStdinRemote(io, signer, options, parseLines, resolve, values.json === true);
    if (pool && signer instanceof CloudFrontSigner) return await signStdin(io, signer, options, resolve, values.json === true, pool);
    const signed = await signer.signUrl(resolve(positionals[0], "url"), options);
    io.out((values.json ? describeSignedUrl(signed) : signed.url) + "\n");
    return 0;
  } finally {
    pool?.close();
    discardPrestartedWorkers();
  }
};
