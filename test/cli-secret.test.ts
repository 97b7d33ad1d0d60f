import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { storedSigningKeyJson } from "../components/policy";
import { verifyRequest } from "../signer/src/lib/verifier";
import { assertRefused, CliResult, runCli } from "./helpers/cli";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const URL_TO_SIGN = "https://cdn.example.test/private/cat.jpeg";

describe("cf-sign url|cookies with a Secrets Manager key source and --generation (compiled CLI, loopback stand-in)", function () {
  const keys = testKeys();
  const standIn = new SecretsManagerStandIn();
  const trustedKeys = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem, [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };
  const SECRET = "signing-cloudfront-signing-key-1a2b3c4d";
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const write = (name: string, value: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o600 });
    return file;
  };
  const okUrl = (result: CliResult): string => {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "", "nothing on stderr (no AWS SDK notice)");
    return result.stdout.trim();
  };

  before(async () => {
    await standIn.start();
    standIn.put(SECRET, storedSigningKeyJson({ keyPairId: keys.ecdsa.keyPairId, privateKeyPem: keys.ecdsa.privateKeyPem, algorithm: "ECDSA", generation: "2026-11" }));
    env = standIn.env; // no AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: the CLI must keep the notice out itself
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-sign-secret-"));
  });
  after(async () => {
    await standIn.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("url --secret-id NAME and cookies --secret-id ARN sign with the stored key", async () => {
    const url = okUrl(await runCli(["url", URL_TO_SIGN, "--secret-id", SECRET], { env }));
    const result = verifyRequest({ url, trustedKeys });
    assert.ok(result.ok, result.ok ? "" : result.detail);
    assert.match(url, new RegExp(`Key-Pair-Id=${keys.ecdsa.keyPairId}&Hash-Algorithm=SHA256$`));
    const cookies = await runCli(["cookies", "https://cdn.example.test/private/*", "--secret-id", standIn.arnOf(SECRET), "--format", "json"], { env });
    assert.equal(cookies.code, 0, cookies.stderr);
    assert.equal(cookies.stderr, "");
    assert.ok(verifyRequest({ url: URL_TO_SIGN, cookies: JSON.parse(cookies.stdout) as Record<string, string>, trustedKeys }).ok);
  });

  it("the stack output privateKeySecretArn is used before privateKeyPem (outputs without --show-secrets suffice)", async () => {
    const outputs = write("outputs-ci.json", {
      baseUrl: "https://cdn.example.test",
      keyPairId: keys.ecdsa.keyPairId,
      privateKeyPem: "[secret]",
      privateKeySecretArn: standIn.arnOf(SECRET),
    });
    const before = standIn.calls.length;
    const url = okUrl(await runCli(["url", "/private/cat.jpeg", "--outputs-file", outputs], { env }));
    assert.ok(url.startsWith(`${URL_TO_SIGN}?`));
    assert.ok(verifyRequest({ url, trustedKeys }).ok);
    assert.equal(standIn.calls.length, before + 1);
    // Even when privateKeyPem is readable, the secret (the key applications sign with) wins.
    const both = write("outputs-both.json", { keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, privateKeySecretArn: standIn.arnOf(SECRET) });
    assert.match(okUrl(await runCli(["url", URL_TO_SIGN, "--outputs-file", both], { env })), new RegExp(`Key-Pair-Id=${keys.ecdsa.keyPairId}`));
  });

  it("explicit flags and the environment come before the outputs' secret (no call to Secrets Manager)", async () => {
    const outputs = write("outputs-secret.json", { privateKeySecretArn: standIn.arnOf(SECRET), privateKeyPem: "[secret]" });
    const keyFile = write("rsa.pem", keys.rsa.privateKeyPem);
    const before = standIn.calls.length;
    const viaFlags = okUrl(await runCli(["url", URL_TO_SIGN, "--outputs-file", outputs, "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile], { env }));
    assert.match(viaFlags, new RegExp(`Key-Pair-Id=${keys.rsa.keyPairId}$`));
    const viaEnv = okUrl(
      await runCli(["url", URL_TO_SIGN, "--outputs-file", outputs], { env: { ...env, CLOUDFRONT_KEY_PAIR_ID: keys.rsa.keyPairId, CLOUDFRONT_PRIVATE_KEY_FILE: keyFile } }),
    );
    assert.match(viaEnv, new RegExp(`Key-Pair-Id=${keys.rsa.keyPairId}$`));
    assert.equal(standIn.calls.length, before);
    // --secret-id is an explicit flag: it beats the environment.
    const flagOverEnv = okUrl(
      await runCli(["url", URL_TO_SIGN, "--secret-id", SECRET], { env: { ...env, CLOUDFRONT_KEY_PAIR_ID: keys.rsa.keyPairId, CLOUDFRONT_PRIVATE_KEY_FILE: keyFile } }),
    );
    assert.match(flagOverEnv, new RegExp(`Key-Pair-Id=${keys.ecdsa.keyPairId}`));
  });

  it("access denied, a missing secret, bad credentials and a flag clash: one error line, exit 2, no SDK notice", async () => {
    const denied = "denied-secret";
    standIn.put(denied, "{}");
    standIn.denied.add(denied);
    assertRefused(await runCli(["url", URL_TO_SIGN, "--secret-id", denied], { env }), /^error: secret denied-secret: access denied \(AccessDeniedException: .*\); grant secretsmanager:GetSecretValue/);
    assertRefused(await runCli(["cookies", "https://cdn.example.test/private/*", "--secret-id", "no-such-secret"], { env }), /^error: secret no-such-secret: not found \(ResourceNotFoundException\)/);
    const outputs = write("outputs-missing.json", { privateKeySecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-abcdef", privateKeyPem: "[secret]" });
    assertRefused(await runCli(["url", URL_TO_SIGN, "--outputs-file", outputs], { env }), /^error: --outputs-file .*: privateKeySecretArn: secret arn:aws:secretsmanager:.*gone-abcdef: not found/);
    assertRefused(
      await runCli(["url", URL_TO_SIGN, "--secret-id", SECRET], { env: { ...env, AWS_SECRET_ACCESS_KEY: "wrong/secret/key/0000000000000000000000" } }),
      /^error: secret .*: AWS credentials refused or missing \(InvalidSignatureException/,
    );
    const stored = standIn.put("not-the-component", JSON.stringify({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem }));
    const notOurs = await runCli(["url", URL_TO_SIGN, "--secret-id", stored], { env });
    assertRefused(notOurs, /algorithm must be "RSA" or "ECDSA"/);
    assert.ok(!notOurs.stderr.includes("PRIVATE KEY"));
    assertRefused(await runCli(["url", URL_TO_SIGN, "--secret-id", SECRET, "--key-pair-id", "K1"], { env }), /--secret-id is a key source of its own/);
  });

  describe("--generation (rotation canary)", () => {
    // Step 1 of a rotation: generation 2026-11 is in the key group, 2026-01 still signs.
    const outputsValue = () => ({
      baseUrl: "https://cdn.example.test",
      keyPairId: keys.rsa.keyPairId,
      keyPairIds: { "2026-01": keys.rsa.keyPairId, "2026-11": keys.ecdsa.keyPairId },
      privateKeyPem: keys.rsa.privateKeyPem,
      privateKeyPems: { "2026-01": keys.rsa.privateKeyPem, "2026-11": keys.ecdsa.privateKeyPem },
      privateKeySecretArn: standIn.arnOf(SECRET),
    });

    it("signs URLs and cookies with the named generation's key pair id and key", async () => {
      const outputs = write("outputs-gen.json", outputsValue());
      const before = standIn.calls.length;
      const url = okUrl(await runCli(["url", "/private/cat.jpeg", "--outputs-file", outputs, "--generation", "2026-11"], { env }));
      assert.match(url, new RegExp(`Key-Pair-Id=${keys.ecdsa.keyPairId}`));
      assert.ok(verifyRequest({ url, trustedKeys }).ok);
      const old = okUrl(await runCli(["url", URL_TO_SIGN, "--outputs-file", outputs, "--generation", "2026-01"], { env }));
      assert.match(old, new RegExp(`Key-Pair-Id=${keys.rsa.keyPairId}$`));
      const cookies = await runCli(["cookies", "/private/*", "--outputs-file", outputs, "--generation", "2026-11", "--format", "json"], { env });
      assert.equal(cookies.code, 0, cookies.stderr);
      assert.equal((JSON.parse(cookies.stdout) as Record<string, string>)["CloudFront-Key-Pair-Id"], keys.ecdsa.keyPairId);
      assert.equal(standIn.calls.length, before, "a generation comes from the outputs, not the secret");
    });

    it("refuses an unknown generation, hidden or absent privateKeyPems, and clashing key flags", async () => {
      const good = write("outputs-gen2.json", outputsValue());
      assertRefused(await runCli(["url", URL_TO_SIGN, "--outputs-file", good, "--generation", "2027-01"], { env }), /--generation 2027-01: no such key generation .*; the stack has 2026-01, 2026-11$/);
      const hidden = write("outputs-hidden.json", { ...outputsValue(), privateKeyPems: "[secret]" });
      assertRefused(await runCli(["url", URL_TO_SIGN, "--outputs-file", hidden, "--generation", "2026-11"], { env }), /privateKeyPems is hidden as "\[secret\]"; .*--show-secrets/);
      const { privateKeyPems: _omitted, ...withoutPems } = outputsValue();
      const absent = write("outputs-nopems.json", withoutPems);
      assertRefused(
        await runCli(["url", URL_TO_SIGN, "--outputs-file", absent, "--generation", "2026-11"], { env }),
        new RegExp(`no privateKeyPems output .*--key-pair-id ${keys.ecdsa.keyPairId} --private-key-file FILE`),
      );
      assertRefused(await runCli(["url", URL_TO_SIGN, "--outputs-file", good, "--generation", "2026-11", "--secret-id", SECRET], { env }), /--generation picks a key from the stack outputs/);
      assertRefused(await runCli(["url", URL_TO_SIGN, "--generation", "2026-11"], { env }), /--generation needs the stack outputs/);
      assertRefused(await runCli(["url", URL_TO_SIGN, "--outputs-file", good, "--generation", "../x"], { env }), /not a generation id/);
    });
  });
});
