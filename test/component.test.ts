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
        assert.equal(group.activeKey, "default");
        assert.equal(group.activeKeyAlgorithm, "RSA");
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
        assert.equal(group.activeKeyAlgorithm, "ECDSA");
        const data = Buffer.from("policy");
        const sig = crypto.sign("sha256", data, crypto.createPrivateKey(values.privateKeyPem)); // DER, as CloudFront expects
        assert.ok(crypto.verify("sha256", data, crypto.createPublicKey(values.publicKeyPems.e1), sig));
    });

    it("registers all outputs with registerOutputs", async () => {
        await deploy(rec, "plain");
        assert.deepEqual(Object.keys(rec.one(SIGNING_KEY_GROUP_TYPE).registeredOutputs ?? {}).sort(), [
            "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "kmsKeyArns", "privateKeyPem", "publicKeyPems",
        ]);
        rec = installMocks();
        await deploy(rec, "stored", { storePrivateKey: true });
        assert.deepEqual(Object.keys(rec.one(SIGNING_KEY_GROUP_TYPE).registeredOutputs ?? {}).sort(), [
            "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "kmsKeyArns", "privateKeyPem", "privateKeyReadPolicy", "privateKeySecretArn", "publicKeyPems",
        ]);
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
            storePrivateKey: { kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", recoveryWindowInDays: 7 },
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
        assert.equal(policy.Statement.length, 2);
        assert.deepEqual(policy.Statement[0].Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
        assert.equal(policy.Statement[0].Resource, values.privateKeySecretArn);
        assert.equal(policy.Statement[0].Effect, "Allow");
        assert.equal(policy.Statement[1].Action, "kms:Decrypt");
        assert.equal(policy.Statement[1].Resource, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        assert.deepEqual(policy.Statement[1].Condition, { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } });
        assert.ok(!JSON.stringify(policy).includes("*"), "no wildcard grants");
    });

    it("uses the default 30-day recovery window and the account's default key with storePrivateKey: true", async () => {
        const { values } = await deploy(rec, "signing", { storePrivateKey: true });
        const secret = rec.one(SECRET);
        assert.equal(secret.inputs.recoveryWindowInDays, 30);
        assert.equal("kmsKeyId" in secret.inputs, false);
        assert.match(values.privateKeySecretArn!, new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT_ID}:secret:signing-cloudfront-signing-key-`));
        const policy = JSON.parse(values.privateKeyReadPolicy!) as { Statement: { Resource: string }[] };
        assert.deepEqual(policy.Statement.map((s) => s.Resource), [values.privateKeySecretArn]);
    });

    it("exports no secret ARN or policy without storePrivateKey (and with storePrivateKey: false)", async () => {
        const { group } = await deploy(rec, "signing", { storePrivateKey: false });
        assert.equal(group.privateKeySecretArn, undefined);
        assert.equal(group.privateKeyReadPolicy, undefined);
        assert.equal(rec.byType(SECRET).length, 0);
    });
});
