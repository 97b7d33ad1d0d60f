import * as crypto from "node:crypto";
import type { HashAlgorithm } from "./constants";
import { toCloudFrontBase64 } from "./encoding";
import { InputError } from "./errors";
import { KeyAlgorithm, loadPublicKey, signatureDigest } from "./keys";
import { checkKeyPairId } from "./keyPairId";
import type { CookieOptions } from "./cookies";
import type { PreparedUrl, SignedCookies, SignedUrl, SignOptions } from "./signingTypes";
import {
  assembleSignedCookies,
  checkSignedUrlLength,
  cookieTarget,
  Conditions,
  MAX_SIGNATURE_CHARS,
  MAX_SIGNED_URL_BYTES,
  preparePolicy,
  signedUrlTooLong,
  resolveConditions,
  urlParamsAfterSignature,
  urlParamsBeforeSignature,
} from "./signingPlan";
import { appendQuery, normalizeUrl } from "./url";
import { terminalText } from "./terminal";

/**
 * A signing key held elsewhere (AWS KMS, an HSM, a remote signing service). The signer never sees the
 * private key: it builds the policy and hands its UTF-8 bytes to `sign`.
 */
export interface RemoteSigningKey {
  /** The CloudFront public key id of the key pair (e.g. K2JCJMDEHXQW5F). */
  keyPairId: string;
  /** The key type: RSA (2048, PKCS#1 v1.5 signatures) or ECDSA (P-256, DER signatures). */
  algorithm: KeyAlgorithm;
  /** The one hash `sign` signs with; it is declared on every URL and cookie (SHA256 → the SHA-256 marker). */
  hashAlgorithm: HashAlgorithm;
  /**
   * Signs the message (the policy bytes, hashing them with `hashAlgorithm`): RSA PKCS#1 v1.5, or ECDSA
   * with a DER-encoded signature. Rejects with an Error whose first line is the message for the user.
   */
  sign(message: Buffer): Promise<Uint8Array>;
  /**
   * The public key (SPKI PEM or KeyObject), when known: every signature is then checked against it
   * before it is used, so a misbehaving signer can never produce a URL that CloudFront rejects.
   */
  publicKey?: string | crypto.KeyObject;
  /** Names the key in messages (e.g. "--kms-key-id alias/cloudfront"). */
  label?: string;
}

/** A remote signer failed (throttled, denied, unreachable, a bad signature): the CLI prints the message and exits 2. */
export class RemoteSigningError extends Error {
  constructor(message: string) {
    // The message may carry an AWS service's text: escaped and without key material, as InputError's.
    super(terminalText(message));
    this.name = "RemoteSigningError";
  }
}

/** Signs many URLs with options resolved once (AsyncCloudFrontSigner.urlSigner). */
export interface AsyncUrlBatchSigner {
  /** Validates and normalizes one URL and builds its policy (throws InputError as signUrl does); no signing. */
  prepare(url: string, field?: string): PreparedUrl;
  /** Signs a prepared URL: one call of the remote signing function. */
  finish(prepared: PreparedUrl): Promise<SignedUrl>;
}

export const DEFAULT_REMOTE_CONCURRENCY = 8;

/**
 * Signs CloudFront URLs and cookies with a key that lives elsewhere, through an asynchronous signing
 * function (see RemoteSigningKey). Policy building, validation and encoding are the ones CloudFrontSigner
 * uses (signingPlan), so both produce the same URLs for the same inputs and hash.
 */
export class AsyncCloudFrontSigner {
  readonly keyPairId: string;
  readonly algorithm: KeyAlgorithm;
  readonly hashAlgorithm: HashAlgorithm;
  private readonly remote: RemoteSigningKey;
  private readonly publicKey?: crypto.KeyObject;
  private readonly label: string;

  constructor(key: RemoteSigningKey) {
    this.keyPairId = checkKeyPairId(key.keyPairId, "keyPairId");
    if (key.algorithm !== "RSA" && key.algorithm !== "ECDSA") {
      throw new InputError(`algorithm: "${String(key.algorithm)}" is not a key type CloudFront accepts; use RSA or ECDSA`);
    }
    if (key.hashAlgorithm !== "SHA1" && key.hashAlgorithm !== "SHA256") {
      throw new InputError(`hashAlgorithm: "${String(key.hashAlgorithm)}" is not a hash CloudFront accepts; use SHA1 or SHA256`);
    }
    if (typeof key.sign !== "function") throw new InputError("sign: a signing function (message: Buffer) => Promise<Uint8Array> is required");
    this.label = key.label ?? "remote signing key";
    if (key.publicKey !== undefined) {
      const loaded = loadPublicKey(key.publicKey, `${this.label}: public key`);
      if (loaded.algorithm !== key.algorithm) {
        throw new InputError(`${this.label}: the public key is ${loaded.algorithm} but the key was declared ${key.algorithm}`);
      }
      this.publicKey = loaded.key;
    }
    this.remote = key;
    this.algorithm = key.algorithm;
    this.hashAlgorithm = key.hashAlgorithm;
  }

