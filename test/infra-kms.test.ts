// The stack program with KMS keys in the `keys` config: outputs for cf-sign (signingKeySource, kmsKeyArn), no
// privateKeyPem for a KMS active key, and cf-sign signing from those outputs alone against the KMS stand-in.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, kmsPrivateKeyFor, MOCK_ACCOUNT_ID, MOCK_PROJECT, MOCK_REGION, resolve } from "./harness/mocks";
import { parseStackConfig } from "../infra/config";
import { verifyRequest } from "../signer/src/lib/verifier";
import { KmsStandIn } from "../scripts/standin/kms";
import { runCli } from "./helpers/cli";
import { standInEnv } from "./helpers/kms";

const PROGRAM = require.resolve("../infra/index");

/** Runs infra/index.ts under fresh mocks; returns every export resolved, as `pulumi stack output --json --show-secrets` would. */
async function runProgram(config: Record<string, unknown>) {
    const rec = installMocks({ stack: "dev" });
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${MOCK_PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])));
    delete require.cache[PROGRAM];
    const module = require(PROGRAM) as Record<string, unknown>;
    await rec.settled();
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(module)) {
        const resolved = pulumi.Output.isInstance(value) ? await resolve(value as pulumi.Output<unknown>) : value;
        if (resolved !== undefined) outputs[name] = resolved; // the engine drops undefined outputs
    }
    await rec.settled();
    return { rec, module, outputs };
}

