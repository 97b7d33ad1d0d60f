import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { installMocks, isSecretOutput, kmsPrivateKeyFor, MOCK_ACCOUNT_ID, MOCK_REGION, RecordedResource, Recorder, resolve } from "./harness/mocks";
import {
    KeySource,
    kmsSigningPolicyDocument,
    SigningKeyGroup,
    SigningKeyGroupArgs,
    SigningKeyGroupArgsError,
    SIGNING_KEY_GROUP_TYPE,
    validateSigningKeyGroupArgs,
} from "../components";
import { createKmsSigner } from "../signer/src/lib/kmsSigner";
import { verifyRequest } from "../signer/src/lib/verifier";
import { KmsStandIn } from "../scripts/standin/kms";
import { standInClient } from "./helpers/kms";

const TLS = "tls:index/privateKey:PrivateKey";
const KMS_KEY = "aws:kms/key:Key";
const KMS_ALIAS = "aws:kms/alias:Alias";
const PUBLIC_KEY = "aws:cloudfront/publicKey:PublicKey";
const KEY_GROUP = "aws:cloudfront/keyGroup:KeyGroup";
const GET_PUBLIC_KEY = "aws:kms/getPublicKey:getPublicKey";
const POLICY = Buffer.from('{"Statement":[{"Resource":"https://cdn.example.com/private/a.pdf","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}');

async function deploy(rec: Recorder, args: SigningKeyGroupArgs) {
    const group = new SigningKeyGroup("signing", args);
    const values = {
        activeKeyPairId: await resolve(group.activeKeyPairId),
        keyPairIds: await resolve(group.keyPairIds),
        publicKeyPems: await resolve(group.publicKeyPems),
        kmsKeyArns: await resolve(group.kmsKeyArns),
        kmsKeyArn: group.kmsKeyArn ? await resolve(group.kmsKeyArn) : undefined,
        kmsSigningPolicy: group.kmsSigningPolicy ? await resolve(group.kmsSigningPolicy) : undefined,
        privateKeyPem: group.privateKeyPem ? await resolve(group.privateKeyPem) : undefined,
        keyGroupItems: [] as string[],
    };
    await rec.settled();
    values.keyGroupItems = rec.one(KEY_GROUP).inputs.items as string[];
    return { group, values, resources: [...rec.resources] };
}

/** CloudFront's check: the Key-Pair-Id is in the key group and its uploaded public key verifies the signature. */
function cloudFrontAccepts(resources: RecordedResource[], keyPairId: string, signature: Buffer, hash: "sha1" | "sha256"): boolean {
    const group = resources.find((r) => r.type === KEY_GROUP)!;
    if (!(group.inputs.items as string[]).includes(keyPairId)) return false;
    const publicKey = resources.find((r) => r.type === PUBLIC_KEY && r.id === keyPairId)!;
    return crypto.verify(hash, POLICY, crypto.createPublicKey(publicKey.inputs.encodedKey as string), signature);
}

