import * as assert from "node:assert/strict";
import { storedSigningKeyJson } from "../components/policy";
import { parseStoredSigningKey, SecretSignerEvent, SecretSourceError, signerFromSecret } from "../signer/src/lib/secretSigner";
import { verifyRequest } from "../signer/src/lib/verifier";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const URL_TO_SIGN = "https://cdn.example.test/private/cat.jpeg";

describe("signerFromSecret (real @aws-sdk/client-secrets-manager against a loopback stand-in)", function () {
  const keys = testKeys();
  const trustedKeys = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem, [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };
  const gen1 = storedSigningKeyJson({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "2026-01" });
  const gen2 = storedSigningKeyJson({ keyPairId: keys.ecdsa.keyPairId, privateKeyPem: keys.ecdsa.privateKeyPem, algorithm: "ECDSA", generation: "2026-11" });
  const standIn = new SecretsManagerStandIn();
  const savedEnv: Record<string, string | undefined> = {};
  let secretCounter = 0;
  let name: string;

  before(async () => {
    await standIn.start();
    // Only the standard AWS SDK sources: the endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER.
    const env = { ...standIn.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined };
    for (const [k, v] of Object.entries(env)) {
      savedEnv[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await standIn.stop();
  });
  beforeEach(() => {
    name = `signing-cloudfront-signing-key-${++secretCounter}`;
    standIn.put(name, gen1);
  });
  const callsFor = (id: string) => standIn.calls.filter((c) => c.secretId === id);

  it("reads the component's JSON by name and by ARN; signed URLs verify with the key group's public key", async () => {
    for (const id of [name, standIn.arnOf(name)]) {
      const signer = await signerFromSecret(id);
      assert.equal(signer.keyPairId, keys.rsa.keyPairId);
      assert.deepEqual({ ...signer.key, versionId: undefined }, { keyPairId: keys.rsa.keyPairId, generation: "2026-01", algorithm: "RSA", versionId: undefined });
      const signed = signer.signUrl(URL_TO_SIGN, { expires: "1h" });
      const result = verifyRequest({ url: signed.url, trustedKeys });
      assert.ok(result.ok, result.ok ? "" : result.detail);
      const cookies = signer.signCookies("https://cdn.example.test/private/*", { expires: "1h", domain: "example.test", sameSite: "Lax" });
      assert.ok(verifyRequest({ url: URL_TO_SIGN, cookies: cookies.cookies, trustedKeys }).ok);
    }
  });

  it("caches: signing many times reads the secret once within the TTL", async () => {
    let now = 1_000_000;
    const signer = await signerFromSecret(name, { now: () => now });
    for (let i = 0; i < 50; i++) {
      signer.signUrl(URL_TO_SIGN, { expires: "1h" });
      now += 1000; // 50 s in total, well inside the default 5 minutes
    }
    await signer.settled();
    assert.equal(callsFor(name).length, 1);
  });

  it("refreshes in the background after the TTL, serving the cached key meanwhile, and picks up a rotated key", async () => {
    let now = 5_000_000;
    const events: SecretSignerEvent[] = [];
    const signer = await signerFromSecret(name, { now: () => now, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => e.type), ["loaded"]);
    standIn.put(name, gen2); // step 2 of a rotation: the stack now stores the new generation
    now += 5 * 60_000 - 1;
    assert.equal(signer.signUrl(URL_TO_SIGN, { expires: "1h" }).keyPairId, keys.rsa.keyPairId);
    await signer.settled();
    assert.equal(callsFor(name).length, 1, "no refresh before the TTL");
    now += 1;
    // The call that finds the key stale is still served with the cached key; the refresh runs behind it.
    assert.equal(signer.signUrl(URL_TO_SIGN, { expires: "1h" }).keyPairId, keys.rsa.keyPairId);
    await signer.settled();
    assert.equal(callsFor(name).length, 2);
    const signed = signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    assert.equal(signed.keyPairId, keys.ecdsa.keyPairId);
    assert.equal(signed.hashAlgorithm, "SHA256");
    assert.ok(verifyRequest({ url: signed.url, trustedKeys }).ok);
    const rotated = events.find((e) => e.type === "rotated");
    assert.ok(rotated && rotated.type === "rotated");
    assert.equal(rotated.from.generation, "2026-01");
    assert.equal(rotated.to.generation, "2026-11");
    // The next refresh is a full TTL after the last one.
    now += 5 * 60_000 - 1;
    signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    await signer.settled();
    assert.equal(callsFor(name).length, 2);
  });

  it("keeps serving the cached key when a refresh fails, reports it, and retries after retryAfterMs", async () => {
    let now = 9_000_000;
    const events: SecretSignerEvent[] = [];
    const signer = await signerFromSecret(name, { now: () => now, refreshAfterMs: 60_000, retryAfterMs: 10_000, onEvent: (e) => events.push(e) });
    standIn.denied.add(name);
    now += 60_000;
    signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    await signer.settled();
    const failed = events.find((e) => e.type === "refresh-failed");
    assert.ok(failed && failed.type === "refresh-failed");
    assert.equal(failed.error.code, "AccessDeniedException");
    assert.equal(failed.serving.keyPairId, keys.rsa.keyPairId);
    assert.equal(failed.retryInMs, 10_000);
    assert.doesNotMatch(failed.error.message, /PRIVATE KEY/);
    const signed = signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    assert.ok(verifyRequest({ url: signed.url, trustedKeys }).ok, "still signs with the cached key");
    await signer.settled();
    assert.equal(callsFor(name).length, 2, "no retry before retryAfterMs");
    // A broken value (someone wrote other JSON into the secret) is a failed refresh too.
    standIn.denied.delete(name);
    standIn.put(name, JSON.stringify({ keyPairId: "KX", privateKeyPem: "oops" }));
    now += 10_000;
    signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    await signer.settled();
    assert.equal(callsFor(name).length, 3);
    assert.equal(events.filter((e) => e.type === "refresh-failed").length, 2);
    assert.equal(signer.keyPairId, keys.rsa.keyPairId);
    // Once the secret is readable again, the retry picks up the new value.
    standIn.put(name, gen2);
    now += 10_000;
    signer.signUrl(URL_TO_SIGN, { expires: "1h" });
    await signer.settled();
    assert.equal(signer.keyPairId, keys.ecdsa.keyPairId);
  });

  it("refresh() rejects with the error while the cached key keeps signing; a 500 is retried by the SDK", async () => {
    const signer = await signerFromSecret(name);
    standIn.markDeleted(name);
    await assert.rejects(signer.refresh(), (e: unknown) => e instanceof SecretSourceError && e.code === "InvalidRequestException");
    assert.equal(signer.keyPairId, keys.rsa.keyPairId);
    const other = `other-${secretCounter}`;
    standIn.put(other, gen2);
    standIn.failNext(500, "InternalServiceError", "An error occurred on the server side.");
    const fresh = await signerFromSecret(other);
    assert.equal(fresh.keyPairId, keys.ecdsa.keyPairId);
    assert.deepEqual(callsFor(other).map((c) => c.status), [500, 200]);
  });

  it("invalidate() (CloudFront refused what we signed) refreshes at once, at most once per retryAfterMs", async () => {
    let now = 20_000_000;
    const signer = await signerFromSecret(name, { now: () => now, retryAfterMs: 30_000 });
    standIn.put(name, gen2);
    now += 30_000;
    signer.invalidate();
    await signer.settled();
    assert.equal(signer.keyPairId, keys.ecdsa.keyPairId);
    now += 1_000;
    signer.invalidate();
    signer.invalidate();
    await signer.settled();
    assert.equal(callsFor(name).length, 2);
  });

  it("the first read fails with one clear line: missing secret, access denied, not the component's JSON", async () => {
    const cases: [string, () => void, RegExp, string][] = [
      ["does-not-exist", () => undefined, /^secret does-not-exist: not found \(ResourceNotFoundException\); check the name or ARN/, "ResourceNotFoundException"],
      [name, () => standIn.denied.add(name), /access denied \(AccessDeniedException: User: .* is not authorized .*\); grant secretsmanager:GetSecretValue/, "AccessDeniedException"],
      [name, () => { standIn.denied.delete(name); standIn.put(name, "not json"); }, /its value is not JSON/, "InvalidSecretValue"],
      [name, () => standIn.put(name, gen1.replace('"algorithm":"RSA"', '"algorithm":"ECDSA"')), /algorithm says ECDSA but privateKeyPem is an RSA key/, "InvalidSecretValue"],
    ];
    for (const [id, setup, pattern, code] of cases) {
      setup();
      await assert.rejects(signerFromSecret(id), (e: unknown) => {
        assert.ok(e instanceof SecretSourceError);
        assert.equal(e.code, code);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    }
    await assert.rejects(signerFromSecret(""), /secretId: give the secret's name or ARN/);
  });

  it("parseStoredSigningKey names the field and never echoes values", () => {
    assert.deepEqual(parseStoredSigningKey(gen1, "s"), { keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "2026-01" });
    assert.throws(() => parseStoredSigningKey(undefined, "s"), /no SecretString/);
    assert.throws(() => parseStoredSigningKey("[]", "s"), /not a JSON object/);
    assert.throws(() => parseStoredSigningKey(JSON.stringify({ ...JSON.parse(gen1), generation: "" }), "s"), /generation is missing/);
    assert.throws(() => parseStoredSigningKey(JSON.stringify({ ...JSON.parse(gen1), keyPairId: "bad id!" }), "s"), (e: unknown) => {
      assert.ok(e instanceof Error && !e.message.includes("bad id!") && !e.message.includes("PRIVATE KEY"));
      return true;
    });
  });
});
