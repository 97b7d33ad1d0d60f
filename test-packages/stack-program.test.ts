// The stack program (Pulumi.yaml `main`) started as `pulumi preview` / `pulumi up` start it: @pulumi/pulumi's
// cmd/run with the language host's arguments, environment and working directory, against the fake engine, for
// the dev and prod stack files. Run on copies outside the repository: one clone with the project's own
// dependencies, and one without ts-node (as `pulumi new` projects are), so the SDK's bundled ts-node 7.0.1 runs.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { assertSucceeded } from "../test/host/assertions";
import { Registration } from "../scripts/host/fakeEngine";
import { LaunchResult, runProgram } from "../test/host/launch";
import { later, pool } from "../test/host/pool";
import { Plain, PlainObject, Secret, UNKNOWN } from "../scripts/host/wire";
import { stackProjectClone, stackProjectWithoutTsNode } from "./projects";

const T = {
    stack: "pulumi:pulumi:Stack",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    distribution: "aws:cloudfront/distribution:Distribution",
    keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
    publicKey: "aws:cloudfront/publicKey:PublicKey",
    tlsKey: "tls:index/privateKey:PrivateKey",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    function: "aws:cloudfront/function:Function",
    signing: "cloudfront-signed-content:index:SigningKeyGroup",
    pathGuard: "cloudfront-signed-content:index:PathGuard",
};

type Scenario = { variant: "clone" | "no-ts-node"; stack: "dev" | "prod"; dryRun: boolean };
const SCENARIOS: Scenario[] = [
    { variant: "clone", stack: "dev", dryRun: true },
    { variant: "clone", stack: "dev", dryRun: false },
    { variant: "clone", stack: "prod", dryRun: true },
    { variant: "clone", stack: "prod", dryRun: false },
    { variant: "no-ts-node", stack: "dev", dryRun: true },
];
const keyOf = (s: Scenario) => `${s.variant} ${s.stack} ${s.dryRun ? "preview" : "update"}`;

