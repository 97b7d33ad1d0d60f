import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { GetPublicKeyCommand, SignCommand } from "@aws-sdk/client-kms";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { AsyncCloudFrontSigner, mapBounded, RemoteSigningError } from "../signer/src/lib/asyncSigner";
import { fromCloudFrontBase64 } from "../signer/src/lib/encoding";
import { InputError } from "../signer/src/lib/errors";
import { createKmsSigner } from "../signer/src/lib/kmsSigner";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { verifyRequest } from "../signer/src/lib/verifier";
import { cannedPolicy } from "../signer/src/lib/policy";
import { KmsStandIn, type StandInKey } from "../scripts/standin/kms";
import { kmsSigningPolicyDocument } from "../components/policy";
import { errorCode, get } from "./helpers/http";
import { standInClient } from "./helpers/kms";

/** The component's kmsSigningPolicy as it was before DIGEST messages: RAW only. */
const RAW_ONLY_POLICY = (keyArn: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "kms:Sign", Resource: keyArn, Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } } },
      { Effect: "Allow", Action: "kms:GetPublicKey", Resource: keyArn },
    ],
  });

const T0 = 1_900_000_000;
const at = (epoch: number): Date => new Date(epoch * 1000);
const BASE = "https://d111111abcdef8.cloudfront.net";

