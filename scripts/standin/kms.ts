/*
 * A loopback stand-in for AWS KMS, for tests and the benchmark: the KMS JSON 1.1 protocol
 * (POST /, X-Amz-Target: TrentService.<Operation>, application/x-amz-json-1.1, blobs in base64) with
 * Sign and GetPublicKey over node:crypto keys, answering errors with KMS's shapes
 * ({"__type": "...Exception", "message": "..."}, HTTP 400). It errs toward KMS's documented behaviour:
 * key ids, key ARNs, alias names and alias ARNs resolve as in KMS; messages of 1 to 4096 bytes (RAW), or a
 * digest of the algorithm's length (DIGEST: RSA PKCS#1 v1.5 over a DigestInfo, ECDSA P-256 in p256.ts);
 * the signing algorithm must suit the key spec; disabled and pending-deletion keys refuse to sign; an
 * optional request rate answers ThrottlingException beyond it; an optional identity policy (restrictTo)
 * allows only what its statements allow, with StringEquals on kms:SigningAlgorithm and kms:MessageType.
 * Not verified: SigV4 signatures (only the presence and scope of the Authorization header are checked),
 * grants, key policies, DryRun, DIGEST for ECDSA P-384, EXTERNAL_MU, and exact message texts.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { signP256Digest } from "./p256";

export type StandInKeySpec = "RSA_2048" | "RSA_3072" | "RSA_4096" | "ECC_NIST_P256" | "ECC_NIST_P384";
export type StandInKeyState = "Enabled" | "Disabled" | "PendingDeletion";

export interface StandInKeyOptions {
  keySpec: StandInKeySpec;
  /** Default SIGN_VERIFY. An ENCRYPT_DECRYPT key refuses Sign with InvalidKeyUsageException. */
  keyUsage?: "SIGN_VERIFY" | "ENCRYPT_DECRYPT";
  /** An alias such as "alias/cloudfront-signing". */
  alias?: string;
  state?: StandInKeyState;
  /** Use this private key instead of generating one (must match keySpec). */
  privateKey?: crypto.KeyObject;
  /** Use this key id (a UUID) instead of a random one, e.g. to serve a key a stack's outputs name. */
  keyId?: string;
}

export interface StandInKey {
  keyId: string;
  arn: string;
  keySpec: StandInKeySpec;
  keyUsage: "SIGN_VERIFY" | "ENCRYPT_DECRYPT";
  state: StandInKeyState;
  aliases: string[];
  privateKey: crypto.KeyObject;
  /** SPKI PEM with its trailing newline, as aws.kms.getPublicKey's publicKeyPem. */
  publicKeyPem: string;
}

export interface KmsStandInOptions {
  region?: string;
  account?: string;
  /** Requests per second per operation before ThrottlingException (KMS quotas are per second); default unlimited. */
  requestsPerSecond?: number;
  /** Added to every answer, to model the network round trip to a KMS endpoint. */
  latencyMs?: number;
}

const SIGNING_ALGORITHMS: Record<StandInKeySpec, string[]> = {
  RSA_2048: rsaAlgorithms(),
  RSA_3072: rsaAlgorithms(),
  RSA_4096: rsaAlgorithms(),
  ECC_NIST_P256: ["ECDSA_SHA_256"],
  ECC_NIST_P384: ["ECDSA_SHA_384"],
};

const ALL_SIGNING_ALGORITHMS = [
  "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
  "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512", "SM2DSA", "ML_DSA_SHAKE_256",
];

function rsaAlgorithms(): string[] {
  return ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"];
}

class KmsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const validation = (message: string) => new KmsError("ValidationException", `1 validation error detected: ${message}`);

function generate(spec: StandInKeySpec): crypto.KeyObject {
  switch (spec) {
    case "RSA_2048":
    case "RSA_3072":
    case "RSA_4096":
      return crypto.generateKeyPairSync("rsa", { modulusLength: Number(spec.slice(4)) }).privateKey;
    case "ECC_NIST_P256":
      return crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    case "ECC_NIST_P384":
      return crypto.generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
  }
}

