// The documentation works from a clone — its links resolve inside the repository, its
// test commands do what they say, and its examples use options cf-sign has.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Every file under `dir` (relative to the root), skipping dependencies and build output. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".") ? [] : filesUnder(rel);
    return [rel];
  });
}

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The documents that state requirements: the README, docs/*.md and the packages' and examples' READMEs. */
const USER_DOCS = [
  ...DOCS,
  ...["signer", "components", "policy", ...fs.readdirSync(path.join(ROOT, "examples")).map((d) => `examples/${d}`)]
    .map((dir) => `${dir}/README.md`)
    .filter((file) => fs.existsSync(path.join(ROOT, file))),
];

/** `^20.19.0 || ^22.12.0 || ^24.0.0` -> ["20.19+", "22.12+", "24"]: how the docs write the supported range. */
export function statedRange(engines: string): string[] {
  return engines.split("||").map((alternative) => {
    const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(alternative);
    assert.ok(m, `engines alternative ${alternative}: expected ^MAJOR.MINOR.PATCH`);
    return m[2] === "0" && m[3] === "0" ? m[1] : `${m[1]}.${m[2]}+`;
  });
}

const NODE_MENTION = /(?<![\w-])node(?:\.js)?\s+(v?\d{2,}(?:\.(?:\d+|x))*\+?(?:(?:\s*,\s*|\s+(?:and|or)\s+)v?\d{2,}(?:\.(?:\d+|x))*\+?)*)/gi;
const REQUIREMENT = /\b(?:prerequisites?|requires?|required|needs?|supports?|supported|minimum|at least|or later|or newer|engines)\b/i;
const NODE_SEMVER = /\bnode\b["']?\s*[:=]?\s*["']?((?:>=|<=|>|<|\^|~)\s*\d[^"'`\n]*)/gi;

/**
 * Statements of a Node.js version that disagree with `engines`: a requirement ("Prerequisites: Node.js 20",
 * "needs Node 22") that is not the supported range, a version that is not a supported line, a semver range that
 * is not `engines`. Allowed: the range itself, a full version a measurement ran on ("Node 20.20.2") within a
 * supported line, a bare supported line outside a requirement ("CI runs on Node 20 and on Node 24").
 */
export function nodeVersionProblems(text: string, engines: string): string[] {
  const range = statedRange(engines);
  const majors = new Set(range.map((v) => v.split(".")[0].replace("+", "")));
  const problems: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s*\n\s*/g, " ");
    // Sentences: a period followed by a space ends one ("Node.js" and "20.19" do not).
    for (const sentence of flat.split(/(?<=[.!?])\s+(?=[A-Z(`*-])/)) {
      // Words inside `code` (CF_BROWSER_TEST=required) are not the sentence's own.
      const prose = sentence.replace(/`[^`]*`/g, "");
      for (const m of sentence.matchAll(NODE_MENTION)) {
        const versions = m[1].split(/\s*,\s*|\s+(?:and|or)\s+/).map((v) => v.replace(/^v/, ""));
        if (versions.join(",") === range.join(",")) continue;
        const lines = versions.map((v) => v.split(".")[0].replace("+", ""));
        if (versions.every((v) => /^\d+\.\d+\.\d+$/.test(v)) && lines.every((major) => majors.has(major))) continue;
        if (!REQUIREMENT.test(prose) && versions.every((v) => /^\d+(?:\.x)?$/.test(v)) && lines.every((major) => majors.has(major))) continue;
        problems.push(`"${m[0]}" in "${sentence.trim().slice(0, 160)}": the supported range is Node.js ${range.slice(0, -1).join(", ")} or ${range[range.length - 1]}`);
      }
      for (const m of sentence.matchAll(NODE_SEMVER)) {
        if (m[1].replace(/\s+/g, " ").trim() !== engines) problems.push(`"${m[0]}": engines says ${engines}`);
      }
    }
  }
  return problems;
}

/** Statements of how CloudFront matches a request path to a cache behaviour that are not the normalised-path model. */
export function pathModelProblems(text: string): string[] {
  const problems: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s*\n\s*/g, " ");
    for (const sentence of flat.split(/(?<=[.;!?])\s+(?=[A-Z(`*-])/)) {
      if (!/CloudFront (?:matches|chooses|selects|picks)\b[^.]*\b(?:behaviou?rs?|path patterns?)\b/i.test(sentence)) continue;
      if (/\bas sent\b|\bas written\b|\braw (?:request )?path\b(?![^.]*\bforward)/i.test(sentence) && !/normalis|normaliz/i.test(sentence)) {
        problems.push(sentence.trim().slice(0, 200));
      } else if (!/normalis|normaliz/i.test(sentence)) {
        problems.push(`${sentence.trim().slice(0, 200)} (say which path: the RFC 3986-normalised one)`);
      }
    }
  }
  return problems;
}

