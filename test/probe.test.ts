// cf-sign probe against the local edge: every row as expected with the path guard; the encoded-slash row
// fails (exit 1) without it, which is the point of the probe.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { main } from "../signer/src/cli/main";
import type { CliIo } from "../signer/src/cli/io";
import { encodedVariants, type ProbeRow } from "../signer/src/cli/probe";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { runCli } from "./helpers/cli";
import { testKeys } from "./helpers/verifyKeys";

const CAT = "PRIVATE-CAT-BYTES-FOR-THE-PROBE";

async function cf(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: {},
    cwd,
    stdin: Readable.from([]),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("cf-sign probe against the local edge", function () {
  this.timeout(60_000);
  const keys = testKeys();
  let root: string;
  let tmp: string;
  let keyFile: string;
  let guarded: RunningEdge;
  let open: RunningEdge;
  const requested: string[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
    root = path.join(tmp, "site");
    fs.mkdirSync(path.join(root, "private"), { recursive: true });
    fs.writeFileSync(path.join(root, "index.html"), "home");
    fs.writeFileSync(path.join(root, "private", "cat.jpeg"), CAT);
    keyFile = path.join(tmp, "key.pem");
    fs.writeFileSync(keyFile, keys.rsa.privateKeyPem, { mode: 0o600 });
    const common = { root, port: 0, protectedPaths: ["/private/*"], trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem } };
    guarded = await startEdge({ ...common, log: (line) => requested.push(line) });
    open = await startEdge({ ...common, pathGuard: false });
  });
  after(async () => {
    await guarded?.close();
    await open?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const args = (edge: RunningEdge, ...extra: string[]) => [
    "probe",
    "--base-url",
    edge.url,
    "--public",
    "/index.html",
    "--private",
    "/private/cat.jpeg",
    "--key-pair-id",
    keys.rsa.keyPairId,
    "--private-key-file",
    keyFile,
    ...extra,
  ];

  it("with the path guard: every row as expected, exit 0, a table with one row per request", async () => {
    requested.length = 0;
    const r = await cf(args(guarded), tmp);
    assert.equal(r.err, "");
    assert.equal(r.code, 0, r.out);
    const lines = r.out.split("\n");
    for (const check of [
      "public file",
      "private file, unsigned",
      "signed URL",
      "expired signed URL",
      "tampered signature",
      "unknown key pair id",
      "signed cookies",
      "encoded slash, unsigned",
      "encoded letter, unsigned",
      "dot segment, unsigned",
    ]) {
      assert.ok(lines.some((l) => l.startsWith("✓") && l.includes(check)), `row ${check}:\n${r.out}`);
    }
    assert.match(r.out, /GET \/private%2Fcat\.jpeg\s+not the private bytes\s+403 AccessDenied/);
    assert.match(r.out, /GET \/%70rivate\/cat\.jpeg\s+not the private bytes\s+403 MissingKey/);
    assert.match(r.out, /^11\/11 as expected$/m);
    // only GET requests, one per row
    assert.equal(requested.length, 11);
    assert.ok(requested.every((l) => l.startsWith("GET ")));
  });

  it("without the path guard: the encoded slash returns the private bytes, the row fails, exit 1", async () => {
    const r = await cf(args(open, "--json"), tmp);
    assert.equal(r.code, 1, r.out);
    const report = JSON.parse(r.out) as { baseUrl: string; ok: boolean; rows: ProbeRow[] };
    assert.equal(report.ok, false);
    assert.equal(report.baseUrl, open.url);
    const failed = report.rows.filter((row) => !row.ok);
    assert.deepEqual(
      failed.map((row) => [row.check, row.path, row.got]),
      [
        ["encoded slash, unsigned", "/private%2Fcat.jpeg", "200 (the private file's bytes)"],
        ["encoded letter and slash, unsigned", "/%70rivate%2Fcat.jpeg", "200 (the private file's bytes)"],
      ],
    );
    assert.equal(report.rows.find((row) => row.check === "signed URL")?.got, "200");
  });

  it("reads the key and baseUrl from stack outputs, like cf-sign url", async () => {
    const outputsFile = path.join(tmp, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify({ baseUrl: guarded.url, keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, protectedPaths: ["/private/*"] }));
    const r = await cf(["probe", "--outputs-file", outputsFile, "--public", "/index.html", "--private", "/private/cat.jpeg"], tmp);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`^probe ${guarded.url.replace(/\./g, "\\.")}$`, "m"));
  });

  it("a wrong key is seen: the signed rows fail", async () => {
    const strangerFile = path.join(tmp, "stranger.pem");
    fs.writeFileSync(strangerFile, keys.stranger.privateKeyPem, { mode: 0o600 });
    const r = await cf(["probe", "--base-url", guarded.url, "--public", "/index.html", "--private", "/private/cat.jpeg", "--key-pair-id", keys.stranger.keyPairId, "--private-key-file", strangerFile, "--json"], tmp);
    assert.equal(r.code, 1);
    const rows = (JSON.parse(r.out) as { rows: ProbeRow[] }).rows;
    assert.deepEqual(rows.filter((row) => !row.ok).map((row) => row.check), ["signed URL", "signed cookies"]);
  });

  it("an unreachable base URL: rows fail with the network error, exit 1, bounded", async () => {
    const port = guarded.port;
    const closed = await startEdge({ root, port: 0, protectedPaths: ["/private/*"], trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem } });
    const url = closed.url;
    await closed.close();
    const r = await cf(["probe", "--base-url", url, "--public", "/index.html", "--private", "/private/cat.jpeg", "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile, "--timeout", "5"], tmp);
    assert.equal(r.code, 1);
    assert.match(r.out, /error: ECONNREFUSED/);
    assert.notEqual(port, 0);
  });

  it("bad input: exit 2 and one error line", async () => {
    const cases: [string[], RegExp][] = [
      [["probe", "--public", "/index.html", "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile, "--base-url", guarded.url], /--private PATH is required/],
      [["probe", "--public", "/index.html", "--private", "/private/../cat.jpeg", "--base-url", guarded.url], /plain path/],
      [["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--base-url", "http://example.com", "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile], /http:\/\/ is for a loopback address/],
      [["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--base-url", "https://cdn.example.com/x", "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile], /only scheme and host/],
      [["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--base-url", guarded.url, "--timeout", "0", "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile], /--timeout/],
      [["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--base-url", guarded.url], /no signing key found/],
      [["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--expires-in", "1h"], /unknown option --expires-in/],
    ];
    for (const [argv, message] of cases) {
      const r = await cf(argv, tmp);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.out}`);
      assert.equal(r.out, "");
      assert.match(r.err, /^error: .*\n$/);
      assert.match(r.err, message);
    }
  });

  it("with a key but nowhere to send the requests, the error names --base-url (and --outputs-file)", async () => {
    const keyFlags = ["--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile];
    const noBase = await cf(["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", ...keyFlags], tmp);
    assert.equal(noBase.code, 2, noBase.out);
    assert.equal(noBase.out, "");
    assert.match(noBase.err, /^error: probe: no base URL to send the requests to: give --base-url URL \(e\.g\. https:\/\/d111111abcdef8\.cloudfront\.net, or http:\/\/127\.0\.0\.1:8787 for the local edge\), or --outputs-file F whose baseUrl output names the distribution\n$/);
    const outputsFile = path.join(tmp, "outputs-without-base.json");
    fs.writeFileSync(outputsFile, JSON.stringify({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem }));
    const noBaseOutput = await cf(["probe", "--public", "/index.html", "--private", "/private/cat.jpeg", "--outputs-file", outputsFile], tmp);
    assert.equal(noBaseOutput.code, 2, noBaseOutput.out);
    assert.match(noBaseOutput.err, /^error: probe: --outputs-file \S*outputs-without-base\.json has no baseUrl output to send the requests to: give --base-url URL \(e\.g\./);
    assert.doesNotMatch(noBase.err + noBaseOutput.err, /full https:\/\/ URL/, "a probe takes paths, never a full URL");
  });

  it("builds the encoded variants of the private path", () => {
    assert.deepEqual(encodedVariants("/private/cat.jpeg"), [
      ["encoded slash", "/private%2Fcat.jpeg"],
      ["encoded letter", "/%70rivate/cat.jpeg"],
      ["encoded letter and slash", "/%70rivate%2Fcat.jpeg"],
      ["dot segment", "/x/../private/cat.jpeg"],
    ]);
    assert.deepEqual(encodedVariants("/-x"), [["dot segment", "/x/../-x"]]);
  });

  it("the compiled cf-sign bin runs probe (exit code and table)", async function () {
    const r = await runCli(args(guarded)).catch((error: Error) => error);
    if (r instanceof Error) this.skip();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /11\/11 as expected/);
    assert.equal(r.stderr, "");
  });
});
