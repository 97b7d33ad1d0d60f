import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecretOutput, MOCK_ACCOUNT_ID, Recorder, resolve } from "./harness/mocks";
import { SigningKeyGroup, SigningKeyGroupArgs, SIGNING_KEY_GROUP_TYPE } from "../components";

const TLS = "tls:index/privateKey:PrivateKey";
const PUBLIC_KEY = "aws:cloudfront/publicKey:PublicKey";
const KEY_GROUP = "aws:cloudfront/keyGroup:KeyGroup";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const RANDOM_ID = "random:index/randomId:RandomId";

/** Registers a component and waits until all its outputs and registrations are done. */
async function deploy(rec: Recorder, name: string, args?: SigningKeyGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    const group = new SigningKeyGroup(name, args, opts);
    const values = {
        keyGroupId: await resolve(group.keyGroupId),
        activeKeyPairId: await resolve(group.activeKeyPairId),
        keyPairIds: await resolve(group.keyPairIds),
        publicKeyPems: await resolve(group.publicKeyPems),
        privateKeyPem: await resolve(group.privateKeyPem!),
        privateKeySecretArn: group.privateKeySecretArn ? await resolve(group.privateKeySecretArn) : undefined,
        privateKeyReadPolicy: group.privateKeyReadPolicy ? await resolve(group.privateKeyReadPolicy) : undefined,
        urn: await resolve(group.urn),
    };
    await rec.settled();
    return { group, values };
}

