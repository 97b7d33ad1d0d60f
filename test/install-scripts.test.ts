// A clean install is quiet: npm 11 blocks dependency install scripts and warns about every one that no
// `allowScripts` entry decides, so each project with a lockfile decides every dependency that has one.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
const PROJECTS = [".", "policy"];

describe("install scripts: every dependency with one is decided in allowScripts", () => {
  for (const project of PROJECTS) {
    it(`${project === "." ? "the root" : project}/package.json decides every install script in its package-lock.json`, () => {
      const dir = path.join(REPO, project);
      const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> };
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
      const withScripts = Object.entries(lock.packages)
        .filter(([key, meta]) => key.includes("node_modules/") && meta.hasInstallScript === true)
        .map(([key]) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length));
      assert.ok(withScripts.length > 0 || project !== ".", "the root installs protobufjs (through @pulumi/pulumi), which has a postinstall");
      const undecided = withScripts.filter((name) => typeof manifest.allowScripts?.[name] !== "boolean");
      assert.deepEqual(undecided, [], `${project}: add these to allowScripts (npm install-scripts deny|approve <pkg>)`);
    });
  }
});
