import { InputError } from "../lib/errors";
import { AsyncCloudFrontSigner } from "../lib/asyncSigner";
import { CloudFrontSigner, type SignOptions } from "../lib/signer";
import { parseCommandArgs } from "./args";
import { readAllBytes, type CliCommand, type CliIo } from "./io";
import { KEY_SOURCE_HELP } from "./keySourceHelp";
import { describeSignedUrl, discardPrestartedWorkers, signBatch, takeWorkerPool, WorkerPool } from "./signBatch";
import { prepareSigning, SIGN_ARGS, SIGN_HELP, signOptionsFrom } from "./signArgs";
import { signStdinRemote } from "./remoteBatch";
import { BadLinesError, parseStdinLines } from "./stdinLines";

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
  --stdin                sign one URL per input line (blank lines skipped, surrounding spaces and tabs
                         trimmed); one signed URL (or JSON object with --json) per output line. All
                         lines are checked before anything is printed: if any line is bad, nothing is
                         printed, each bad line gets its own error line naming it, exit 2.
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
  const input = parseStdinLines(await readAllBytes(io.stdin), resolve);
  const result = await signBatch(signer, options, json, input, pool);
  // The workers are done: let them wind down while the output is written.
  pool.close();
  if (!result.ok) throw new BadLinesError(result.messages);
  if (input.urls.length > 0) io.out(result.text);
  return 0;
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
    if (pool && signer instanceof AsyncCloudFrontSigner) return await signStdinRemote(io, signer, options, resolve, values.json === true);
    if (pool && signer instanceof CloudFrontSigner) return await signStdin(io, signer, options, resolve, values.json === true, pool);
    const signed = await signer.signUrl(resolve(positionals[0], "url"), options);
    io.out((values.json ? describeSignedUrl(signed) : signed.url) + "\n");
    return 0;
  } finally {
    pool?.close();
    discardPrestartedWorkers();
  }
};
