import { AsyncCloudFrontSigner, DEFAULT_REMOTE_CONCURRENCY, mapBounded } from "../lib/asyncSigner";
import { InputError } from "../lib/errors";
import type { PreparedUrl, SignOptions } from "../lib/signer";
import { readAllBytes, type CliIo } from "./io";
import { badLines, describeSignedUrl } from "./signBatch";
import { BadLinesError, parseStdinLines } from "./stdinLines";

const MAX_CONCURRENCY = 64;

/** CF_SIGN_KMS_CONCURRENCY: Sign calls in flight (KMS quotas are per second and per account and region). */
export function remoteConcurrency(env: NodeJS.ProcessEnv): number {
  const text = env.CF_SIGN_KMS_CONCURRENCY;
  if (text === undefined || text === "") return DEFAULT_REMOTE_CONCURRENCY;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_CONCURRENCY) {
    throw new InputError(`CF_SIGN_KMS_CONCURRENCY: "${text}" is not a number from 1 to ${MAX_CONCURRENCY}; unset it for the default ${DEFAULT_REMOTE_CONCURRENCY}`);
  }
  return value;
}

/**
 * `cf-sign url --stdin` with a remote key (KMS): every line is validated first, so a bad line costs no
 * Sign call and prints nothing (every bad line is reported); then the signatures are requested with
 * bounded concurrency and printed in input order, all at once (a failed signature, e.g. throttling,
 * leaves stdout empty).
 */
export async function signStdinRemote(
  io: CliIo,
  signer: AsyncCloudFrontSigner,
  options: SignOptions,
  resolve: (input: string, field: string) => string,
  json: boolean,
): Promise<number> {
  const concurrency = remoteConcurrency(io.env);
  const input = parseStdinLines(await readAllBytes(io.stdin), resolve);
  const batch = signer.urlSigner(options);
  // Every bad line is reported, and none costs a Sign call.
  const prepared: PreparedUrl[] = [];
  const bad = badLines(input, (url, field) => prepared.push(batch.prepare(url, field)));
  if (bad.length > 0) throw new BadLinesError(bad);
  const signed = await mapBounded(prepared, concurrency, (item) => batch.finish(item));
  if (signed.length > 0) io.out(signed.map((s) => (json ? describeSignedUrl(s) : s.url)).join("\n") + "\n");
  return 0;
}
