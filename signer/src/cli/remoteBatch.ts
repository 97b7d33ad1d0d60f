import { AsyncCloudFrontSigner, DEFAULT_REMOTE_CONCURRENCY, mapBounded } from "../lib/asyncSigner";
import { InputError } from "../lib/errors";
import type { PreparedUrl, SignOptions } from "../lib/signer";
import { readAll, type CliIo } from "./io";
import { BatchInput, describeSignedUrl } from "./signBatch";

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
 * `cf-sign url --stdin` with a remote key (KMS): every line is validated first, in order, so a bad line
 * costs no Sign call and prints nothing; then the signatures are requested with bounded concurrency and
 * printed in input order, all at once (a failed signature, e.g. throttling, leaves stdout empty).
 */
export async function signStdinRemote(
  io: CliIo,
  signer: AsyncCloudFrontSigner,
  options: SignOptions,
  parseLines: (text: string, resolve: (input: string, field: string) => string) => BatchInput,
  resolve: (input: string, field: string) => string,
  json: boolean,
): Promise<number> {
  const concurrency = remoteConcurrency(io.env);
  const input = parseLines(await readAll(io.stdin), resolve);
  const batch = signer.urlSigner(options);
  const prepared: PreparedUrl[] = [];
  for (let i = 0; i < input.urls.length; i++) {
    const field = `stdin line ${input.lineNumbers[i]}`;
    const resolveError = input.errors.get(i);
    if (resolveError !== undefined) throw new InputError(`${field}: ${resolveError}`);
    try {
      prepared.push(batch.prepare(input.urls[i], field));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw error.message.startsWith(field) ? error : new InputError(`${field}: ${error.message}`);
    }
  }
  const signed = await mapBounded(prepared, concurrency, (item) => batch.finish(item));
  if (signed.length > 0) io.out(signed.map((s) => (json ? describeSignedUrl(s) : s.url)).join("\n") + "\n");
  return 0;
}
