// Every TypeScript snippet of the README, docs/*.md and the package READMEs is code a user can paste: it imports
// what a user installs (@signed-content/cloudfront-signer/..., @signed-content/cloudfront-signed-content, @pulumi/*,
// @aws-sdk/*, node:*) — never a path inside this repository — and it compiles, strict, against the built packages
// installed the way npm links them.
//
// A snippet that is a fragment (it uses a variable the surrounding text introduces, e.g. `pem`) carries its
// harness in the Markdown, invisible on the rendered page, on the lines right before its fence:
//
//   <!-- snippet harness (compiled before the snippet; see test/doc-snippets.test.ts):
//   declare const pem: string;
//   -->
//
// The harness may only declare what the snippet leaves open; it obeys the same import rule.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const SIGNER = "@signed-content/cloudfront-signer";
const COMPONENT = "@signed-content/cloudfront-signed-content";

/** The documents users read: the README, docs/*.md, and the READMEs of the packages and examples. */
export function documentFiles(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  const readmes = ["signer", "components", "policy", ...fs.readdirSync(path.join(ROOT, "examples")).map((d) => `examples/${d}`)]
    .map((dir) => `${dir}/README.md`)
    .filter((file) => fs.existsSync(path.join(ROOT, file)));
  return ["README.md", ...docs, ...readmes];
}

export interface Snippet {
  file: string;
  /** 1-based line of the snippet's first code line in the document */
  line: number;
  code: string;
  harness: string;
}

const HARNESS_START = "<!-- snippet harness";

/** The ```ts / ```typescript blocks of a Markdown text, each with the harness comment right before its fence. */
export function snippetsOf(file: string, text: string): Snippet[] {
  const lines = text.split("\n");
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    assert.ok(end > i, `${file}:${i + 1}: the code block is not closed`);
    let harness = "";
    if (i > 0 && lines[i - 1].trim() === "-->") {
      const start = lines.slice(0, i - 1).map((l) => l.startsWith(HARNESS_START)).lastIndexOf(true);
      assert.ok(start >= 0 && lines.slice(start + 1, i - 1).every((l) => !l.includes("-->")), `${file}:${i}: a comment before a snippet must be its harness (${HARNESS_START} ... -->)`);
      harness = lines.slice(start + 1, i - 1).join("\n");
    }
    snippets.push({ file, line: i + 2, code: lines.slice(i + 1, end).join("\n"), harness });
    i = end;
  }
  return snippets;
}

/** Why an import specifier is not something a user installs, or undefined when it is. */
export function importProblem(specifier: string, signerSubpaths: readonly string[]): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return `"${specifier}" is a path inside this repository; import the installed package (${SIGNER}/... or ${COMPONENT})`;
  if (specifier === SIGNER || specifier.startsWith(`${SIGNER}/`)) {
    const sub = specifier === SIGNER ? "." : `./${specifier.slice(SIGNER.length + 1)}`;
    return signerSubpaths.includes(sub) ? undefined : `"${specifier}" is not an entry point of ${SIGNER} (${signerSubpaths.join(", ")})`;
  }
  if (specifier === COMPONENT) return undefined;
  if (specifier.startsWith(`${COMPONENT}/`)) return `"${specifier}": import ${COMPONENT} itself`;
  if (/^node:/.test(specifier) || /^@pulumi\/[a-z-]+$/.test(specifier) || /^@aws-sdk\/[a-z-]+$/.test(specifier)) return undefined;
  return `"${specifier}" is not one of the packages the docs install`;
}

/** Whether the code awaits outside any function (then it is compiled as an ES module, where that is allowed). */
export function hasTopLevelAwait(code: string): boolean {
  const source = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.Latest, true);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(source, visit);
  return found;
}

