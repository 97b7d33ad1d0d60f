/*
 * Path guard benchmark (`npm run bench`, last): the generated check measured in njs, the engine CloudFront
 * Functions' runtime derives from (Debian package `njs`), then the local edge's public-file throughput with and
 * without the guard.
 *
 * njs has only a millisecond clock, so every case runs ITERATIONS times (at least 1,000) in one njs process and
 * the average is reported, next to a calibration loop (a plain `x += i` loop and an empty call) that says how
 * fast this machine runs njs at the moment: on a busy machine every number grows by the same factor.
 * Targets (docs/verify-and-edge.md): a typical request against 25 patterns <= 20 us; any path up to 8,192 bytes
 * against any configuration the stack accepts <= 1 ms (the step budget refuses the rest); the guard costs the
 * edge at most 20% of its public-file throughput.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { PATH_GUARD_STEP_BUDGET, pathGuardCheckSource } from "../../components/pathGuard";
import { startEdge } from "../edge/server";

const NJS = process.env.NJS_PATH ?? "/usr/bin/njs";
const ITERATIONS = Math.max(1000, Number(process.env.BENCH_GUARD_ITERATIONS ?? 1000));
const EDGE_REQUESTS = Number(process.env.BENCH_EDGE_REQUESTS ?? 3000);
const EDGE_ROUNDS = 3;
const EDGE_CLIENTS = 32;
const MAX_PATH = 8192;

/** 25 patterns a site might protect: fixed prefixes, extensions, `?`, `+`, `$` and `"`. */
export const TYPICAL_PATTERNS = [
    "/private/*", "/downloads/*.pdf", "/img/??.png", "/a+b/*", "/r/?????.pdf", "/x/*20*", "/*.key", "/reports/2026/*",
    "/members/*", "/paid/*.mp4", "/video/*/hd/*", "/api/private/*", "/backups/*", "/invoices/*.pdf", "/drafts/*",
    "/price$list/*", '/q/"quoted"/*', "/team/*/salary*", "/internal/*", "/exports/*.csv", "/raw/*", "/secure/*",
    "/archive/????/*", "/beta/*", "/keys/*",
];

/** Configurations the stack accepts that make the check work hardest (within the static cost rule). */
const CONFIGS: Record<string, string[]> = {
    "prod stack (2 patterns)": ["/private/*", "/downloads/*.pdf"],
    "25 typical patterns": TYPICAL_PATTERNS,
    "25 x /*a*a*a*a*a*a*a*<c>": Array.from({ length: 25 }, (_, i) => `/*a*a*a*a*a*a*a*${"bcdefghijklmnopqrstuvwxyz"[i]}`),
    "25 mixed wildcards": [
        "/????????????????/*", "*/../*", "*a/b*c/d*", "/*/*/*/*/*/*/*/x", "*?/?*", "*/?/?/*", "/a+b/*", "/r/?????.pdf", "*$*",
        '/q/"*', "*2F*2F*", "*/./*", "*//*", "*a?a?a?a?a?a?a?a?*", "/*?*?*?*?*?*?*?*", "*a+b*", "*?*",
        "/?*/?*/?*/?*", "*.p?f", "*-*-*-*-*-*-*-*", "/*+*+*+*+*", "*\"*'*@*:*&*$*", "/?/?/?/?/?/?/?/?/*", "*F*F*F*F*F*F*F*F", "*/..",
    ],
};

const TYPICAL_PATHS: Record<string, string> = {
    "/index.html": "/index.html",
    "/images/cat%20photo.jpeg": "/images/cat%20photo.jpeg",
    "/private/cat.jpeg": "/private/cat.jpeg",
    "/assets/app.3f9a2c.js": "/assets/app.3f9a2c.js",
    "/docs/a%20b/c.pdf": "/docs/a%20b/c.pdf",
    "/downloads/2026/report.pdf": "/downloads/2026/report.pdf",
};

function fill(piece: string, prefix = "/"): string {
    let text = prefix;
    while (text.length + piece.length <= MAX_PATH) text += piece;
    return text;
}

