// Attacker-controlled values (from a URL, cookies or a request) must not reach a terminal with control
// characters: a crafted URL could otherwise print a fake "OK ..." line or repaint the screen.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import type { CliIo } from "../signer/src/cli/io";
import { main } from "../signer/src/cli/main";
import { escapeControl } from "../signer/src/lib/terminal";
import { testKeys } from "./helpers/verifyKeys";

async function cf(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd, stdin: Readable.from([]) };
  const code = await main(argv, io);
  return { code, out, err };
}

const FAKE = "%0d%0aOK%20CloudFront%20would%20serve%20https://cdn.example.com/private/a.jpg%1b[2K";

describe("control characters in human output", () => {
  let dir: string;
  let pub: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "escaping-"));
    pub = path.join(dir, "public.pem");
    fs.writeFileSync(pub, testKeys().rsa.publicKeyPem);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("escapeControl writes C0, DEL, C1, line separators and bidi controls as escapes, nothing else", () => {
    assert.equal(escapeControl("a\r\nb\tc\x1b[31m\x00\x7f\u0085\u2028\u202e\u2066d"), "a\\r\\nb\\tc\\x1b[31m\\x00\\x7f\\x85\\u2028\\u202e\\u2066d");
    assert.equal(escapeControl("https://cdn.example.com/café/ü?x=1 ✓"), "https://cdn.example.com/café/ü?x=1 ✓");
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
