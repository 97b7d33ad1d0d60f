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
