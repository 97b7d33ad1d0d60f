// `cf-sign url --stdin`: surrounding whitespace is trimmed; every bad line is reported (and nothing is
// signed); a line that is not a URL is called that; bytes that are not UTF-8 are shown as they are.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { invalidUtf8 } from "../signer/src/cli/stdinLines";
import { KmsStandIn } from "../scripts/standin/kms";
import { assertRefused, assertRefusedLines, runCli } from "./helpers/cli";
import { standInEnv } from "./helpers/kms";
import { testKeys } from "./helpers/signingKeys";

const BASE = "https://h.example";

describe("cf-sign url --stdin lines (compiled CLI)", function () {
  this.timeout(60_000);
  let dir: string;
  let args: string[];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stdin-lines-"));
    const file = path.join(dir, "rsa.pem");
    fs.writeFileSync(file, testKeys().rsa.pkcs8, { mode: 0o600 });
    // RSA (PKCS#1 v1.5) signatures are deterministic, so two runs with one --expires-at print the same bytes.
    args = ["url", "--stdin", "--key-pair-id", "K2JCJMDEHXQW5F", "--private-key-file", file, "--expires-at", "2030-01-01T00:00:00Z", "--allow-long-expiry"];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("trims spaces, tabs and CR around each line, and signs the same URLs", async () => {
    const clean = await runCli(args, { stdin: `${BASE}/a\n${BASE}/b\n${BASE}/c\n` });
    assert.equal(clean.code, 0, clean.stderr);
    const padded = await runCli(args, { stdin: `${BASE}/a \n\t${BASE}/b\r\n \t${BASE}/c\t \r\n  \n` });
    assert.equal(padded.code, 0, padded.stderr);
    assert.equal(padded.stdout, clean.stdout);
    assert.equal(padded.stdout.split("\n").length, 4);
  });

  it("reports every bad line, in order, and prints nothing", async () => {
    const input = [`${BASE}/ok`, "not a url", "# comment", `${BASE}/a b`, `${BASE}/ok2`, "/relative/path.ts", `${BASE}/x#frag`].join("\n");
    const r = await runCli(args, { stdin: input });
    assertRefusedLines(r, [
      /^error: stdin line 2: "not a url" is not an absolute URL; give it as https:\/\/<domain>\/<path>$/,
      /^error: stdin line 3: "# comment" is not an absolute URL/,
      /^error: stdin line 4: contains a raw space at position 20/,
      /^error: stdin line 6: "\/relative\/path\.ts" is a path; give a full https:\/\/ URL/,
      /^error: stdin line 7: has a fragment/,
    ]);
    // One bad line is still one line.
    assertRefused(await runCli(args, { stdin: `${BASE}/ok\nnot a url\n` }), /^error: stdin line 2: "not a url" is not an absolute URL/);
  });

  it("shows invalid UTF-8 as the bytes it is (\\xNN), not as a replacement character", async () => {
    const bytes = Buffer.concat([Buffer.from(`${BASE}/ok\n${BASE}/caf`), Buffer.from([0xe9]), Buffer.from(`\n${BASE}/`), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from("\n")]);
    const r = await runCli(args, { stdin: bytes });
    assertRefusedLines(r, [
      /^error: stdin line 2: not valid UTF-8 \(\\xE9 at byte 22\); save the input as UTF-8/,
      /^error: stdin line 3: not valid UTF-8 \(\\xC3 at byte 19, \\xFF\\xFE at byte 21\)/,
    ]);
    assert.doesNotMatch(r.stderr, /U\+FFFD|%EF%BF%BD|\uFFFD/);
  });

  it("invalidUtf8 finds each ill-formed sequence (Unicode's maximal subparts)", () => {
    assert.deepEqual(invalidUtf8(Buffer.from("café", "utf8")), []);
    assert.deepEqual(invalidUtf8(Buffer.from([0x61, 0xe9, 0x62])), [{ at: 1, bytes: [0xe9] }]);
    assert.deepEqual(invalidUtf8(Buffer.from([0xe2, 0x82, 0x41])), [{ at: 0, bytes: [0xe2, 0x82] }]);
    assert.deepEqual(invalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), [{ at: 0, bytes: [0xed, 0xa0, 0x80] }], "a surrogate: three ill-formed bytes, merged");
    assert.deepEqual(invalidUtf8(Buffer.from([0xf0, 0x9f, 0x98])), [{ at: 0, bytes: [0xf0, 0x9f, 0x98] }], "a truncated 4-byte sequence");
    assert.deepEqual(invalidUtf8(Buffer.from([0xf0, 0x9f, 0x98, 0x80])), []);
  });

  it("with a KMS key: every bad line, and no Sign call", async () => {
    const kms = await KmsStandIn.start();
    try {
      kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/cf-ecdsa" });
      const r = await runCli(["url", "--stdin", "--kms-key-id", "alias/cf-ecdsa", "--key-pair-id", "K2ECKMS"], {
        env: standInEnv(kms),
        stdin: `\t${BASE}/ok \nnot a url\n${BASE}/a b\n`,
      });
      assertRefusedLines(r, [/^error: stdin line 2: "not a url" is not an absolute URL/, /^error: stdin line 3: contains a raw space/]);
      assert.equal(kms.requests.Sign ?? 0, 0);
    } finally {
      await kms.close();
    }
  });
});