describe("SigningKeyGroup with KMS key generations", () => {
    let rec: Recorder;
    beforeEach(() => {
        rec = installMocks();
    });

    for (const [algorithm, keySpec, curve] of [["RSA", "RSA_2048", undefined], ["ECDSA", "ECC_NIST_P256", "prime256v1"]] as const) {
        it(`${algorithm}: a KMS key (${keySpec}, SIGN_VERIFY), an alias and the CloudFront public key from kms:GetPublicKey; no tls key, no private key output`, async () => {
            const { group, values } = await deploy(rec, { keys: [{ id: "2026-12", algorithm, source: KeySource.Kms }] });
            assert.equal(rec.byType(TLS).length, 0);
            const key = rec.one(KMS_KEY);
            assert.deepEqual(key.inputs, {
                customerMasterKeySpec: keySpec,
                keyUsage: "SIGN_VERIFY",
                deletionWindowInDays: 30,
                description: "CloudFront signing key 2026-12 of key group signing",
            });
            assert.equal(key.name, "signing-2026-12");
            const component = rec.one(SIGNING_KEY_GROUP_TYPE);
            for (const r of rec.resources.filter((r) => r.custom)) assert.equal(r.parentUrn, component.urn, `${r.type} ${r.name}`);
            const alias = rec.one(KMS_ALIAS);
            assert.equal(alias.inputs.name, "alias/cloudfront-signing/cloudfront-signed-content/test/signing/2026-12");
            assert.equal(alias.inputs.targetKeyId, key.outputs.keyId);
            const invokes = rec.invokes.filter((i) => i.token === GET_PUBLIC_KEY);
            assert.deepEqual(invokes.map((i) => i.inputs.keyId), [key.outputs.arn]);

            const publicKey = rec.one(PUBLIC_KEY);
            const pem = publicKey.inputs.encodedKey as string;
            assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/, "SPKI PEM with its trailing newline");
            assert.equal(publicKey.inputs.name, undefined, "autonamed");
            const kmsPrivate = kmsPrivateKeyFor(key.outputs.arn as string)!;
            assert.equal(pem, crypto.createPublicKey(kmsPrivate).export({ type: "spki", format: "pem" }));
            if (curve) assert.equal(crypto.createPublicKey(pem).asymmetricKeyDetails?.namedCurve, curve);
            assert.equal(values.publicKeyPems["2026-12"], pem);

            assert.equal(await resolve(group.activeKeySource), KeySource.Kms);
            assert.equal(group.privateKeyPem, undefined);
            assert.equal(values.kmsKeyArn, key.outputs.arn);
            assert.deepEqual(values.kmsKeyArns, { "2026-12": key.outputs.arn });
            const registered = component.registeredOutputs ?? {};
            assert.ok(!("privateKeyPem" in registered), "no private key output at all");
            assert.equal(registered.kmsKeyArn, key.outputs.arn);
            assert.equal(registered.activeKeySource, "kms");

            // What kms:Sign returns for this key (SHA-256) verifies with the uploaded CloudFront public key.
            const signature = crypto.sign("sha256", POLICY, kmsPrivate);
            assert.ok(cloudFrontAccepts(rec.resources, values.activeKeyPairId, signature, "sha256"));
        });
    }

    it("the signing policy grants kms:Sign (RAW and DIGEST, the key type's SHA-256 algorithm) and kms:GetPublicKey on exactly the active key", async () => {
        const { values } = await deploy(rec, { keys: [{ id: "old" }, { id: "a", algorithm: "ECDSA", source: KeySource.Kms }, { id: "b", source: KeySource.Kms }], activeKey: "a" });
        const arns = values.kmsKeyArns;
        assert.deepEqual(Object.keys(arns), ["a", "b"]);
        assert.notEqual(arns.a, arns.b);
        const policy = JSON.parse(values.kmsSigningPolicy!) as { Version: string; Statement: { Action: string; Resource: string; Condition?: unknown }[] };
        assert.equal(policy.Version, "2012-10-17");
        assert.deepEqual(policy.Statement.map((s) => [s.Action, s.Resource]), [["kms:Sign", arns.a], ["kms:GetPublicKey", arns.a]]);
        assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": ["RAW", "DIGEST"] } });
        assert.ok(!JSON.stringify(policy).includes("*"), "no wildcard resource or action");
        assert.equal(values.kmsSigningPolicy, kmsSigningPolicyDocument(arns.a, "ECDSA"));
        assert.throws(() => kmsSigningPolicyDocument("alias/x", "RSA"), /not a KMS key ARN/);
        assert.match(kmsSigningPolicyDocument(`arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, "RSA"), /RSASSA_PKCS1_V1_5_SHA_256/);
    });

    it("a tls active key next to a KMS generation: the private key output is kept (a secret), no KMS outputs", async () => {
        const { group, values } = await deploy(rec, { keys: [{ id: "tls-1" }, { id: "kms-1", source: KeySource.Kms }], activeKey: "tls-1" });
        assert.equal(await resolve(group.activeKeySource), KeySource.Tls);
        assert.equal(group.kmsKeyArn, undefined);
        assert.equal(group.kmsSigningPolicy, undefined);
        assert.ok(values.privateKeyPem?.startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assert.equal(await isSecretOutput(group.privateKeyPem!), true);
        assert.equal(values.keyGroupItems.length, 2);
    });

    it("deletion window and alias prefix are configurable; bad values are one-line errors", async () => {
        await deploy(rec, { keys: [{ id: "k", source: KeySource.Kms }], kmsSigningKeys: { deletionWindowInDays: 7, aliasPrefix: "alias/cdn/prod" } });
        assert.equal(rec.one(KMS_KEY).inputs.deletionWindowInDays, 7);
        assert.equal(rec.one(KMS_ALIAS).inputs.name, "alias/cdn/prod/k");
        const bad = (args: SigningKeyGroupArgs, pattern: RegExp) =>
            assert.throws(() => validateSigningKeyGroupArgs("signing", args), (e: Error) => e instanceof SigningKeyGroupArgsError && pattern.test(e.message) && !e.message.includes("\n"));
        bad({ keys: [{ id: "k", source: "hsm" as KeySource }] }, /keys\[0\]\.source "hsm" is not a key source: use "tls".*or "kms"/);
        bad({ keys: [{ id: "k", source: KeySource.Kms }], kmsSigningKeys: { deletionWindowInDays: 5 } }, /deletionWindowInDays 5 is invalid: KMS waits a whole number of days from 7 to 30/);
        bad({ keys: [{ id: "k", source: KeySource.Kms }], kmsSigningKeys: { aliasPrefix: "alias/aws/x" } }, /aliasPrefix "alias\/aws\/x" is invalid/);
        bad({ keys: [{ id: "k", source: KeySource.Kms }], kmsSigningKeys: { aliasPrefix: "cdn/keys" } }, /start with "alias\/"/);
        bad({ keys: [{ id: "k", source: KeySource.Kms }], kmsSigningKeys: { aliasPrefix: `alias/${"x".repeat(250)}` } }, /characters \(max 256\)/);
        bad({ keys: [{ id: "k", source: KeySource.Kms }], storePrivateKey: true }, /storePrivateKey is set but the active key "k" is a KMS key/);
        // A KMS generation that is not active does not block storing the (tls) active key.
        assert.doesNotThrow(() => validateSigningKeyGroupArgs("signing", { keys: [{ id: "k", source: KeySource.Kms }, { id: "t" }], storePrivateKey: true }));
    });

    it("rotation tls -> KMS without downtime: add (both trusted), switch (KMS signs, private key output gone), drop the tls key", async () => {
        const step = async (args: SigningKeyGroupArgs) => {
            const r = installMocks();
            return deploy(r, args);
        };
        const s0 = await step({ keys: [{ id: "2026-01" }] });
        const oldSignature = crypto.sign("sha1", POLICY, crypto.createPrivateKey(s0.values.privateKeyPem!));
        const oldId = s0.values.activeKeyPairId;

        const s1 = await step({ keys: [{ id: "2026-01" }, { id: "2026-12", algorithm: "ECDSA", source: KeySource.Kms }], activeKey: "2026-01" });
        assert.equal(s1.values.activeKeyPairId, oldId);
        assert.equal(s1.values.keyGroupItems.length, 2);
        assert.ok(cloudFrontAccepts(s1.resources, oldId, oldSignature, "sha1"), "old URLs keep working while the KMS key is added");
        assert.equal(await resolve(s1.group.activeKeySource), KeySource.Tls);
        const tls0 = s0.resources.find((r) => r.type === TLS)!;
        assert.ok(s1.resources.some((r) => r.urn === tls0.urn && r.id === tls0.id), "the tls key is untouched");

        const s2 = await step({ keys: [{ id: "2026-01" }, { id: "2026-12", algorithm: "ECDSA", source: KeySource.Kms }], activeKey: "2026-12" });
        assert.notEqual(s2.values.activeKeyPairId, oldId);
        assert.equal(s2.values.privateKeyPem, undefined);
        assert.equal(await resolve(s2.group.activeKeySource), KeySource.Kms);
        assert.ok(cloudFrontAccepts(s2.resources, oldId, oldSignature, "sha1"), "URLs signed before the switch still verify");
        const kmsSignature = crypto.sign("sha256", POLICY, kmsPrivateKeyFor(s2.values.kmsKeyArn!)!);
        assert.ok(cloudFrontAccepts(s2.resources, s2.values.activeKeyPairId, kmsSignature, "sha256"));
        const kms1 = s1.resources.find((r) => r.type === KMS_KEY)!;
        assert.ok(s2.resources.some((r) => r.urn === kms1.urn && r.id === kms1.id), "switching does not replace the KMS key");

        const s3 = await step({ keys: [{ id: "2026-12", algorithm: "ECDSA", source: KeySource.Kms }] });
        assert.equal(s3.values.activeKeyPairId, s2.values.activeKeyPairId);
        assert.equal(s3.resources.filter((r) => r.type === TLS).length, 0);
        assert.ok(!cloudFrontAccepts(s3.resources, oldId, oldSignature, "sha1"), "the dropped key is no longer trusted");
        assert.ok(cloudFrontAccepts(s3.resources, s3.values.activeKeyPairId, kmsSignature, "sha256"));
    });

    it("a URL signed through the KMS stand-in with the same key pair verifies against the component's public key", async () => {
        const { values, resources } = await deploy(rec, { keys: [{ id: "k", algorithm: "ECDSA", source: KeySource.Kms }] });
        const kms = await KmsStandIn.start();
        try {
            const standInKey = kms.addKey({ keySpec: "ECC_NIST_P256", privateKey: kmsPrivateKeyFor(values.kmsKeyArn!) });
            const signer = await createKmsSigner({ keyId: standInKey.arn, keyPairId: values.activeKeyPairId, client: standInClient(kms) });
            const signed = await signer.signUrl("https://cdn.example.com/private/a.pdf", { expires: 1_900_000_000, now: new Date(1_800_000_000_000) });
            const publicKey = resources.find((r) => r.type === PUBLIC_KEY && r.id === values.activeKeyPairId)!;
            const result = verifyRequest({ url: signed.url, now: new Date(1_800_000_001_000), trustedKeys: { [values.activeKeyPairId]: publicKey.inputs.encodedKey as string } });
            assert.ok(result.ok, result.ok ? "" : result.detail);
        } finally {
            await kms.close();
        }
    });
});