  /** Signs a URL; the returned `url` is exactly the validated URL plus the signing parameters. */
  async signUrl(url: string, options: SignOptions): Promise<SignedUrl> {
    const batch = this.urlSigner(options);
    return batch.finish(batch.prepare(url));
  }

  /**
   * Signs many URLs with the same options, at most `concurrency` signatures in flight, results in input
   * order. Every URL is validated before the first signature is requested, so a bad URL costs no remote
   * call; the first failure stops the batch (no partial result).
   */
  async signUrls(urls: readonly string[], options: SignOptions, batchOptions: { concurrency?: number; field?: (index: number) => string } = {}): Promise<SignedUrl[]> {
    const batch = this.urlSigner(options);
    const prepared = urls.map((url, index) => batch.prepare(url, batchOptions.field?.(index)));
    return mapBounded(prepared, batchOptions.concurrency ?? DEFAULT_REMOTE_CONCURRENCY, (item) => batch.finish(item));
  }

  /**
   * Resolves the options once (as CloudFrontSigner.urlSigner does). A hash other than the declared one
   * is refused with the URL's other checks, before any remote call.
   */
  urlSigner(options: SignOptions): AsyncUrlBatchSigner {
    const defaultField = options.labels?.url ?? "url";
    let conditions: Conditions | undefined;
    let optionError: unknown;
    try {
      conditions = this.conditions({ ...options, now: options.now ?? new Date() });
    } catch (error) {
      optionError = error;
    }
    return {
      prepare: (url, field = defaultField) => {
        const base = normalizeUrl(url, field);
        if (conditions === undefined) throw optionError;
        const prepared = preparePolicy(base, conditions, field);
        // Refused before the remote call: the longest signature this key type yields would not fit.
        checkSignedUrlLength(prepared, conditions, this.keyPairId, MAX_SIGNATURE_CHARS[this.algorithm], field);
        return prepared;
      },
      finish: async (prepared) => {
        const signature = await this.sign(prepared.policy);
        const signedUrl = appendQuery(prepared.base, urlParamsBeforeSignature(prepared)) + signature + urlParamsAfterSignature(this.keyPairId, prepared.hash);
        if (signedUrl.length > MAX_SIGNED_URL_BYTES && conditions !== undefined) {
          // A remote signer returned a longer signature than the key type's: the URL as emitted is what counts.
          throw signedUrlTooLong(signedUrl.length, prepared, conditions, defaultField);
        }
        return {
          url: signedUrl,
          keyPairId: this.keyPairId,
          expires: prepared.expires,
          policy: prepared.policy,
          canned: prepared.canned,
          hashAlgorithm: prepared.hash,
        };
      },
    };
  }

  /** Signs cookies for an exact URL (canned unless something asks for custom) or a wildcard pattern (custom). */
  async signCookies(resource: string, options: SignOptions & CookieOptions): Promise<SignedCookies> {
    const { base, field, cookieOptions } = cookieTarget(resource, options);
    const prepared = preparePolicy(base, this.conditions(options), field);
    return assembleSignedCookies(prepared, await this.sign(prepared.policy), this.keyPairId, cookieOptions);
  }

  /** The shared option resolution, with the declared hash as the only one this key can sign with. */
  private conditions(options: SignOptions): Conditions {
    const conditions = resolveConditions(options, this.hashAlgorithm);
    if (!(conditions.hash instanceof InputError) && conditions.hash !== this.hashAlgorithm) {
      const field = options.labels?.hashAlgorithm ?? "hashAlgorithm";
      conditions.hash = new InputError(
        `${field}: ${this.label} signs with ${this.hashAlgorithm} only, not ${conditions.hash}; drop the option or use ${this.hashAlgorithm}`,
      );
    }
    return conditions;
  }

  /** One remote signature over the policy bytes, checked, in CloudFront base64. */
  private async sign(policy: string): Promise<string> {
    const message = Buffer.from(policy, "utf8");
    let signature: Uint8Array;
    try {
      signature = await this.remote.sign(message);
    } catch (error) {
      if (error instanceof InputError || error instanceof RemoteSigningError) throw error;
      const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new RemoteSigningError(`${this.label}: signing failed: ${text}`);
    }
    if (!(signature instanceof Uint8Array) || signature.length === 0) {
      throw new RemoteSigningError(`${this.label}: the signing function returned no signature`);
    }
    const bytes = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
    if (this.publicKey !== undefined && !crypto.verify(signatureDigest(this.hashAlgorithm), message, this.publicKey, bytes)) {
      throw new RemoteSigningError(
        `${this.label}: the signature returned does not verify with the key's public key (wrong key, algorithm or hash); nothing was signed`,
      );
    }
    return toCloudFrontBase64(bytes);
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results in input order. The first
 * rejection stops new calls from starting and rejects the whole map (after the calls in flight settle).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
