// A Secrets Manager answer the AWS SDK cannot parse (a proxy's page, a wrong endpoint, a cut-off body) fails with
// one line naming the secret and the HTTP status, never a piece of the body, which may hold the secret itself.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretSourceError, signerFromSecret } from "../signer/src/lib/secretSigner";

interface Answer {
  status: number;
  type: string;
  body: string;
}

describe("signerFromSecret: answers that are not Secrets Manager's JSON (real AWS SDK client, loopback server)", function () {
  this.timeout(30_000);
  let answer: Answer;
  let server: http.Server;
  let client: SecretsManagerClient;
  const saved = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

  before(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(answer.status, { "Content-Type": answer.type });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret-key" },
      maxAttempts: 1,
    });
  });
  after(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (saved === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved;
  });

  async function failure(given: Answer): Promise<SecretSourceError> {
    answer = given;
    let caught: unknown;
    try {
      await signerFromSecret("app-signing-key", { client });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof SecretSourceError, `a SecretSourceError, got ${String(caught)}`);
    assert.doesNotMatch(caught.message, /\n/, "one line");
    return caught;
  }

  const unparsable: [string, Answer, string[]][] = [
    ["a proxy's HTML error page", { status: 502, type: "text/html", body: "<html><body>Bad Gateway PROXY-MARKER</body></html>" }, ["<html", "Bad Gateway", "PROXY-MARKER"]],
    [
      "a cut-off answer carrying the key",
      { status: 200, type: "application/x-amz-json-1.1", body: '{"SecretString":"{\\"privateKeyPem\\":\\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC' },
      ["PRIVATE KEY", "MIIEv", "SecretString", "privateKeyPem"],
    ],
    ["a firewall's plain-text refusal", { status: 403, type: "text/plain", body: "Forbidden by rule WAF-MARKER-7" }, ["Forbidden", "WAF-MARKER"]],
  ];
  for (const [what, given, absent] of unparsable) {
    it(`${what}: the HTTP status and where to look, no part of the body`, async () => {
      const error = await failure(given);
      assert.equal(error.code, "InvalidResponse");
      assert.equal(
        error.message,
        `secret app-signing-key: the answer (HTTP ${given.status}) is not Secrets Manager's JSON; check the region, AWS_ENDPOINT_URL_SECRETS_MANAGER and any proxy in between`,
      );
      for (const text of absent) assert.ok(!error.message.includes(text), `"${text}" is in: ${error.message}`);
    });
  }

  it("an AWS error answer keeps AWS's own message (what the policy lacks)", async () => {
    const error = await failure({
      status: 400,
      type: "application/x-amz-json-1.1",
      body: JSON.stringify({ __type: "AccessDeniedException", message: "User arn:aws:iam::123456789012:role/app is not authorized to perform: secretsmanager:GetSecretValue" }),
    });
    assert.equal(error.code, "AccessDeniedException");
    assert.match(error.message, /^secret app-signing-key: access denied \(AccessDeniedException: User arn:aws:iam::123456789012:role\/app is not authorized/);
  });
});