describe("infra program with KMS keys (mocks)", function () {
    this.timeout(60_000);

    it("\"<id>:ECDSA:kms\" active: signingKeySource kms, kmsKeyArn, signing policy, SHA256, and no privateKeyPem", async () => {
        const { rec, module, outputs } = await runProgram({ keys: ["2026-01", "2026-12:ECDSA:kms"], activeKey: "2026-12" });
        const kmsKey = rec.one("aws:kms/key:Key");
        assert.equal(kmsKey.inputs.customerMasterKeySpec, "ECC_NIST_P256");
        assert.equal(rec.byType("tls:index/privateKey:PrivateKey").length, 1, "the tls generation keeps its tls key");
        assert.equal(outputs.signingKeySource, "kms");
        assert.equal(outputs.kmsKeyArn, kmsKey.outputs.arn);
        assert.equal(outputs.signingHashAlgorithm, "SHA256");
        assert.equal(module.privateKeyPem, undefined);
        assert.ok(!("privateKeyPem" in outputs));
        assert.deepEqual(Object.keys(outputs.privateKeyPems as object), ["2026-01"], "privateKeyPems: the tls generation only");
        assert.deepEqual(outputs.kmsKeyArns, { "2026-12": kmsKey.outputs.arn });
        const policy = JSON.parse(outputs.kmsSigningPolicy as string) as { Statement: { Action: string; Resource: string }[] };
        assert.deepEqual(policy.Statement.map((s) => s.Resource), [kmsKey.outputs.arn, kmsKey.outputs.arn]);
        assert.deepEqual(Object.keys(outputs.publicKeyPems as object), ["2026-01", "2026-12"]);
        assert.deepEqual((rec.one("aws:cloudfront/keyGroup:KeyGroup").inputs.items as string[]).length, 2);
        assert.equal(await pulumi.isSecret(module.kmsKeyArn as pulumi.Output<string>), false);
    });

    it("a tls active key next to a KMS key: signingKeySource tls, privateKeyPem kept (secret), no KMS outputs", async () => {
        const { module, outputs } = await runProgram({ keys: [{ id: "2026-01" }, { id: "2026-12", algorithm: "RSA", source: "kms" }], activeKey: "2026-01" });
        assert.equal(outputs.signingKeySource, "tls");
        assert.match(outputs.privateKeyPem as string, /^-----BEGIN RSA PRIVATE KEY-----/);
        assert.equal(await pulumi.isSecret(module.privateKeyPem as pulumi.Output<string>), true);
        for (const name of ["kmsKeyArn", "kmsSigningPolicy", "signingHashAlgorithm"]) assert.ok(!(name in outputs), name);
        assert.deepEqual(Object.keys(outputs.kmsKeyArns as object), ["2026-12"], "kmsKeyArns names the KMS generation (the canary signs with it)");
    });

    it("exportPrivateKey false with a KMS active key: neither privateKeyPem nor privateKeyPems; a tls-only stack has no kmsKeyArns", async () => {
        const { outputs } = await runProgram({ keys: ["2026-01", "2026-12:RSA:kms"], activeKey: "2026-12", exportPrivateKey: "false" });
        assert.equal(outputs.signingKeySource, "kms");
        for (const name of ["privateKeyPem", "privateKeyPems", "privateKeySecretArn"]) assert.ok(!(name in outputs), name);
        const tlsOnly = await runProgram({ keys: ["2026-01"] });
        assert.ok(!("kmsKeyArns" in tlsOnly.outputs));
    });

    it("rotation tls -> KMS, step 1: cf-sign --generation signs the canary with the new KMS key from the outputs alone", async () => {
        const { outputs } = await runProgram({ keys: ["2026-01", "2026-12:ECDSA:kms"], activeKey: "2026-01" });
        const arn = (outputs.kmsKeyArns as Record<string, string>)["2026-12"];
        const kms = await KmsStandIn.start({ region: MOCK_REGION, account: MOCK_ACCOUNT_ID });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "infra-kms-canary-"));
        try {
            kms.addKey({ keySpec: "ECC_NIST_P256", keyId: arn.split("/").pop(), privateKey: kmsPrivateKeyFor(arn) });
            const file = path.join(dir, "outputs.json");
            fs.writeFileSync(file, JSON.stringify(outputs));
            const r = await runCli(["url", "/private/canary.txt", "--outputs-file", file, "--generation", "2026-12"], { env: standInEnv(kms) });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stderr, "");
            const keyPairId = (outputs.keyPairIds as Record<string, string>)["2026-12"];
            assert.notEqual(keyPairId, outputs.keyPairId, "not the active key");
            const url = r.stdout.trim();
            assert.match(url, new RegExp(`&Key-Pair-Id=${keyPairId}&Hash-Algorithm=SHA256$`));
            const result = verifyRequest({ url, trustedKeys: { [keyPairId]: (outputs.publicKeyPems as Record<string, string>)["2026-12"] } });
            assert.ok(result.ok, result.ok ? "" : result.detail);
            assert.equal(kms.requests.Sign, 1);
        } finally {
            await kms.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("config: key specs with :kms, and one-line errors for the mistakes", () => {
        assert.deepEqual(parseStackConfig({ keys: ["a", "b:RSA:kms", "c:ecdsa:KMS", "d:ECDSA:tls"] }).keys, [
            { id: "a", algorithm: "RSA" },
            { id: "b", algorithm: "RSA", source: "kms" },
            { id: "c", algorithm: "ECDSA", source: "kms" },
            { id: "d", algorithm: "ECDSA" },
        ]);
        const fails = (raw: Record<string, unknown>, pattern: RegExp) => assert.throws(() => parseStackConfig(raw), (e: Error) => pattern.test(e.message) && !e.message.includes("\n"));
        fails({ keys: ["k:kms"] }, /keys\[0\] "k:kms" names no algorithm; write "k:RSA:kms" or "k:ECDSA:kms"/);
        fails({ keys: ["k:RSA:hsm"] }, /keys\[0\] key source "hsm" is not supported; use tls .* or kms/);
        fails({ keys: [{ id: "k", source: 1 }] }, /key source 1 is not supported/);
        fails({ keys: ["k:RSA:kms"], storePrivateKey: true }, /storePrivateKey is true but the active key "k" is a KMS key/);
        assert.doesNotThrow(() => parseStackConfig({ keys: ["k:RSA:kms", "t"], storePrivateKey: true }));
    });

    it("cf-sign signs from the program's outputs alone through KMS (stand-in hosting the same key), and the URL verifies with publicKeyPems", async () => {
        const { outputs } = await runProgram({ keys: ["2026-12:RSA:kms"] });
        const arn = outputs.kmsKeyArn as string;
        const kms = await KmsStandIn.start({ region: MOCK_REGION, account: MOCK_ACCOUNT_ID });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "infra-kms-"));
        try {
            kms.addKey({ keySpec: "RSA_2048", keyId: arn.split("/").pop(), privateKey: kmsPrivateKeyFor(arn) });
            const file = path.join(dir, "outputs.json");
            fs.writeFileSync(file, JSON.stringify(outputs));
            const r = await runCli(["url", "/private/report.pdf", "--outputs-file", file], { env: standInEnv(kms) });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.stderr, "");
            const url = r.stdout.trim();
            assert.ok(url.startsWith(`${outputs.baseUrl as string}/private/report.pdf?Expires=`), url);
            assert.match(url, /&Key-Pair-Id=K[A-Z2-7]+&Hash-Algorithm=SHA256$/);
            const keyPairId = outputs.keyPairId as string;
            const result = verifyRequest({ url, trustedKeys: { [keyPairId]: (outputs.publicKeyPems as Record<string, string>)["2026-12"] } });
            assert.ok(result.ok, result.ok ? "" : result.detail);
            assert.equal((kms.requests.Sign ?? 0) + (kms.requests.GetPublicKey ?? 0), 2, "one GetPublicKey, one Sign");
        } finally {
            await kms.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
