// A TypeScript stack of a user, made like `pulumi new aws-typescript` (no ts-node), that installs the component
// package from an `npm pack` tarball (as from a registry or a git URL: a real copy in node_modules, not a symlink
// into a checkout) and uses it, started through @pulumi/pulumi's cmd/run as `pulumi preview` / `up` do. Once with
// the project's own typescript (the SDK's bundled ts-node 7.0.1 compiles with it), once without typescript (the
// SDK's bundled TypeScript 3.8.3).
import * as assert from "node:assert/strict";

import { assertSucceeded } from "../test/host/assertions";
import { LaunchResult, runProgram } from "../test/host/launch";
import { later, pool } from "../test/host/pool";
import { Secret, UNKNOWN } from "../scripts/host/wire";
import { componentPeerSpecs, packComponentPackage, typescriptConsumer } from "./projects";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { SigningKeyGroup } from "@signed-content/cloudfront-signed-content";

const signing = new SigningKeyGroup("signing", { keys: [{ id: "2026-01" }], comment: "consumer" });

export const keyGroupId = signing.keyGroupId;
export const keyPairId = signing.activeKeyPairId;
export const privateKeyPem = pulumi.secret(signing.privateKeyPem);
`;

const SIGNING_KEY_GROUP = "cloudfront-signed-content:index:SigningKeyGroup";
const KEY_GROUP = "aws:cloudfront/keyGroup:KeyGroup";

function assertKeyGroupTree(run: LaunchResult): void {
    const component = run.engine.one(SIGNING_KEY_GROUP);
    assert.equal(run.engine.descendantsOf(component.urn).filter((r) => r.type === KEY_GROUP).length, 1);
}

describe("TypeScript consumers installing the component package tarball, under cmd/run", function () {
    this.timeout(20 * 60_000);
    let preview: Promise<LaunchResult>;
    let update: Promise<LaunchResult>;
    let bundledPreview: Promise<LaunchResult>;

    before(async function () {
        const tarball = await packComponentPackage();
        const packages = [tarball, ...componentPeerSpecs()];
        const run = pool();
        const withTypescript = later(typescriptConsumer({ name: "ts-consumer", packages, program: PROGRAM }));
        const withoutTypescript = later(typescriptConsumer({ name: "ts-consumer-bundled-ts", packages, program: PROGRAM, typescript: false }));
        preview = later(withTypescript.then((projectDir) => run(() => runProgram({ projectDir, stack: "dev", dryRun: true, label: "ts consumer" }))));
        update = later(withTypescript.then((projectDir) => run(() => runProgram({ projectDir, stack: "dev", dryRun: false, label: "ts consumer" }))));
        bundledPreview = later(withoutTypescript.then((projectDir) => run(() => runProgram({ projectDir, stack: "dev", dryRun: true, label: "ts consumer without typescript" }))));
    });

    it("previews: the component loads from node_modules and registers its key group; ids unknown", async () => {
        const run = await preview;
        assertSucceeded(run);
        assertKeyGroupTree(run);
        assert.equal(run.engine.stackOutputs?.keyGroupId, UNKNOWN);
    });

    it("updates: the key pair id and the secret private key come out", async () => {
        const run = await update;
        assertSucceeded(run);
        const outputs = run.engine.stackOutputs ?? {};
        assert.equal(outputs.keyPairId, run.engine.one("aws:cloudfront/publicKey:PublicKey").id);
        assert.ok(outputs.privateKeyPem instanceof Secret);
    });

    it("previews without a typescript dependency (the SDK's bundled TypeScript 3.8.3 and ts-node 7.0.1)", async () => {
        const run = await bundledPreview;
        assertSucceeded(run);
        assertKeyGroupTree(run);
    });
});
