// examples/existing-distribution: a second team's stack that consumes the component package by its package
// name, run under Pulumi mocks like infra/.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { installMocks, Recorder, resolve } from "./harness/mocks";
import { runResourcePolicy } from "./harness/policy";
import { pathGuardPolicy } from "../policy/rules";
import { SIGNING_KEY_GROUP_TYPE } from "../components";
import { validateStackOutputs } from "../signer/src/lib/stackOutputs";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { verifyRequest } from "../signer/src/lib/verifier";

const EXAMPLE_DIR = path.resolve(__dirname, "..", "examples", "existing-distribution");
const PROGRAM = path.join(EXAMPLE_DIR, "index.ts");
const PACKAGE_NAME = "@signed-content/cloudfront-signed-content";
const OUTPUTS = ["baseUrl", "distributionId", "distributionDomainName", "keyGroupId", "keyPairId", "keyPairIds", "publicKeyPems", "privateKeyPem", "protectedPaths", "protectDefaultBehavior", "ipv6Enabled"] as const;

interface Behaviour {
    pathPattern?: string;
    targetOriginId: string;
    trustedKeyGroups?: string[];
    functionAssociations?: { eventType: string; functionArn: string }[];
}

async function runExample(): Promise<{ rec: Recorder; outputs: Record<string, unknown>; module: Record<string, unknown> }> {
    const rec = installMocks();
    pulumi.runtime.setAllConfig({});
    delete require.cache[require.resolve(PROGRAM)];
    const module = require(PROGRAM) as Record<string, unknown>;
    await rec.settled();
    const outputs: Record<string, unknown> = {};
    for (const name of OUTPUTS) {
        const value = module[name];
        outputs[name] = pulumi.Output.isInstance(value) ? await resolve(value as pulumi.Output<unknown>) : value;
    }
    await rec.settled();
    return { rec, outputs, module };
}

describe("examples/existing-distribution (mocks)", () => {
    it("is its own Pulumi project that depends on the package by name, not on the source folder", () => {
        const project = fs.readFileSync(path.join(EXAMPLE_DIR, "Pulumi.yaml"), "utf8");
        assert.match(project, /^name: existing-distribution$/m);
        assert.match(project, /^main: index\.ts$/m);
        const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        assert.equal(manifest.dependencies[PACKAGE_NAME], "file:../../components");
        for (const [dep, version] of Object.entries(manifest.dependencies)) {
            if (dep !== PACKAGE_NAME) assert.match(version, /^\d+\.\d+\.\d+$/, `${dep} pinned exactly`);
        }
        const source = fs.readFileSync(PROGRAM, "utf8");
        assert.match(source, new RegExp(`from "${PACKAGE_NAME.replace("/", "\\/")}"`));
        assert.doesNotMatch(source, /components/, "no relative import of the source folder");
        // resolvable after the root `npm ci` (components/ is a workspace of the root), to the compiled entry
        assert.equal(fs.realpathSync(require.resolve(PACKAGE_NAME, { paths: [EXAMPLE_DIR] })), path.resolve(__dirname, "..", "components", "dist", "index.js"));
    });

    it("attaches the key group to exactly its two selected behaviours and keeps its own origins", async () => {
        const { rec, outputs } = await runExample();
        const component = rec.one(SIGNING_KEY_GROUP_TYPE);
        assert.equal(component.name, "reports");
        const distribution = rec.one("aws:cloudfront/distribution:Distribution");
        const inputs = distribution.inputs as { origins: { originId: string }[]; defaultCacheBehavior: Behaviour; orderedCacheBehaviors: Behaviour[] };
        assert.deepEqual(inputs.origins.map((o) => o.originId), ["app", "files"]);
        assert.equal(inputs.defaultCacheBehavior.targetOriginId, "app");
        assert.equal(inputs.defaultCacheBehavior.trustedKeyGroups, undefined, "the application stays public");
        assert.deepEqual(
            inputs.orderedCacheBehaviors.map((b) => [b.pathPattern, b.trustedKeyGroups ?? []]),
            [["/downloads/*", [outputs.keyGroupId]], ["/reports/*", [outputs.keyGroupId]], ["/static/*", []]],
        );
        assert.deepEqual(outputs.protectedPaths, ["/downloads/*", "/reports/*"]);
        // protectKeys: the keys and the key group are protected, the rest of the stack is not
        const protectedNames = rec.resources.filter((r) => r.protect).map((r) => r.type.split(":").pop());
        assert.deepEqual(protectedNames.sort(), ["KeyGroup", "PrivateKey", "PublicKey"]);
        // tags reach the component's taggable children (none without storePrivateKey) and the team's own resources
        assert.deepEqual(rec.one("aws:s3/bucket:Bucket").inputs.tags, { team: "reporting", stack: "test" });
        const urns = rec.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length);
    });

    it("guards only the unsigned behaviour that reads the files bucket, not the application's, and the policy pack agrees", async () => {
        const { rec } = await runExample();
        const distribution = rec.one("aws:cloudfront/distribution:Distribution");
        const guard = rec.one("aws:cloudfront/function:Function");
        const inputs = distribution.inputs as { defaultCacheBehavior: Behaviour; orderedCacheBehaviors: Behaviour[] };
        assert.equal(inputs.defaultCacheBehavior.functionAssociations, undefined, "the application's origin holds no protected key");
        assert.deepEqual(
            inputs.orderedCacheBehaviors.map((b) => [b.pathPattern, b.functionAssociations ?? []]),
            [["/downloads/*", []], ["/reports/*", []], ["/static/*", [{ eventType: "viewer-request", functionArn: guard.outputs.arn }]]],
        );
        const run = await runResourcePolicy(pathGuardPolicy, { type: distribution.type, name: distribution.name, props: distribution.inputs });
        assert.deepEqual(run.violations, []);
    });

    it("exports what cf-sign reads, and its key signs a URL for a protected behaviour that its public key verifies", async () => {
        const { outputs, module } = await runExample();
        const checked = validateStackOutputs(JSON.parse(JSON.stringify(outputs)), "example outputs");
        assert.match(checked.baseUrl!, /^https:\/\/d[a-z0-9]+\.cloudfront\.net$/);
        assert.equal(checked.keyPairId, checked.keyPairIds!["2026-01"]);
        assert.ok(pulumi.Output.isInstance(module.privateKeyPem));
        const signer = new CloudFrontSigner({ keyPairId: checked.keyPairId!, privateKey: checked.privateKeyPem! });
        assert.equal(signer.algorithm, "ECDSA");
        const signed = signer.signUrl(`${checked.baseUrl}/reports/2026/q1.pdf`, { expires: "1h" });
        const verdict = verifyRequest({ url: signed.url, trustedKeys: { [checked.keyPairId!]: checked.publicKeyPems!["2026-01"] } });
        assert.equal(verdict.ok, true, JSON.stringify(verdict));
    });
});
