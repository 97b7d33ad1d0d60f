// `npm run edge`, `npm run demo` and `npm run bench` build only when the compiled output is out of date
// (scripts/build/upToDate.js): a copy of the script in a scratch project, with a stand-in compiler, shows
// when it builds and when it does not; the real package.json and tsconfigs are checked to be wired to it.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { BUILD_INPUTS, BUILD_OUTPUTS, STAMP, staleReason } from "../scripts/build/upToDate";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = "scripts/build/upToDate.js";

/** A scratch project laid out like this repository: one file per input folder, the script, a stand-in compiler. */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "up-to-date-"));
  for (const input of BUILD_INPUTS) {
    const file = /\.[a-z]+$/.test(input) ? input : `${input}/index.ts`;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    if (!fs.existsSync(path.join(dir, file))) fs.writeFileSync(path.join(dir, file), "{}\n");
  }
  fs.mkdirSync(path.join(dir, "scripts", "build"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, SCRIPT), path.join(dir, SCRIPT));
  // The stand-in compiler: writes every entry point, counts its runs, prints to stdout like tsc, and fails
  // (after emitting, as tsc does on a type error) while a file named FAIL exists.
  fs.writeFileSync(
    path.join(dir, "compile.js"),
    `const fs = require("fs"), path = require("path");
for (const out of ${JSON.stringify(BUILD_OUTPUTS)}) { fs.mkdirSync(path.dirname(out), { recursive: true }); fs.writeFileSync(out, "// built\\n"); }
fs.appendFileSync("builds.log", "built\\n");
console.log("compiler output");
if (fs.existsSync("FAIL")) { console.log("error TS2322: a type error"); process.exit(2); }
`,
  );
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "scratch",
      private: true,
      scripts: {
        build: `node ${SCRIPT} begin && node compile.js && node ${SCRIPT} end`,
        edge: `node ${SCRIPT} ensure && node -e "console.log('edge started')"`,
      },
    }),
  );
  return dir;
}

function npmRun(cwd: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", script], { cwd, stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const builds = (dir: string): number => (fs.existsSync(path.join(dir, "builds.log")) ? fs.readFileSync(path.join(dir, "builds.log"), "utf8").split("\n").length - 1 : 0);
const startedAt = (dir: string): number => (JSON.parse(fs.readFileSync(path.join(dir, STAMP), "utf8")) as { startedAtMs: number }).startedAtMs;
/**
 * Gives `file` a modification time after the recorded build start ("newer") or long before it ("older"),
 * never in the future: halfway between the start and now (a build takes far more than a millisecond).
 */
function touch(dir: string, file: string, when: "newer" | "older"): void {
  const start = startedAt(dir);
  const time = when === "older" ? start - 3_600_000 : Math.floor((start + Date.now()) / 2);
  assert.ok(when === "older" || time > start, "the build took more than a millisecond");
  fs.utimesSync(path.join(dir, file), new Date(time), new Date(time));
}

describe("the build's up-to-date check (npm run edge / demo / bench)", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = scratchProject();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("builds when nothing was built, skips the build when nothing changed, rebuilds when a source is newer", async () => {
    const first = await npmRun(dir, "edge");
    assert.equal(first.code, 0, first.stderr);
    assert.equal(builds(dir), 1);
    assert.equal(first.stdout, "edge started\n", "the build's own output goes to stderr, so the command's stdout stays its own");
    assert.match(first.stderr, /building first \(no complete build recorded yet\)/);
    assert.match(first.stderr, /compiler output/);

    const second = await npmRun(dir, "edge");
    assert.equal(second.code, 0, second.stderr);
    assert.equal(builds(dir), 1, "up to date: no build");
    assert.equal(second.stdout, "edge started\n");
    assert.equal(second.stderr, "", "nothing printed when up to date");

    touch(dir, "signer/src/index.ts", "newer");
    const third = await npmRun(dir, "edge");
    assert.equal(third.code, 0, third.stderr);
    assert.equal(builds(dir), 2, "a newer source: rebuilt");
    assert.match(third.stderr, /building first \(signer\/src\/index\.ts changed since the last build\)/);

    assert.equal((await npmRun(dir, "edge")).code, 0);
    assert.equal(builds(dir), 2, "up to date again");
  });

  it("a failed build is not recorded: the command does not start, and the next run builds again", async () => {
    assert.equal((await npmRun(dir, "build")).code, 0);
    touch(dir, "components/index.ts", "newer");
    fs.writeFileSync(path.join(dir, "FAIL"), "");
    const failed = await npmRun(dir, "edge");
    assert.notEqual(failed.code, 0);
    assert.doesNotMatch(failed.stdout, /edge started/);
    assert.match(failed.stderr, /error TS2322/);
    assert.match(staleReason(dir) ?? "", /no complete build recorded yet/, "the outputs were emitted, but the build is not complete");
    fs.rmSync(path.join(dir, "FAIL"));
    const fixed = await npmRun(dir, "edge");
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(builds(dir), 3);
    assert.equal(staleReason(dir), undefined);
  });

  it("a source added, removed or renamed (even with an old time), a missing entry point, a changed config: out of date", async () => {
    assert.equal((await npmRun(dir, "build")).code, 0);
    assert.equal(staleReason(dir), undefined);

    fs.writeFileSync(path.join(dir, "scripts", "extra.ts"), "export {};\n");
    touch(dir, "scripts/extra.ts", "older");
    assert.equal(staleReason(dir), "scripts/extra.ts is new since the last build");
    assert.equal((await npmRun(dir, "build")).code, 0);

    fs.renameSync(path.join(dir, "scripts", "extra.ts"), path.join(dir, "scripts", "moved.ts"));
    assert.equal(staleReason(dir), "scripts/moved.ts is new since the last build");
    assert.equal((await npmRun(dir, "build")).code, 0);

    fs.rmSync(path.join(dir, "scripts", "moved.ts"));
    assert.equal(staleReason(dir), "scripts/moved.ts was removed since the last build");
    assert.equal((await npmRun(dir, "build")).code, 0);

    fs.rmSync(path.join(dir, BUILD_OUTPUTS[1]));
    assert.equal(staleReason(dir), `${BUILD_OUTPUTS[1]} is missing`);
    assert.equal((await npmRun(dir, "build")).code, 0);

    touch(dir, "tsconfig.build.json", "newer");
    assert.equal(staleReason(dir), "tsconfig.build.json changed since the last build");

    // What the build writes (dist/, node_modules/) is never an input.
    assert.equal((await npmRun(dir, "build")).code, 0);
    fs.mkdirSync(path.join(dir, "components", "dist"), { recursive: true });
    fs.writeFileSync(path.join(dir, "components", "dist", "late.js"), "");
    touch(dir, "components/dist/late.js", "newer");
    assert.equal(staleReason(dir), undefined);
  });
});