describe("docs work from a clone", function () {
  this.timeout(90_000);

  describe("16. running one test file", () => {
    const script = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts["test:file"];
    it("npm run test:file -- FILE builds, then runs mocha on that file only (not .mocharc's whole suite)", async () => {
      assert.ok(script, "package.json has a test:file script");
      const [build, mocha] = script.split(" && ");
      assert.equal(build, "npm run -s build", "builds first, so CLI tests run the current code");
      const [bin, ...args] = mocha.split(" ");
      assert.equal(bin, "mocha");
      assert.ok(args.includes("--no-config"), "without --no-config mocha adds every spec of .mocharc.json");
      // The mocha half as npm would run it (the build is left out: the suite running this test may be using dist/).
      const r = await run([path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), ...args, "test/fixtures/single-file/marker.spec.ts"]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /single-file marker ran/);
      assert.match(r.out, /\b1 passing\b/, r.out);
    });
    it("the docs give that command, and no mocha command that runs the whole suite instead", () => {
      assert.match(read("docs/stack.md"), /npm run test:file -- test\/infra-config\.test\.ts/);
      for (const file of DOCS) {
        for (const line of read(file).split("\n")) {
          // A command (naming a test file) must not be the one that loads .mocharc.json's whole suite.
          for (const [command] of line.matchAll(/npx mocha [^`]*test\/[^`]*/g)) assert.match(command, /^npx mocha --no-config /, `${file}: ${line}`);
        }
      }
    });
  });

  describe("17. protocol facts inside the repository", () => {
    it("no link leaves the repository; every relative link resolves", () => {
      for (const file of DOCS) {
        const text = read(file);
        assert.doesNotMatch(text, /\.\.\/shared\/|cloudfront-signing-spec\.md/, file);
        for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
          const resolved = path.resolve(path.dirname(path.join(ROOT, file)), target.split("#")[0]);
          assert.ok(resolved.startsWith(ROOT + path.sep), `${file}: ${target} points outside the repository`);
          assert.ok(fs.existsSync(resolved), `${file}: ${target} does not exist`);
        }
      }
    });
    it("nothing a clone ships (examples, components, policy, scripts, infra) points at ../shared", () => {
      const files = ["examples", "components", "policy", "scripts", "infra"].flatMap(filesUnder).filter((f) => /\.(md|ts|ya?ml|json)$/.test(f));
      assert.ok(files.includes("examples/app/README.md") && files.includes("components/CHANGELOG.md"));
      for (const file of files) assert.doesNotMatch(read(file), /\.\.\/shared\/|cloudfront-signing-spec\.md/, file);
    });
    it("docs/protocol.md holds the facts the code relies on and is linked from the README and the docs", () => {
      const protocol = read("docs/protocol.md");
      for (const fact of [
        /RSA 2048.*ECDSA P-256|ECDSA P-256.*RSA 2048/,
        /\{"Statement":\[\{"Resource":"<URL>","Condition":\{"DateLessThan":\{"AWS:EpochTime":<int>\}\}\}\]\}/,
        /`\+` → `-`, `=` → `_`, `\/` → `~`/,
        /Hash-Algorithm=SHA256/,
        /CloudFront-Key-Pair-Id/,
        /MissingKey.*InvalidKey.*MalformedSignature.*MalformedPolicy.*AccessDenied/s,
        /milliseconds/,
        /IPv4/,
        /%2F/,
        /Origin Access Control/,
        /PublicKeyInUse/,
      ]) {
        assert.match(protocol, fact);
      }
      for (const file of ["README.md", "docs/signing.md", "docs/verify-and-edge.md"]) assert.match(read(file), /protocol\.md/, file);
    });
  });

  it("3./5. examples: no cookie Domain for a stack path, no cookies --json", () => {
    for (const file of DOCS) {
      for (const line of read(file).split("\n")) {
        assert.doesNotMatch(line, /cookies '\/[^']*'.*--domain/, `${file}: a /path resolves to baseUrl's host, which --domain must match: ${line}`);
        assert.doesNotMatch(line, /cookies --json/, `${file}: the option is --format json: ${line}`);
      }
    }
  });
});

describe("one supported Node.js range and one path-matching model in every document", () => {
  const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;

  it("no README or doc names a Node.js version or range other than engines' (a requirement must be the whole range)", () => {
    assert.deepEqual(statedRange(engines), ["20.19", "22.12", "24"].map((v, i) => (i < 2 ? `${v}+` : v)));
    const problems = USER_DOCS.flatMap((file) => nodeVersionProblems(read(file), engines).map((p) => `${file}: ${p}`));
    assert.deepEqual(problems, []);
    for (const file of ["signer/package.json", "components/package.json"]) {
      assert.equal((JSON.parse(read(file)) as { engines: { node: string } }).engines.node, engines, `${file} engines`);
    }
  });

  it("the check refuses another range, and allows the range, measurements and CI lines", () => {
    for (const bad of [
      "Prerequisites: Node.js 20, the Pulumi CLI, AWS credentials.",
      "It needs Node 22 or later.",
      "Supports Node.js 18+, 20 and 22.",
      "Requires Node.js 20.19+ or 22.12+.",
      "Tested on Node 18.",
      'Set "node": ">=18" in engines.',
    ]) {
      assert.notDeepEqual(nodeVersionProblems(bad, engines), [], bad);
    }
    for (const good of [
      "Prerequisites: Node.js 20.19+, 22.12+ or 24, the Pulumi CLI.",
      "Supports Node.js 20.19+, 22.12+ and 24 (`engines`).",
      "Measured on the VM (Node 20.20.2, OpenSSL 3.0).",
      "CI runs the whole suite on Node 20 and on Node 24.",
      "ts-node 10 and moduleResolution node16 are fine.",
    ]) {
      assert.deepEqual(nodeVersionProblems(good, engines), [], good);
    }
  });

  it("every statement of how CloudFront matches a path to a behaviour says: the normalised path", () => {
    const problems = USER_DOCS.flatMap((file) => pathModelProblems(read(file)).map((p) => `${file}: ${p}`));
    assert.deepEqual(problems, []);
    assert.notDeepEqual(pathModelProblems("(unverified) CloudFront matches path patterns against the request path as sent, while S3 decodes it."), []);
    assert.deepEqual(pathModelProblems("CloudFront chooses a cache behaviour by the request path normalised per RFC 3986, where `%2F` stays encoded."), []);
    const stack = read("docs/stack.md");
    assert.doesNotMatch(stack, /request path as sent/);
    assert.match(stack, /`\/%70rivate\/…` and `\/x\/\.\.\/private\/…` match `\/private\/\*` and need a\s+signature/);
  });
});
