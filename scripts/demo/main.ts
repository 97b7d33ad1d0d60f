#!/usr/bin/env node
// `npm run demo`: the whole signed-content flow on loopback, no AWS account needed.
// Starts the local edge with a throwaway key, signs with the real cf-sign code (one URL through the
// cf-sign CLI as a child process, the rest through the CloudFrontSigner library), makes the requests
// below and prints expected vs actual. Exit 1 if any row differs.
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { CloudFrontSigner } from "../../signer/src/lib/signer";
import { packageRoot, startEdge, type RunningEdge } from "../edge/server";

export interface DemoRow {
  name: string;
  request: string;
  expected: string;
  actual: string;
  ok: boolean;
  /** the edge's explanation header, for failures */
  detail?: string;
}

export interface DemoResult {
  rows: DemoRow[];
  ok: boolean;
  /** how the first signed URL was produced: "cf-sign CLI" or "library" */
  cliUsed: boolean;
}

interface HttpAnswer {
  status: number;
  code?: string;
  detail?: string;
}

function request(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
        const detail = res.headers["x-edge-detail"];
        resolve({ status: res.statusCode ?? 0, code, detail: typeof detail === "string" ? detail : undefined });
      });
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout requesting ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** Signs one URL with the real `cf-sign url` bin (dist/), as a user would; undefined if not built. */
function signWithCli(url: string, edge: RunningEdge): Promise<string | undefined> {
  const bin = path.join(packageRoot(), "signer", "dist", "cli", "main.js");
  if (!fs.existsSync(bin) || !edge.keyPairId || !edge.privateKeyFile) return Promise.resolve(undefined);
  const args = [bin, "url", url, "--expires-in", "10m", "--key-pair-id", edge.keyPairId, "--private-key-file", edge.privateKeyFile];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH } });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`cf-sign url failed (exit ${code}): ${err.trim().split("\n")[0]}`));
      else resolve(out.trim());
    });
  });
}

/** Changes one character of the Signature parameter to another character of the same alphabet. */
function tamperSignature(signedUrl: string): string {
  return signedUrl.replace(/([?&]Signature=)([^&])/, (_m, prefix: string, c: string) => `${prefix}${c === "A" ? "B" : "A"}`);
}

function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}

function describe(answer: HttpAnswer): string {
  return answer.code && answer.status >= 400 ? `${answer.status} ${answer.code}` : String(answer.status);
}

