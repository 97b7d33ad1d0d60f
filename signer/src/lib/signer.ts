import * as crypto from "node:crypto";
import type { HashAlgorithm } from "./constants";
import type { CookieOptions } from "./cookies";
import { toCloudFrontBase64 } from "./encoding";
import { InputError } from "./errors";
import { checkKeyPairId } from "./keyPairId";
import { defaultHashAlgorithm, KeyAlgorithm, loadPrivateKey, signatureDigest } from "./keys";
import {
  assembleSignedCookies,
  checkSignedUrlLength,
  cookieTarget,
  Conditions,
  MAX_SIGNATURE_CHARS,
  preparePolicy,
  resolveConditions,
  urlParamsAfterSignature,
  urlParamsBeforeSignature,
} from "./signingPlan";
import type { PreparedUrl, SignedCookies, SignedUrl, SignOptions } from "./signingTypes";
import { appendQuery, normalizeUrl } from "./url";

export type { CookieOptions } from "./cookies";
export { MAX_COOKIE_NAME_VALUE_BYTES, oversizedCookies } from "./cookies";
export { MAX_SIGNED_URL_BYTES } from "./signingPlan";
export type { PreparedUrl, SignedCookies, SignedUrl, SignOptionLabels, SignOptions } from "./signingTypes";
// A key held elsewhere (AWS KMS, an HSM, a signing service) signs through the same API, asynchronously.
export { AsyncCloudFrontSigner, RemoteSigningError } from "./asyncSigner";
export type { AsyncUrlBatchSigner, RemoteSigningKey } from "./asyncSigner";

/** Signs URLs with options resolved once (CloudFrontSigner.urlSigner). */
export interface UrlBatchSigner {
  /** Validates, normalizes and signs one URL (throws InputError as signUrl does). */
  sign(url: string, field?: string): SignedUrl;
  /**
   * The validation half of sign: throws the same InputError, or returns the URL with its policy. The
   * caller signs the policy's UTF-8 bytes with `crypto.sign(signatureDigest(hash), bytes, privateKeyObject)`
   * (e.g. on a worker thread) and passes the signature to finish.
   */
  prepare(url: string, field?: string): PreparedUrl;
  /** The signed URL: `prepared.base` plus Expires|Policy, Signature (of `prepared.policy`), Key-Pair-Id. */
  finish(prepared: PreparedUrl, signature: Buffer): SignedUrl;
  /**
   * The signed URL as the text around its signature, for callers that assemble it elsewhere:
   * `finish(prepared, signature).url === before + toCloudFrontBase64(signature) + after`.
   */
  around(prepared: PreparedUrl): { before: string; after: string };
  /** The error to report when crypto.sign failed for a policy with this hash (a platform refusing SHA-1). */
  signingError(error: unknown, hash: HashAlgorithm): unknown;
}


/**
 * Signs CloudFront URLs and cookies with one key pair. The private key is parsed once in the constructor
 * and kept as a KeyObject; each signature is one `crypto.sign` over the policy bytes.
 */
export class CloudFrontSigner {
  readonly keyPairId: string;
  readonly algorithm: KeyAlgorithm;
  private readonly key: crypto.KeyObject;
  private readonly defaultHash: HashAlgorithm;
  private readonly scratch = Buffer.allocUnsafe(4096);
  private readonly afterSha1: string;
  private readonly afterSha256: string;
  private lastCannedExpires = NaN;
  private lastCannedFirst = "";

  constructor(options: { keyPairId: string; privateKey: string | Buffer | crypto.KeyObject; passphrase?: string; label?: string }) {
    checkKeyPairId(options.keyPairId, "keyPairId");
    const { key, algorithm } = loadPrivateKey(options.privateKey, options.passphrase, options.label);
    this.keyPairId = options.keyPairId;
    this.key = key;
    this.algorithm = algorithm;
    this.defaultHash = defaultHashAlgorithm(algorithm);
    this.afterSha1 = urlParamsAfterSignature(this.keyPairId, "SHA1");
    this.afterSha256 = urlParamsAfterSignature(this.keyPairId, "SHA256");
  }

  /** The parsed private key, e.g. to hand to a worker thread (a KeyObject never serializes as key text). */
  get privateKeyObject(): crypto.KeyObject {
    return this.key;
  }

  /** Signs a URL; the returned `url` is exactly the validated URL plus the signing parameters. */
  signUrl(url: string, options: SignOptions): SignedUrl {
    const field = options.labels?.url ?? "url";
    const base = normalizeUrl(url, field);
    const prepared = this.prepareUrl(base, this.conditions(options), field);
    return this.finishUrl(prepared, this.sign(prepared.policy, prepared.hash));
  }

