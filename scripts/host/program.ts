// Runs a Pulumi program the way Pulumi's Node.js language host (pulumi-language-nodejs,
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go at v3.248.0) runs it for `pulumi preview` / `pulumi up`: the SDK's
// own entry point @pulumi/pulumi/cmd/run as a child process, with the same arguments, environment variables and
// working directory, talking to a FakeEngine (fakeEngine.ts) instead of the real engine:
//   node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor A --engine A --sync DIR --organization O --project P
//   --root-directory R --stack S --pwd PWD [--dry-run] --parallel N <entry point>
// in PWD, with PULUMI_CONFIG ("ns:config:key" form), PULUMI_CONFIG_SECRET_KEYS and PULUMI_NODEJS_TYPESCRIPT /
// _TSCONFIG_PATH. The SDK entry point is found as the host finds it: require.resolve from the program's folder.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ProcessResult, baseEnv, locateModule, splitArgs, startProcess } from "./child";
import { FakeAwsAccount, FakeEngine, InvokeHandler, awsAccountInvokes } from "./fakeEngine";
import { readProject, readStackConfig } from "./project";

export const DEFAULT_ACCOUNT_ID = "123456789012";

/** The CLI's default --parallel: GOMAXPROCS * 4 (pkg/cmd/pulumi/operations/up.go defaultParallel). */
export function defaultParallel(): number {
    return os.availableParallelism() * 4;
}

/** What a launch left behind: the process's result and the engine with everything it recorded. */
export interface LaunchResult extends ProcessResult {
    engine: FakeEngine;
    /** the command line and the variables the language host added to the environment */
    command: { args: string[]; cwd: string; env: Record<string, string> };
}

export function typescriptEnv(options: Record<string, unknown>): Record<string, string> {
    const env: Record<string, string> = {};
    if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (typeof options.tsconfig === "string" && options.tsconfig !== "") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
    return env;
}

/** main.go constructConfig: "ns:key" -> "ns:config:key", the form older SDKs read. */
export function languageHostConfig(config: Record<string, string>): string {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        const at = key.indexOf(":");
        if (at < 0) throw new Error(`config key ${JSON.stringify(key)} has no namespace`);
        out[`${key.slice(0, at)}:config:${key.slice(at + 1)}`] = value;
    }
    return JSON.stringify(out);
}

/** The named pipes the language host creates for synchronous invokes (proxy_unix.go); the SDK is given the folder. */
function syncPipesDir(parent: string): string {
    const dir = fs.mkdtempSync(path.join(parent, "pulumi-node-pipes"));
    for (const name of ["invoke_req", "invoke_res"]) execFileSync("mkfifo", ["-m", "600", path.join(dir, name)]);
    return dir;
}

/**
 * A folder for one launch's own files, removed after it. The launch gets an empty ts-node cache in it
 * (TS_NODE_CACHE_DIRECTORY, read by the SDK's bundled ts-node 7.0.1): a first run on a clean machine. The shared
 * default cache (os.tmpdir()/ts-node-*) would skip type-checking every file whose text did not change since an
 * earlier run, hiding errors caused by changes elsewhere.
 */
export function launchDir(): { dir: string; env: Record<string, string>; remove(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-host-launch-"));
    const cache = path.join(dir, "ts-node-cache");
    fs.mkdirSync(cache);
    return { dir, env: { TS_NODE_CACHE_DIRECTORY: cache }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function awsAccountFor(config: Record<string, string>, account: Partial<FakeAwsAccount> | undefined): FakeAwsAccount {
    return { accountId: account?.accountId ?? DEFAULT_ACCOUNT_ID, region: account?.region ?? config["aws:region"] ?? "us-east-1", partition: account?.partition };
}

export interface RunProgramOptions {
    /** folder of Pulumi.yaml */
    projectDir: string;
    stack: string;
    /** preview (true) or update (false) */
    dryRun: boolean;
    /** full config map ("ns:key" -> value); default: Pulumi.yaml's defaults with Pulumi.<stack>.yaml over them */
    config?: Record<string, string>;
    configSecretKeys?: string[];
    /** default "organization" (diy backends) */
    organization?: string;
    /** default the CLI's (cores * 4) */
    parallel?: number;
    /** invoke answers besides the AWS account lookups */
    invokes?: Record<string, InvokeHandler>;
    account?: Partial<FakeAwsAccount>;
    /** program arguments after the entry point */
    args?: string[];
    /** extra environment variables */
    env?: Record<string, string>;
    /** hard deadline for the program (default 5 minutes) */
    timeoutMs?: number;
}

/** Runs a Pulumi program to completion under the fake engine, as `pulumi preview` / `pulumi up` would. */
export async function runProgram(options: RunProgramOptions): Promise<LaunchResult> {
    const project = readProject(options.projectDir);
    const stackConfig = options.config ? { config: options.config, secretKeys: options.configSecretKeys ?? [] } : readStackConfig(project, options.stack);
    const secretKeys = options.configSecretKeys ?? stackConfig.secretKeys;
    const env = baseEnv();
    const runPath = locateModule("@pulumi/pulumi/cmd/run", project.pwd, false, env);
    const engine = await FakeEngine.start({
        project: project.name,
        stack: options.stack,
        organization: options.organization,
        dryRun: options.dryRun,
        invokes: { ...awsAccountInvokes(awsAccountFor(stackConfig.config, options.account)), ...options.invokes },
    });
    const own = launchDir();
    const pipes = syncPipesDir(own.dir);
    try {
        const args = [
            ...splitArgs(project.runtime.options.nodeargs as string | undefined),
            runPath,
            "--monitor", engine.address,
            "--engine", engine.address,
            "--sync", pipes,
            "--organization", engine.organization,
            "--project", project.name,
            "--root-directory", project.root,
            "--stack", options.stack,
            "--pwd", project.pwd,
            ...(options.dryRun ? ["--dry-run"] : []),
            "--parallel", String(options.parallel ?? defaultParallel()),
            project.entryPoint,
            ...(options.args ?? []),
        ];
        const added: Record<string, string> = {
            PULUMI_CONFIG: languageHostConfig(stackConfig.config),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
            ...typescriptEnv(project.runtime.options),
            ...options.env,
        };
        const proc = startProcess(process.execPath, args, { cwd: project.pwd, env: { ...env, ...own.env, ...added }, timeoutMs: options.timeoutMs });
        const result = await proc.exited;
        return { ...result, engine, command: { args, cwd: project.pwd, env: added } };
    } finally {
        await engine.stop();
        own.remove();
    }
}
