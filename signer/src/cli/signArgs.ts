import { parseHashAlgorithm } from "../lib/constants";
import { InputError } from "../lib/errors";
import type { SignOptions } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";
import { exceedsMaxExpiry, MAX_EXPIRY_SECONDS, MAX_EXPIRY_TEXT } from "../lib/lifetime";
import { quoteInput } from "../lib/terminal";
import { LATEST_EPOCH_SECONDS, LATEST_TIME_TEXT, parseDuration, parseTime } from "../lib/time";
import { negativeExpiresIn } from "./args";
import type { CliIo } from "./io";
import { KEY_SOURCE_ARGS, resolveSigningKey, type KeySourceValues } from "./keySources";
import { loadOutputsFor, outputsSourceLabel, resolveAgainstBaseUrl } from "./stackOptions";

/** Options shared by `cf-sign url` and `cf-sign cookies`. */
export const SIGN_ARGS = {
  "expires-in": { type: "string" },
  "expires-at": { type: "string" },
  "starts-at": { type: "string" },
  ip: { type: "string" },
  "policy-resource": { type: "string" },
  hash: { type: "string" },
  "allow-long-expiry": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  ...KEY_SOURCE_ARGS,
} as const;

export const SIGN_HELP = `Expiry and conditions:
  --expires-in D         duration from now: 90s, 15m, 24h, 7d, 1h30m, or seconds (default 1h)
  --expires-at T         ISO-8601 with offset or Z (2030-01-31T12:00:00Z) or epoch seconds
  --allow-long-expiry    allow an expiry more than ${MAX_EXPIRY_TEXT} ahead (refused otherwise)
  --starts-at T          not valid before T (time or duration from now); makes a custom policy
  --ip CIDR              IPv4 address or CIDR allowed (bare address = /32); makes a custom policy
  --policy-resource P    wildcard resource the policy grants (e.g. 'https://cdn.example.com/private/*')
  --hash SHA1|SHA256     default SHA1 for RSA keys, SHA256 for ECDSA keys (KMS keys: SHA256 only)`;

/** The values util.parseArgs produces for SIGN_ARGS. */
export interface SignArgValues extends KeySourceValues {
  "expires-in"?: string;
  "expires-at"?: string;
  "starts-at"?: string;
  ip?: string;
  "policy-resource"?: string;
  hash?: string;
  "allow-long-expiry"?: boolean;
}

const DEFAULT_EXPIRES_IN = "1h";

/** Turns the time flags into library SignOptions (times become epoch seconds here, named by their flag). */
export function signOptionsFrom(values: SignArgValues, now: Date): SignOptions {
  if (values["expires-in"] !== undefined && values["expires-at"] !== undefined) {
    throw new InputError("give --expires-in or --expires-at, not both");
  }
  let expires: number;
  let expiresField: string;
  if (values["expires-at"] !== undefined) {
    expiresField = "--expires-at";
    expires = parseTime(values["expires-at"], expiresField, now);
  } else {
    expiresField = "--expires-in";
    const text = (values["expires-in"] ?? DEFAULT_EXPIRES_IN).trim();
    if (text.startsWith("-")) throw negativeExpiresIn(text);
    // --expires-in is relative: a duration, or a plain number of seconds.
    const seconds = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
    if (seconds === undefined) {
      throw new InputError(`--expires-in: ${quoteInput(text)} is not a duration; use e.g. 90s, 15m, 24h, 7d (or --expires-at for a point in time)`);
    }
    expires = now.getTime() / 1000 + seconds;
    if (!(expires <= LATEST_EPOCH_SECONDS)) {
      throw new InputError(
        `--expires-in: ${quoteInput(text)} is out of range; give 1s to ${MAX_EXPIRY_SECONDS / 86400}d, or with --allow-long-expiry a duration that ends by ${LATEST_TIME_TEXT}`,
      );
    }
  }
  if (values["allow-long-expiry"] !== true && exceedsMaxExpiry(expires, now)) {
    throw new InputError(
      `${expiresField}: the expiry ${new Date(Math.floor(expires) * 1000).toISOString()} is more than ${MAX_EXPIRY_TEXT} ahead, the maximum cf-sign signs by default ` +
        `(a leaked URL or cookie stays valid until then, and its key cannot be retired before); give a shorter expiry, or --allow-long-expiry if you mean it`,
    );
  }
  const hashAlgorithm = values.hash === undefined ? undefined : parseHashAlgorithm(values.hash, "--hash");
  return {
    expires,
    startsAt: values["starts-at"] === undefined ? undefined : parseTime(values["starts-at"], "--starts-at", now),
    ipAddress: values.ip,
    policyResource: values["policy-resource"],
    hashAlgorithm,
    now,
    labels: {
      expires: expiresField,
      startsAt: "--starts-at",
      ipAddress: "--ip",
      policyResource: "--policy-resource",
      hashAlgorithm: "--hash",
    },
  };
}

/**
 * Signer (a local key's, a secret's or a KMS key's) + `resolve` for `/paths` against baseUrl; the stack outputs are
 * read lazily (`stackOutputs`), `outputsSource` names them in messages.
 */
export async function prepareSigning(values: SignArgValues, io: CliIo) {
  const hash = values.hash === undefined ? undefined : parseHashAlgorithm(values.hash, "--hash");
  const { signer, outputs } = await resolveSigningKey(values, hash, io);
  let cached: StackOutputs | undefined = outputs;
  let loaded = outputs !== undefined;
  // resolveSigningKey returns the outputs whenever --outputs-file is given; otherwise only pulumi can supply them.
  const getOutputs = (): StackOutputs | undefined => {
    if (!loaded) {
      cached = loadOutputsFor({ stack: values.stack }, io)?.outputs;
      loaded = true;
    }
    return cached;
  };
  // An explicit --stack is read (and must be readable) even when the key came from elsewhere.
  if (values.stack !== undefined) getOutputs();
  const source = outputsSourceLabel({ outputsFile: values["outputs-file"], stack: values.stack });
  const resolve = (input: string, field: string): string => resolveAgainstBaseUrl(input, field, getOutputs, source);
  return { signer, resolve, stackOutputs: getOutputs, outputsSource: source };
}
