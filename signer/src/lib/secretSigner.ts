// Signing at runtime with the key the SigningKeyGroup component stores in AWS Secrets Manager
// (`storePrivateKey`): read once, cached, refreshed in the background, rotated keys picked up without a restart.
import type { GetSecretValueCommandOutput, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { CookieOptions } from "./cookies";
import { AwsClientOptions, checkAwsClientOptions, isTimeoutError, ResponseTooLargeError } from "./awsClient";
import { awsClientConfig } from "./awsHttp";
import { InputError } from "./errors";
import { requireOptionalPeer } from "./optionalPeer";
import type { KeyAlgorithm } from "./keys";
import { withoutNodeVersionWarning } from "./sdkWarning";
import { CloudFrontSigner } from "./signer";
import type { SignedCookies, SignedUrl, SignOptions } from "./signingTypes";

export type { AwsClientOptions } from "./awsClient";

/** The JSON the component stores (components/policy.ts storedSigningKeyJson). */
export interface StoredSigningKey {
  keyPairId: string;
  privateKeyPem: string;
  algorithm: KeyAlgorithm;
  /** the key generation id (SigningKeyGroup `keys[].id`) */
  generation: string;
}

/** Which key is in use: never the key itself. */
export interface SecretKeyInfo {
  keyPairId: string;
  generation: string;
  algorithm: KeyAlgorithm;
  /** Secrets Manager VersionId of the secret value the key came from */
  versionId?: string;
}

/** What the signer reports through `onEvent` (for logs and metrics); never contains key material. */
export type SecretSignerEvent =
  | { type: "loaded"; secretId: string; key: SecretKeyInfo }
  | { type: "rotated"; secretId: string; from: SecretKeyInfo; to: SecretKeyInfo }
  | { type: "refresh-failed"; secretId: string; error: SecretSourceError; serving: SecretKeyInfo; retryInMs: number };

export interface SecretSignerOptions {
  /** Refresh in the background when the cached key is older than this. Default 300000 (5 minutes). */
  refreshAfterMs?: number;
  /**
   * After a failed refresh, the next attempt waits this long (the cached key is served meanwhile); also the
   * shortest gap between refreshes asked for by invalidate(). Default 30000, at most refreshAfterMs.
   */
  retryAfterMs?: number;
  /** The staging label to read. Default "AWSCURRENT". */
  versionStage?: string;
  /**
   * A Secrets Manager client you configured (it keeps its own timeouts: give it some). Default: a client whose
   * credentials and endpoint come only from the standard AWS SDK sources (profiles, IAM roles,
   * AWS_ENDPOINT_URL_SECRETS_MANAGER, VPC endpoints through private DNS), whose region is the one a full secret
   * ARN names (else AWS_REGION or the profile's), with the timeouts and attempts of `aws`, and which reads at most
   * SECRET_MAX_RESPONSE_BYTES of an answer.
   */
  client?: Pick<SecretsManagerClient, "send">;
  /**
   * Timeouts, attempts and region of the default client (ignored with `client`). Defaults: 3000 ms to connect,
   * 5000 ms per attempt, the SDK's attempts (AWS_MAX_ATTEMPTS, else 3). A read that times out is a failed read:
   * the first one rejects signerFromSecret, a later one is a failed refresh (the cached key keeps signing).
   */
  aws?: AwsClientOptions;
  /** Called on load, rotation and failed refreshes, e.g. `(e) => console.warn(JSON.stringify(e))`. Must not throw. */
  onEvent?: (event: SecretSignerEvent) => void;
  /** Milliseconds since the epoch (tests inject a clock). Default Date.now. */
  now?: () => number;
}

/** Reading or parsing the secret failed; `code` is the AWS error name (e.g. AccessDeniedException) or a local one. */
export class SecretSourceError extends InputError {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "SecretSourceError";
  }
}

/** Secrets Manager stores at most 65,536 bytes in a SecretString: anything larger is refused before parsing. */
export const SECRET_STRING_MAX_BYTES = 65_536;
/**
 * The largest GetSecretValue answer the default client reads: a 65,536-byte SecretString JSON-escaped (at most six
 * characters per byte) plus the answer's other fields. A hostile or broken endpoint cannot make it buffer more.
 */
export const SECRET_MAX_RESPONSE_BYTES = 512 * 1024;

const DEFAULT_REFRESH_AFTER_MS = 5 * 60_000;
const DEFAULT_RETRY_AFTER_MS = 30_000;
const KEY_PAIR_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Parses the stored JSON (pure; no network). Errors name the secret and the field, never a value.
 */