describe("code snippets in the README and docs: installed imports, and they compile", function () {
  this.timeout(180_000);
  const signerExports = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, "signer", "package.json"), "utf8")) as { exports: Record<string, unknown> }).exports);
  const snippets = documentFiles().flatMap((file) => snippetsOf(file, fs.readFileSync(path.join(ROOT, file), "utf8")));

  it("finds the snippets (README, component, library, signing, verify-and-edge, the signer README)", () => {
    for (const file of ["README.md", "docs/component.md", "docs/library.md", "docs/signing.md", "docs/verify-and-edge.md", "signer/README.md"]) {
      assert.ok(snippets.some((s) => s.file === file), `a snippet in ${file}`);
    }
    assert.ok(snippets.length >= 12, `${snippets.length} snippets`);
  });

  it("every snippet (and harness) imports only installed packages: no ./scripts, ./signer/src, ./components or ../components", () => {
    const problems: string[] = [];
    for (const snippet of snippets) {
      for (const [part, text] of [["snippet", snippet.code], ["harness", snippet.harness]] as const) {
        for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
          const problem = importProblem(fileName, signerExports);
          if (problem) problems.push(`${snippet.file}:${snippet.line} (${part}): ${problem}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("a harness only declares: `declare const` and `import type`, no code that runs", () => {
    const problems: string[] = [];
    for (const snippet of snippets.filter((s) => s.harness !== "")) {
      const source = ts.createSourceFile("harness.ts", snippet.harness, ts.ScriptTarget.Latest, true);
      for (const statement of source.statements) {
        const declared =
          (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly === true) ||
          (ts.isVariableStatement(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
        if (!declared) problems.push(`${snippet.file}:${snippet.line}: ${statement.getText(source).split("\n")[0]}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(snippets.filter((s) => s.harness !== "").length >= 5, "the fragments carry their harness");
  });

  it("the import rule refuses repository paths and unknown entry points", () => {
    for (const bad of ["./scripts/lib/signer", "./signer/src/lib/signer", "./components", "../components", `${SIGNER}/src/lib/signer`, `${SIGNER}/dist/lib/signer`, `${COMPONENT}/dist/index`]) {
      assert.ok(importProblem(bad, signerExports), bad);
    }
    for (const good of [`${SIGNER}/signer`, `${SIGNER}/kms`, COMPONENT, "@pulumi/aws", "node:http"]) assert.equal(importProblem(good, signerExports), undefined, good);
    assert.ok(hasTopLevelAwait("const a = await f();"));
    assert.ok(!hasTopLevelAwait("async function g() { await f(); }"));
  });

  it("every snippet compiles (strict, node16 resolution) against the built signer and component packages", () => {
    for (const built of ["signer/dist/lib/signer.d.ts", "components/dist/index.d.ts"]) {
      assert.ok(fs.existsSync(path.join(ROOT, built)), `${built} is missing: run "npm run build" first (npm test does it)`);
    }
    const consumer = fs.mkdtempSync(path.join(os.tmpdir(), "doc-snippets-"));
    try {
      // Installed as npm links local packages; the SDKs the docs install come from this repository's node_modules.
      fs.mkdirSync(path.join(consumer, "node_modules", "@signed-content"), { recursive: true });
      fs.symlinkSync(path.join(ROOT, "signer"), path.join(consumer, "node_modules", SIGNER), "dir");
      fs.symlinkSync(path.join(ROOT, "components"), path.join(consumer, "node_modules", COMPONENT), "dir");
      for (const scope of ["@pulumi", "@aws-sdk"]) fs.symlinkSync(path.join(ROOT, "node_modules", scope), path.join(consumer, "node_modules", scope), "dir");
      fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));

      const where = new Map<string, Snippet>();
      const rootNames = snippets.map((snippet, i) => {
        const name = path.join(consumer, `${snippet.file.replace(/[^A-Za-z0-9]+/g, "-")}-${snippet.line}-${i}.${hasTopLevelAwait(snippet.code) ? "mts" : "ts"}`);
        fs.writeFileSync(name, `${snippet.harness}${snippet.harness ? "\n" : ""}${snippet.code}\n`);
        where.set(name, snippet);
        return name;
      });
      const { options, errors } = ts.convertCompilerOptionsFromJson(
        {
          target: "ES2022",
          lib: ["ES2022"],
          module: "node16",
          moduleResolution: "node16",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [path.join(ROOT, "node_modules", "@types")],
        },
        consumer,
      );
      assert.deepEqual(errors, []);
      const program = ts.createProgram({ rootNames, options });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const message = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0];
        const snippet = d.file && where.get(path.resolve(d.file.fileName));
        if (!d.file || d.start === undefined || !snippet) return `${d.file?.fileName ?? "(no file)"}: TS${d.code} ${message}`;
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        const harnessLines = snippet.harness ? snippet.harness.split("\n").length : 0;
        const docLine = line < harnessLines ? `${snippet.line - 1} (harness)` : String(snippet.line + line - harnessLines);
        return `${snippet.file}:${docLine}: TS${d.code} ${message}`;
      });
      assert.deepEqual(problems, [], "snippets that do not compile");
    } finally {
      fs.rmSync(consumer, { recursive: true, force: true });
    }
  });
});
