import { InputError } from "../lib/errors";
import type { CloudFrontSigner, SignOptions } from "../lib/signer";
import { parseCommandArgs } from "./args";
import type { CliCommand, CliIo } from "./io";
import { KEY_SOURCE_HELP } from "./keySource";
import { BatchLine, describeSignedUrl, signBatch, threadLimit, WorkerPool } from "./signBatch";
import { prepareSigning, SIGN_ARGS, SIGN_HELP, signOptionsFrom } from "./signArgs";

const HELP = `Usage: cf-sign url <url|/path> [options]
       cf-sign url --stdin [options] < urls.txt

Prints a CloudFront signed URL. A /path is resolved against the stack's baseUrl output.
The URL must already be percent-encoded; it is signed and printed exactly as validated.

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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

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
): Promise<number> {
  // Start the workers now so their start-up overlaps reading stdin; close() ends any left unused.
  const pool = new WorkerPool(threadLimit(io.env) - 1);
  try {
    return await signLines(io, signer, options, resolve, json, pool, await readAll(io.stdin));
  } finally {
    pool.close();
  }
}

async function signLines(
  io: CliIo,
  signer: CloudFrontSigner,
  options: SignOptions,
  resolve: (input: string, field: string) => string,
  json: boolean,
  pool: WorkerPool,
  text: string,
): Promise<number> {
  const raw = text.split("\n");
  const lines: BatchLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i].endsWith("\r") ? raw[i].slice(0, -1) : raw[i];
    if (line.trim() === "") continue;
    if (line.startsWith("/")) {
      // Paths are resolved here (the stack outputs live in this thread); a failure belongs to its line.
      try {
        lines.push({ line: i + 1, url: resolve(line, "url") });
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        lines.push({ line: i + 1, error: error.message.replace(/^url: /, "") });
      }
    } else {
      lines.push({ line: i + 1, url: line });
    }
  }
  const result = await signBatch(signer, options, json, lines, pool);
  if (!result.ok) throw new InputError(result.message);
  if (result.out.length > 0) io.out(result.out.join("\n") + "\n");
  return 0;
}

export const run: CliCommand = async (argv, io) => {
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
  const options = signOptionsFrom(values, new Date());
  const { signer, resolve } = prepareSigning(values, io);
  if (options.policyResource !== undefined) options.policyResource = resolve(options.policyResource, "--policy-resource");
  if (values.stdin) return signStdin(io, signer, options, resolve, values.json === true);
  const signed = signer.signUrl(resolve(positionals[0], "url"), options);
  io.out((values.json ? describeSignedUrl(signed) : signed.url) + "\n");
  return 0;
};
