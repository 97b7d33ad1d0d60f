/*
 * What an application pays for the signer package (`npm run bench`): the disk its `npm pack` tarball takes when
 * installed into an empty project, and the time `require` of its signer entry takes in a fresh Node process,
 * next to the AWS SDK's @aws-sdk/cloudfront-signer (goals: <= 5 MB, and <= half the SDK signer's require time).
 * Every loop is bounded by a count.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bytesUnder } from "./installSize";

const REPO = path.resolve(__dirname, "..", "..", "..");
const RUNS = 21;


/** Median milliseconds of `require(specifier)` in a fresh process started in `cwd`, over RUNS processes. */
function requireMs(specifier: string, cwd: string): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(specifier)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ["-e", script], { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`require(${specifier}) failed: ${r.stderr.split("\n")[0]}`);
    times.push(Number(r.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

function main(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cf-bench-pkg-"));
  try {
    const packed = execFileSync("npm", ["pack", "-w", "signer", "--pack-destination", work, "--json"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const tarball = path.join(work, (JSON.parse(packed) as { filename: string }[])[0].filename);
    const app = path.join(work, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app, stdio: "ignore" });
    const bytes = bytesUnder(path.join(app, "node_modules"));
    const ours = requireMs("@signed-content/cloudfront-signer/signer", app);
    const sdk = requireMs("@aws-sdk/cloudfront-signer", REPO);
    console.log("\nsigner package: install size and require time (median of %d fresh processes)", RUNS);
    console.log(`  npm install of the tarball into an empty project   ${(bytes / 1024 / 1024).toFixed(2)} MB of node_modules (goal <= 5 MB)`);
    console.log(`  require("@signed-content/cloudfront-signer/signer") ${ours.toFixed(2)} ms`);
    console.log(`  require("@aws-sdk/cloudfront-signer")               ${sdk.toFixed(2)} ms`);
    console.log(`  ratio                                              ${(ours / sdk).toFixed(2)}x (goal <= 0.5x)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
