// Child processes for the host harness: output captured, a hard deadline on every process, the plugin port
// handshake read from stdout as the engine reads it, and every process still running killed when the test
// process exits.
import { ChildProcess, spawn, spawnSync } from "node:child_process";

export interface ProcessResult {
    /** null when the process was killed by a signal */
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    durationMs: number;
    /** true when the harness killed it at its deadline */
    timedOut: boolean;
}

export interface StartOptions {
    cwd: string;
    env: NodeJS.ProcessEnv;
    /** hard deadline: the process is killed after this long (default 5 minutes) */
    timeoutMs?: number;
}

export interface StartedProcess {
    readonly child: ChildProcess;
    /** what it wrote so far */
    output(): { stdout: string; stderr: string };
    /** resolves when it exits (after its deadline at the latest) */
    readonly exited: Promise<ProcessResult>;
    /** SIGTERM, then SIGKILL 5 s later (as the language host does); resolves with the result */
    stop(): Promise<ProcessResult>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    const killAll = () => {
        for (const child of live) child.kill("SIGKILL");
    };
    process.once("exit", killAll);
    // Interrupted (Ctrl-C, a CI timeout): kill the launches, then end the way the signal would have.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            killAll();
            process.exit(128 + (signal === "SIGINT" ? 2 : 15));
        });
    }
}

/** The environment a launched process inherits: the test's, without ts-node or Node options of the test runner. */
export function baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (key.startsWith("TS_NODE_") || key === "NODE_OPTIONS" || key.startsWith("PULUMI_")) continue;
        env[key] = value;
    }
    return env;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export function startProcess(command: string, args: readonly string[], options: StartOptions): StartedProcess {
    installExitHook();
    const started = Date.now();
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    };
    const deadline = setTimeout(() => {
        timedOut = true;
        terminate();
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const exited = new Promise<ProcessResult>((resolve) => {
        const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
            clearTimeout(deadline);
            if (killTimer) clearTimeout(killTimer);
            live.delete(child);
            resolve({ exitCode, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
        };
        child.once("error", (error) => {
            stderr += `\n[harness] could not start ${command}: ${error.message}`;
            finish(null, null);
        });
        child.once("close", finish);
    });
    return {
        child,
        output: () => ({ stdout, stderr }),
        exited,
        stop: () => {
            terminate();
            return exited;
        },
    };
}

/** plugin.go parsePort: the first line of stdout, terminal progress sequences stripped, a port number 1-65535. */
export function parsePort(line: string): number {
    const text = line.replace(/\x1b\]9;4;[03];\x1b\\/g, "").trim();
    const port = Number(text);
    if (!/^\d+$/.test(text) || port <= 0 || port > 65535) throw new Error(`wrote an invalid port to stdout: ${JSON.stringify(text)}`);
    return port;
}

/**
 * Waits for the plugin handshake: the port on the first line of stdout. Rejects if the plugin exits first, writes
 * something else, or stays silent past the deadline (its output is in the process's result).
 */
export async function readPort(proc: StartedProcess, timeoutMs: number, label: string): Promise<number> {
    const stdout = proc.child.stdout!;
    return new Promise<number>((resolve, reject) => {
        const done = (fn: () => void) => {
            clearTimeout(timer);
            stdout.off("data", onData);
            fn();
        };
        const onData = () => {
            const out = proc.output().stdout;
            const newline = out.indexOf("\n");
            if (newline < 0) return;
            done(() => {
                try {
                    resolve(parsePort(out.slice(0, newline)));
                } catch (error) {
                    reject(new Error(`${label} ${(error as Error).message}`));
                }
            });
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${label} wrote no port within ${timeoutMs / 1000} s`))), timeoutMs);
        stdout.on("data", onData);
        void proc.exited.then((result) => done(() => reject(new Error(`${label} exited (code ${result.exitCode}, signal ${result.signal}) before writing its port`))));
        onData();
    });
}

/**
 * main.go locateModule: `node -e "require.resolve(mod)"` in the program's folder, so the module comes from wherever
 * that folder's node_modules resolution finds it. Throws the language host's message when it is missing.
 */
export function locateModule(mod: string, programDir: string, isPlugin: boolean, env: NodeJS.ProcessEnv = baseEnv()): string {
    const installCommand = isPlugin ? `npm install in ${programDir}` : "pulumi install";
    const script =
        `try { console.log(require.resolve('${mod}')); } catch (error) { if (error.code === 'MODULE_NOT_FOUND') ` +
        `{ console.error("It looks like the Pulumi SDK has not been installed. Have you run ${installCommand}?") } ` +
        `else { console.error(error.message); } process.exit(1); }`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: programDir, env, encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) throw new Error(result.stderr.trim() || `could not locate ${mod} from ${programDir}`);
    return result.stdout.trim();
}

/** shlex.Split for the `nodeargs` runtime option (whitespace-separated, quotes group). */
export function splitArgs(text: string | undefined): string[] {
    if (!text) return [];
    const out: string[] = [];
    const pattern = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g;
    for (const match of text.matchAll(pattern)) out.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? match[3]));
    return out;
}
