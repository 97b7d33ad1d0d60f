// What `npm pack` of components/ ships is what `pulumi package add <folder or git repo>` and a TypeScript
// dependency get: every module the entry imports must be in it, nothing may reach outside the folder, and every
// package it imports must be a peer dependency (the consumer's node_modules provides them).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";

const PACKAGE_DIR = path.resolve(__dirname, "..", "components");

/** Module specifiers of the static imports, re-exports and requires of a TypeScript source. */
function importSpecifiers(source: string): string[] {
    const found = new Set<string>();
    const patterns = [/\bfrom\s+["']([^"']+)["']/g, /\bimport\s+["']([^"']+)["']/g, /\b(?:require|import)\s*\(\s*["']([^"']+)["']\s*\)/g];
    for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[1]);
    return [...found];
}

/** "@scope/name/sub" -> "@scope/name", "name/sub" -> "name". */
function packageNameOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe("component package contents (npm pack of components/)", function () {
    // npm starts a process; not a speed test.
    this.timeout(60000);
    let files: string[];
    let manifest: { main: string; types: string; peerDependencies: Record<string, string>; dependencies?: Record<string, string> };

    before(() => {
        const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: PACKAGE_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
        manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as typeof manifest;
    });

    it("holds what the nodejs language host and the Analyzer read, and the schema and changelog", () => {
        for (const needed of ["package.json", "PulumiPlugin.yaml", "tsconfig.json", "schema.json", "CHANGELOG.md", manifest.main, manifest.types]) {
            assert.ok(files.includes(needed), `the tarball lacks ${needed}: ${files.join(", ")}`);
        }
        // the modules added after the package was made ship too
        for (const module of ["pathGuard.ts", "pathGuardResource.ts", "kmsKey.ts"]) assert.ok(files.includes(module), module);
    });

    it("every source file of the folder ships, and every import resolves inside the tarball", () => {
        const sources = fs.readdirSync(PACKAGE_DIR).filter((f) => f.endsWith(".ts"));
        assert.deepEqual(sources.filter((f) => !files.includes(f)), [], "sources left out of the tarball");
        // The TypeScript sources (what the Analyzer reads); the compiled dist/ is checked by the packaging suite.
        for (const file of files.filter((f) => f.endsWith(".ts") && !f.startsWith("dist/"))) {
            for (const specifier of importSpecifiers(fs.readFileSync(path.join(PACKAGE_DIR, file), "utf8"))) {
                if (specifier.startsWith(".")) {
                    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
                    assert.ok(!target.startsWith(".."), `${file} imports ${specifier}, outside the package folder`);
                    assert.ok(files.includes(`${target}.ts`) || files.includes(`${target}/index.ts`), `${file} imports ${specifier}, which the tarball lacks`);
                } else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier)) {
                    const name = packageNameOf(specifier);
                    assert.ok(name in manifest.peerDependencies, `${file} imports ${specifier}, but ${name} is not a peer dependency`);
                }
            }
        }
        assert.equal(manifest.dependencies, undefined, "the package brings no dependencies of its own (peers only)");
    });

    it("the import scan sees relative, scoped and builtin imports (the check itself can fail)", () => {
        const source = `import * as a from "../scripts/lib/x";\nexport { b } from "./b";\nimport "@pulumi/aws/cloudfront";\nconst c = require("node:fs");`;
        assert.deepEqual(importSpecifiers(source).sort(), ["../scripts/lib/x", "./b", "@pulumi/aws/cloudfront", "node:fs"].sort());
        assert.equal(packageNameOf("@pulumi/aws/cloudfront"), "@pulumi/aws");
    });
});
