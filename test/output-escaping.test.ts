// Attacker-controlled values (from a URL, cookies or a request) must not reach a terminal with control
// characters: a crafted URL could otherwise print a fake "OK ..." line or repaint the screen.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { storedSigningKeyJson } from "../components/policy";
import type { CliIo } from "../signer/src/cli/io";
import { main } from "../signer/src/cli/main";
import { escapeControl, jsonText } from "../signer/src/lib/terminal";
import { runCli } from "./helpers/cli";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

async function cf(argv: string[], cwd: string, stdin = ""): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd, stdin: Readable.from(stdin === "" ? [] : [Buffer.from(stdin)]) };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Every character that must never reach a terminal raw: C0 (but \n ending a line), DEL, C1 (incl. CSI U+009B), U+2028/2029, bidi controls. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** In a JSON text, also no raw line feed: JSON.stringify escapes it inside strings, so any raw one is formatting. */
const JSON_RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** ESC (an ANSI sequence), CR (a fake line), BEL, the one-character CSI, a line separator, bidi override and isolate, DEL. */
const NASTY = "\x1b[2J\rOK fake\x07\u009b31m\u0085\u2028\u202e\u2066\x7f";

function assertOneCleanErrorLine(err: string): void {
  assert.match(err, /^error: [^\n]*\n$/, `one error line: ${JSON.stringify(err)}`);
  assert.doesNotMatch(err.slice(0, -1), RAW_CONTROL, `raw control character in: ${JSON.stringify(err)}`);
}

const FAKE = "%0d%0aOK%20CloudFront%20would%20serve%20https://cdn.example.com/private/a.jpg%1b[2K";

