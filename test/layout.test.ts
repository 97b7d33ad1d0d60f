// The layout shows the packages: the README's folder table, the folders and each package's own README and
// changelog say the same.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO, file), "utf8")) as { name: string; workspaces?: string[] };

/** The folders named in the first column of the README's folder table (`a/`, or `a/`, `b/` in one row). */
function tableFolders(): string[] {
  const rows = readme.split("\n").filter((line) => /^\| `[^`]+\/`/.test(line));
  return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([^`]+)\/`/g)].map((m) => m[1]));
}

describe("layout: README folder table, folders and package READMEs agree", () => {
  const ignored = new Set(["node_modules", "dist", "test-output"]);
  const folders = fs
    .readdirSync(REPO, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !ignored.has(e.name))
    .map((e) => e.name);

  it("every top-level folder has a row in the README's folder table, and every row names a folder", () => {
    const named = tableFolders();
    assert.deepEqual(folders.filter((f) => !named.includes(f)), [], "folders missing from the README table");
    assert.deepEqual(named.filter((f) => !folders.includes(f)), [], "README rows naming no folder");
  });

  it("every package (the workspaces and the policy pack) has a README and a changelog naming it, and the README table names it", () => {
    const packages = [...(readJson("package.json").workspaces ?? []), "policy"];
    assert.ok(packages.includes("components") && packages.includes("signer"), "components/ and signer/ are workspaces");
    for (const dir of packages) {
      const { name } = readJson(`${dir}/package.json`);
      for (const doc of ["README.md", "CHANGELOG.md"]) {
        assert.ok(fs.existsSync(path.join(REPO, dir, doc)), `${dir}/${doc} exists`);
      }
      const own = fs.readFileSync(path.join(REPO, dir, "README.md"), "utf8");
      assert.ok(own.includes(name), `${dir}/README.md names the package ${name}`);
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${dir}/\``));
      assert.ok(row?.includes(`${dir}/README.md`), `the README's ${dir}/ row links ${dir}/README.md`);
      if (dir !== "policy") assert.ok(row?.includes(name), `the README's ${dir}/ row names ${name}`);
    }
  });

  it("no file name, test title or comment refers to this project's issues or reviews (upstream links excepted)", () => {
    const roots = ["components", "signer/src", "infra", "policy", "scripts", "examples", "test", "test-packages"];
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) {
          if (!["node_modules", "dist"].includes(e.name)) walk(rel);
        } else if (/\.(ts|json|ya?ml|md)$/.test(e.name)) files.push(rel);
      }
    };
    roots.filter((r) => fs.existsSync(path.join(REPO, r))).forEach(walk);
    const offending = (text: string): boolean => /\bissue[\s#-]*\d+|\b(a|an|the|this)\s+review\b|\breview\s+(regressions?|asked)|-review\b/i.test(text);
    const found = files.flatMap((file) => {
      const names = offending(path.basename(file)) ? [`${file}: file name`] : [];
      const lines = fs.readFileSync(path.join(REPO, file), "utf8").split("\n");
      return names.concat(lines.flatMap((line, i) => (offending(line.replace(/https?:\/\/\S+/g, "")) && !file.endsWith("layout.test.ts") ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
    });
    assert.deepEqual(found, []);
    assert.ok(offending("// Issue 13 (docs)") && offending("edge-review.test.ts") && !offending("pulumi preview"), "the check itself can fail");
  });
});