export function parseStoredSigningKey(text: string | undefined, secretId: string): StoredSigningKey {
  const bad = (what: string): SecretSourceError =>
    new SecretSourceError(
      `secret ${secretId}: ${what}; it must hold the JSON the SigningKeyGroup component stores ({"keyPairId","privateKeyPem","algorithm","generation"})`,
      "InvalidSecretValue",
    );
  if (text === undefined) throw bad("has no SecretString (a binary secret)");
  const size = Buffer.byteLength(text, "utf8");
  if (size > SECRET_STRING_MAX_BYTES) {
    throw new SecretSourceError(
      `secret ${secretId}: its SecretString is ${size} bytes, more than the ${SECRET_STRING_MAX_BYTES} Secrets Manager stores; the endpoint is not Secrets Manager or the value is not the component's JSON`,
      "SecretTooLarge",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad("its value is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("its value is not a JSON object");
  const o = value as Record<string, unknown>;
  if (typeof o.keyPairId !== "string" || !KEY_PAIR_ID.test(o.keyPairId)) throw bad("keyPairId is missing or not a CloudFront public key id");
  if (typeof o.privateKeyPem !== "string" || !o.privateKeyPem.includes("-----BEGIN")) throw bad("privateKeyPem is missing or not PEM");
  if (o.algorithm !== "RSA" && o.algorithm !== "ECDSA") throw bad('algorithm must be "RSA" or "ECDSA"');
  if (typeof o.generation !== "string" || o.generation === "") throw bad("generation is missing");
  return { keyPairId: o.keyPairId, privateKeyPem: o.privateKeyPem, algorithm: o.algorithm, generation: o.generation };
}

/** One line naming the secret, what went wrong and the fix, from an AWS SDK error. */
export function describeSecretsManagerError(error: unknown, secretId: string, context: { requestTimeoutMs?: number } = {}): SecretSourceError {
  if (error instanceof SecretSourceError) return error;
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { attempts?: number } };
  const name = typeof e.name === "string" && e.name !== "Error" ? e.name : typeof e.code === "string" ? e.code : "Error";
  const awsMessage = String(e.message ?? error).split("\n")[0].trim().slice(0, 300);
  const at = `secret ${secretId}`;
  if (error instanceof ResponseTooLargeError) {
    return new SecretSourceError(`${at}: ${error.message}; check AWS_ENDPOINT_URL_SECRETS_MANAGER`, "SecretTooLarge");
  }
  if (isTimeoutError(error)) {
    const within = context.requestTimeoutMs !== undefined ? ` within the ${context.requestTimeoutMs} ms request timeout` : "";
    const attempts = e.$metadata?.attempts;
    return new SecretSourceError(
      `${at}: no answer from Secrets Manager${within}${attempts ? ` (${attempts} attempt${attempts === 1 ? "" : "s"})` : ""} (${name}: ${awsMessage}); ` +
        "check the network, AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER; raise the timeouts (aws.requestTimeoutMs, aws.connectionTimeoutMs; CLI: CF_SIGN_AWS_REQUEST_TIMEOUT_MS, CF_SIGN_AWS_CONNECTION_TIMEOUT_MS) or the attempts (AWS_MAX_ATTEMPTS) if it is just slow",
      "TimeoutError",
    );
  }
  // The SDK could not parse the answer (a proxy's HTML page, a wrong endpoint, a cut-off body): its message
  // quotes the body, which may hold anything, the secret included. Only the HTTP status goes in ours.
  if (name === "SyntaxError" || /Deserialization error/i.test(String(e.message))) {
    const status = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    return new SecretSourceError(
      `${at}: the answer${typeof status === "number" ? ` (HTTP ${status})` : ""} is not Secrets Manager's JSON; check the region, AWS_ENDPOINT_URL_SECRETS_MANAGER and any proxy in between`,
      "InvalidResponse",
    );
  }
  switch (name) {
    case "ResourceNotFoundException":
      return new SecretSourceError(
        `${at}: not found (ResourceNotFoundException); check the name or ARN (stack output privateKeySecretArn) and the region (AWS_REGION)`,
        name,
      );
    case "AccessDeniedException":
      return new SecretSourceError(
        `${at}: access denied (AccessDeniedException: ${awsMessage}); grant secretsmanager:GetSecretValue on it (stack output privateKeyReadPolicy)`,
        name,
      );
    case "DecryptionFailure":
      return new SecretSourceError(`${at}: cannot decrypt it (DecryptionFailure: ${awsMessage}); allow kms:Decrypt on the secret's KMS key`, name);
    case "InvalidRequestException":
    case "InvalidParameterException":
      return new SecretSourceError(`${at}: ${name}: ${awsMessage}`, name);
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
    case "IncompleteSignatureException":
    case "MissingAuthenticationTokenException":
    case "CredentialsProviderError":
      return new SecretSourceError(`${at}: AWS credentials refused or missing (${name}: ${awsMessage}); check AWS_PROFILE / AWS_ACCESS_KEY_ID or the role`, name);
    default:
      if (/region is missing/i.test(awsMessage)) {
        return new SecretSourceError(`${at}: no AWS region; set AWS_REGION, or give the secret's full ARN (the default client uses the region it names)`, "RegionMissing");
      }
      return new SecretSourceError(`${at}: cannot read it (${name}: ${awsMessage})`, name);
  }
}

interface Current {
  signer: CloudFrontSigner;
  info: SecretKeyInfo;
}

/**
 * A CloudFront signer whose key lives in Secrets Manager. Every call is synchronous and signs with the cached
 * key; a call made after the key is `refreshAfterMs` old starts one background refresh (and is itself served
 * with the cached key). No timers: an idle process (or a frozen Lambda) makes no calls to AWS.
 */
export class SecretSigner {
  private current: Current;
  private readonly refreshAfterMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;
  private nextRefreshAt: number;
  private lastFetchAt: number;
  private inFlight: Promise<void> | undefined;

  /** Use signerFromSecret (it reads the secret once before returning). */
  private constructor(
    readonly secretId: string,
    private readonly client: Pick<SecretsManagerClient, "send">,
    private readonly options: SecretSignerOptions,
    first: Current,
    private readonly requestTimeoutMs: number | undefined,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
    this.retryAfterMs = Math.min(options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, this.refreshAfterMs);
    this.current = first;
    this.lastFetchAt = this.now();
    this.nextRefreshAt = this.lastFetchAt + this.refreshAfterMs;
  }

  /** @internal */
  static async create(secretId: string, options: SecretSignerOptions): Promise<SecretSigner> {
    if (typeof secretId !== "string" || secretId.trim() === "") {
      throw new SecretSourceError("secretId: give the secret's name or ARN (stack output privateKeySecretArn)", "InvalidParameter");
    }
    for (const [name, value] of [["refreshAfterMs", options.refreshAfterMs], ["retryAfterMs", options.retryAfterMs]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new InputError(`${name}: must be a positive number of milliseconds`);
      }
    }
    const requestTimeoutMs = options.client === undefined ? checkAwsClientOptions(options.aws).requestTimeoutMs : undefined;
    const client = options.client ?? defaultClient(secretId, options.aws);
    const first = await fetchKey(client, secretId, options.versionStage, requestTimeoutMs);
    const signer = new SecretSigner(secretId, client, options, first, requestTimeoutMs);
    signer.emit({ type: "loaded", secretId, key: first.info });
    return signer;
  }

  /** The signer for the cached key (starts a background refresh when due). */
  get signer(): CloudFrontSigner {
    this.refreshIfDue();
    return this.current.signer;
  }

  /** Which key signs now (no refresh is started). */
  get key(): SecretKeyInfo {
    return this.current.info;
  }

  get keyPairId(): string {
    return this.current.info.keyPairId;
  }

  /** Signs a URL with the cached key (see CloudFrontSigner.signUrl). */
  signUrl(url: string, options: SignOptions): SignedUrl {
    const signer = this.signer;
    try {
      return signer.signUrl(url, options);
    } catch (error) {
      this.afterSigningError(error);
      throw error;
    }
  }

  /** Signs cookies with the cached key (see CloudFrontSigner.signCookies). */
  signCookies(resource: string, options: SignOptions & CookieOptions): SignedCookies {
    const signer = this.signer;
    try {
      return signer.signCookies(resource, options);
    } catch (error) {
      this.afterSigningError(error);
      throw error;
    }
  }

  /**
   * Asks for a refresh soon: call it when CloudFront refused something this signer made with 403 InvalidKey
   * or AccessDenied (e.g. the key was rotated out of the key group). Refreshes at most once per retryAfterMs.
   */
  invalidate(): void {
    this.nextRefreshAt = Math.min(this.nextRefreshAt, this.lastFetchAt + this.retryAfterMs);
    this.refreshIfDue();
  }

  /**
   * Reads the secret now (joins a refresh already running). Resolves when done; on failure the cached key is
   * kept, onEvent gets "refresh-failed" and the promise rejects with the SecretSourceError.
   */
  refresh(): Promise<void> {
    if (this.inFlight === undefined) {
      this.inFlight = this.doRefresh().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  /** Resolves when no refresh is running (e.g. before a Lambda invocation returns, or in tests). */
  async settled(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight.catch(() => undefined);
  }

  private afterSigningError(error: unknown): void {
    // Bad input (InputError) says nothing about the key; anything else from crypto.sign might.
    if (!(error instanceof InputError)) this.invalidate();
  }

  private refreshIfDue(): void {
    if (this.inFlight !== undefined || this.now() < this.nextRefreshAt) return;
    // Background: failures are reported through onEvent, never as an unhandled rejection.
    this.refresh().catch(() => undefined);
  }

  private async doRefresh(): Promise<void> {
    this.lastFetchAt = this.now();
    let next: Current;
    try {
      next = await fetchKey(this.client, this.secretId, this.options.versionStage, this.requestTimeoutMs);
    } catch (error) {
      const failure = describeSecretsManagerError(error, this.secretId, { requestTimeoutMs: this.requestTimeoutMs });
      this.nextRefreshAt = this.now() + this.retryAfterMs;
      this.emit({ type: "refresh-failed", secretId: this.secretId, error: failure, serving: this.current.info, retryInMs: this.retryAfterMs });
      throw failure;
    }
    this.nextRefreshAt = this.now() + this.refreshAfterMs;
    const before = this.current.info;
    this.current = next;
    if (before.keyPairId !== next.info.keyPairId || before.generation !== next.info.generation) {
      this.emit({ type: "rotated", secretId: this.secretId, from: before, to: next.info });
    }
  }

  private emit(event: SecretSignerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A failing log hook must not break signing.
    }
  }
}

type SecretsManagerModule = typeof import("@aws-sdk/client-secrets-manager");
/** The Secrets Manager client package, loaded on first use (an optional peer dependency). */
const secretsManager = (): SecretsManagerModule => requireOptionalPeer<SecretsManagerModule>("@aws-sdk/client-secrets-manager");

/**
 * The client signerFromSecret uses when given none: region from a full secret ARN, timeouts, bounded retries and
 * an answer cap (SECRET_MAX_RESPONSE_BYTES); everything else from the standard AWS SDK sources.
 */
export function createSecretsManagerClient(secretId?: string, options?: AwsClientOptions): SecretsManagerClient {
  // Loaded on first use: importing this module costs nothing until a secret is read.
  const { SecretsManagerClient: Client } = secretsManager();
  const config = awsClientConfig(secretId, options, "@aws-sdk/client-secrets-manager", SECRET_MAX_RESPONSE_BYTES);
  // As for the KMS client: the SDK's Node-version notice stays out of the application's output.
  return withoutNodeVersionWarning(() => new Client(config));
}

function defaultClient(secretId: string, options: AwsClientOptions | undefined): SecretsManagerClient {
  return createSecretsManagerClient(secretId, options);
}

async function fetchKey(
  client: Pick<SecretsManagerClient, "send">,
  secretId: string,
  versionStage: string | undefined,
  requestTimeoutMs: number | undefined,
): Promise<Current> {
  const { GetSecretValueCommand } = secretsManager();
  let response: GetSecretValueCommandOutput;
  try {
    response = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: versionStage }));
  } catch (error) {
    throw describeSecretsManagerError(error, secretId, { requestTimeoutMs });
  }
  const stored = parseStoredSigningKey(response.SecretString, secretId);
  let signer: CloudFrontSigner;
  try {
    signer = new CloudFrontSigner({ keyPairId: stored.keyPairId, privateKey: stored.privateKeyPem, label: `secret ${secretId}: privateKeyPem` });
  } catch (error) {
    throw new SecretSourceError(error instanceof Error ? error.message : String(error), "InvalidSecretValue");
  }
  if (signer.algorithm !== stored.algorithm) {
    throw new SecretSourceError(
      `secret ${secretId}: algorithm says ${stored.algorithm} but privateKeyPem is an ${signer.algorithm} key; store the JSON the component writes`,
      "InvalidSecretValue",
    );
  }
  return {
    signer,
    info: { keyPairId: stored.keyPairId, generation: stored.generation, algorithm: stored.algorithm, versionId: response.VersionId },
  };
}

/**
 * Reads the signing key the SigningKeyGroup component stores in Secrets Manager (`storePrivateKey`; stack output
 * `privateKeySecretArn`) and returns a signer that keeps it fresh. Rejects with a one-line SecretSourceError
 * when the first read fails (not found, access denied, not the component's JSON). Later failures keep the
 * cached key and are reported through `onEvent`.
 */
export function signerFromSecret(secretId: string, options: SecretSignerOptions = {}): Promise<SecretSigner> {
  return SecretSigner.create(secretId, options);
}
