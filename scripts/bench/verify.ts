/*
 * Verification benchmark (`npm run bench`, after the signing bench): verifyRequest() per second for a
 * canned URL, a custom-policy URL and custom-policy cookies, RSA 2048 and ECDSA P-256, against a raw
 * crypto.verify with a prepared KeyObject (the floor); then requests/s through the local edge on
 * loopback with keep-alive clients, for a public file, a signed URL and signed cookies.
 * Every loop is bounded by a time budget or a fixed request count.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import { startEdge } from "../edge/server";
import { CloudFrontSigner } from "../../signer/src/lib/signer";
import { verifyRequest } from "../../signer/src/lib/verifier";

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 1000);
const EDGE_REQUESTS = Number(process.env.BENCH_EDGE_REQUESTS ?? 4000);
const EDGE_CLIENTS = 32;
const BASE = "https://d111111abcdef8.cloudfront.net";

function measure(op: () => unknown, budgetMs: number): number {
  for (let i = 0; i < 50; i++) op(); // warm-up: JIT and the key cache
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(budgetMs * 1e6));
  let count = 0;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 20; k++) op();
    count += 20;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function verificationRows(): string[][] {
  const rows: string[][] = [];
  for (const [name, pair, hash] of [
    ["RSA 2048", crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }), "SHA1"],
    ["ECDSA P-256", crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }), "SHA256"],
  ] as const) {
    const keyPairId = name.startsWith("RSA") ? "KBENCHRSA00001" : "KBENCHECDSA001";
    const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
    const trustedKeys = { [keyPairId]: publicPem };
    const signer = new CloudFrontSigner({ keyPairId, privateKey: pair.privateKey });
    const canned = signer.signUrl(`${BASE}/private/cat.jpeg`, { expires: "1h", hashAlgorithm: hash }).url;
    const custom = signer.signUrl(`${BASE}/private/cat.jpeg`, { expires: "1h", startsAt: "0s", ipAddress: "192.0.2.0/24", hashAlgorithm: hash }).url;
    const cookies = signer.signCookies(`${BASE}/private/*`, { expires: "1h", hashAlgorithm: hash }).cookies;
    const now = new Date(Date.now() + 5000); // after the rounded-up start
    const check = (ok: boolean, what: string) => {
      if (!ok) throw new Error(`bench setup: ${what} did not verify`);
    };
    check(verifyRequest({ url: canned, now, trustedKeys }).ok, "canned URL");
    check(verifyRequest({ url: custom, ip: "192.0.2.1", now, trustedKeys }).ok, "custom URL");
    check(verifyRequest({ url: `${BASE}/private/reports/q3.pdf`, cookies, now, trustedKeys }).ok, "custom cookies");

    const policy = Buffer.from(`{"Statement":[{"Resource":"${BASE}/private/cat.jpeg","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}`);
    const digest = hash === "SHA1" ? "sha1" : "sha256";
    const rawSig = crypto.sign(digest, policy, pair.privateKey);
    rows.push([`${name} canned URL (${hash})`, fmt(measure(() => verifyRequest({ url: canned, now, trustedKeys }), BUDGET_MS))]);
    rows.push([`${name} custom URL + IP (${hash})`, fmt(measure(() => verifyRequest({ url: custom, ip: "192.0.2.1", now, trustedKeys }), BUDGET_MS))]);
    rows.push([`${name} custom cookies, wildcard (${hash})`, fmt(measure(() => verifyRequest({ url: `${BASE}/private/reports/q3.pdf`, cookies, now, trustedKeys }), BUDGET_MS))]);
    rows.push([`${name} raw crypto.verify (floor)`, fmt(measure(() => crypto.verify(digest, policy, pair.publicKey, rawSig), BUDGET_MS))]);
  }
  return rows;
}

function get(agent: http.Agent, url: string, headers?: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function edgeRows(): Promise<string[][]> {
  const edge = await startEdge({ port: 0 });
  try {
    const signer = new CloudFrontSigner({ keyPairId: edge.keyPairId as string, privateKey: fs.readFileSync(edge.privateKeyFile as string) });
    const signedUrl = signer.signUrl(`${edge.url}/private/cat.jpeg`, { expires: "1h" }).url;
    const cookies = signer.signCookies(`${edge.url}/private/*`, { expires: "1h" }).cookies;
    const Cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
    const cases: [string, string, Record<string, string> | undefined, number][] = [
      ["public file (/index.html)", `${edge.url}/index.html`, undefined, 200],
      ["signed URL, RSA (/private/cat.jpeg)", signedUrl, undefined, 200],
      ["signed cookies, RSA (/private/reports/q3.pdf)", `${edge.url}/private/reports/q3.pdf`, { Cookie }, 200],
      ["unsigned private (403 MissingKey)", `${edge.url}/private/cat.jpeg`, undefined, 403],
    ];
    const rows: string[][] = [];
    for (const [name, url, headers, expected] of cases) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: EDGE_CLIENTS });
      let next = 0;
      let wrong = 0;
      const client = async () => {
        while (next < EDGE_REQUESTS) {
          next++;
          if ((await get(agent, url, headers)) !== expected) wrong++;
        }
      };
      await Promise.all(Array.from({ length: 4 }, client)); // warm-up connections
      next = 0;
      const start = process.hrtime.bigint();
      await Promise.all(Array.from({ length: EDGE_CLIENTS }, client));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      agent.destroy();
      if (wrong > 0) throw new Error(`edge bench: ${wrong} wrong answers for ${name}`);
      rows.push([name, fmt(EDGE_REQUESTS / seconds)]);
    }
    return rows;
  } finally {
    await edge.close();
  }
}

async function main(): Promise<void> {
  process.stdout.write(`\nVerification (verifyRequest, parsed keys cached; ${BUDGET_MS} ms per row)\n`);
  process.stdout.write(`${table(["case", "verifications/s"], verificationRows())}\n`);
  process.stdout.write(`\nLocal edge on 127.0.0.1 (${EDGE_REQUESTS} requests per row, ${EDGE_CLIENTS} keep-alive clients, client in the same process)\n`);
  process.stdout.write(`${table(["request", "requests/s"], await edgeRows())}\n`);
  process.stdout.write(`\nnode ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
