import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import * as random from "@pulumi/random";
import { installMocks, isSecretOutput, MOCK_ACCOUNT_ID, Recorder, resolve, setConfig } from "./mocks";

class Box extends pulumi.ComponentResource {
    readonly keyPem: pulumi.Output<string>;
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        this.keyPem = key.publicKeyPem;
        this.registerOutputs({ keyPem: this.keyPem });
    }
}

describe("mock harness", () => {
    let rec: Recorder;
    beforeEach(() => {
        rec = installMocks();
    });

    it("records type, name, inputs, parent and custom-ness", async () => {
        const box = new Box("b1");
        await resolve(box.keyPem);
        await rec.settled();
        const comp = rec.one("test:index:Box");
        const key = rec.one("tls:index/privateKey:PrivateKey");
        assert.equal(comp.custom, false);
        assert.equal(key.custom, true);
        assert.equal(key.name, "b1-key");
        assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.equal(key.parentUrn, comp.urn);
        assert.equal(key.parentName, "b1");
        assert.equal(key.urn, await resolve(box.urn.apply(() => key.urn)));
        assert.match(key.urn, /^urn:pulumi:test::cloudfront-signed-content::test:index:Box\$tls:index\/privateKey:PrivateKey::b1-key$/);
        assert.deepEqual(Object.keys(comp.registeredOutputs ?? {}), ["keyPem"]);
    });

    it("returns real RSA key material in the tls provider's formats", async () => {
        const key = new tls.PrivateKey("rsa", { algorithm: "RSA", rsaBits: 2048 });
        const [priv, pkcs8, pub, ssh, md5, sha256] = await Promise.all([
            resolve(key.privateKeyPem), resolve(key.privateKeyPemPkcs8), resolve(key.publicKeyPem),
            resolve(key.publicKeyOpenssh), resolve(key.publicKeyFingerprintMd5), resolve(key.publicKeyFingerprintSha256),
        ]);
        assert.match(priv, /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
        assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
        assert.match(ssh, /^ssh-rsa AAAAB3NzaC1yc2E/);
        assert.match(md5, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
        assert.match(sha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
        const privateKey = crypto.createPrivateKey(priv);
        assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
        const sig = crypto.sign("sha1", Buffer.from("x"), privateKey);
        assert.ok(crypto.verify("sha1", Buffer.from("x"), crypto.createPublicKey(pub), sig));
    });

    it("generates ECDSA keys on the requested curve, P224 by default like the provider", async () => {
        const p256 = new tls.PrivateKey("ec256", { algorithm: "ECDSA", ecdsaCurve: "P256" });
        const p224 = new tls.PrivateKey("ec224", { algorithm: "ECDSA" });
        const pem256 = await resolve(p256.privateKeyPem);
        assert.match(pem256, /^-----BEGIN EC PRIVATE KEY-----\n/);
        assert.equal(crypto.createPrivateKey(pem256).asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.match(await resolve(p256.publicKeyOpenssh), /^ecdsa-sha2-nistp256 /);
        assert.equal(crypto.createPublicKey(await resolve(p224.publicKeyPem)).asymmetricKeyDetails?.namedCurve, "secp224r1");
        assert.equal(await resolve(p224.ecdsaCurve), "P224");
        assert.equal(await resolve(p224.publicKeyOpenssh), "");
    });

    it("keeps key material stable per URN across installs (for before/after comparisons)", async () => {
        const a = await resolve(new tls.PrivateKey("stable", { algorithm: "RSA" }).publicKeyPem);
        installMocks();
        const b = await resolve(new tls.PrivateKey("stable", { algorithm: "RSA" }).publicKeyPem);
        const c = await resolve(new tls.PrivateKey("other", { algorithm: "RSA" }).publicKeyPem);
        assert.equal(a, b);
        assert.notEqual(a, c);
    });

    it("does not apply additionalSecretOutputs (like the real mock monitor)", async () => {
        const key = new tls.PrivateKey("plain", { algorithm: "RSA" });
        assert.equal(await isSecretOutput(key.privateKeyPem), false);
        assert.equal(await isSecretOutput(pulumi.secret(key.privateKeyPem)), true);
    });

    it("gives CloudFront, Secrets Manager and random resources realistic outputs", async () => {
        const pk = new aws.cloudfront.PublicKey("pk", { encodedKey: "pem\n", comment: "c" });
        const kg = new aws.cloudfront.KeyGroup("kg", { items: [pk.id] });
        const secret = new aws.secretsmanager.Secret("s", { name: "n-1", recoveryWindowInDays: 7 });
        const rid = new random.RandomId("r", { byteLength: 4 });
        assert.match(await resolve(pk.id), /^K[A-Z2-7]{13}$/);
        assert.match(await resolve(pk.name), /^pk-[0-9a-f]{7}$/);
        assert.equal(await resolve(pk.encodedKey), "pem\n");
        assert.deepEqual(await resolve(kg.items), [await resolve(pk.id)]);
        assert.match(await resolve(kg.id), /^[0-9a-f-]{36}$/);
        assert.match(await resolve(secret.arn), new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT_ID}:secret:n-1-[A-Za-z]{6}$`));
        assert.match(await resolve(rid.hex), /^[0-9a-f]{8}$/);
        await rec.settled();
        const recordedPk = rec.one("aws:cloudfront/publicKey:PublicKey");
        assert.equal("name" in recordedPk.inputs, false);
    });

    it("uses generic defaults and accepts extensions", async () => {
        rec = installMocks({
            outputs: (a) => (a.type === "aws:s3/bucketPolicy:BucketPolicy" ? { id: "custom-id", extra: a.defaults.policy } : undefined),
            calls: (a) => (a.token === "aws:index/getRegion:getRegion" ? { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" } : undefined),
        });
        const q = new aws.sqs.Queue("q", {});
        const bp = new aws.s3.BucketPolicy("bp", { bucket: "b", policy: "{}" });
        assert.equal(await resolve(q.id), "q-id");
        assert.equal(await resolve(q.arn), `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:q`);
        assert.equal(await resolve(bp.id), "custom-id");
        const region = await aws.getRegion();
        assert.equal(region.name, "eu-west-1");
        assert.equal(rec.invokes.length, 1);
    });

    it("answers aws.kms.getKey like KMS DescribeKey: key id, key ARN, alias name or alias ARN in, the key ARN out", async () => {
        const id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert.equal((await aws.kms.getKey({ keyId: id })).arn, `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/${id}`);
        const arn = `arn:aws:kms:eu-west-1:210987654321:key/${id}`;
        assert.equal((await aws.kms.getKey({ keyId: arn })).arn, arn);
        const byAlias = await aws.kms.getKey({ keyId: "alias/signing" });
        assert.match(byAlias.arn, new RegExp(`^arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/[0-9a-f-]{36}$`));
        assert.equal((await aws.kms.getKey({ keyId: "alias/signing" })).arn, byAlias.arn, "an alias always names the same key");
        const aliasArn = await aws.kms.getKey({ keyId: "arn:aws:kms:eu-west-1:210987654321:alias/signing" });
        assert.match(aliasArn.arn, /^arn:aws:kms:eu-west-1:210987654321:key\//);
        for (const bad of ["signing", "alias/", "arn:aws:kms:us-east-1:123456789012:key/", ""]) {
            await assert.rejects(aws.kms.getKey({ keyId: bad }), /NotFoundException|keyId is required/, bad);
        }
    });

    it("fails loudly on an unmocked invoke", async () => {
        await assert.rejects(aws.cloudfront.getCachePolicy({ name: "Managed-CachingOptimized" }), /unmocked invoke: aws:cloudfront\/getCachePolicy:getCachePolicy/);
        await assert.rejects(resolve(aws.cloudfront.getCachePolicyOutput({ name: "x" }).apply((p) => p.id)), /unmocked invoke/);
    });

    it("sets project config", () => {
        setConfig({ priceClass: "PriceClass_100", ttl: 60, flag: true });
        const cfg = new pulumi.Config();
        assert.equal(cfg.require("priceClass"), "PriceClass_100");
        assert.equal(cfg.requireNumber("ttl"), 60);
        assert.equal(cfg.requireBoolean("flag"), true);
        setConfig({});
    });
});