/** A loopback KMS (see the file comment). Start with KmsStandIn.start(); point clients at `endpoint`. */
export class KmsStandIn {
  readonly region: string;
  readonly account: string;
  /** Answered requests per operation (including errors), e.g. { Sign: 12, GetPublicKey: 1 }. */
  readonly requests: Record<string, number> = {};
  /** Signatures made per message type, e.g. { RAW: 10, DIGEST: 2 }. */
  readonly signatures: Record<string, number> = {};
  private readonly keys = new Map<string, StandInKey>();
  private readonly aliases = new Map<string, string>();
  private readonly denied = new Set<string>();
  private policy?: { allow: boolean; actions: string[]; resources: string[]; conditions: Record<string, string[]> }[];
  private throttleCount = 0;
  private readonly windows = new Map<string, { second: number; count: number }>();
  private server?: http.Server;
  private url = "";

  private constructor(private readonly options: KmsStandInOptions) {
    this.region = options.region ?? "us-east-1";
    this.account = options.account ?? "111122223333";
  }

  static async start(options: KmsStandInOptions = {}): Promise<KmsStandIn> {
    const standIn = new KmsStandIn(options);
    const server = http.createServer((req, res) => standIn.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    standIn.server = server;
    standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return standIn;
  }

  /** The endpoint for the client (`endpoint` option or AWS_ENDPOINT_URL_KMS). */
  get endpoint(): string {
    return this.url;
  }

  /** Creates a key (an alias too, when given), as CreateKey + CreateAlias would. */
  addKey(options: StandInKeyOptions): StandInKey {
    const keyId = options.keyId ?? crypto.randomUUID();
    const privateKey = options.privateKey ?? generate(options.keySpec);
    const key: StandInKey = {
      keyId,
      arn: `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`,
      keySpec: options.keySpec,
      keyUsage: options.keyUsage ?? "SIGN_VERIFY",
      state: options.state ?? "Enabled",
      aliases: [],
      privateKey,
      publicKeyPem: crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    };
    this.keys.set(keyId, key);
    if (options.alias !== undefined) this.addAlias(options.alias, key);
    return key;
  }

  addAlias(alias: string, key: StandInKey): void {
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias) || alias.startsWith("alias/aws/")) throw new Error(`bad alias name ${alias}`);
    this.aliases.set(alias, key.keyId);
    key.aliases.push(alias);
  }

  /** The next `count` requests answer ThrottlingException (as KMS does beyond its request quota). */
  throttleNext(count: number): void {
    this.throttleCount = count;
  }

  /** Denies `action` (e.g. "kms:Sign") on every key, or on the key with this ARN: AccessDeniedException. */
  deny(action: "kms:Sign" | "kms:GetPublicKey", keyArn = "*"): void {
    this.denied.add(`${action} ${keyArn}`);
  }

  /**
   * From now on only what this IAM policy document allows (as the caller's one identity policy): an Allow
   * statement whose Action, Resource and StringEquals conditions (kms:SigningAlgorithm, kms:MessageType) all
   * match. E.g. the component's kmsSigningPolicy output. Other condition operators or keys are refused here.
   */
  restrictTo(policyJson: string): void {
    const document = JSON.parse(policyJson) as { Statement?: unknown };
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    this.policy = statements.map((raw) => {
      const statement = raw as { Effect?: unknown; Action?: unknown; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
      for (const [operator, values] of Object.entries(statement.Condition ?? {})) {
        if (operator !== "StringEquals") throw new Error(`stand-in: condition operator ${operator} is not implemented`);
        for (const key of Object.keys(values)) {
          if (key !== "kms:SigningAlgorithm" && key !== "kms:MessageType") throw new Error(`stand-in: condition key ${key} is not implemented`);
        }
      }
      const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
      return {
        allow: statement.Effect === "Allow",
        actions: list(statement.Action),
        resources: list(statement.Resource),
        conditions: Object.fromEntries(Object.entries(statement.Condition?.StringEquals ?? {}).map(([k, v]) => [k, list(v)])),
      };
    });
  }

  allowAll(): void {
    this.denied.clear();
    this.policy = undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** While true, requests are accepted and never answered (an endpoint that hangs); close() ends them. */
  stalled = false;

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.stalled) {
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1 << 20) chunks.push(chunk);
    });
    req.on("end", () => {
      let status = 200;
      let body: unknown;
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : target;
      try {
        body = this.dispatch(req, operation, size > 1 << 20 ? undefined : Buffer.concat(chunks).toString("utf8"));
      } catch (error) {
        const e = error instanceof KmsError ? error : new KmsError("KMSInternalException", "An internal error occurred", 500);
        status = e.status;
        body = { __type: e.type, message: e.message };
      }
      this.requests[operation || "(none)"] = (this.requests[operation || "(none)"] ?? 0) + 1;
      const text = JSON.stringify(body);
      const send = () => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "content-length": Buffer.byteLength(text),
          "x-amzn-requestid": crypto.randomUUID(),
        });
        res.end(text);
      };
      if (this.options.latencyMs) setTimeout(send, this.options.latencyMs);
      else send();
    });
  }

  private dispatch(req: http.IncomingMessage, operation: string, text: string | undefined): unknown {
    if (req.method !== "POST") throw new KmsError("UnknownOperationException", "", 404);
    this.checkAuthorization(req);
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.1")) {
      throw new KmsError("UnknownOperationException", "");
    }
    if (operation !== "Sign" && operation !== "GetPublicKey") {
      throw new KmsError("UnknownOperationException", `stand-in: ${operation || "no X-Amz-Target"} is not implemented (only Sign and GetPublicKey)`);
    }
    if (text === undefined) throw new KmsError("SerializationException", "Request body too large");
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text === "" ? "{}" : text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      throw new KmsError("SerializationException", "Start of structure or map found where not expected.");
    }
    this.checkRate(operation);
    return operation === "Sign" ? this.sign(input) : this.getPublicKey(input);
  }

  /** Presence and scope only: the SigV4 signature itself is not verified. */
  private checkAuthorization(req: http.IncomingMessage): void {
    const authorization = String(req.headers.authorization ?? "");
    if (authorization === "") throw new KmsError("MissingAuthenticationTokenException", "Missing Authentication Token");
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
    if (!authorization.startsWith("AWS4-HMAC-SHA256 ") || scope === null) {
      throw new KmsError("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.");
    }
    if (scope[2] !== "kms") throw new KmsError("InvalidSignatureException", `Credential should be scoped to correct service: 'kms'. `);
    if (scope[1] !== this.region) {
      throw new KmsError("InvalidSignatureException", `Credential should be scoped to a valid region, not '${scope[1]}'. `);
    }
  }

  private checkRate(operation: string): void {
    if (this.throttleCount > 0) {
      this.throttleCount--;
      throw new KmsError("ThrottlingException", "Rate exceeded");
    }
    const limit = this.options.requestsPerSecond;
    if (limit === undefined) return;
    const second = Math.floor(Date.now() / 1000);
    const window = this.windows.get(operation);
    if (window === undefined || window.second !== second) this.windows.set(operation, { second, count: 1 });
    else if (++window.count > limit) throw new KmsError("ThrottlingException", "Rate exceeded");
  }

  /** Whether the identity policy (restrictTo) allows `action` on `key` in this request context. */
  private policyAllows(action: string, key: StandInKey, context: Record<string, string>): boolean {
    if (this.policy === undefined) return true;
    return this.policy.some(
      (statement) =>
        statement.allow &&
        statement.actions.some((a) => a === action || a === "kms:*" || a === "*") &&
        statement.resources.some((r) => r === key.arn || r === "*") &&
        Object.entries(statement.conditions).every(([name, values]) => context[name] !== undefined && values.includes(context[name])),
    );
  }

  private resolveKey(input: Record<string, unknown>, action: string, context: Record<string, string> = {}): StandInKey {
    const keyId = input.KeyId;
    if (keyId === undefined || keyId === null) throw validation("Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    if (typeof keyId !== "string") throw new KmsError("SerializationException", "STRING_VALUE can not be converted to a String");
    if (keyId.length < 1 || keyId.length > 2048) {
      throw validation(`Value '${keyId}' at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048`);
    }
    const prefix = `arn:aws:kms:${this.region}:${this.account}:`;
    let key: StandInKey | undefined;
    let alias: string | undefined;
    if (keyId.startsWith("alias/")) alias = keyId;
    else if (keyId.startsWith("arn:")) {
      const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(keyId);
      if (arn === null) throw new KmsError("NotFoundException", `Invalid arn ${keyId}`);
      if (!keyId.startsWith(prefix)) {
        // Another region or account: not this endpoint's key (KMS is regional).
        throw new KmsError("NotFoundException", `Key '${keyId}' does not exist`);
      }
      if (arn[3].startsWith("alias/")) alias = arn[3];
      else key = this.keys.get(arn[3].slice(4));
    } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(keyId) || /^mrk-[0-9a-f]{32}$/.test(keyId)) {
      key = this.keys.get(keyId);
    } else {
      throw new KmsError("NotFoundException", `Invalid keyId '${keyId}'`);
    }
    if (alias !== undefined) {
      const target = this.aliases.get(alias);
      if (target === undefined) throw new KmsError("NotFoundException", `Alias ${prefix}${alias} is not found.`);
      key = this.keys.get(target);
    }
    if (key === undefined) throw new KmsError("NotFoundException", `Key '${keyId.startsWith("arn:") ? keyId : `${prefix}key/${keyId}`}' does not exist`);
    if (this.denied.has(`${action} *`) || this.denied.has(`${action} ${key.arn}`) || !this.policyAllows(action, key, context)) {
      throw new KmsError(
        "AccessDeniedException",
        `User: arn:aws:iam::${this.account}:user/stand-in is not authorized to perform: ${action} on resource: ${key.arn} because no identity-based policy allows the ${action} action`,
      );
    }
    if (key.state === "Disabled") throw new KmsError("DisabledException", `${key.arn} is disabled.`);
    if (key.state === "PendingDeletion") throw new KmsError("KMSInvalidStateException", `${key.arn} is pending deletion.`);
    return key;
  }

  private getPublicKey(input: Record<string, unknown>): unknown {
    const key = this.resolveKey(input, "kms:GetPublicKey");
    const der = crypto.createPublicKey(key.privateKey).export({ type: "spki", format: "der" });
    return {
      CustomerMasterKeySpec: key.keySpec,
      KeyId: key.arn,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      PublicKey: der.toString("base64"),
      ...(key.keyUsage === "SIGN_VERIFY"
        ? { SigningAlgorithms: SIGNING_ALGORITHMS[key.keySpec] }
        : { EncryptionAlgorithms: key.keySpec.startsWith("RSA") ? ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] : [] }),
    };
  }

  private sign(input: Record<string, unknown>): unknown {
    // KMS validates the request shape before looking at the key.
    const errors: string[] = [];
    const algorithm = input.SigningAlgorithm;
    if (algorithm === undefined || algorithm === null) errors.push("Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null");
    else if (typeof algorithm !== "string" || !ALL_SIGNING_ALGORITHMS.includes(algorithm)) {
      errors.push(`Value '${String(algorithm)}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${ALL_SIGNING_ALGORITHMS.join(", ")}]`);
    }
    const messageType = input.MessageType ?? "RAW";
    if (messageType !== "RAW" && messageType !== "DIGEST" && messageType !== "EXTERNAL_MU") {
      errors.push(`Value '${String(messageType)}' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [EXTERNAL_MU, DIGEST, RAW]`);
    }
    let message: Buffer | undefined;
    if (input.Message === undefined || input.Message === null) errors.push("Value null at 'message' failed to satisfy constraint: Member must not be null");
    else if (typeof input.Message !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(input.Message) || input.Message.length % 4 !== 0) {
      throw new KmsError("SerializationException", "Base64 encoded string is not valid");
    } else {
      message = Buffer.from(input.Message, "base64");
      if (message.length < 1 || message.length > 4096) {
        errors.push("Value at 'message' failed to satisfy constraint: Member must have length " + (message.length < 1 ? "greater than or equal to 1" : "less than or equal to 4096"));
      }
    }
    if (errors.length > 0) {
      throw new KmsError("ValidationException", `${errors.length} validation error${errors.length > 1 ? "s" : ""} detected: ${errors.join("; ")}`);
    }
    const key = this.resolveKey(input, "kms:Sign", { "kms:SigningAlgorithm": String(algorithm), "kms:MessageType": String(messageType) });
    if (key.keyUsage !== "SIGN_VERIFY") {
      throw new KmsError("InvalidKeyUsageException", `${key.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
    }
    if (!SIGNING_ALGORITHMS[key.keySpec].includes(algorithm as string)) {
      throw new KmsError("InvalidKeyUsageException", `Algorithm ${String(algorithm)} is incompatible with key spec ${key.keySpec}.`);
    }
    const bytes = message as Buffer;
    const alg = algorithm as string;
    const digest = `sha${alg.slice(-3)}`;
    let signature: Buffer;
    if (messageType === "RAW") {
      signature = crypto.sign(digest, bytes, this.signingKey(key, alg));
    } else if (messageType === "DIGEST" && alg.startsWith("RSASSA_PKCS1")) {
      const length = Number(alg.slice(-3)) / 8;
      if (bytes.length !== length) {
        throw new KmsError("ValidationException", `Digest is invalid length for algorithm ${alg}.`);
      }
      // PKCS#1 v1.5 over a precomputed digest: DigestInfo(prefix) || digest, padded and raised to d.
      const prefixes: Record<number, string> = {
        32: "3031300d060960864801650304020105000420",
        48: "3041300d060960864801650304020205000430",
        64: "3051300d060960864801650304020305000440",
      };
      signature = crypto.privateEncrypt(
        { key: key.privateKey.export({ type: "pkcs8", format: "pem" }), padding: crypto.constants.RSA_PKCS1_PADDING },
        Buffer.concat([Buffer.from(prefixes[length], "hex"), bytes]),
      );
    } else if (messageType === "DIGEST" && alg === "ECDSA_SHA_256") {
      if (bytes.length !== 32) throw new KmsError("ValidationException", `Digest is invalid length for algorithm ${alg}.`);
      signature = signP256Digest(bytes, key.privateKey);
    } else {
      throw new KmsError("ValidationException", `stand-in: MessageType ${String(messageType)} with ${alg} is not implemented (RAW is)`);
    }
    this.signatures[String(messageType)] = (this.signatures[String(messageType)] ?? 0) + 1;
    return { KeyId: key.arn, Signature: signature.toString("base64"), SigningAlgorithm: alg };
  }

  private signingKey(key: StandInKey, algorithm: string): crypto.KeyObject | crypto.SignKeyObjectInput {
    // PSS with salt length = digest length, as KMS documents; PKCS#1 v1.5 and ECDSA DER otherwise.
    if (algorithm.startsWith("RSASSA_PSS")) {
      return { key: key.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(algorithm.slice(-3)) / 8 };
    }
    return key.privateKey;
  }
}
