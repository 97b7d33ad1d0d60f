// Throwaway project folders outside the repository, with their own node_modules installed by npm from the local
// cache. Outside the checkout matters: Pulumi's launchers take ts-node and typescript from wherever
// @pulumi/pulumi is installed, so a copy inside the repo would silently use the root's ts-node.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { baseEnv, startProcess } from "../../scripts/host/child";
import { REPO_ROOT } from "./layout";

const created: string[] = [];
let cleanupInstalled = false;

/** Set HOST_HARNESS_KEEP=1 to keep the throwaway folders (their paths are in the test output). */
const KEEP = process.env.HOST_HARNESS_KEEP === "1";

/** A new empty folder under the OS temp dir, removed when the test process exits (unless HOST_HARNESS_KEEP=1). */
export function scratchDir(label: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cf-host-${label}-`));
    if (path.relative(REPO_ROOT, dir).split(path.sep)[0] !== "..") throw new Error(`scratch folder ${dir} is inside the repository`);
    created.push(dir);
    if (!cleanupInstalled) {
        cleanupInstalled = true;
        process.once("exit", () => {
            if (KEEP) return;
            for (const d of created) fs.rmSync(d, { recursive: true, force: true });
        });
    }
    return dir;
}

/** The repository files a clone has (tracked, plus new files not ignored), relative to the root. */
export function repositoryFiles(root: string = REPO_ROOT): string[] {
    const result = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`git ls-files failed in ${root}: ${result.stderr}`);
    return result.stdout.split("\0").filter((f) => f !== "" && fs.existsSync(path.join(root, f)));
}

/** Copies these files (relative paths) from one folder into another. */
export function copyFiles(from: string, to: string, files: readonly string[]): void {
    for (const file of files) {
        const target = path.join(to, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(path.join(from, file), target);
    }
}

/** A copy of a repository folder as a clone has it (no node_modules, no build output). */
export function copyFromRepository(folder: string, to: string): void {
    const relative = path.relative(REPO_ROOT, folder);
    const prefix = relative === "" ? "" : relative + "/";
    const files = repositoryFiles().filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
    copyFiles(folder, to, files);
}

export function writeJson(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

export function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

export interface NpmResult {
    durationMs: number;
    stdout: string;
}

/** Timings of npm runs and launches, for the report at the end of a suite. */
export const timings: { label: string; ms: number }[] = [];

export function recordTiming(label: string, ms: number): void {
    timings.push({ label, ms });
    process.stderr.write(`      [host] ${label}: ${(ms / 1000).toFixed(1)} s\n`);
}

/**
 * Runs npm in a folder (from the local cache where it can: --prefer-offline), with a deadline. Throws with the
 * tail of npm's output when it fails.
 */
export async function npm(args: readonly string[], cwd: string, label: string, timeoutMs = 10 * 60_000): Promise<NpmResult> {
    const proc = startProcess("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd, env: baseEnv(), timeoutMs });
    const result = await proc.exited;
    recordTiming(`npm ${args[0]} (${label})`, result.durationMs);
    if (result.exitCode !== 0) {
        const tail = (result.stdout + result.stderr).split("\n").slice(-40).join("\n");
        throw new Error(`npm ${args.join(" ")} failed in ${cwd}${result.timedOut ? " (timed out)" : ""}:\n${tail}`);
    }
    return { durationMs: result.durationMs, stdout: result.stdout };
}

/** `npm pack` of a package folder into `destination`; returns the tarball's path. Runs the package's pack scripts. */
export async function npmPack(packageDir: string, destination: string): Promise<string> {
    const { stdout } = await npm(["pack", "--json", "--pack-destination", destination], packageDir, path.basename(packageDir));
    const start = stdout.indexOf("[");
    const packed = JSON.parse(stdout.slice(start)) as { filename: string }[];
    if (packed.length !== 1) throw new Error(`npm pack in ${packageDir} packed ${packed.length} packages`);
    return path.join(destination, packed[0].filename);
}
