import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The compiled cf-sign bin; `npm test` builds it first (pretest), `npm run build` does it by hand. */
export const CLI_PATH = path.resolve(__dirname, "..", "..", "signer", "dist", "cli", "main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Extra environment (merged over a minimal one: PATH, HOME, and nothing CloudFront-related). */
  env?: NodeJS.ProcessEnv;
  /** Text (or bytes) written to the child's stdin (stdin is closed either way). */
  stdin?: string | Buffer;
  cwd?: string;
  /** Kill the child after this many ms (default 20 s) so a hung CLI fails the test instead of mocha. */
  timeoutMs?: number;
}

/**
 * Runs `node signer/dist/cli/main.js ...args` (the signer package's cf-sign bin) as a child process and collects its exit code and output.
 * The environment is minimal on purpose: a developer's CLOUDFRONT_* variables must not leak into tests.
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  if (!fs.existsSync(CLI_PATH)) {
    return Promise.reject(new Error(`${CLI_PATH} is missing: run "npm run build" first (npm test does it)`));
  }
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    child.stdin.on("error", () => {
      // The CLI may exit before reading stdin (e.g. a bad option); that is not a test failure.
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * Asserts the CLI refused the input the way every bad input must be refused: exit 2, nothing on stdout, exactly
 * one `error: ` line matching `pattern`, no stack trace and no AWS SDK notice.
 */
export function assertRefused(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stdout: ${result.stdout}; stderr: ${result.stderr})`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one stderr line, got: ${result.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript|\n\s+at /);
}

/**
 * Asserts the CLI refused several bad input lines at once: exit 2, nothing on stdout, one `error: ` line per
 * pattern (in order), then `error: N bad lines; nothing was signed`, and no stack trace.
 */
export function assertRefusedLines(result: CliResult, patterns: RegExp[]): void {
  assert.equal(result.code, 2, `exit code (stdout: ${result.stdout}; stderr: ${result.stderr})`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, patterns.length + 1, `${patterns.length + 1} stderr lines, got: ${result.stderr}`);
  patterns.forEach((pattern, i) => assert.match(lines[i], pattern));
  assert.equal(lines[patterns.length], `error: ${patterns.length} bad lines; nothing was signed`);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}