/** 8,192-byte paths built to defeat each shortcut of the check. */
function craftedPaths(): Record<string, string> {
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pieces = ["a", "/", "..", ".", "%2F", "%20", "+", "$", "%24", "2", "F", "b", "/../", "//"];
    let mix = "/";
    while (mix.length < MAX_PATH - 4) mix += pieces[Math.floor(random() * pieces.length)];
    return {
        "a x 8191": fill("a"),
        "(a/)*": fill("a/"),
        "(a/../)*": fill("a/../"),
        "(//)*": fill("//"),
        "(%20)*": fill("%20"),
        "(+)*": fill("+"),
        "(%F0%9F%98%80)*": fill("%F0%9F%98%80"),
        "long ordinary path": `${fill("photos-2026-summer/", "/assets/")}x.jpeg`.slice(-MAX_PATH),
        "random structural mix": mix,
    };
}

interface Measured {
    config: string;
    path: string;
    verdict: string;
    spent: number;
    us: number;
}

function njsScript(cases: [string, string][], configNames: string[]): string {
    const guards = configNames.map((name, index) => pathGuardCheckSource(CONFIGS[name] ?? TYPICAL_PATTERNS).replace(/^var pathGuard=/m, `var guard${index}=`));
    return [
        ...guards,
        `var CASES = ${JSON.stringify(cases.map(([config, p]) => [configNames.indexOf(config), p]))};`,
        `var GUARDS = [${configNames.map((_, i) => `guard${i}`).join(", ")}];`,
        `var N = ${ITERATIONS};`,
        "function noop(u) { return u; }",
        "function time(f, u, n) { var t = Date.now(); for (var i = 0; i < n; i++) f(u); return (Date.now() - t) * 1000 / n; }",
        "var t0 = Date.now(), x = 0; for (var i = 0; i < 2000000; i++) x += i;",
        "var loopNs = (Date.now() - t0) / 2;",
        "var callUs = time(noop, '', 200000);",
        "console.log(JSON.stringify({ loopNs: loopNs, callUs: callUs }));",
        "for (var c = 0; c < CASES.length; c++) {",
        "  var g = GUARDS[CASES[c][0]], p = CASES[c][1], v;",
        "  for (var w = 0; w < 10; w++) v = g.verdict(p);",
        "  var us = time(g.verdict, p, N) - callUs;",
        "  console.log(JSON.stringify({ c: c, verdict: g.verdict(p), spent: g.spent(), us: us }));",
        "}",
        "",
    ].join("\n");
}

function runNjs(cases: [string, string, string][]): { loopNs: number; callUs: number; results: Measured[] } {
    const configNames = [...new Set(cases.map(([config]) => config))];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-bench-"));
    try {
        const file = path.join(dir, "bench.js");
        fs.writeFileSync(file, njsScript(cases.map(([config, , p]) => [config, p]), configNames));
        const lines = execFileSync(NJS, [file], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }).trim().split("\n");
        const calibration = JSON.parse(lines[0]) as { loopNs: number; callUs: number };
        const results = lines.slice(1).map((line) => {
            const r = JSON.parse(line) as { c: number; verdict: string; spent: number; us: number };
            return { config: cases[r.c][0], path: cases[r.c][1], verdict: r.verdict, spent: r.spent, us: r.us };
        });
        return { ...calibration, results };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function table(head: string[], rows: string[][]): string {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function get(agent: http.Agent, url: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { agent }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

async function throughput(url: string): Promise<number> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: EDGE_CLIENTS });
    let next = 0;
    const client = async (limit: number) => {
        while (next < limit) {
            next++;
            const status = await get(agent, url);
            if (status !== 200) throw new Error(`edge bench: ${url} answered ${status}`);
        }
    };
    await Promise.all(Array.from({ length: 4 }, () => client(200)));
    next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: EDGE_CLIENTS }, () => client(EDGE_REQUESTS)));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    agent.destroy();
    return EDGE_REQUESTS / seconds;
}