function countFiles(dir: string): number {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

function outputsOf(run: LaunchResult): PlainObject {
    const outputs = run.engine.stackOutputs;
    assert.ok(outputs, "the program registered no stack outputs");
    return outputs;
}

function children(run: LaunchResult, parent: Registration, type: string): Registration[] {
    return run.engine.descendantsOf(parent.urn).filter((r) => r.type === type);
}

function assertKnownString(value: Plain | undefined, what: string): string {
    assert.equal(typeof value, "string", `${what} should be a known string, got ${String(value)}`);
    return value as string;
}

describe("stack program under cmd/run (copies outside the repository)", function () {
    const launches = new Map<string, Promise<LaunchResult>>();
    let projectDir = "";

    before(async function () {
        this.timeout(20 * 60_000);
        const run = pool();
        const clone = later(stackProjectClone());
        const lean = later(stackProjectWithoutTsNode());
        for (const scenario of SCENARIOS) {
            const dir = scenario.variant === "clone" ? clone : lean;
            launches.set(
                keyOf(scenario),
                later(dir.then((projectDir) => run(() => runProgram({ projectDir, stack: scenario.stack, dryRun: scenario.dryRun, label: `${scenario.variant} ${scenario.stack}` })))),
            );
        }
        projectDir = await clone;
    });

    const launch = (key: string) => {
        const found = launches.get(key);
        if (!found) throw new Error(`no launch ${key}`);
        return found;
    };

    describe("dev", function () {
        this.timeout(20 * 60_000);

        it("previews: the bucket, key group, distribution and uploads registered; ids and ARNs unknown", async () => {
            const run = await launch("clone dev preview");
            assertSucceeded(run);
            const engine = run.engine;
            engine.one(T.bucket);
            engine.one(T.publicAccessBlock);
            const distribution = engine.one(T.distribution);
            const keyGroup = engine.one(T.keyGroup);
            assert.equal(engine.byType(T.publicKey).length, 1, "dev has one key generation");
            assert.equal(engine.byType(T.object).length, countFiles(path.join(projectDir, "sample", "site")), "one object per file of sample/site");
            const signing = engine.one(T.signing);
            assert.equal(children(run, signing, T.keyGroup).length, 1, "the key group belongs to the SigningKeyGroup");
            assert.equal(distribution.id, "", "a new distribution has no id in preview");
            assert.equal(keyGroup.outputs.etag, UNKNOWN);
            assert.equal(distribution.outputs.arn, UNKNOWN);
            const outputs = outputsOf(run);
            assert.equal(outputs.distributionId, UNKNOWN);
            assert.equal(outputs.keyGroupId, UNKNOWN);
            assert.equal(outputs.keyPairId, UNKNOWN);
            assert.equal(outputs.distributionDomainName, UNKNOWN);
            assert.deepEqual(outputs.protectedPaths, ["/private/*"]);
            assert.equal(outputs.ipv6Enabled, true);
        });

        it("updates: every output known, the private key a secret, the key pair id the public key's id", async () => {
            const run = await launch("clone dev update");
            assertSucceeded(run);
            const engine = run.engine;
            const distribution = engine.one(T.distribution);
            const publicKey = engine.one(T.publicKey);
            const outputs = outputsOf(run);
            assert.equal(outputs.distributionId, distribution.id);
            assert.equal(outputs.keyGroupId, engine.one(T.keyGroup).id);
            assert.equal(outputs.keyPairId, publicKey.id);
            const domain = assertKnownString(outputs.distributionDomainName, "distributionDomainName");
            assert.equal(outputs.baseUrl, `https://${domain}`);
            assertKnownString(outputs.bucketName, "bucketName");
            assert.ok(outputs.privateKeyPem instanceof Secret, "privateKeyPem is exported as a secret");
            assert.match(String(outputs.privateKeyPem.value), /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
            assert.ok(outputs.privateKeyPems instanceof Secret, "privateKeyPems is exported as a secret");
            // the engine stores the tls key's private outputs as secrets (additionalSecretOutputs)
            assert.ok(engine.one(T.tlsKey).outputs.privateKeyPem instanceof Secret);
        });

        it("previews without ts-node in the project (the SDK's bundled ts-node 7.0.1)", async () => {
            const run = await launch("no-ts-node dev preview");
            assertSucceeded(run);
            run.engine.one(T.distribution);
            run.engine.one(T.keyGroup);
        });
    });

    describe("prod", function () {
        this.timeout(20 * 60_000);

        it("previews: two ECDSA P-256 generations, the alias and certificate, the stored key's secret ARN unknown", async () => {
            const run = await launch("clone prod preview");
            assertSucceeded(run);
            const engine = run.engine;
            assert.equal(engine.byType(T.publicKey).length, 2, "prod has two key generations");
            const keys = engine.byType(T.tlsKey);
            assert.equal(keys.length, 2);
            for (const key of keys) assert.deepEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
            const distribution = engine.one(T.distribution);
            assert.deepEqual(distribution.inputs.aliases, ["cdn.example.com"]);
            const certificate = distribution.inputs.viewerCertificate as PlainObject;
            assert.match(String(certificate.acmCertificateArn), /^arn:aws:acm:us-east-1:/);
            engine.one(T.secret);
            engine.one(T.secretVersion);
            const outputs = outputsOf(run);
            assert.equal(outputs.privateKeySecretArn, UNKNOWN);
            assert.ok(!("privateKeyPem" in outputs), "exportPrivateKey: false exports no private key");
            assert.deepEqual(outputs.protectedPaths, ["/private/*", "/downloads/*.pdf"]);
        });

        it("updates: the secret ARN and the read policy known, the tags on the bucket and distribution", async () => {
            const run = await launch("clone prod update");
            assertSucceeded(run);
            const engine = run.engine;
            const outputs = outputsOf(run);
            assert.equal(outputs.privateKeySecretArn, engine.one(T.secret).outputs.arn);
            assert.match(assertKnownString(outputs.privateKeyReadPolicy, "privateKeyReadPolicy"), /secretsmanager:GetSecretValue/);
            assert.equal(outputs.baseUrl, "https://cdn.example.com");
            for (const type of [T.bucket, T.distribution]) {
                const tags = engine.one(type).inputs.tags as PlainObject;
                assert.equal(tags.team, "platform", `${type} carries the stack's tags`);
            }
            // the active generation (2026-11) signs
            const active = engine.byType(T.publicKey).find((k) => k.name.includes("2026-11"));
            assert.ok(active, "a public key for generation 2026-11");
            assert.equal(outputs.keyPairId, active.id);
        });
    });
});