describe("the repository is wired to the up-to-date check", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

  it("npm run build records a complete build; edge, demo and bench build only when out of date", () => {
    const steps = pkg.scripts.build.split(" && ");
    assert.equal(steps[0], `node ${SCRIPT} begin`);
    assert.equal(steps[steps.length - 1], `node ${SCRIPT} end`);
    for (const name of ["edge", "demo", "bench"]) {
      assert.ok(pkg.scripts[name].startsWith(`node ${SCRIPT} ensure && `), `${name}: ${pkg.scripts[name]}`);
      assert.doesNotMatch(pkg.scripts[name], /npm run (-s )?build/, name);
    }
    // The first entry point each of them (and cf-sign) runs is one the check requires.
    for (const name of ["edge", "demo", "bench", "sign"]) {
      const entry = /node ((?:signer\/)?dist\/\S+\.js)/.exec(pkg.scripts[name])?.[1];
      assert.ok(entry !== undefined && BUILD_OUTPUTS.includes(entry), `${name} runs ${entry}, which the check requires`);
    }
  });

  it("every file the three compilations read (their configs, roots and relative imports) is an input", () => {
    const covered = (file: string): boolean => {
      const rel = path.relative(ROOT, file).split(path.sep).join("/");
      return BUILD_INPUTS.some((input) => rel === input || rel.startsWith(`${input}/`));
    };
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith(".")) continue;
        const base = path.resolve(path.dirname(file), fileName);
        const resolved = [`${base}.ts`, `${base}.d.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
        assert.ok(resolved, `${file} imports ${fileName}`);
        visit(resolved);
      }
    };
    const configs = ["tsconfig.build.json", "signer/tsconfig.build.json", "components/tsconfig.build.json"];
    for (const config of configs) {
      const configPath = path.join(ROOT, config);
      const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) });
      assert.ok(parsed && parsed.fileNames.length > 0, config);
      // The config and every config it extends.
      let current: string | undefined = configPath;
      while (current !== undefined) {
        assert.ok(covered(current), `${path.relative(ROOT, current)} is an input`);
        const extended: string | undefined = (JSON.parse(fs.readFileSync(current, "utf8")) as { extends?: string }).extends;
        current = extended === undefined ? undefined : path.resolve(path.dirname(current), extended);
      }
      for (const file of parsed.fileNames) visit(file);
    }
    const missed = [...seen].filter((f) => !covered(f)).map((f) => path.relative(ROOT, f));
    assert.deepEqual(missed, [], "compiled but not watched");
    assert.ok(seen.size > 30, `followed the imports (${seen.size} files)`);
  });
});