async function edgeRows(): Promise<{ rows: string[][]; cost: number }> {
    const guarded = await startEdge({ port: 0, protectedPaths: TYPICAL_PATTERNS });
    const open = await startEdge({ port: 0, protectedPaths: TYPICAL_PATTERNS, pathGuard: false });
    try {
        const on: number[] = [];
        const off: number[] = [];
        // alternate rounds, so a change in the machine's load hits both alike
        for (let round = 0; round < EDGE_ROUNDS; round++) {
            off.push(await throughput(`${open.url}/index.html`));
            on.push(await throughput(`${guarded.url}/index.html`));
        }
        const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
        const cost = 1 - median(on) / median(off);
        return {
            rows: [
                ["public file, no guard", Math.round(median(off)).toLocaleString("en-US")],
                ["public file, guard with 25 patterns", Math.round(median(on)).toLocaleString("en-US")],
            ],
            cost,
        };
    } finally {
        await guarded.close();
        await open.close();
    }
}

async function main(): Promise<void> {
    if (!fs.existsSync(NJS)) throw new Error(`${NJS} not found: install njs (apt-get install -y --no-install-recommends njs) or set NJS_PATH`);
    const version = execFileSync(NJS, ["-v"], { encoding: "utf8" }).trim();
    const crafted = craftedPaths();
    const cases: [string, string, string][] = [];
    for (const [name, p] of Object.entries(TYPICAL_PATHS)) cases.push(["25 typical patterns", name, p]);
    for (const config of Object.keys(CONFIGS)) for (const [name, p] of Object.entries(crafted)) cases.push([config, name, p]);
    const { loopNs, callUs, results } = runNjs(cases);

    const typical = results.slice(0, Object.keys(TYPICAL_PATHS).length);
    process.stdout.write(`\nPath guard check in njs ${version} (${ITERATIONS} runs per row, one process; step budget ${PATH_GUARD_STEP_BUDGET})\n`);
    process.stdout.write(`calibration: ${loopNs.toFixed(1)} ns per njs loop iteration, ${(callUs * 1000).toFixed(0)} ns per empty call (subtracted)\n\n`);
    process.stdout.write(`${table(["typical request, 25 patterns", "verdict", "steps", "us"], typical.map((r) => [r.path, r.verdict, String(r.spent), r.us.toFixed(2)]))}\n`);
    const worstRows: string[][] = [];
    for (const config of Object.keys(CONFIGS)) {
        const rows = results.filter((r) => r.config === config && !(r.path in TYPICAL_PATHS));
        const worst = rows.reduce((a, b) => (b.us > a.us ? b : a));
        const refused = rows.filter((r) => r.verdict === "budget").length;
        worstRows.push([config, worst.path, worst.verdict, String(worst.spent), worst.us.toFixed(1), `${refused}/${rows.length}`]);
    }
    process.stdout.write(`\n${table(["8,192-byte crafted paths: configuration", "slowest path", "verdict", "steps", "us", "budget spent"], worstRows)}\n`);
    const perStep = Math.max(...results.filter((r) => r.spent >= 500).map((r) => r.us / r.spent));
    process.stdout.write(`\nslowest step (rows of 500 steps or more): ${(perStep * 1000).toFixed(0)} ns, so a spent budget is about ${((perStep * PATH_GUARD_STEP_BUDGET) / 1000).toFixed(2)} ms here\n`);
    const typicalMax = Math.max(...typical.map((r) => r.us));
    const worstMax = Math.max(...results.map((r) => r.us));
    process.stdout.write(
        `\ntypical request vs 25 patterns: ${typicalMax.toFixed(2)} us at most (target <= 20 us); any 8,192-byte path: ${worstMax.toFixed(0)} us at most (target <= 1,000 us)\n`,
    );

    if (process.env.BENCH_GUARD_NJS_ONLY) return;
    const edge = await edgeRows();
    process.stdout.write(`\nLocal edge on 127.0.0.1 (${EDGE_ROUNDS} alternating rounds of ${EDGE_REQUESTS} requests, ${EDGE_CLIENTS} keep-alive clients; median)\n`);
    process.stdout.write(`${table(["request", "requests/s"], edge.rows)}\n`);
    process.stdout.write(`guard cost: ${(edge.cost * 100).toFixed(1)}% of the public-file throughput (target <= 20%)\n`);
    process.stdout.write(`\nnode ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}, load average ${os.loadavg()[0].toFixed(1)}\n`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
    });
}
