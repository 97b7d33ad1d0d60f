#!/usr/bin/env node
// @ts-check
// Whether the compiled output is up to date, so `npm run edge`, `npm run demo` and `npm run bench` start at once
// when nothing changed (the full build takes ~10 s). Plain JavaScript: it runs before anything is compiled.
//
//   node scripts/build/upToDate.js begin    first step of `npm run build`: forget the last complete build
//   node scripts/build/upToDate.js end      last step, after every compiler succeeded: record the build's start
//   node scripts/build/upToDate.js ensure   run `npm run -s build` unless the last complete build started after
//                                           every input last changed and every entry point exists
//
// A build that failed (a type error still emits JavaScript) never reaches `end`, so the next `ensure` builds
// again and shows the error. Input files are compared by modification time (`git checkout` and editors give
// changed files the current time) and by name (a file added, removed or renamed since the build).
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/** What the build reads, relative to the repository root: folders (walked, skipping dist/ and node_modules/) and files. */
const BUILD_INPUTS = [
  "components",
  "signer/src",
  "scripts",
  "signer/package.json",
  "signer/tsconfig.json",
  "signer/tsconfig.build.json",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
];

/** What the npm scripts run; the build is incomplete while one is missing. */
const BUILD_OUTPUTS = [
  "components/dist/index.js",
  "signer/dist/lib/signer.js",
  "signer/dist/cli/main.js",
  "dist/scripts/edge/main.js",
  "dist/scripts/demo/main.js",
  "dist/scripts/bench/sign.js",
];

/** The record of the last complete build: JSON {"startedAtMs": N, "inputs": [the input files then]}. */
const STAMP = "dist/.build-complete.json";
/** Written by `begin`, renamed to STAMP by `end`. */
const PENDING = "dist/.build-started.json";

const SKIPPED_DIRS = new Set(["dist", "node_modules"]);

/**
 * Every input file with its modification time, sorted by path.
 * @param {string} root
 * @returns {{ path: string, mtimeMs: number }[]}
 */
function inputFiles(root) {
  /** @type {{ path: string, mtimeMs: number }[]} */
  const files = [];
  /** @param {string} rel */
  const visit = (rel) => {
    let stat;
    try {
      stat = fs.statSync(path.join(root, rel));
    } catch {
      return; // an input that does not exist
    }
    if (!stat.isDirectory()) {
      files.push({ path: rel, mtimeMs: stat.mtimeMs });
      return;
    }
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (entry.isDirectory() && (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith("."))) continue;
      visit(`${rel}/${entry.name}`);
    }
  };
  for (const input of BUILD_INPUTS) visit(input);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * @param {string} file
 * @returns {{ startedAtMs: number, inputs: string[] } | undefined} what a stamp file records
 */
function readStamp(file) {
  try {
    const value = JSON.parse(fs.readFileSync(file, "utf8"));
    if (typeof value?.startedAtMs !== "number" || !Number.isFinite(value.startedAtMs)) return undefined;
    if (!Array.isArray(value.inputs) || !value.inputs.every((/** @type {unknown} */ p) => typeof p === "string")) return undefined;
    return { startedAtMs: value.startedAtMs, inputs: value.inputs };
  } catch {
    return undefined;
  }
}

/**
 * Why the build must run, or undefined when the last complete build started after every input last changed,
 * read the same input files (none added, removed or renamed since) and left every entry point.
 * @param {string} root the repository root
 * @returns {string | undefined}
 */
function staleReason(root) {
  const stamp = readStamp(path.join(root, STAMP));
  if (stamp === undefined) return "no complete build recorded yet";
  const missing = BUILD_OUTPUTS.find((output) => !fs.existsSync(path.join(root, output)));
  if (missing !== undefined) return `${missing} is missing`;
  const files = inputFiles(root);
  const before = new Set(stamp.inputs);
  const added = files.find((f) => !before.has(f.path));
  if (added !== undefined) return `${added.path} is new since the last build`;
  if (files.length !== before.size) {
    const now = new Set(files.map((f) => f.path));
    return `${stamp.inputs.find((p) => !now.has(p)) ?? "an input"} was removed since the last build`;
  }
  const changed = files.find((f) => f.mtimeMs > stamp.startedAtMs);
  if (changed !== undefined) return `${changed.path} changed since the last build`;
  return undefined;
}

/** @param {string} root */
function begin(root) {
  fs.mkdirSync(path.join(root, "dist"), { recursive: true });
  fs.rmSync(path.join(root, STAMP), { force: true });
  const startedAtMs = Date.now();
  const inputs = inputFiles(root).map((f) => f.path);
  fs.writeFileSync(path.join(root, PENDING), `${JSON.stringify({ startedAtMs, inputs }, null, 1)}\n`);
}

/** @param {string} root */
function end(root) {
  // Missing when another build ran `end` first; that build's record stands.
  if (fs.existsSync(path.join(root, PENDING))) fs.renameSync(path.join(root, PENDING), path.join(root, STAMP));
}

/**
 * Runs `npm run -s build` when the output is stale. Returns the exit status (0 when nothing had to be built).
 * The build's output goes to stderr, so a command's stdout stays its own.
 * @param {string} root
 * @returns {number}
 */
function ensure(root) {
  const reason = staleReason(root);
  if (reason === undefined) return 0;
  process.stderr.write(`building first (${reason}) ...\n`);
  const npmCli = process.env.npm_execpath;
  const stdio = /** @type {import("node:child_process").StdioOptions} */ (["ignore", 2, 2]);
  const result =
    npmCli !== undefined && /\.[cm]?js$/.test(npmCli)
      ? spawnSync(process.execPath, [npmCli, "run", "-s", "build"], { cwd: root, stdio })
      : spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio, shell: process.platform === "win32" });
  if (result.error) {
    process.stderr.write(`error: could not run npm run build: ${result.error.message}\n`);
    return 1;
  }
  return result.status ?? 1;
}

module.exports = { BUILD_INPUTS, BUILD_OUTPUTS, STAMP, inputFiles, staleReason };

if (require.main === module) {
  const root = path.resolve(__dirname, "..", "..");
  const command = process.argv[2];
  if (command === "begin") begin(root);
  else if (command === "end") end(root);
  else if (command === "ensure") process.exitCode = ensure(root);
  else {
    process.stderr.write(`error: unknown command ${JSON.stringify(command ?? "")}; use begin, end or ensure\n`);
    process.exitCode = 2;
  }
}
