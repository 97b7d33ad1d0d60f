// A small AWS Secrets Manager stand-in on 127.0.0.1 for the real @aws-sdk/client-secrets-manager: the JSON 1.1
// protocol (POST /, X-Amz-Target: secretsmanager.GetSecretValue), SigV4 checked with the test credentials,
// and errors shaped as the service sends them (HTTP 400, {"__type": ..., "Message": ...}).
// Unverified against the live service: the exact Message texts, and partial-ARN matching (not implemented).
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export const STAND_IN_REGION = "eu-west-1";
export const STAND_IN_ACCOUNT = "123456789012";
export const STAND_IN_CREDENTIALS = { accessKeyId: "AKIDSTANDIN00000001", secretAccessKey: "standin/secret/key/not/real/000000000000" };

interface Version {
  id: string;
  value: string;
  created: number;
  stages: Set<string>;
}

interface StoredSecret {
  name: string;
  arn: string;
  versions: Version[];
  deleted: boolean;
}

export interface GetSecretValueCall {
  secretId: string;
  versionStage?: string;
  status: number;
  errorType?: string;
}

export class SecretsManagerStandIn {
  readonly calls: GetSecretValueCall[] = [];
  /** Secret names the caller's (pretend) IAM identity may not read. */
  readonly denied = new Set<string>();
  private readonly secrets = new Map<string, StoredSecret>();
  private server: http.Server | undefined;
  private nextFailure: { status: number; type: string; message: string } | undefined;
  /** While true, requests are accepted and never answered (an endpoint that hangs). */
  stalled = false;
  /** Requests accepted while stalled. */
  stalledRequests = 0;

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error("stand-in not started");
    return `http://127.0.0.1:${address.port}`;
  }

  /** Env for a child process using the standard AWS SDK sources only (no profile files, no instance metadata). */
  get env(): NodeJS.ProcessEnv {
    return this.envFor(this.endpoint);
  }

  /** The same environment for another endpoint (e.g. a server that misbehaves). */
  envFor(endpoint: string): NodeJS.ProcessEnv {
    return {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: STAND_IN_REGION,
      AWS_ACCESS_KEY_ID: STAND_IN_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STAND_IN_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (this.stalled) {
        this.stalledRequests++;
        req.resume();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Creates the secret, or puts a new AWSCURRENT value (the old one becomes AWSPREVIOUS), as PutSecretValue does. */
  put(name: string, value: string): string {
    let secret = this.secrets.get(name);
    if (!secret) {
      const suffix = crypto.randomBytes(3).toString("hex");
      secret = { name, arn: `arn:aws:secretsmanager:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:secret:${name}-${suffix}`, versions: [], deleted: false };
      this.secrets.set(name, secret);
    }
    for (const v of secret.versions) {
      v.stages.delete("AWSPREVIOUS");
      if (v.stages.delete("AWSCURRENT")) v.stages.add("AWSPREVIOUS");
    }
    const id = crypto.randomUUID();
    secret.versions.push({ id, value, created: Date.now() / 1000, stages: new Set(["AWSCURRENT"]) });
    return secret.arn;
  }

  arnOf(name: string): string {
    const secret = this.secrets.get(name);
    if (!secret) throw new Error(`no secret ${name}`);
    return secret.arn;
  }

  /** DeleteSecret with a recovery window: reads now fail with InvalidRequestException. */
  markDeleted(name: string): void {
    const secret = this.secrets.get(name);
    if (secret) secret.deleted = true;
  }

  /** The next request answers with this error (e.g. 500 InternalServiceError, which the SDK retries). */
  failNext(status: number, type: string, message: string): void {
    this.nextFailure = { status, type, message };
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const send = (status: number, payload: unknown, call?: GetSecretValueCall): void => {
      if (call) this.calls.push({ ...call, status, errorType: status === 200 ? undefined : (payload as { __type: string }).__type });
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        "Content-Type": "application/x-amz-json-1.1",
        "Content-Length": Buffer.byteLength(text),
        "x-amzn-RequestId": crypto.randomUUID(),
      });
      res.end(text);
    };
    const error = (status: number, type: string, message: string, call?: GetSecretValueCall): void =>
      send(status, { __type: type, Message: message }, call);

    if (req.method !== "POST" || req.url !== "/") return error(404, "UnknownOperationException", "");
    const target = req.headers["x-amz-target"];
    if (target !== "secretsmanager.GetSecretValue") return error(400, "UnknownOperationException", "");
    const auth = this.checkSignature(req, body);
    if (auth) return error(400, auth.type, auth.message);
    if (!/^application\/x-amz-json-1\.1\b/.test(String(req.headers["content-type"] ?? ""))) {
      return error(400, "SerializationException", "Start of structure or map found where not expected.");
    }
    let input: { SecretId?: unknown; VersionStage?: unknown; VersionId?: unknown };
    try {
      input = JSON.parse(body.toString("utf8")) as typeof input;
    } catch {
      return error(400, "SerializationException", "Unable to parse request body.");
    }
    const secretId = typeof input.SecretId === "string" ? input.SecretId : "";
    const versionStage = typeof input.VersionStage === "string" ? input.VersionStage : undefined;
    const call: GetSecretValueCall = { secretId, versionStage, status: 0 };
    if (this.nextFailure) {
      const failure = this.nextFailure;
      this.nextFailure = undefined;
      return error(failure.status, failure.type, failure.message, call);
    }
    if (secretId === "") {
      return error(400, "ValidationException", "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null", call);
    }
    const secret = [...this.secrets.values()].find((s) => s.name === secretId || s.arn === secretId);
    // IAM is evaluated before the lookup: a denied caller cannot learn whether a secret exists.
    if (this.denied.has(secret?.name ?? secretId)) {
      return error(
        400,
        "AccessDeniedException",
        `User: arn:aws:iam::${STAND_IN_ACCOUNT}:user/ci is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
        call,
      );
    }
    if (!secret) return error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.", call);
    if (secret.deleted) {
      return error(400, "InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.", call);
    }
    const stage = versionStage ?? "AWSCURRENT";
    const version = secret.versions.find((v) => v.stages.has(stage));
    if (!version) {
      return error(400, "ResourceNotFoundException", `Secrets Manager can't find the specified secret value for staging label: ${stage}`, call);
    }
    send(
      200,
      {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
        CreatedDate: version.created,
      },
      call,
    );
  }

  /** SigV4 as the service checks it: known access key, scope region/service, and the signature itself. */
  private checkSignature(req: http.IncomingMessage, body: Buffer): { type: string; message: string } | undefined {
    const header = String(req.headers.authorization ?? "");
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(header);
    if (!match) return { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
    const [, accessKey, date, region, service, signedHeaders, signature] = match;
    if (accessKey !== STAND_IN_CREDENTIALS.accessKeyId) {
      return { type: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
    }
    if (service !== "secretsmanager" || region !== STAND_IN_REGION) {
      return { type: "InvalidSignatureException", message: `Credential should be scoped to a valid region or service.` };
    }
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const canonicalHeaders = signedHeaders
      .split(";")
      .map((name) => `${name}:${String(req.headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const payloadHash = crypto.createHash("sha256").update(body).digest("hex");
    const canonicalRequest = [req.method, "/", "", canonicalHeaders, signedHeaders, payloadHash].join("\n");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, crypto.createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
    const hmac = (key: crypto.BinaryLike, data: string): Buffer => crypto.createHmac("sha256", key).update(data).digest();
    let key = hmac(`AWS4${STAND_IN_CREDENTIALS.secretAccessKey}`, date);
    for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
    const expected = crypto.createHmac("sha256", key).update(stringToSign).digest("hex");
    if (expected !== signature) {
      return {
        type: "InvalidSignatureException",
        message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
      };
    }
    return undefined;
  }
}
