// Every AWS call the library and cf-sign make: the region a full ARN names, a connection and request timeout
// with bounded attempts (an endpoint that accepts and never answers), and a cap on what an answer may hold.
// Real @aws-sdk clients against loopback servers; no assertion on durations, only that every call settles.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { storedSigningKeyJson } from "../components/policy";
import { regionOfArn } from "../signer/src/lib/awsClient";
import { createKmsSigner } from "../signer/src/lib/kmsSigner";
import {
  SECRET_MAX_RESPONSE_BYTES,
  SecretSignerEvent,
  SecretSourceError,
  signerFromSecret,
} from "../signer/src/lib/secretSigner";
import { verifyRequest } from "../signer/src/lib/verifier";
import { KmsStandIn } from "../scripts/standin/kms";
import { assertRefused, runCli } from "./helpers/cli";
import { STAND_IN_CREDENTIALS as KMS_CREDENTIALS, standInEnv } from "./helpers/kms";
import { SecretsManagerStandIn, STAND_IN_REGION } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const URL_TO_SIGN = "https://cdn.example.test/private/cat.jpeg";
const OTHER_REGION = "us-east-1";

/** Sets process.env for the AWS SDK's standard sources; returns the function that restores it. */
function setEnv(env: NodeJS.ProcessEnv): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A loopback HTTP server answering with `handler`; close() ends hanging connections too. */
async function loopback(handler: http.RequestListener): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("AWS calls: the region of an ARN, timeouts with bounded attempts, bounded answers", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const stored = storedSigningKeyJson({ keyPairId: keys.ecdsa.keyPairId, privateKeyPem: keys.ecdsa.privateKeyPem, algorithm: "ECDSA", generation: "2026-11" });
  const trustedKeys = { [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };

  it("regionOfArn reads the region of a full ARN only", () => {
    assert.equal(regionOfArn("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"), "eu-west-1");
    assert.equal(regionOfArn("arn:aws:kms:ap-southeast-2:111122223333:alias/cloudfront"), "ap-southeast-2");
    assert.equal(regionOfArn("arn:aws:secretsmanager:us-gov-west-1:111122223333:secret:x-AbCdEf"), "us-gov-west-1");
    assert.equal(regionOfArn("arn:aws-cn:kms:cn-north-1:111122223333:key/abc"), "cn-north-1");
    for (const id of ["alias/cloudfront", "1234abcd-12ab-34cd-56ef-1234567890ab", "my-secret", "arn:aws:kms::111122223333:key/x", ""]) {
      assert.equal(regionOfArn(id), undefined, id);
    }
  });

  describe("Secrets Manager (signerFromSecret without a client)", () => {
    const standIn = new SecretsManagerStandIn();
    const name = "signing-cloudfront-signing-key-aws-calls";
    let restore: () => void;

    before(async () => {
      await standIn.start();
      standIn.put(name, stored);
    });
    after(async () => {
      await standIn.stop();
    });
    beforeEach(() => {
      // The SDK's region points elsewhere: only a full ARN says where the secret lives.
      restore = setEnv({ ...standIn.env, AWS_REGION: OTHER_REGION, AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined, AWS_MAX_ATTEMPTS: undefined });
      standIn.stalled = false;
    });
    afterEach(() => restore());

    it("a full ARN is read in the region it names, whatever AWS_REGION says; a bare name uses AWS_REGION", async () => {
      const arn = standIn.arnOf(name);
      assert.equal(regionOfArn(arn), STAND_IN_REGION);
      const signer = await signerFromSecret(arn);
      const signed = signer.signUrl(URL_TO_SIGN, { expires: "1h" });
      assert.ok(verifyRequest({ url: signed.url, trustedKeys }).ok);
      // A name carries no region: the stand-in (eu-west-1) refuses a request signed for us-east-1.
      await assert.rejects(signerFromSecret(name, { aws: { maxAttempts: 1 } }), (error: Error) => {
        assert.ok(error instanceof SecretSourceError);
        assert.equal(error.code, "InvalidSignatureException");
        return true;
      });
      // An explicit region wins over the ARN's.
      await assert.rejects(signerFromSecret(arn, { aws: { region: OTHER_REGION, maxAttempts: 1 } }), { code: "InvalidSignatureException" });
    });

    it("an endpoint that accepts and never answers: the first read fails with one line within the request timeout and the attempts", async () => {
      standIn.stalled = true;
      const arn = standIn.arnOf(name);
      for (const maxAttempts of [1, 2]) {
        const before = standIn.stalledRequests;
        await assert.rejects(signerFromSecret(arn, { aws: { requestTimeoutMs: 200, maxAttempts } }), (error: Error) => {
          assert.ok(error instanceof SecretSourceError);
          assert.equal(error.code, "TimeoutError");
          assert.match(error.message, /^secret arn:aws:secretsmanager:\S+: no answer from Secrets Manager within the 200 ms request timeout/);
          assert.match(error.message, /CF_SIGN_AWS_REQUEST_TIMEOUT_MS/);
          assert.ok(!error.message.includes("\n"));
          return true;
        });
        assert.equal(standIn.stalledRequests - before, maxAttempts, "bounded attempts");
      }
    });

    it("a refresh that times out is a failed refresh: settled() resolves, the cached key keeps signing, a later refresh picks up a rotated key", async () => {
      const arn = standIn.arnOf(name);
      let clock = 1_000_000;
      const events: SecretSignerEvent[] = [];
      const signer = await signerFromSecret(arn, {
        aws: { requestTimeoutMs: 200, maxAttempts: 1 },
        refreshAfterMs: 60_000,
        retryAfterMs: 1_000,
        now: () => clock,
        onEvent: (e) => events.push(e),
      });
      standIn.stalled = true;
      clock += 60_000;
      signer.signUrl(URL_TO_SIGN, { expires: "1h" }); // starts the background refresh
      await signer.settled();
      const failed = events.find((e) => e.type === "refresh-failed");
      assert.ok(failed !== undefined && failed.type === "refresh-failed");
      assert.equal(failed.error.code, "TimeoutError");
      assert.equal(signer.key.generation, "2026-11");
      // invalidate() after the retry gap starts a new refresh, which now succeeds with the rotated key.
      standIn.stalled = false;
      standIn.put(name, storedSigningKeyJson({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "2027-01" }));
      clock += 1_000;
      signer.invalidate();
      await signer.settled();
      assert.equal(signer.key.generation, "2027-01");
      assert.ok(events.some((e) => e.type === "rotated"));
    });

    it("refresh() rejects on a timeout and a new refresh can start at once", async () => {
      const signer = await signerFromSecret(standIn.arnOf(name), { aws: { requestTimeoutMs: 200, maxAttempts: 1 } });
      standIn.stalled = true;
      await assert.rejects(signer.refresh(), { code: "TimeoutError" });
      standIn.stalled = false;
      await signer.refresh();
    });
  });

  describe("answers that never end or are too large", () => {
    let restore: () => void;
    const baseEnv = (endpoint: string): NodeJS.ProcessEnv => ({
      ...new SecretsManagerStandIn().envFor(endpoint),
      AWS_PROFILE: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_MAX_ATTEMPTS: undefined,
    });
    afterEach(() => restore?.());
    const arn = `arn:aws:secretsmanager:${STAND_IN_REGION}:123456789012:secret:signing-key-AbCdEf`;
    const answer = (extra: Record<string, unknown>): string =>
      JSON.stringify({ ARN: arn, Name: "signing-key", VersionId: crypto.randomUUID(), SecretString: stored, VersionStages: ["AWSCURRENT"], ...extra });

    it("headers then a body that stalls: a timeout, not a hang", async () => {
      const server = await loopback((req, res) => {
        req.resume();
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": "5000" });
        res.write('{"ARN":');
      });
      restore = setEnv(baseEnv(server.url));
      try {
        await assert.rejects(signerFromSecret(arn, { aws: { requestTimeoutMs: 300, maxAttempts: 1 } }), { code: "TimeoutError" });
      } finally {
        await server.close();
      }
    });

    it("an answer larger than the cap is refused while it is read (declared length or not), never parsed", async () => {
      const padding = "x".repeat(SECRET_MAX_RESPONSE_BYTES);
      for (const declareLength of [true, false]) {
        const server = await loopback((req, res) => {
          req.resume();
          const body = answer({ Padding: padding });
          res.writeHead(200, { "content-type": "application/x-amz-json-1.1", ...(declareLength ? { "content-length": Buffer.byteLength(body) } : {}) });
          res.end(body);
        });
        restore = setEnv(baseEnv(server.url));
        try {
          await assert.rejects(signerFromSecret(arn, { aws: { maxAttempts: 1 } }), (error: Error) => {
            assert.ok(error instanceof SecretSourceError);
            assert.equal(error.code, "SecretTooLarge");
            assert.match(error.message, /^secret arn:\S+: the answer is larger than 524288 bytes/);
            return true;
          });
        } finally {
          restore();
          await server.close();
        }
      }
      // The same answer without the padding is read fine.
      const server = await loopback((req, res) => {
        req.resume();
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(answer({}));
      });
      restore = setEnv(baseEnv(server.url));
      try {
        assert.equal((await signerFromSecret(arn, { aws: { maxAttempts: 1 } })).key.generation, "2026-11");
      } finally {
        await server.close();
      }
    });

    it("a SecretString over 65,536 bytes is refused before the key is parsed, from any client", async () => {
      const big = JSON.stringify({ ...(JSON.parse(stored) as object), note: "n".repeat(65_536) });
      const client = { send: async () => ({ SecretString: big, VersionId: "v1" }) };
      await assert.rejects(signerFromSecret("signing-key", { client: client as never }), (error: Error) => {
        assert.ok(error instanceof SecretSourceError);
        assert.equal(error.code, "SecretTooLarge");
        assert.match(error.message, /^secret signing-key: its SecretString is \d+ bytes, more than the 65536 Secrets Manager stores/);
        assert.ok(!error.message.includes("BEGIN"));
        return true;
      });
      // At the limit it is read (the padding is ignored as before).
      const exact = JSON.stringify({ ...(JSON.parse(stored) as object), note: "" });
      const fits = JSON.stringify({ ...(JSON.parse(stored) as object), note: "n".repeat(65_536 - Buffer.byteLength(exact)) });
      assert.equal(Buffer.byteLength(fits), 65_536);
      const ok = await signerFromSecret("signing-key", { client: { send: async () => ({ SecretString: fits }) } as never });
      assert.equal(ok.key.generation, "2026-11");
    });

    it("bad timeout or attempt settings are one line naming the field, before any call", async () => {
      await assert.rejects(signerFromSecret(arn, { aws: { requestTimeoutMs: 0 } }), /aws\.requestTimeoutMs: give whole milliseconds/);
      await assert.rejects(signerFromSecret(arn, { aws: { connectionTimeoutMs: 1.5 } }), /aws\.connectionTimeoutMs: give whole milliseconds/);
      await assert.rejects(signerFromSecret(arn, { aws: { maxAttempts: 0 } }), /aws\.maxAttempts: give a whole number of attempts/);
      await assert.rejects(createKmsSigner({ keyId: "alias/x", keyPairId: "K2X", aws: { region: "Europe" } }), /aws\.region: give an AWS region name/);
    });
  });

  describe("KMS (createKmsSigner without a client)", () => {
    let kms: KmsStandIn;
    let restore: () => void;
    before(async () => {
      kms = await KmsStandIn.start({ region: "eu-west-1" });
    });
    after(async () => {
      await kms?.close();
    });
    beforeEach(() => {
      restore = setEnv({ ...standInEnv(kms), AWS_REGION: OTHER_REGION, AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined, AWS_MAX_ATTEMPTS: undefined });
      kms.stalled = false;
    });
    afterEach(() => restore());

    it("a full key or alias ARN is used in the region it names, whatever AWS_REGION says", async () => {
      const key = kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/cloudfront-region" });
      for (const keyId of [key.arn, `arn:aws:kms:eu-west-1:${kms.account}:alias/cloudfront-region`]) {
        const signer = await createKmsSigner({ keyId, keyPairId: "K2REGION" });
        const signed = await signer.signUrl(URL_TO_SIGN, { expires: "1h" });
        assert.ok(verifyRequest({ url: signed.url, trustedKeys: { K2REGION: key.publicKeyPem } }).ok);
      }
      // An alias name carries no region: the SDK's (us-east-1) is used, which this eu-west-1 endpoint refuses.
      await assert.rejects(createKmsSigner({ keyId: "alias/cloudfront-region", keyPairId: "K2REGION", aws: { maxAttempts: 1 } }), /InvalidSignatureException/);
    });

    it("GetPublicKey and Sign against an endpoint that never answers: one line each, within the timeout and the attempts", async () => {
      const key = kms.addKey({ keySpec: "RSA_2048" });
      const signer = await createKmsSigner({ keyId: key.arn, keyPairId: "K2STALL", aws: { requestTimeoutMs: 200, maxAttempts: 2 } });
      kms.stalled = true;
      await assert.rejects(signer.signUrl(URL_TO_SIGN, { expires: "1h" }), (error: Error) => {
        assert.match(error.message, /^no answer from KMS for kms:Sign on arn:aws:kms:eu-west-1:\S+ within the 200 ms request timeout \(2 attempts\)/);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
      await assert.rejects(createKmsSigner({ keyId: key.arn, keyPairId: "K2STALL", aws: { requestTimeoutMs: 200, maxAttempts: 1 } }), /^Error: no answer from KMS for kms:GetPublicKey|no answer from KMS for kms:GetPublicKey/);
    });

    it("a caller's client is used as given (its own region and settings)", async () => {
      const key = kms.addKey({ keySpec: "ECC_NIST_P256" });
      const { KMSClient } = await import("@aws-sdk/client-kms");
      const client = new KMSClient({ endpoint: kms.endpoint, region: OTHER_REGION, credentials: KMS_CREDENTIALS, maxAttempts: 1 });
      await assert.rejects(createKmsSigner({ keyId: key.arn, keyPairId: "K2CLIENT", client }), /InvalidSignatureException/);
    });
  });

  describe("cf-sign (compiled CLI)", () => {
    const secrets = new SecretsManagerStandIn();
    const name = "signing-cloudfront-signing-key-cli-calls";
    let kms: KmsStandIn;
    before(async () => {
      await secrets.start();
      secrets.put(name, stored);
      kms = await KmsStandIn.start({ region: "eu-west-1" });
    });
    after(async () => {
      await secrets.stop();
      await kms?.close();
    });
    afterEach(() => {
      secrets.stalled = false;
      kms.stalled = false;
    });

    it("--secret-id ARN and --kms-key-id ARN in another region than AWS_REGION sign", async () => {
      const url = await runCli(["url", URL_TO_SIGN, "--secret-id", secrets.arnOf(name)], { env: { ...secrets.env, AWS_REGION: OTHER_REGION } });
      assert.equal(url.code, 0, url.stderr);
      assert.ok(verifyRequest({ url: url.stdout.trim(), trustedKeys }).ok);
      const key = kms.addKey({ keySpec: "ECC_NIST_P256" });
      const signed = await runCli(["url", URL_TO_SIGN, "--kms-key-id", key.arn, "--key-pair-id", "K2CLIREGION"], { env: { ...standInEnv(kms), AWS_REGION: OTHER_REGION } });
      assert.equal(signed.code, 0, signed.stderr);
      assert.ok(verifyRequest({ url: signed.stdout.trim(), trustedKeys: { K2CLIREGION: key.publicKeyPem } }).ok);
    });

    it("an endpoint that never answers: cf-sign gives up with one line (CF_SIGN_AWS_REQUEST_TIMEOUT_MS, AWS_MAX_ATTEMPTS)", async () => {
      secrets.stalled = true;
      const settings = { CF_SIGN_AWS_REQUEST_TIMEOUT_MS: "300", AWS_MAX_ATTEMPTS: "1" };
      const viaSecret = await runCli(["url", URL_TO_SIGN, "--secret-id", secrets.arnOf(name)], { env: { ...secrets.env, ...settings } });
      assertRefused(viaSecret, /^error: secret arn:\S+: no answer from Secrets Manager within the 300 ms request timeout/);
      const key = kms.addKey({ keySpec: "RSA_2048" });
      kms.stalled = true;
      const viaKms = await runCli(["cookies", "https://cdn.example.test/private/*", "--kms-key-id", key.arn, "--key-pair-id", "K2CLISTALL"], {
        env: { ...standInEnv(kms), ...settings },
      });
      assertRefused(viaKms, /^error: no answer from KMS for kms:GetPublicKey on arn:\S+ within the 300 ms request timeout \(1 attempt\)/);
    });

    it("a bad timeout setting is one line naming the variable, before AWS is contacted", async () => {
      const before = secrets.calls.length;
      const result = await runCli(["url", URL_TO_SIGN, "--secret-id", secrets.arnOf(name)], { env: { ...secrets.env, CF_SIGN_AWS_CONNECTION_TIMEOUT_MS: "3s" } });
      assertRefused(result, /^error: CF_SIGN_AWS_CONNECTION_TIMEOUT_MS: "3s" is not a number of milliseconds/);
      assert.equal(secrets.calls.length, before);
    });
  });
});