describe("SigningKeyGroup resources", () => {
    let rec: Recorder;
    beforeEach(() => {
        rec = installMocks();
    });

    it("registers one tls key and one CloudFront public key per generation and one key group, all children of the component", async () => {
        const { values } = await deploy(rec, "signing", { keys: [{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }] });
        const component = rec.one(SIGNING_KEY_GROUP_TYPE);
        assert.equal(component.custom, false);
        assert.equal(component.urn, values.urn);
        assert.equal(rec.byType(TLS).length, 2);
        assert.equal(rec.byType(PUBLIC_KEY).length, 2);
        assert.equal(rec.byType(KEY_GROUP).length, 1);
        assert.equal(rec.resources.length, 6, `unexpected resources: ${rec.resources.map((r) => r.type).join(", ")}`);
        for (const r of rec.resources.filter((r) => r.custom)) assert.equal(r.parentUrn, component.urn, `${r.type} ${r.name}`);
        assert.deepEqual(rec.byType(PUBLIC_KEY).map((r) => r.name), ["signing-2026-01", "signing-2026-11"]);
        assert.deepEqual(rec.byType(TLS).map((r) => r.name), ["signing-2026-01", "signing-2026-11"]);
        assert.equal(rec.byType(SECRET).length + rec.byType(RANDOM_ID).length, 0);
    });

    it("defaults to one RSA 2048 generation named \"default\" that is active", async () => {
        const { group, values } = await deploy(rec, "solo");
        const tlsKey = rec.one(TLS);
        assert.deepEqual(tlsKey.inputs, { algorithm: "RSA", rsaBits: 2048 });
        assert.equal(tlsKey.name, "solo-default");
        assert.deepEqual(Object.keys(values.keyPairIds), ["default"]);
        assert.equal(values.activeKeyPairId, values.keyPairIds.default);
        assert.equal(await resolve(group.activeKey), "default");
        assert.equal(await resolve(group.activeKeyAlgorithm), "RSA");
        assert.deepEqual(await resolve(group.keys), [{ id: "default", algorithm: "RSA", source: "tls" }]);
    });

    it("leaves public keys autonamed and uploads the tls SPKI PEM untouched, trailing newline included", async () => {
        const { values } = await deploy(rec, "signing", { keys: [{ id: "a" }, { id: "b", algorithm: "ECDSA" }], comment: "signed downloads" });
        const tlsByName = new Map(rec.byType(TLS).map((r) => [r.name, r]));
        for (const pk of rec.byType(PUBLIC_KEY)) {
            assert.equal("name" in pk.inputs, false, "explicit name would force delete-before-replace");
            assert.equal("namePrefix" in pk.inputs, false);
            const pem = pk.inputs.encodedKey as string;
            assert.equal(pem, tlsByName.get(pk.name)!.outputs.publicKeyPem);
            assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]*\n-----END PUBLIC KEY-----\n$/);
            assert.equal(pk.inputs.comment, "signed downloads");
        }
        assert.equal(rec.one(KEY_GROUP).inputs.comment, "signed downloads");
        assert.equal("name" in rec.one(KEY_GROUP).inputs, false);
        assert.deepEqual(values.publicKeyPems, { a: tlsByName.get("signing-a")!.outputs.publicKeyPem, b: tlsByName.get("signing-b")!.outputs.publicKeyPem });
    });

    it("puts every generation's public key id in the key group, oldest first, and exports them", async () => {
        const { values } = await deploy(rec, "signing", { keys: [{ id: "one" }, { id: "two" }, { id: "three" }], activeKey: "two" });
        const ids = rec.byType(PUBLIC_KEY).map((r) => r.id);
        assert.deepEqual(rec.one(KEY_GROUP).inputs.items, ids);
        assert.deepEqual(values.keyPairIds, { one: ids[0], two: ids[1], three: ids[2] });
        assert.equal(values.keyGroupId, rec.one(KEY_GROUP).id);
        assert.equal(values.activeKeyPairId, ids[1]);
    });

    it("exports every generation's private key as one secret map (privateKeyPems) for the rotation canary", async () => {
        const { group } = await deploy(rec, "signing", { keys: [{ id: "old" }, { id: "new", algorithm: "ECDSA" }], activeKey: "old" });
        assert.equal(await isSecretOutput(group.privateKeyPems), true);
        const pems = await resolve(group.privateKeyPems);
        const publicPems = await resolve(group.publicKeyPems);
        const ids = await resolve(group.keyPairIds);
        assert.deepEqual(Object.keys(pems), ["old", "new"]);
        assert.equal(pems.old, await resolve(group.privateKeyPem!));
        const data = Buffer.from("canary");
        for (const generation of ["old", "new"]) {
            // The non-active key signs what its own public key (trusted under its key pair id) verifies.
            const signature = crypto.sign("sha256", data, crypto.createPrivateKey(pems[generation]));
            assert.ok(crypto.verify("sha256", data, crypto.createPublicKey(publicPems[generation]), signature));
            const uploaded = rec.byType(PUBLIC_KEY).find((r) => r.id === ids[generation])!;
            assert.equal(uploaded.inputs.encodedKey, publicPems[generation]);
        }
        assert.equal(crypto.createPrivateKey(pems.new).asymmetricKeyType, "ec");
    });

    it("exports the active private key as a secret that signs what the exported public key verifies", async () => {
        const { group, values } = await deploy(rec, "signing", { keys: [{ id: "old" }, { id: "new" }], activeKey: "old" });
        assert.equal(await isSecretOutput(group.privateKeyPem!), true);
        assert.equal(await isSecretOutput(group.keyGroupId), false);
        const data = Buffer.from('{"Statement":[{"Resource":"https://d.example/x","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}');
        const signature = crypto.sign("sha1", data, crypto.createPrivateKey(values.privateKeyPem));
        assert.ok(crypto.verify("sha1", data, crypto.createPublicKey(values.publicKeyPems.old), signature));
        assert.equal(crypto.verify("sha1", data, crypto.createPublicKey(values.publicKeyPems.new), signature), false);
        // and the "old" public key is the one CloudFront knows under the active key pair id
        const activePk = rec.byType(PUBLIC_KEY).find((r) => r.id === values.activeKeyPairId)!;
        assert.equal(activePk.inputs.encodedKey, values.publicKeyPems.old);
        // the uploaded key is exactly the SPKI PEM derived from the exported private key
        const derived = crypto.createPublicKey(crypto.createPrivateKey(values.privateKeyPem)).export({ type: "spki", format: "pem" });
        assert.equal(activePk.inputs.encodedKey, derived);
        assert.match(values.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    });

    it("creates ECDSA keys on curve P256 explicitly (the tls default P224 is rejected by CloudFront)", async () => {
        const { group, values } = await deploy(rec, "ec", { keys: [{ id: "e1", algorithm: "ECDSA" }] });
        assert.deepEqual(rec.one(TLS).inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.equal(crypto.createPublicKey(values.publicKeyPems.e1).asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.equal(crypto.createPrivateKey(values.privateKeyPem).asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.equal(await resolve(group.activeKeyAlgorithm), "ECDSA");
        const data = Buffer.from("policy");
        const sig = crypto.sign("sha256", data, crypto.createPrivateKey(values.privateKeyPem)); // DER, as CloudFront expects
        assert.ok(crypto.verify("sha256", data, crypto.createPublicKey(values.publicKeyPems.e1), sig));
    });

    it("registers all outputs with registerOutputs", async () => {
        await deploy(rec, "plain");
        assert.deepEqual(Object.keys(rec.one(SIGNING_KEY_GROUP_TYPE).registeredOutputs ?? {}).sort(), [
            "activeKey", "activeKeyAlgorithm", "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "keys", "kmsKeyArns", "privateKeyPem", "privateKeyPems", "publicKeyPems",
        ]);
        rec = installMocks();
        await deploy(rec, "stored", { storePrivateKey: true });
        assert.deepEqual(Object.keys(rec.one(SIGNING_KEY_GROUP_TYPE).registeredOutputs ?? {}).sort(), [
            "activeKey", "activeKeyAlgorithm", "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "keys", "kmsKeyArns", "privateKeyPem", "privateKeyPems", "privateKeyReadPolicy", "privateKeySecretArn", "publicKeyPems",
        ]);
    });

    it("protectKeys protects the private keys, public keys and key group, and nothing else", async () => {
        await deploy(rec, "guarded", { keys: [{ id: "g1" }, { id: "g2" }], protectKeys: true, storePrivateKey: true });
        const protectedTypes = rec.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(protectedTypes.sort(), [
            `${PUBLIC_KEY} guarded-g1`, `${PUBLIC_KEY} guarded-g2`, `${KEY_GROUP} guarded`, `${TLS} guarded-g1`, `${TLS} guarded-g2`,
        ].sort());
        // default: nothing protected (and no explicit protect: false that would override an inherited protect)
        rec = installMocks();
        await deploy(rec, "open", { keys: [{ id: "g1" }] });
        assert.deepEqual(rec.resources.filter((r) => r.protect).map((r) => r.name), []);
        rec = installMocks();
        await deploy(rec, "inherited", { keys: [{ id: "g1" }] }, { protect: true });
        assert.equal(rec.byType(PUBLIC_KEY)[0].protect, true, "a protect set on the component still reaches the keys");
    });

    it("protectKeys also protects a KMS generation's key and alias (a TypeScript caller writes source: \"kms\")", async () => {
        await deploy(rec, "guarded", { keys: [{ id: "g1" }, { id: "g2", algorithm: "ECDSA", source: "kms" }], activeKey: "g1", protectKeys: true });
        const protectedTypes = rec.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(protectedTypes.sort(), [
            `${PUBLIC_KEY} guarded-g1`, `${PUBLIC_KEY} guarded-g2`, `${KEY_GROUP} guarded`, `${TLS} guarded-g1`,
            `aws:kms/key:Key guarded-g2`, `aws:kms/alias:Alias guarded-g2`,
        ].sort());
    });

    it("supports two instances in one stack with distinct URNs and distinct keys", async () => {
        const a = await deploy(rec, "downloads", { keys: [{ id: "k1" }] });
        const b = await deploy(rec, "videos", { keys: [{ id: "k1" }] });
        const urns = rec.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length, `duplicate URNs: ${urns.join("\n")}`);
        assert.equal(rec.byType(SIGNING_KEY_GROUP_TYPE).length, 2);
        assert.equal(rec.byType(KEY_GROUP).length, 2);
        assert.notEqual(a.values.keyGroupId, b.values.keyGroupId);
        assert.notEqual(a.values.activeKeyPairId, b.values.activeKeyPairId);
        assert.notEqual(a.values.publicKeyPems.k1, b.values.publicKeyPems.k1);
        const parentsOfKeyGroups = rec.byType(KEY_GROUP).map((r) => r.parentName);
        assert.deepEqual(parentsOfKeyGroups, ["downloads", "videos"]);
    });

    it("passes resource options through to the component (e.g. a parent)", async () => {
        class Outer extends pulumi.ComponentResource {
            constructor() {
                super("test:index:Outer", "outer", {});
            }
        }
        const outer = new Outer();
        await deploy(rec, "nested", {}, { parent: outer });
        const comp = rec.one(SIGNING_KEY_GROUP_TYPE);
        assert.equal(comp.parentName, "outer");
        // (the mock monitor qualifies URNs with the direct parent's type only)
        assert.equal(rec.one(KEY_GROUP).parentUrn, comp.urn);
    });

    it("does not register anything when the arguments are invalid", () => {
        assert.throws(() => new SigningKeyGroup("bad", { keys: [] }), /keys is empty/);
        assert.equal(rec.resources.length, 0);
    });
});

describe("SigningKeyGroup storePrivateKey", () => {
    let rec: Recorder;
    beforeEach(() => {
        rec = installMocks();
    });

    it("stores the active key pair id and private key as a JSON secret with a random name suffix", async () => {
        const { group, values } = await deploy(rec, "signing", {
            keys: [{ id: "g1" }, { id: "g2", algorithm: "ECDSA" }],
            storePrivateKey: true,
            storePrivateKeyOptions: { kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", recoveryWindowInDays: 7 },
        });
        const component = rec.one(SIGNING_KEY_GROUP_TYPE);
        const suffix = rec.one(RANDOM_ID);
        const secret = rec.one(SECRET);
        const version = rec.one(SECRET_VERSION);
        for (const r of [suffix, secret, version]) assert.equal(r.parentUrn, component.urn);
        assert.equal(secret.inputs.name, `signing-cloudfront-signing-key-${suffix.outputs.hex as string}`);
        assert.match(secret.inputs.name as string, /^signing-cloudfront-signing-key-[0-9a-f]{8}$/);
        assert.equal(secret.inputs.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        assert.equal(secret.inputs.recoveryWindowInDays, 7);
        assert.equal(version.inputs.secretId, secret.id);
        assert.deepEqual(version.secretInputs, ["secretString"]);
        const stored = JSON.parse(version.inputs.secretString as string) as Record<string, string>;
        assert.deepEqual(stored, { keyPairId: values.activeKeyPairId, privateKeyPem: values.privateKeyPem, algorithm: "ECDSA", generation: "g2" });
        assert.equal(values.privateKeySecretArn, secret.outputs.arn);
        assert.equal(await isSecretOutput(group.privateKeySecretArn!), false);

        const policy = JSON.parse(values.privateKeyReadPolicy!) as { Version: string; Statement: { Effect: string; Action: string | string[]; Resource: string; Condition?: unknown }[] };
        assert.equal(policy.Version, "2012-10-17");
        assert.deepEqual(policy.Statement.map((st) => [st.Effect, st.Action, st.Resource]), [
            ["Allow", "secretsmanager:GetSecretValue", values.privateKeySecretArn],
            ["Allow", "secretsmanager:DescribeSecret", values.privateKeySecretArn],
            ["Allow", "kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        ]);
        assert.deepEqual(policy.Statement[0].Condition, { StringEqualsIfExists: { "secretsmanager:VersionStage": "AWSCURRENT" } });
        assert.deepEqual(policy.Statement[2].Condition, {
            StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:EncryptionContext:SecretARN": values.privateKeySecretArn },
        });
        assert.ok(!JSON.stringify(policy).includes("*"), "no wildcard grants");
    });

    it("uses the default 30-day recovery window and the account's default key with storePrivateKey: true", async () => {
        const { values } = await deploy(rec, "signing", { storePrivateKey: true });
        const secret = rec.one(SECRET);
        assert.equal(secret.inputs.recoveryWindowInDays, 30);
        assert.equal("kmsKeyId" in secret.inputs, false);
        assert.match(values.privateKeySecretArn!, new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT_ID}:secret:signing-cloudfront-signing-key-`));
        const policy = JSON.parse(values.privateKeyReadPolicy!) as { Statement: { Resource: string }[] };
        assert.deepEqual(policy.Statement.map((s) => s.Resource), [values.privateKeySecretArn, values.privateKeySecretArn]);
        assert.equal(rec.invokes.length, 0, "no KMS lookup without a customer managed key");
    });

    for (const [label, kmsKeyId, keyArn] of [
        ["an alias name", "alias/cloudfront-signing", undefined],
        ["an alias ARN", "arn:aws:kms:eu-west-1:210987654321:alias/cloudfront-signing", undefined],
        ["a key id", "1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    ] as const) {
        it(`resolves a KMS key given as ${label} to its key ARN and grants kms:Decrypt on it through Secrets Manager only`, async () => {
            const { values } = await deploy(rec, "signing", { storePrivateKey: true, storePrivateKeyOptions: { kmsKeyId } });
            // the secret keeps the value as given (changing it would update existing secrets for nothing)
            assert.equal(rec.one(SECRET).inputs.kmsKeyId, kmsKeyId);
            const lookups = rec.invokes.filter((i) => i.token === "aws:kms/getKey:getKey");
            assert.deepEqual(lookups.map((i) => i.inputs.keyId), [kmsKeyId]);
            const policy = JSON.parse(values.privateKeyReadPolicy!) as { Statement: { Sid: string; Action: string; Resource: string; Condition: { StringEquals: Record<string, string> } }[] };
            const decrypt = policy.Statement.find((st) => st.Action === "kms:Decrypt");
            assert.ok(decrypt, "a kms:Decrypt statement");
            assert.match(decrypt.Resource, /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/);
            if (keyArn) assert.equal(decrypt.Resource, keyArn);
            if (kmsKeyId.startsWith("arn:")) assert.match(decrypt.Resource, /^arn:aws:kms:eu-west-1:210987654321:key\//);
            assert.equal(decrypt.Condition.StringEquals["kms:ViaService"], "secretsmanager.us-east-1.amazonaws.com");
            assert.equal(decrypt.Condition.StringEquals["kms:EncryptionContext:SecretARN"], values.privateKeySecretArn);
        });
    }

    it("tags the secret (the only taggable child: CloudFront public keys and key groups take no tags)", async () => {
        await deploy(rec, "signing", { storePrivateKey: true, tags: { team: "platform", "cost-center": "42" } });
        assert.deepEqual(rec.one(SECRET).inputs.tags, { team: "platform", "cost-center": "42" });
        for (const r of [...rec.byType(PUBLIC_KEY), ...rec.byType(KEY_GROUP)]) assert.equal("tags" in r.inputs, false, r.type);
        const untagged = installMocks();
        await deploy(untagged, "signing", { storePrivateKey: true });
        assert.equal("tags" in untagged.one(SECRET).inputs, false, "no tags input unless asked: existing secrets see no diff");
    });

    it("exports no secret ARN or policy without storePrivateKey (and with storePrivateKey: false)", async () => {
        const { group } = await deploy(rec, "signing", { storePrivateKey: false });
        assert.equal(group.privateKeySecretArn, undefined);
        assert.equal(group.privateKeyReadPolicy, undefined);
        assert.equal(rec.byType(SECRET).length, 0);
    });
});