export async function runDemo(options: { log?: (line: string) => void } = {}): Promise<DemoResult> {
  const edge = await startEdge({ port: 0 });
  try {
    const base = edge.url;
    const privateKeyPem = fs.readFileSync(edge.privateKeyFile as string, "utf8");
    const signer = new CloudFrontSigner({ keyPairId: edge.keyPairId as string, privateKey: privateKeyPem });

    const catUrl = `${base}/private/cat.jpeg`;
    const cliSigned = await signWithCli(catUrl, edge);
    const signedUrl = cliSigned ?? signer.signUrl(catUrl, { expires: "10m" }).url;
    const cookies = signer.signCookies(`${base}/private/reports/*`, { expires: "10m" }).cookies;
    const past = new Date(Date.now() - 2 * 3600 * 1000);
    const expiredUrl = signer.signUrl(catUrl, { expires: "1h", now: past }).url;

    // A key CloudFront has never heard of, and a different private key claiming the trusted id.
    const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const unknownKeyUrl = new CloudFrontSigner({ keyPairId: "KUNKNOWNKEY0001", privateKey: other }).signUrl(catUrl, { expires: "10m" }).url;
    const wrongKeyUrl = new CloudFrontSigner({ keyPairId: edge.keyPairId as string, privateKey: other }).signUrl(catUrl, { expires: "10m" }).url;

    const cases: { name: string; request: string; expected: string; run: () => Promise<HttpAnswer> }[] = [
      { name: "public file", request: "GET /index.html", expected: "200", run: () => request(`${base}/index.html`) },
      { name: "private file, unsigned", request: "GET /private/cat.jpeg", expected: "403 MissingKey", run: () => request(catUrl) },
      {
        name: `signed URL (${cliSigned ? "cf-sign CLI" : "library"})`,
        request: "GET /private/cat.jpeg?Expires=…&Signature=…",
        expected: "200",
        run: () => request(signedUrl),
      },
      {
        name: "signed cookie (/private/reports/*)",
        request: "GET /private/reports/q3.pdf + cookies",
        expected: "200",
        run: () => request(`${base}/private/reports/q3.pdf`, { headers: { Cookie: cookieHeader(cookies) } }),
      },
      { name: "expired URL", request: "GET /private/cat.jpeg?Expires=<1h ago>…", expected: "403 AccessDenied", run: () => request(expiredUrl) },
      {
        name: "tampered signature",
        request: "GET /private/cat.jpeg?…Signature=<1 char changed>",
        expected: "403 AccessDenied",
        run: () => request(tamperSignature(signedUrl)),
      },
      { name: "unknown key pair id", request: "GET /private/cat.jpeg?…Key-Pair-Id=KUNKNOWNKEY0001", expected: "403 InvalidKey", run: () => request(unknownKeyUrl) },
      { name: "wrong private key", request: "GET /private/cat.jpeg (other key, trusted id)", expected: "403 AccessDenied", run: () => request(wrongKeyUrl) },
      {
        name: "outside the cookie's wildcard",
        request: "GET /private/cat.jpeg + /private/reports/* cookies",
        expected: "403 AccessDenied",
        run: () => request(catUrl, { headers: { Cookie: cookieHeader(cookies) } }),
      },
      {
        name: "undecodable signature",
        request: "GET /private/cat.jpeg?Expires=…&Signature=not*base64",
        expected: "403 MalformedSignature",
        run: () => request(signedUrl.replace(/([?&]Signature=)[^&]*/, "$1not*base64")),
      },
      {
        name: "signed URL, byte range",
        request: "GET /private/cat.jpeg Range: bytes=0-1",
        expected: "206",
        run: () => request(signedUrl, { headers: { Range: "bytes=0-1" } }),
      },
      // %2F stays encoded for behaviour matching (public default behaviour) but S3 would decode it into
      // private/cat.jpeg: the stack's path guard function refuses it.
      { name: "encoded slash (path guard)", request: "GET /private%2Fcat.jpeg", expected: "403 AccessDenied", run: () => request(`${base}/private%2Fcat.jpeg`) },
      { name: "path traversal", request: "GET /%2e%2e/%2e%2e/etc/passwd", expected: "404 NoSuchKey", run: () => request(`${base}/%2e%2e/%2e%2e/etc/passwd`) },
      { name: "missing file", request: "GET /nope.html", expected: "404 NoSuchKey", run: () => request(`${base}/nope.html`) },
    ];

    const rows: DemoRow[] = [];
    for (const c of cases) {
      const answer = await c.run();
      const actual = describe(answer);
      rows.push({ name: c.name, request: c.request, expected: c.expected, actual, ok: actual === c.expected, detail: answer.detail });
    }
    options.log?.(formatTable(rows, edge));
    return { rows, ok: rows.every((r) => r.ok), cliUsed: cliSigned !== undefined };
  } finally {
    await edge.close();
  }
}

function formatTable(rows: DemoRow[], edge?: RunningEdge): string {
  const head = ["", "case", "request", "expected", "actual"];
  const body = rows.map((r) => [r.ok ? "✓" : "✗", r.name, r.request, r.expected, r.actual]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const out: string[] = [];
  if (edge) {
    out.push(`local edge ${edge.url}  protected ${edge.protectedPaths.join(", ")}  keys: ${edge.keySource}, key pair id ${edge.keyPairId ?? "-"}`);
    out.push("");
  }
  out.push(line(head), line(widths.map((w) => "-".repeat(w))));
  for (const b of body) out.push(line(b));
  for (const r of rows.filter((x) => !x.ok)) out.push(`✗ ${r.name}: expected ${r.expected}, got ${r.actual}${r.detail ? ` (${r.detail})` : ""}`);
  const passed = rows.filter((r) => r.ok).length;
  out.push("", `${passed}/${rows.length} as expected`);
  return out.join("\n");
}

if (require.main === module) {
  runDemo({ log: (text) => process.stdout.write(`${text}\n`) }).then(
    (result) => process.exit(result.ok ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`error: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}\n`);
      process.exit(2);
    },
  );
}
