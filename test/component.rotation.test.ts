// Zero-downtime rotation: each step registers the component under fresh mocks with the same name (as successive
// `pulumi up`s would) and compares the recorded resources before and after. Key material is deterministic per URN
// in the harness, so an unchanged resource has unchanged inputs.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { installMocks, RecordedResource, resolve } from "./harness/mocks";
import { SigningKeyGroup, SigningKeyGroupArgs } from "../components";

const TLS = "tls:index/privateKey:PrivateKey";
const PUBLIC_KEY = "aws:cloudfront/publicKey:PublicKey";
const KEY_GROUP = "aws:cloudfront/keyGroup:KeyGroup";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

interface Step {
    resources: RecordedResource[];
    activeKeyPairId: string;
    keyPairIds: Record<string, string>;
    privateKeyPem: string;
    keyGroupId: string;
    privateKeySecretArn: string;
    privateKeyReadPolicy: string;
}

async function up(args: SigningKeyGroupArgs): Promise<Step> {
    const rec = installMocks();
    const group = new SigningKeyGroup("signing", { storePrivateKey: true, ...args });
    const step = {
        activeKeyPairId: await resolve(group.activeKeyPairId),
        keyPairIds: await resolve(group.keyPairIds),
        privateKeyPem: await resolve(group.privateKeyPem!),
        keyGroupId: await resolve(group.keyGroupId),
    };
    const privateKeySecretArn = await resolve(group.privateKeySecretArn!);
    const privateKeyReadPolicy = await resolve(group.privateKeyReadPolicy!);
    await rec.settled();
    return { ...step, privateKeySecretArn, privateKeyReadPolicy, resources: [...rec.resources] };
}

function only(step: Step, type: string): RecordedResource[] {
    return step.resources.filter((r) => r.type === type);
}
function byUrn(step: Step, urn: string): RecordedResource | undefined {
    return step.resources.find((r) => r.urn === urn);
}
function keyGroup(step: Step): RecordedResource {
    const groups = only(step, KEY_GROUP);
    assert.equal(groups.length, 1);
    return groups[0];
}

/** Asserts the resource exists after the step with the same URN, id and inputs: an update would not touch it. */
function assertUnchanged(before: RecordedResource, after: Step): void {
    const now = byUrn(after, before.urn);
    assert.ok(now, `${before.type} ${before.name} disappeared (would be deleted)`);
    assert.deepEqual(now.inputs, before.inputs, `${before.type} ${before.name} inputs changed (would be updated or replaced)`);
    assert.equal(now.id, before.id);
}

/** What CloudFront does: pick the public key by Key-Pair-Id among the key group's items, verify the signature. */
function cloudFrontAccepts(step: Step, keyPairId: string, data: Buffer, signature: Buffer): boolean {
    if (!(keyGroup(step).inputs.items as string[]).includes(keyPairId)) return false; // InvalidKey: Unknown Key
    const publicKey = only(step, PUBLIC_KEY).find((r) => r.id === keyPairId);
    assert.ok(publicKey, `key group lists ${keyPairId} but no such public key is registered`);
    return crypto.verify("sha1", data, crypto.createPublicKey(publicKey.inputs.encodedKey as string), signature);
}

function storedKeyPairId(step: Step): string {
    const versions = only(step, SECRET_VERSION);
    assert.equal(versions.length, 1);
    return (JSON.parse(versions[0].inputs.secretString as string) as { keyPairId: string }).keyPairId;
}

