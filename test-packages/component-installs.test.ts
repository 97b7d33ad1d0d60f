// The component package as other teams install it: a freshly packed tarball in a copy of
// examples/existing-distribution outside the repository, run through @pulumi/pulumi's cmd/run as `pulumi up`
// runs it; and what npm does with a git URL naming the package's folder (it cannot install one folder).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";

import { assertSucceeded } from "../test/host/assertions";
import { LaunchResult, runProgram } from "../test/host/launch";
import { REPO_ROOT } from "../test/host/layout";
import { copyFromRepository, npm, readJson, scratchDir, writeJson } from "../test/host/scratch";
import { Secret } from "../scripts/host/wire";
import { packComponentPackage } from "./projects";

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "existing-distribution");
const PACKAGE = "@signed-content/cloudfront-signed-content";

describe("component package installs: the examples/existing-distribution copy and a git URL", function () {
    this.timeout(20 * 60_000);
    let update: LaunchResult;

    before(async function () {
        const tarball = await packComponentPackage();
        const dir = scratchDir("existing-distribution");
        copyFromRepository(EXAMPLE_DIR, dir);
        const manifest = readJson<{ dependencies: Record<string, string> }>(path.join(dir, "package.json"));
        assert.match(manifest.dependencies[PACKAGE], /^file:/, "the example depends on the package's folder in the repository");
        manifest.dependencies[PACKAGE] = `file:${tarball}`;
        writeJson(path.join(dir, "package.json"), manifest);
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), ["config:", "  aws:region: eu-west-1", ""].join("\n"));
        await npm(["install"], dir, "existing-distribution");
        assert.ok(!fs.lstatSync(path.join(dir, "node_modules", ...PACKAGE.split("/"))).isSymbolicLink(), "a real copy, not a link into the checkout");
        update = await runProgram({ projectDir: dir, stack: "dev", dryRun: false, label: "existing-distribution" });
    });

    it("pulumi up of the example's copy with the packed tarball: its distribution trusts the key group on two behaviours", () => {
        assertSucceeded(update);
        const group = update.engine.one("aws:cloudfront/keyGroup:KeyGroup");
        const distribution = update.engine.one("aws:cloudfront/distribution:Distribution");
        const behaviours = (distribution.inputs.orderedCacheBehaviors ?? []) as { pathPattern: string; trustedKeyGroups?: unknown[] }[];
        const trusting = behaviours.filter((b) => (b.trustedKeyGroups ?? []).includes(group.id));
        assert.equal(trusting.length, 2, JSON.stringify(behaviours.map((b) => [b.pathPattern, b.trustedKeyGroups])));
        const outputs = update.engine.stackOutputs ?? {};
        assert.ok(Object.values(outputs).some((v) => v instanceof Secret), "the private key comes out as a secret");
    });

    it("npm cannot install one folder of a git repository: git+file://…#path:components installs the repository root", async () => {
        const repo = scratchDir("git-repo");
        execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${REPO_ROOT}`, repo]);
        const consumer = scratchDir("git-consumer");
        writeJson(path.join(consumer, "package.json"), { name: "git-consumer", version: "1.0.0", private: true });
        await npm(["install", "--ignore-scripts", `${PACKAGE}@git+file://${repo}#path:components`], consumer, "git subfolder");
        const installed = readJson<{ name: string }>(path.join(consumer, "node_modules", ...PACKAGE.split("/"), "package.json"));
        const root = readJson<{ name: string }>(path.join(REPO_ROOT, "package.json"));
        assert.equal(installed.name, root.name, "npm ignored #path: and installed the root (docs/component.md says so)");
    });
});