describe("KMS signing through the real @aws-sdk/client-kms against the loopback stand-in", function () {
  this.timeout(60_000);
  let kms: KmsStandIn;
  let rsaKey: StandInKey;
  let ecKey: StandInKey;

  before(async () => {
    kms = await KmsStandIn.start();
    rsaKey = kms.addKey({ keySpec: "RSA_2048", alias: "alias/cloudfront-rsa" });
    ecKey = kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/cloudfront-ecdsa" });
  });
  after(async () => {
    await kms?.close();
  });
  afterEach(() => {
    kms.allowAll();
    kms.throttleNext(0);
  });

  describe("the stand-in speaks KMS's JSON 1.1 protocol", () => {
    it("GetPublicKey by key id, key ARN, alias and alias ARN returns the DER SPKI and the key's algorithms", async () => {
      const client = standInClient(kms);
      for (const id of [rsaKey.keyId, rsaKey.arn, "alias/cloudfront-rsa", `arn:aws:kms:${kms.region}:${kms.account}:alias/cloudfront-rsa`]) {
        const out = await client.send(new GetPublicKeyCommand({ KeyId: id }));
        assert.equal(out.KeyId, rsaKey.arn);
        assert.equal(out.KeySpec, "RSA_2048");
        assert.equal(out.KeyUsage, "SIGN_VERIFY");
        assert.ok(out.SigningAlgorithms?.includes("RSASSA_PKCS1_V1_5_SHA_256"));
        const pem = crypto.createPublicKey({ key: Buffer.from(out.PublicKey as Uint8Array), format: "der", type: "spki" }).export({ type: "spki", format: "pem" });
        assert.equal(pem, rsaKey.publicKeyPem);
      }
      const ec = await client.send(new GetPublicKeyCommand({ KeyId: "alias/cloudfront-ecdsa" }));
      assert.deepEqual(ec.SigningAlgorithms, ["ECDSA_SHA_256"]);
    });

    it("Sign RAW: RSA PKCS#1 v1.5 and ECDSA DER over SHA-256 that node:crypto verifies", async () => {
      const client = standInClient(kms);
      const message = Buffer.from('{"Statement":[]}');
      const rsa = await client.send(new SignCommand({ KeyId: rsaKey.arn, Message: message, MessageType: "RAW", SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }));
      assert.equal(rsa.SigningAlgorithm, "RSASSA_PKCS1_V1_5_SHA_256");
      assert.ok(crypto.verify("sha256", message, rsaKey.publicKeyPem, Buffer.from(rsa.Signature as Uint8Array)));
      const ec = await client.send(new SignCommand({ KeyId: ecKey.keyId, Message: message, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" }));
      const der = Buffer.from(ec.Signature as Uint8Array);
      assert.equal(der[0], 0x30, "ECDSA signatures are DER sequences");
      assert.ok(crypto.verify("sha256", message, ecKey.publicKeyPem, der));
    });

    it("answers KMS's error types: NotFound, Validation (4096-byte RAW limit), InvalidKeyUsage, Disabled, pending deletion", async () => {
      const client = standInClient(kms, 1);
      const sign = (KeyId: string, Message: Buffer, SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" | "ECDSA_SHA_256" = "RSASSA_PKCS1_V1_5_SHA_256") =>
        client.send(new SignCommand({ KeyId, Message, MessageType: "RAW", SigningAlgorithm }));
      const rejects = async (promise: Promise<unknown>, name: string, text: RegExp) => {
        await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(error.name, name);
          assert.match(error.message, text);
          assert.equal(error.$metadata?.httpStatusCode, 400);
          return true;
        });
      };
      await rejects(sign("alias/nope", Buffer.from("x")), "NotFoundException", /alias\/nope is not found/);
      await rejects(sign(crypto.randomUUID(), Buffer.from("x")), "NotFoundException", /does not exist/);
      await rejects(sign(rsaKey.arn.replace(kms.region, "eu-west-1"), Buffer.from("x")), "NotFoundException", /does not exist/);
      await rejects(sign(rsaKey.arn, Buffer.alloc(4097, 0x41)), "ValidationException", /less than or equal to 4096/);
      await sign(rsaKey.arn, Buffer.alloc(4096, 0x41)); // exactly the limit is fine
      await rejects(sign(rsaKey.arn, Buffer.from("x"), "ECDSA_SHA_256"), "InvalidKeyUsageException", /incompatible/);
      const disabled = kms.addKey({ keySpec: "ECC_NIST_P256", state: "Disabled" });
      await rejects(sign(disabled.arn, Buffer.from("x"), "ECDSA_SHA_256"), "DisabledException", /disabled/);
      const deleting = kms.addKey({ keySpec: "ECC_NIST_P256", state: "PendingDeletion" });
      await rejects(sign(deleting.arn, Buffer.from("x"), "ECDSA_SHA_256"), "KMSInvalidStateException", /pending deletion/);
      const encrypt = kms.addKey({ keySpec: "RSA_2048", keyUsage: "ENCRYPT_DECRYPT" });
      await rejects(sign(encrypt.arn, Buffer.from("x")), "InvalidKeyUsageException", /ENCRYPT_DECRYPT/);
      kms.deny("kms:Sign", rsaKey.arn);
      await rejects(sign(rsaKey.arn, Buffer.from("x")), "AccessDeniedException", /not authorized to perform: kms:Sign/);
      kms.throttleNext(1);
      await rejects(client.send(new GetPublicKeyCommand({ KeyId: ecKey.arn })), "ThrottlingException", /Rate exceeded/);
    });

    it("Sign DIGEST: the signature of a SHA-256 digest is the signature of the message (RSA byte-identical, ECDSA verifies alike)", async () => {
      const client = standInClient(kms, 1);
      const message = crypto.randomBytes(6000);
      const digest = crypto.createHash("sha256").update(message).digest();
      const rsa = await client.send(new SignCommand({ KeyId: rsaKey.arn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }));
      assert.deepEqual(Buffer.from(rsa.Signature as Uint8Array), crypto.sign("sha256", message, rsaKey.privateKey));
      for (let i = 0; i < 8; i++) {
        const ec = await client.send(new SignCommand({ KeyId: ecKey.arn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" }));
        const der = Buffer.from(ec.Signature as Uint8Array);
        assert.equal(der[0], 0x30, "ECDSA signatures are DER sequences");
        assert.ok(crypto.verify("sha256", message, ecKey.publicKeyPem, der), "verifies as a signature over the message");
        assert.ok(!crypto.verify("sha256", Buffer.concat([message, Buffer.from("x")]), ecKey.publicKeyPem, der), "and over nothing else");
      }
      await assert.rejects(
        client.send(new SignCommand({ KeyId: ecKey.arn, Message: digest.subarray(0, 31), MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" })),
        { name: "ValidationException", message: /Digest is invalid length/ },
      );
    });

    it("an identity policy (restrictTo) allows only its actions, key and StringEquals conditions", async () => {
      const client = standInClient(kms, 1);
      kms.restrictTo(kmsSigningPolicyDocument(ecKey.arn, "ECDSA"));
      const digest = crypto.createHash("sha256").update("x").digest();
      await client.send(new SignCommand({ KeyId: ecKey.arn, Message: Buffer.from("x"), MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" }));
      await client.send(new SignCommand({ KeyId: ecKey.arn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" }));
      await assert.rejects(client.send(new SignCommand({ KeyId: rsaKey.arn, Message: Buffer.from("x"), MessageType: "RAW", SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" })), {
        name: "AccessDeniedException",
      });
      kms.restrictTo(RAW_ONLY_POLICY(ecKey.arn));
      await assert.rejects(client.send(new SignCommand({ KeyId: ecKey.arn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" })), {
        name: "AccessDeniedException",
      });
    });

    it("refuses requests without SigV4 authorization or scoped to another region", async () => {
      const bare = await fetch(kms.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.GetPublicKey" },
        body: JSON.stringify({ KeyId: rsaKey.arn }),
      });
      assert.equal(bare.status, 400);
      assert.equal(((await bare.json()) as { __type: string }).__type, "MissingAuthenticationTokenException");
      const wrongRegion = standInClient({ endpoint: kms.endpoint, region: "eu-west-1" } as KmsStandIn, 1);
      await assert.rejects(wrongRegion.send(new GetPublicKeyCommand({ KeyId: rsaKey.arn })), { name: "InvalidSignatureException" });
    });
  });

  describe("createKmsSigner", () => {
    for (const [name, alias] of [["RSA", "alias/cloudfront-rsa"], ["ECDSA", "alias/cloudfront-ecdsa"]] as const) {
      it(`${name}: URLs and cookies verify with the key's public key, carry the SHA-256 marker, and the verifier accepts them`, async () => {
        const key = name === "RSA" ? rsaKey : ecKey;
        const signer = await createKmsSigner({ keyId: alias, keyPairId: "K2KMSTESTKEY", client: standInClient(kms) });
        assert.equal(signer.algorithm, name);
        assert.equal(signer.hashAlgorithm, "SHA256");
        const trustedKeys = { K2KMSTESTKEY: key.publicKeyPem };

        const canned = await signer.signUrl(`${BASE}/private/cat.jpeg?size=2`, { expires: T0 + 3600, now: at(T0) });
        assert.ok(canned.canned);
        assert.ok(canned.url.endsWith("&Key-Pair-Id=K2KMSTESTKEY&Hash-Algorithm=SHA256"), canned.url);
        const signature = fromCloudFrontBase64(new URL(canned.url).searchParams.get("Signature") as string) as Buffer;
        assert.ok(crypto.verify("sha256", Buffer.from(canned.policy), key.publicKeyPem, signature));
        const r1 = verifyRequest({ url: canned.url, now: at(T0 + 1), trustedKeys });
        assert.ok(r1.ok, r1.ok ? "" : r1.detail);

        const custom = await signer.signUrl(`${BASE}/private/a.txt`, { expires: T0 + 3600, startsAt: T0 - 60, ipAddress: "192.0.2.0/24", now: at(T0) });
        assert.equal(custom.canned, false);
        const r2 = verifyRequest({ url: custom.url, now: at(T0 + 1), ip: "192.0.2.7", trustedKeys });
        assert.ok(r2.ok, r2.ok ? "" : r2.detail);

        const cookies = await signer.signCookies(`${BASE}/private/*`, { expires: T0 + 3600, now: at(T0) });
        assert.equal(cookies.cookies["CloudFront-Hash-Algorithm"], "SHA256");
        assert.equal(cookies.cookies["CloudFront-Key-Pair-Id"], "K2KMSTESTKEY");
        const r3 = verifyRequest({ url: `${BASE}/private/reports/q3.pdf`, cookies: cookies.cookies, now: at(T0 + 1), trustedKeys });
        assert.ok(r3.ok, r3.ok ? "" : r3.detail);
      });
    }

    it("RSA through KMS gives byte-identical URLs to CloudFrontSigner with the same key and SHA-256 (shared policy and encoding)", async () => {
      const kmsSigner = await createKmsSigner({ keyId: rsaKey.arn, keyPairId: "K2SAME", client: standInClient(kms) });
      const local = new CloudFrontSigner({ keyPairId: "K2SAME", privateKey: rsaKey.privateKey });
      for (const options of [
        { expires: T0 + 60, now: at(T0), hashAlgorithm: "SHA256" as const },
        { expires: T0 + 60, now: at(T0), hashAlgorithm: "SHA256" as const, policyResource: `${BASE}/private/*` },
      ]) {
        const url = `${BASE}/private/x y`.replace(" ", "%20");
        assert.equal((await kmsSigner.signUrl(url, options)).url, local.signUrl(url, options).url);
        const a = await kmsSigner.signCookies(`${BASE}/private/*`, { ...options, path: "/private" });
        const b = local.signCookies(`${BASE}/private/*`, { ...options, path: "/private" });
        assert.deepEqual(a, b);
      }
    });

    it("the local edge serves a protected file for a KMS-signed URL and cookies", async () => {
      const fs = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-edge-"));
      fs.mkdirSync(path.join(tmp, "private"));
      fs.writeFileSync(path.join(tmp, "private", "a.txt"), "private a");
      let edge: RunningEdge | undefined;
      try {
        edge = await startEdge({ root: tmp, port: 0, protectedPaths: ["/private/*"], trustedKeys: { K2EDGEKMS: ecKey.publicKeyPem }, now: () => at(T0 + 5) });
        const signer = await createKmsSigner({ keyId: ecKey.arn, keyPairId: "K2EDGEKMS", client: standInClient(kms) });
        const signed = await signer.signUrl(`${edge.url}/private/a.txt`, { expires: T0 + 3600, now: at(T0) });
        const ok = await get(signed.url);
        assert.equal(ok.status, 200, ok.body.toString());
        assert.equal(ok.body.toString(), "private a");
        const cookies = await signer.signCookies(`${edge.url}/private/*`, { expires: T0 + 3600, now: at(T0) });
        const header = Object.entries(cookies.cookies).map(([k, v]) => `${k}=${v}`).join("; ");
        assert.equal((await get(`${edge.url}/private/a.txt`, { headers: { cookie: header } })).status, 200);
        const tampered = await get(signed.url.replace("a.txt", "b.txt"));
        assert.equal(tampered.status, 403);
        assert.equal(errorCode(tampered.body), "AccessDenied");
      } finally {
        await edge?.close();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it("refuses SHA-1 (KMS cannot sign it) before any Sign call", async () => {
      const signer = await createKmsSigner({ keyId: rsaKey.arn, keyPairId: "K2KMS", client: standInClient(kms) });
      const before = kms.requests.Sign ?? 0;
      await assert.rejects(
        signer.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0), hashAlgorithm: "SHA1", labels: { hashAlgorithm: "--hash" } }),
        (error: Error) => error instanceof InputError && /^--hash: KMS key .* signs with SHA256 only, not SHA1/.test(error.message),
      );
      await assert.rejects(signer.signCookies(`${BASE}/*`, { expires: T0 + 60, now: at(T0), hashAlgorithm: "SHA1" }), InputError);
      assert.equal(kms.requests.Sign ?? 0, before);
    });

    it("throttling: retried by the SDK when it passes; a clear one-line error when it persists", async () => {
      const signer = await createKmsSigner({ keyId: rsaKey.arn, keyPairId: "K2KMS", client: standInClient(kms, 2) });
      kms.throttleNext(1);
      const ok = await signer.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) });
      assert.match(ok.url, /Hash-Algorithm=SHA256$/);
      kms.throttleNext(2);
      await assert.rejects(signer.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) }), (error: Error) => {
        assert.ok(error instanceof RemoteSigningError);
        assert.match(error.message, /^KMS throttled kms:Sign on arn:aws:kms:.* \(ThrottlingException: Rate exceeded; 2 attempts\): .*quota/);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
    });

    it("access denied, unknown key and an unusable key spec become clear errors", async () => {
      kms.deny("kms:GetPublicKey");
      await assert.rejects(createKmsSigner({ keyId: rsaKey.arn, keyPairId: "K2KMS", client: standInClient(kms) }), (error: Error) =>
        /^KMS denied kms:GetPublicKey on arn:.*\(AccessDeniedException: .*\): grant kms:Sign and kms:GetPublicKey/.test(error.message),
      );
      kms.allowAll();
      const signer = await createKmsSigner({ keyId: rsaKey.arn, keyPairId: "K2KMS", client: standInClient(kms) });
      kms.deny("kms:Sign", rsaKey.arn);
      await assert.rejects(signer.signCookies(`${BASE}/*`, { expires: T0 + 60, now: at(T0) }), /^Error: KMS denied kms:Sign|KMS denied kms:Sign on/);
      await assert.rejects(createKmsSigner({ keyId: "alias/missing", keyPairId: "K2KMS", client: standInClient(kms) }), /KMS key alias\/missing not found \(NotFoundException/);
      const p384 = kms.addKey({ keySpec: "ECC_NIST_P384" });
      await assert.rejects(createKmsSigner({ keyId: p384.arn, keyPairId: "K2KMS", client: standInClient(kms) }), /key spec ECC_NIST_P384 refused; CloudFront accepts only RSA_2048 or ECC_NIST_P256/);
    });

    for (const name of ["RSA", "ECDSA"] as const) {
      it(`${name}: a policy up to 4096 bytes is signed RAW, a longer one as its SHA-256 digest; canned URLs of 4 to 8 KB verify and the edge serves them`, async () => {
        const key = name === "RSA" ? rsaKey : ecKey;
        const signer = await createKmsSigner({ keyId: key.arn, keyPairId: "K2KMSLONG", client: standInClient(kms) });
        const trustedKeys = { K2KMSLONG: key.publicKeyPem };
        const overhead = cannedPolicy(`${BASE}/`, T0 + 60).length;
        const before = { ...kms.signatures };
        const atLimit = await signer.signUrl(`${BASE}/${"a".repeat(4096 - overhead)}`, { expires: T0 + 60, now: at(T0) });
        assert.equal(Buffer.byteLength(atLimit.policy), 4096);
        assert.equal(kms.signatures.RAW, (before.RAW ?? 0) + 1);
        assert.equal(kms.signatures.DIGEST ?? 0, before.DIGEST ?? 0);
        for (const pathLength of [4097 - overhead, 5000, 7000]) {
          const signed = await signer.signUrl(`${BASE}/${"b".repeat(pathLength)}`, { expires: T0 + 60, now: at(T0) });
          assert.ok(signed.canned);
          assert.ok(signed.url.length > 4096 && signed.url.length <= 8192, String(signed.url.length));
          const result = verifyRequest({ url: signed.url, now: at(T0 + 1), trustedKeys });
          assert.ok(result.ok, result.ok ? "" : result.detail);
        }
        assert.equal(kms.signatures.DIGEST, (before.DIGEST ?? 0) + 3);
        const cookies = await signer.signCookies(`${BASE}/${"c".repeat(5000)}`, { expires: T0 + 60, now: at(T0) });
        const r = verifyRequest({ url: `${BASE}/${"c".repeat(5000)}`, cookies: cookies.cookies, now: at(T0 + 1), trustedKeys });
        assert.ok(r.ok, r.ok ? "" : r.detail);
        if (name === "RSA") {
          // The DIGEST signature is the very signature a local key makes over the whole policy.
          const url = `${BASE}/${"d".repeat(6000)}`;
          const local = new CloudFrontSigner({ keyPairId: "K2KMSLONG", privateKey: rsaKey.privateKey });
          assert.equal((await signer.signUrl(url, { expires: T0 + 60, now: at(T0) })).url, local.signUrl(url, { expires: T0 + 60, now: at(T0), hashAlgorithm: "SHA256" }).url);
        }
      });
    }

    it("the local edge serves a canned URL of about 6 KB signed through KMS as a digest", async () => {
      const fs = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-edge-"));
      const name = "n".repeat(200);
      fs.mkdirSync(path.join(tmp, "private"));
      fs.writeFileSync(path.join(tmp, "private", name), "long");
      let edge: RunningEdge | undefined;
      try {
        edge = await startEdge({ root: tmp, port: 0, protectedPaths: ["/private/*"], trustedKeys: { K2EDGEKMS: ecKey.publicKeyPem }, now: () => at(T0 + 5) });
        const signer = await createKmsSigner({ keyId: ecKey.arn, keyPairId: "K2EDGEKMS", client: standInClient(kms) });
        const digests = kms.signatures.DIGEST ?? 0;
        const signed = await signer.signUrl(`${edge.url}/private/${name}?pad=${"p".repeat(5500)}`, { expires: T0 + 3600, now: at(T0) });
        assert.equal(kms.signatures.DIGEST, digests + 1);
        const ok = await get(signed.url);
        assert.equal(ok.status, 200, ok.body.toString());
        assert.equal(ok.body.toString(), "long");
      } finally {
        await edge?.close();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it("a signing policy that allows only RAW (deployed before DIGEST) makes a long policy fail with one line naming pulumi up", async () => {
      const signer = await createKmsSigner({ keyId: ecKey.arn, keyPairId: "K2KMS", client: standInClient(kms, 1) });
      kms.restrictTo(RAW_ONLY_POLICY(ecKey.arn));
      const short = await signer.signUrl(`${BASE}/short`, { expires: T0 + 60, now: at(T0) });
      assert.ok(short.url.includes("Signature="));
      await assert.rejects(signer.signUrl(`${BASE}/${"a".repeat(5000)}`, { expires: T0 + 60, now: at(T0) }), (error: Error) => {
        assert.ok(error instanceof RemoteSigningError);
        assert.match(error.message, /^KMS denied kms:Sign with MessageType DIGEST on arn:aws:kms:.*run pulumi up to update the stack's kmsSigningPolicy/);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
      // The component's current policy allows both.
      kms.restrictTo(kmsSigningPolicyDocument(ecKey.arn, "ECDSA"));
      const long = await signer.signUrl(`${BASE}/${"a".repeat(5000)}`, { expires: T0 + 60, now: at(T0) });
      assert.ok(verifyRequest({ url: long.url, now: at(T0 + 1), trustedKeys: { K2KMS: ecKey.publicKeyPem } }).ok);
    });
  });

  describe("AsyncCloudFrontSigner with any signing function", () => {
    it("checks every signature against a declared public key (a wrong signer never yields a URL)", async () => {
      const other = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const signer = new AsyncCloudFrontSigner({
        keyPairId: "K2HSM",
        algorithm: "ECDSA",
        hashAlgorithm: "SHA256",
        publicKey: ecKey.publicKeyPem,
        label: "HSM key",
        sign: async (message) => crypto.sign("sha256", message, other.privateKey),
      });
      await assert.rejects(signer.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) }), /HSM key: the signature returned does not verify/);
    });

    it("a declared SHA-1 RSA signer (e.g. an HSM) signs without the SHA-256 marker; a failing function becomes one error line", async () => {
      const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
      const hsm = new AsyncCloudFrontSigner({ keyPairId: "K2HSM", algorithm: "RSA", hashAlgorithm: "SHA1", publicKey, sign: async (m) => crypto.sign("sha1", m, privateKey) });
      const signed = await hsm.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) });
      assert.equal(signed.hashAlgorithm, "SHA1");
      assert.ok(!signed.url.includes("Hash-Algorithm"));
      assert.equal(signed.url, new CloudFrontSigner({ keyPairId: "K2HSM", privateKey }).signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) }).url);
      const broken = new AsyncCloudFrontSigner({ keyPairId: "K2HSM", algorithm: "RSA", hashAlgorithm: "SHA1", label: "HSM", sign: () => Promise.reject(new Error("slot busy\nstack")) });
      await assert.rejects(broken.signUrl(`${BASE}/a`, { expires: T0 + 60, now: at(T0) }), { name: "RemoteSigningError", message: "HSM: signing failed: slot busy" });
      assert.throws(() => new AsyncCloudFrontSigner({ keyPairId: "bad id", algorithm: "RSA", hashAlgorithm: "SHA1", sign: async () => Buffer.alloc(1) }), /keyPairId/);
    });

    it("signUrls: bounded concurrency, input order kept, every URL validated before the first signature", async () => {
      let inFlight = 0;
      let peak = 0;
      let calls = 0;
      const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const signer = new AsyncCloudFrontSigner({
        keyPairId: "K2BATCH",
        algorithm: "ECDSA",
        hashAlgorithm: "SHA256",
        sign: async (message) => {
          calls++;
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, (calls * 7) % 5)); // finish out of order
          inFlight--;
          return crypto.sign("sha256", message, privateKey);
        },
      });
      const urls = Array.from({ length: 40 }, (_, i) => `${BASE}/f/${i}`);
      const out = await signer.signUrls(urls, { expires: T0 + 60, now: at(T0) }, { concurrency: 3 });
      assert.deepEqual(out.map((s) => s.url.split("?")[0]), urls);
      assert.equal(peak, 3);
      calls = 0;
      await assert.rejects(signer.signUrls([...urls.slice(0, 5), "ftp://x/y"], { expires: T0 + 60, now: at(T0) }, { field: (i) => `line ${i + 1}` }), /^InputError: line 6:|line 6: /);
      assert.equal(calls, 0);
      await assert.rejects(mapBounded([1, 2, 3, 4], 2, async (n) => { if (n === 2) throw new Error("two"); return n; }), /two/);
    });
  });
});