describe("SigningKeyGroup rotation without downtime", () => {
    const policy = Buffer.from('{"Statement":[{"Resource":"https://cdn.example.com/private/a.pdf","Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}');

    it("adds a generation, switches the active key, then drops the old generation", async () => {
        // Step 0: one generation.
        const s0 = await up({ keys: [{ id: "2026-01" }] });
        const oldTls = only(s0, TLS)[0];
        const oldPublicKey = only(s0, PUBLIC_KEY)[0];
        const group0 = keyGroup(s0);
        const secret0 = only(s0, SECRET)[0];
        const oldKeyPairId = s0.activeKeyPairId;
        const oldSignature = crypto.sign("sha1", policy, crypto.createPrivateKey(s0.privateKeyPem));
        assert.ok(cloudFrontAccepts(s0, oldKeyPairId, policy, oldSignature));

        // Step 1: add the new generation, keep signing with the old one.
        const s1 = await up({ keys: [{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }], activeKey: "2026-01" });
        assertUnchanged(oldTls, s1);
        assertUnchanged(oldPublicKey, s1);
        assertUnchanged(secret0, s1);
        const newPublicKey = only(s1, PUBLIC_KEY).find((r) => r.urn !== oldPublicKey.urn)!;
        assert.equal(only(s1, PUBLIC_KEY).length, 2);
        assert.equal(keyGroup(s1).urn, group0.urn, "key group identity kept");
        assert.equal(keyGroup(s1).id, group0.id);
        assert.deepEqual(keyGroup(s1).inputs.items, [oldKeyPairId, newPublicKey.id], "both keys trusted");
        assert.equal(s1.keyGroupId, s0.keyGroupId);
        assert.equal(s1.activeKeyPairId, oldKeyPairId, "signing key unchanged before the switch");
        assert.equal(s1.privateKeyPem, s0.privateKeyPem);
        assert.equal(storedKeyPairId(s1), oldKeyPairId);
        assert.ok(cloudFrontAccepts(s1, oldKeyPairId, policy, oldSignature), "old URLs still verify");

        // Step 2: switch the signer to the new generation.
        const s2 = await up({ keys: [{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }], activeKey: "2026-11" });
        for (const r of s1.resources.filter((r) => r.type !== SECRET_VERSION && r.custom)) assertUnchanged(r, s2);
        assert.equal(s2.activeKeyPairId, newPublicKey.id, "signing key switches now");
        assert.notEqual(s2.privateKeyPem, s1.privateKeyPem);
        assert.equal(crypto.createPrivateKey(s2.privateKeyPem).asymmetricKeyType, "ec");
        assert.equal(storedKeyPairId(s2), newPublicKey.id, "the stored key follows the switch");
        // secretString forces a new SecretVersion (ForceNew in the provider): the engine replaces it (create the new
        // version, which takes AWSCURRENT, then delete the old one) under the same URN, in the same secret.
        const [v1, v2] = [only(s1, SECRET_VERSION)[0], only(s2, SECRET_VERSION)[0]];
        assert.equal(v2.urn, v1.urn, "same logical secret version");
        assert.notEqual(v2.outputs.versionId, v1.outputs.versionId, "a new version (replacement), not an in-place update");
        assert.equal(v2.inputs.secretId, v1.inputs.secretId, "in the same secret: its ARN and read policy do not change");
        assert.equal(s2.privateKeySecretArn, s1.privateKeySecretArn);
        assert.equal(s2.privateKeyReadPolicy, s1.privateKeyReadPolicy, "the read policy (AWSCURRENT) covers the new version unchanged");
        const newSignature = crypto.sign("sha1", policy, crypto.createPrivateKey(s2.privateKeyPem));
        assert.ok(cloudFrontAccepts(s2, s2.activeKeyPairId, policy, newSignature), "new URLs verify");
        assert.ok(cloudFrontAccepts(s2, oldKeyPairId, policy, oldSignature), "URLs signed before the switch still verify");

        // Step 3: once old URLs expired, drop the old generation.
        const s3 = await up({ keys: [{ id: "2026-11", algorithm: "ECDSA" }] });
        assert.equal(byUrn(s3, oldPublicKey.urn), undefined, "old public key removed");
        assert.equal(byUrn(s3, oldTls.urn), undefined, "old private key removed");
        assertUnchanged(newPublicKey, s3);
        assertUnchanged(only(s2, TLS).find((r) => r.name === "signing-2026-11")!, s3);
        assertUnchanged(secret0, s3);
        assert.equal(keyGroup(s3).urn, group0.urn, "key group identity kept");
        assert.deepEqual(keyGroup(s3).inputs.items, [newPublicKey.id]);
        assert.equal(s3.activeKeyPairId, s2.activeKeyPairId, "signing key unchanged after the switch");
        assert.equal(s3.privateKeyPem, s2.privateKeyPem);
        assert.deepEqual(only(s3, SECRET_VERSION)[0].inputs, only(s2, SECRET_VERSION)[0].inputs);
        assert.equal(cloudFrontAccepts(s3, oldKeyPairId, policy, oldSignature), false, "old key no longer trusted");
        assert.ok(cloudFrontAccepts(s3, s3.activeKeyPairId, policy, newSignature));
    });

    it("with the default activeKey, adding a generation switches at once (why step 1 pins activeKey)", async () => {
        const s0 = await up({ keys: [{ id: "a" }] });
        const s1 = await up({ keys: [{ id: "a" }, { id: "b" }] });
        assert.notEqual(s1.activeKeyPairId, s0.activeKeyPairId);
        assert.equal(s1.activeKeyPairId, s1.keyPairIds.b);
        assert.deepEqual(keyGroup(s1).inputs.items, [s0.activeKeyPairId, s1.keyPairIds.b]);
    });

    it("never gives a public key an explicit name, in any step (no delete-before-replace)", async () => {
        for (const keys of [[{ id: "a" }], [{ id: "a" }, { id: "b" }], [{ id: "b" }]]) {
            const s = await up({ keys });
            for (const pk of only(s, PUBLIC_KEY)) {
                assert.equal("name" in pk.inputs, false);
                assert.match(pk.name, /^signing-[ab]$/);
            }
        }
    });
});