  /**
   * For signing many URLs with the same options (`cf-sign url --stdin`): reads the clock and resolves the
   * expiry, start, IP condition, policy resource and hash once. Each URL is still validated and
   * normalized exactly as by signUrl, and a bad option is reported at the same point (after the URL's own
   * checks), so `sign(url)` behaves as `signUrl(url, options)` at the moment urlSigner was called.
   * `field` names the URL in error messages (default: labels.url).
   */
  urlSigner(options: SignOptions): UrlBatchSigner {
    const defaultField = options.labels?.url ?? "url";
    let conditions: Conditions | undefined;
    let optionError: unknown;
    try {
      // Fixed once, as a batch is signed at one moment (durations and the past-expiry check use it).
      conditions = this.conditions({ ...options, now: options.now ?? new Date() });
    } catch (error) {
      optionError = error;
    }
    const prepare = (url: string, field = defaultField): PreparedUrl => {
      const base = normalizeUrl(url, field);
      if (conditions === undefined) throw optionError;
      return this.prepareUrl(base, conditions, field);
    };
    return {
      prepare,
      finish: (prepared, signature) => this.finishUrl(prepared, toCloudFrontBase64(signature)),
      around: (prepared) => this.around(prepared),
      sign: (url, field) => {
        const prepared = prepare(url, field);
        return this.finishUrl(prepared, this.sign(prepared.policy, prepared.hash));
      },
      signingError: (error, hash) => this.signingError(error, hash),
    };
  }

  /** The signed URL for a prepared URL and its signature (CloudFront base64). */
  private finishUrl(prepared: PreparedUrl, signature: string): SignedUrl {
    const { before, after } = this.around(prepared);
    return {
      url: before + signature + after,
      keyPairId: this.keyPairId,
      expires: prepared.expires,
      policy: prepared.policy,
      canned: prepared.canned,
      hashAlgorithm: prepared.hash,
    };
  }

  /** The URL around its signature: base + Expires|Policy, Signature=…, Key-Pair-Id (and Hash-Algorithm). */
  private around(prepared: PreparedUrl): { before: string; after: string } {
    // Parameter order as in the AWS docs and botocore: Expires|Policy, Signature, Key-Pair-Id, Hash-Algorithm.
    // In a batch the canned part and the tail repeat line after line: they are built once and reused.
    let first: string;
    if (!prepared.canned) first = urlParamsBeforeSignature(prepared);
    else if (prepared.expires === this.lastCannedExpires) first = this.lastCannedFirst;
    else {
      first = urlParamsBeforeSignature(prepared);
      this.lastCannedExpires = prepared.expires;
      this.lastCannedFirst = first;
    }
    return { before: appendQuery(prepared.base, first), after: prepared.hash === "SHA256" ? this.afterSha256 : this.afterSha1 };
  }

  /**
   * Signs cookies for a resource: an exact URL (canned policy when nothing else asks for custom) or a
   * wildcard pattern such as `https://cdn.example.com/private/*` (custom policy).
   */
  signCookies(resource: string, options: SignOptions & CookieOptions): SignedCookies {
    const { base, field, cookieOptions } = cookieTarget(resource, options);
    const prepared = this.policyFor(base, this.conditions(options), field);
    return assembleSignedCookies(prepared, this.sign(prepared.policy, prepared.hash), this.keyPairId, cookieOptions);
  }

  /** The options that do not depend on the URL (see resolveConditions), with this key's default hash. */
  private conditions(options: SignOptions): Conditions {
    return resolveConditions(options, this.defaultHash);
  }

  /** The policy for one normalized URL or resource; canned unless the spec's rules require custom. */
  private policyFor(base: string, conditions: Conditions, baseField: string): PreparedUrl {
    return preparePolicy(base, conditions, baseField);
  }

  /** The policy for a URL, refused when the signed URL would exceed CloudFront's 8,192 bytes (MAX_SIGNED_URL_BYTES). */
  private prepareUrl(base: string, conditions: Conditions, field: string): PreparedUrl {
    const prepared = this.policyFor(base, conditions, field);
    checkSignedUrlLength(prepared, conditions, this.keyPairId, MAX_SIGNATURE_CHARS[this.algorithm], field);
    return prepared;
  }

  /** The policy as UTF-8 in a reused buffer (crypto.sign copies what it needs): no allocation per signature. */
  private policyBytes(policy: string): Buffer {
    if (policy.length * 3 > this.scratch.length) return Buffer.from(policy, "utf8");
    return this.scratch.subarray(0, this.scratch.write(policy, 0, "utf8"));
  }

  /** Signs policy bytes: RSA PKCS#1 v1.5 or ECDSA DER, then CloudFront base64. */
  private sign(policy: string, hash: HashAlgorithm): string {
    let signature: Buffer;
    try {
      signature = crypto.sign(signatureDigest(hash), this.policyBytes(policy), this.key);
    } catch (error) {
      throw this.signingError(error, hash);
    }
    return toCloudFrontBase64(signature);
  }

  /** FIPS mode and recent distro crypto policies refuse SHA-1 signatures: say so and name the fix. */
  private signingError(error: unknown, hash: HashAlgorithm): unknown {
    if (hash !== "SHA1") return error;
    return new InputError(
      `hash: this platform refuses SHA-1 signatures (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); use SHA-256 (CLI: --hash SHA256; library: hashAlgorithm: "SHA256")`,
    );
  }
}