describe("control characters in human output", () => {
  let dir: string;
  let pub: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "escaping-"));
    pub = path.join(dir, "public.pem");
    fs.writeFileSync(pub, testKeys().rsa.publicKeyPem);
    fs.writeFileSync(path.join(dir, "private.pem"), testKeys().rsa.privateKeyPem, { mode: 0o600 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("escapeControl writes C0, DEL, C1, line separators and bidi controls as escapes, nothing else", () => {
    assert.equal(escapeControl("a\r\nb\tc\x1b[31m\x00\x7f\u0085\u2028\u202e\u2066d"), "a\\r\\nb\\tc\\x1b[31m\\x00\\x7f\\x85\\u2028\\u202e\\u2066d");
    assert.equal(escapeControl("\x07\u009b\u0080\u009f\u2029\u202a\u202d\u2069"), "\\x07\\x9b\\x80\\x9f\\u2029\\u202a\\u202d\\u2069");
    assert.equal(escapeControl("https://cdn.example.com/café/ü?x=1 ✓"), "https://cdn.example.com/café/ü?x=1 ✓");
    for (let c = 0; c < 0x2100; c++) {
      const ch = String.fromCharCode(c);
      assert.equal(RAW_CONTROL.test(escapeControl(ch)), false, `U+${c.toString(16)}`);
    }
  });

  it("jsonText writes what JSON.stringify leaves raw (DEL, C1, U+2028/2029, bidi) as \\uXXXX, and parses back the same", () => {
    const value = { url: `https://cdn.example.com/a${NASTY}`, list: ["\u009b", "\u202e"] };
    assert.match(JSON.stringify(value), /\u009b/u, "JSON.stringify leaves C1 raw (why jsonText exists)");
    const text = jsonText(value, 2);
    assert.doesNotMatch(text, JSON_RAW_CONTROL);
    assert.match(text, /\\u009b31m\\u0085\\u2028\\u202e\\u2066\\u007f/);
    assert.deepEqual(JSON.parse(text), value);
  });

  it("the error printer escapes every control character in a quoted value, on one line", async () => {
    const key = ["--key-pair-id", testKeys().rsa.keyPairId, "--private-key-file", path.join(dir, "private.pem")];
    for (const argv of [
      [`x${NASTY}`],
      ["url", "https://cdn.example.com/a", ...key, "--hash", `SHA${NASTY}`],
      ["url", "https://cdn.example.com/a", ...key, "--ip", `\u202e1.2.3.4${NASTY}`],
      ["url", "https://cdn.example.com/a", ...key, "--expires-at", `2030\n${NASTY}`],
      ["cookies", "https://cdn.example.com/*", ...key, "--same-site", `Lax${NASTY}`],
      ["cookies", "https://cdn.example.com/*", ...key, "--format", `\u009b2J${NASTY}`],
      ["verify", `ftp://x/${NASTY}`, "--key-pair-id", testKeys().rsa.keyPairId, "--public-key-file", pub],
      ["inspect", "https://cdn.example.com/a", "--at", `x${NASTY}`],
      ["probe", "--public", `/a${NASTY}`, "--private", "/private/a"],
      ["url", `https://cdn.example.com/a`, `extra${NASTY}`],
    ]) {
      const r = await cf(argv, dir);
      assert.equal(r.code, 2, `${JSON.stringify(argv)}: ${r.err}`);
      assertOneCleanErrorLine(r.err);
      assert.match(r.err, /\\x1b\[2J\\rOK fake\\x07\\x9b31m|\\x1b|\\x9b/, r.err);
    }
  });

  it("cf-sign url --stdin: a bad line's control characters are escaped too", async () => {
    const r = await cf(["url", "--stdin", "--key-pair-id", "KTESTKEY1", "--private-key-file", path.join(dir, "private.pem")], dir, `not a url${NASTY}\n`);
    assert.equal(r.code, 2, r.err);
    assertOneCleanErrorLine(r.err);
  });

  it("an AWS service's error message reaches the terminal escaped", async function () {
    this.timeout(60_000);
    const standIn = await new SecretsManagerStandIn().start();
    try {
      standIn.put("key", storedSigningKeyJson({ keyPairId: testKeys().rsa.keyPairId, privateKeyPem: testKeys().rsa.privateKeyPem, algorithm: "RSA", generation: "2026-11" }));
      standIn.failNext(400, "AccessDeniedException", `User is not authorized${NASTY}`);
      const r = await runCli(["url", "https://cdn.example.com/a", "--secret-id", "key"], { env: standIn.env });
      assert.equal(r.code, 2, r.stderr);
      assertOneCleanErrorLine(r.stderr);
      assert.match(r.stderr, /User is not authorized\\x1b\[2J\\rOK fake/);
    } finally {
      await standIn.stop();
    }
  });

  it("cf-sign verify: a crafted Key-Pair-Id or Expires cannot print a fake OK line", async () => {
    for (const url of [
      `https://cdn.example.com/private/a.jpg?Expires=1900000000&Signature=AAAA&Key-Pair-Id=K${FAKE}`,
      `https://cdn.example.com/private/a.jpg?Expires=19${FAKE}&Signature=AAAA&Key-Pair-Id=${testKeys().rsa.keyPairId}`,
      `https://cdn.example.com/private/a.jpg?Expires=1900000000&Signature=AAAA&Key-Pair-Id=${testKeys().rsa.keyPairId}&Hash-Algorithm=SHA${FAKE}`,
    ]) {
      const r = await cf(["verify", url, "--key-pair-id", testKeys().rsa.keyPairId, "--public-key-file", pub], dir);
      assert.equal(r.code, 1, r.out + r.err);
      assert.ok(!/^OK/m.test(r.out), `a fake OK line was printed:\n${r.out}`);
      assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(r.out), `control character in:\n${JSON.stringify(r.out)}`);
      const json = await cf(["verify", url, "--key-pair-id", testKeys().rsa.keyPairId, "--public-key-file", pub, "--json"], dir);
      assert.doesNotThrow(() => JSON.parse(json.out));
    }
  });

  it("--json of verify and inspect writes C1, DEL, line separators and bidi controls as \\uXXXX", async () => {
    // Raw (not percent-encoded) in the URL: a pasted link can hold them, and both commands echo the URL and key pair id.
    // (inspect takes a URL without whitespace, so no CR or U+2028 in it.)
    const inUrl = "\x1b[2J\x07\u009b31m\u0085\u202e\u2066\x7f";
    const url = `https://cdn.example.com/private/a${inUrl}.jpg?Expires=1900000000&Signature=AAAA&Key-Pair-Id=K${inUrl}`;
    const cookie = `CloudFront-Expires=1900000000; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K${NASTY}`;
    const runs = [
      await cf(["verify", url, "--key-pair-id", testKeys().rsa.keyPairId, "--public-key-file", pub, "--json"], dir),
      await cf(["inspect", url, "--json"], dir),
      await cf(["inspect", cookie, "--json"], dir),
    ];
    for (const r of runs) {
      assert.ok([0, 1].includes(r.code), r.err);
      assert.doesNotMatch(r.out, JSON_RAW_CONTROL, `raw control character in: ${JSON.stringify(r.out)}`);
      assert.match(r.out, /\\u009b31m\\u0085(\\u2028)?\\u202e\\u2066\\u007f/);
      // Still the same data for a program.
      assert.match(JSON.stringify(JSON.parse(r.out)), /\u202e/u);
    }
  });

  it("cf-sign probe: an error code from a hostile server is escaped in the table and in --json", async () => {
    const server = http.createServer((_req, res) => {
      const body = `<?xml version="1.0"?><Error><Code>Denied${NASTY}</Code></Error>`;
      res.writeHead(403, { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const args = ["probe", "--public", "/index.html", "--private", "/private/a.jpg", "--base-url", base, "--key-pair-id", testKeys().rsa.keyPairId, "--private-key-file", path.join(dir, "private.pem"), "--timeout", "5"];
      const table = await cf(args, dir);
      assert.equal(table.code, 1, table.err);
      assert.doesNotMatch(table.out, RAW_CONTROL, `raw control character in: ${JSON.stringify(table.out)}`);
      assert.match(table.out, /403 Denied\\x1b\[2J\\rOK fake\\x07\\x9b31m\\x85\\u2028\\u202e\\u2066\\x7f/);
      const json = await cf([...args, "--json"], dir);
      assert.equal(json.code, 1, json.err);
      assert.doesNotMatch(json.out, JSON_RAW_CONTROL, `raw control character in: ${JSON.stringify(json.out)}`);
      const rows = (JSON.parse(json.out) as { rows: { got: string }[] }).rows;
      assert.ok(rows.some((row) => row.got === `403 Denied${NASTY}`), "the JSON still carries the server's text");
    } finally {
      server.close();
    }
  });

  it("cf-sign inspect: crafted cookie values and URLs are shown escaped", async () => {
    const cookie = `CloudFront-Expires=1900000000; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K\r\nOK fake\x1b[2K`;
    const url = `https://cdn.example.com/private/a.jpg?Expires=1900000000&Signature=AAAA&Key-Pair-Id=K${FAKE}`;
    for (const input of [cookie, url]) {
      const r = await cf(["inspect", input], dir);
      assert.ok([0, 1].includes(r.code), r.err);
      assert.ok(!/^OK/m.test(r.out), `a fake line was printed:\n${r.out}`);
      assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(r.out), `control character in:\n${JSON.stringify(r.out)}`);
    }
  });
});
