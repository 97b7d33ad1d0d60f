// A key pasted where a URL, an option value or stdin was expected must be described in the message
// (what it looks like, where, how long), never quoted: a terminal, a CI log or a bug report would
// otherwise keep part of the private key.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RemoteSigningError } from "../signer/src/lib/asyncSigner";
import { parseIpv4Cidr } from "../signer/src/lib/cidr";
import { InputError } from "../signer/src/lib/errors";
import { parseInspectInput } from "../signer/src/lib/inspect";
import { findKeyMaterial } from "../signer/src/lib/keyMaterial";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { describeKeyMaterial, jsonText, quoteInput, redactKeyMaterial, terminalText } from "../signer/src/lib/terminal";
import { parseTime } from "../signer/src/lib/time";
import { normalizeUrl } from "../signer/src/lib/url";
import { CliResult, runCli } from "./helpers/cli";
import { testKeys } from "./helpers/signingKeys";

const KEY_ID = "K2JCJMDEHXQW5F";

/** The base64 lines of a PEM. */
function bodyLines(pem: string): string[] {
  return pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----") && !line.includes(":"));
}

/** Fails when any 12 consecutive characters of the key's base64 appear in `text`. */
function assertNoKeyText(text: string, pem: string, what = "output"): void {
  for (const line of bodyLines(pem)) {
    for (let i = 0; i + 12 <= line.length; i += 4) {
      assert.ok(!text.includes(line.slice(i, i + 12)), `${what} holds key text "${line.slice(i, i + 12)}":\n${text}`);
    }
  }
  assert.doesNotMatch(text, /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]/, `${what} holds a PEM block`);
}

/** Refused (exit 2, nothing on stdout, no stack trace), with the message asked for and no text of the test keys. */
function assertDescribedRefusal(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code (stdout: ${r.stdout}; stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assertNoKeyText(r.stderr, testKeys().ec.sec1, "stderr");
  assertNoKeyText(r.stderr, testKeys().rsa.pkcs8, "stderr");
}

describe("key material is described, never quoted", () => {
  const keys = testKeys();
  const pem = keys.ec.sec1;
  const line = bodyLines(pem)[0];
  // The whole key on one line (as some secret stores and CI systems hold it).
  const oneLine = bodyLines(keys.rsa.pkcs8).join("");

  describe("detection (findKeyMaterial) and description", () => {
    it("finds PEM blocks (also with escaped newlines) and base64 runs of 40+ characters", () => {
      assert.deepEqual(
        findKeyMaterial(pem).map((s) => [s.kind, s.label, s.hasData]),
        [["pem", "EC PRIVATE KEY", true]],
      );
      assert.equal(findKeyMaterial(pem.replace(/\n/g, "\\n"))[0].kind, "pem");
      assert.deepEqual(findKeyMaterial(`x ${line} y`).map((s) => [s.kind, s.start, s.end]), [["base64", 2, 2 + line.length]]);
      assert.deepEqual(findKeyMaterial("A".repeat(39)), []);
      assert.equal(findKeyMaterial("A".repeat(40)).length, 1);
      assert.equal(findKeyMaterial(`${"Ab1+".repeat(10)}==`)[0].end, 42, "padding belongs to the run");
    });

    it("leaves paths, signed URL query values and armour-only hints alone", () => {
      for (const text of [
        "/Users/Alice/Documents/Stacks2026/outputs.json",
        "/home/user/projects/cloudfront/keys/private/outputs",
        `https://d111.cloudfront.net/private/a.jpg?Expires=1900000000&Signature=${oneLine.slice(0, 344)}&Key-Pair-Id=${KEY_ID}`,
        `/private/a.jpg?Policy=${oneLine.slice(0, 200)}`,
        "not a PEM private key (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)",
      ]) {
        assert.equal(redactKeyMaterial(text), text, text);
      }
      // Outside the query, the same run is key material.
      assert.equal(findKeyMaterial(`https://h.example/${line}?a=1`).length, 1);
    });

    it("describes with the kind, the length and the position", () => {
      assert.equal(describeKeyMaterial(pem), `looks like a PEM private key (${pem.length} characters, not shown)`);
      assert.equal(describeKeyMaterial(keys.rsa.spki), `looks like a PEM public key (${keys.rsa.spki.length} characters, not shown)`);
      assert.equal(describeKeyMaterial(line), `looks like base64 key material (${line.length} characters, not shown)`);
      // The run starts where the base64 alphabet starts ("example/" belongs to it).
      assert.equal(describeKeyMaterial(`https://h.example/${line}`), `holds what looks like base64 key material at character 11 (${line.length + 18} characters, not shown)`);
      assert.equal(describeKeyMaterial("https://h.example/a.jpg"), undefined);
      assert.equal(quoteInput("https://h.example/a b"), '"https://h.example/a b"');
      assert.equal(quoteInput(oneLine, { noun: "the line" }), `the line that looks like base64 key material (${oneLine.length} characters, not shown)`);
      const redacted = redactKeyMaterial(`unknown option ${pem.slice(0, 57)}...; see cf-sign url --help`);
      assert.match(redacted, /^unknown option \[a PEM private key, \d+ characters, not shown\]\.\.\.; see cf-sign url --help$/);
      assertNoKeyText(terminalText(`a ${pem} b ${oneLine}`), pem);
      assertNoKeyText(jsonText({ a: pem, b: [line] }), pem);
    });
  });

  describe("library errors", () => {
    const throwsWithoutKey = (fn: () => unknown, pattern: RegExp) => {
      let thrown: unknown;
      try {
        fn();
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Error, "expected an error");
      assert.match(thrown.message, pattern);
      assertNoKeyText(thrown.message, pem, "message");
      assertNoKeyText(thrown.message, keys.rsa.pkcs8, "message");
    };

    it("URL, time, IP and inspect errors describe a key given as the value", () => {
      throwsWithoutKey(() => normalizeUrl(line), /^url: a value that looks like base64 key material \(64 characters, not shown\) is not an absolute URL/);
      throwsWithoutKey(() => normalizeUrl(pem), /^url: a value that looks like a PEM private key/);
      throwsWithoutKey(() => normalizeUrl(`https://h.example/${line} x`), /^url: contains a raw space/);
      throwsWithoutKey(() => parseTime(line, "--expires-at"), /^--expires-at: a value that looks like base64 key material/);
      throwsWithoutKey(() => parseIpv4Cidr(oneLine, "--ip"), /^--ip: a value that looks like base64 key material/);
      throwsWithoutKey(() => parseInspectInput(pem), /^inspect: the input looks like a PEM private key/);
      throwsWithoutKey(() => parseInspectInput(bodyLines(keys.rsa.pkcs8).join("\n")), /^inspect: line 1 of the input looks like base64 key material/);
      const signer = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: keys.ec.pkcs8 });
      throwsWithoutKey(() => signer.signUrl(oneLine, { expires: "1h" }), /^url: a value that looks like base64 key material/);
      throwsWithoutKey(() => signer.signCookies("https://h.example/*", { expires: "1h", domain: line }), /^domain: a value that looks like base64 key material/);
    });

    it("InputError and RemoteSigningError never carry key material, whoever built the message", () => {
      throwsWithoutKey(() => {
        throw new InputError(`--thing: "${pem}" is wrong`);
      }, /^--thing: "\[a PEM private key, \d+ characters, not shown\](\\n)?" is wrong$/);
      throwsWithoutKey(() => {
        throw new RemoteSigningError(`kms:Sign failed: ${oneLine}`);
      }, /^kms:Sign failed: \[base64 key material, \d+ characters, not shown\]$/);
    });
  });

  describe("every cf-sign command", function () {
    this.timeout(60_000);
    let dir: string;
    let ecFile: string;
    let pubFile: string;
    let keyFlags: string[];
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-material-"));
      ecFile = path.join(dir, "ec.pem");
      pubFile = path.join(dir, "ec-public.pem");
      fs.writeFileSync(ecFile, pem, { mode: 0o600 });
      fs.writeFileSync(pubFile, keys.ec.spki);
      keyFlags = ["--key-pair-id", KEY_ID, "--private-key-file", ecFile];
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('cf-sign url "$(cat ec.pem)" names the argument and what it looks like', async () => {
      assertDescribedRefusal(
        await runCli(["url", pem, ...keyFlags]),
        /^error: url: argument 1 looks like a PEM private key \(\d+ characters, not shown\); cf-sign reads keys only from files and the environment/,
      );
      // Unquoted, the shell splits the PEM into words: the armour alone is enough to stop.
      assertDescribedRefusal(await runCli(["url", ...pem.trim().split(/\s+/), ...keyFlags]), /^error: url: argument 1 looks like PEM armour/);
      assertDescribedRefusal(await runCli(["url", "https://h.example/a", "--key-pair-id", pem, "--private-key-file", ecFile]), /^error: url: the value of --key-pair-id \(argument 3\) looks like a PEM private key/);
    });

    it("a one-line base64 key as the URL, on --stdin, or as an option value is described", async () => {
      assertDescribedRefusal(await runCli(["url", line, ...keyFlags]), /^error: url: a value that looks like base64 key material \(64 characters, not shown\) is not an absolute URL/);
      assertDescribedRefusal(await runCli(["url", oneLine, ...keyFlags]), /^error: url: a value that looks like base64 key material/);
      const stdin = await runCli(["url", "--stdin", ...keyFlags], { stdin: `https://h.example/a\n${oneLine}\n` });
      assertDescribedRefusal(stdin, /^error: stdin line 2: a value that looks like base64 key material \(\d+ characters, not shown\) is not an absolute URL/);
      const pemOnStdin = await runCli(["url", "--stdin", ...keyFlags], { stdin: pem });
      // Every line of the block is described, also its last, short line.
      assertDescribedRefusal(pemOnStdin, /^error: stdin line 1: part of what looks like a PEM private key \(lines 1-5, not shown\)/);
      assert.equal(pemOnStdin.stderr.split("\n").filter((l) => / part of what looks like a PEM private key/.test(l)).length, 5);
      for (const option of ["--expires-at", "--starts-at", "--ip", "--hash", "--policy-resource"]) {
        assertDescribedRefusal(await runCli(["url", "https://h.example/a", ...keyFlags, option, line]), new RegExp(`^error: ${option}: a value that looks like base64 key material`));
      }
    });

    it("cookies, verify, inspect and probe describe it too", async () => {
      assertDescribedRefusal(await runCli(["cookies", pem, ...keyFlags]), /^error: cookies: argument 1 looks like a PEM private key/);
      assertDescribedRefusal(await runCli(["cookies", line, ...keyFlags]), /^error: resource: a value that looks like base64 key material/);
      for (const [option, value] of [["--domain", line], ["--same-site", line], ["--format", line]]) {
        assertDescribedRefusal(await runCli(["cookies", "https://h.example/*", ...keyFlags, option, value]), new RegExp(`^error: ${option}: a value that looks like base64 key material`));
      }
      const verifyFlags = ["--key-pair-id", KEY_ID, "--public-key-file", pubFile];
      assertDescribedRefusal(await runCli(["verify", pem, ...verifyFlags]), /^error: verify: argument 1 looks like a PEM private key/);
      assertDescribedRefusal(await runCli(["verify", line, ...verifyFlags]), /^error: verify: a value that looks like base64 key material \(64 characters, not shown\) is not an http\(s\) URL/);
      assertDescribedRefusal(await runCli(["verify", "https://h.example/a", ...verifyFlags, "--ip", line]), /^error: --ip: a value that looks like base64 key material/);
      assertDescribedRefusal(await runCli(["verify", "https://h.example/a", ...verifyFlags, "--cookie", line]), /^error: --cookie: a value that looks like base64 key material/);
      assertDescribedRefusal(await runCli(["verify", "https://h.example/a", "--key-pair-id", KEY_ID, "--public-key-file", ecFile]), /^error: /);
      assertDescribedRefusal(await runCli(["inspect", pem]), /^error: inspect: argument 1 looks like a PEM private key/);
      assertDescribedRefusal(await runCli(["inspect", "-"], { stdin: pem }), /^error: inspect: the input looks like a PEM private key/);
      // Only the body, pasted without its armour: its last line (shorter than 40 characters) is not shown either.
      const body = bodyLines(pem).join("\n");
      assertDescribedRefusal(await runCli(["inspect", "-"], { stdin: body }), /^error: inspect: line 1 of the input looks like base64 key material/);
      assertDescribedRefusal(await runCli(["probe", pem]), /^error: probe: argument 1 looks like a PEM private key/);
      assertDescribedRefusal(await runCli(["probe", "--public", line, "--private", "/private/a.jpg", ...keyFlags]), /^error: --public: a value that looks like base64 key material/);
      assertDescribedRefusal(
        await runCli(["probe", "--public", "/index.html", "--private", "/private/a.jpg", "--base-url", line, ...keyFlags]),
        /^error: --base-url: a value that looks like base64 key material/,
      );
      assertDescribedRefusal(await runCli(["probe", line, ...keyFlags]), /^error: probe: unexpected argument 1, which looks like base64 key material/);
      assertDescribedRefusal(await runCli([pem]), /^error: unknown command \(the first argument looks like a PEM private key/);
      assertDescribedRefusal(await runCli([line]), /^error: unknown command \(the first argument looks like base64 key material/);
    });

    it("a key file given where another file is expected is not echoed", async () => {
      assertDescribedRefusal(await runCli(["url", "https://h.example/a", "--outputs-file", ecFile]), /^error: /);
      const bodyOnly = path.join(dir, "body-only.pem");
      fs.writeFileSync(bodyOnly, bodyLines(pem).join("\n"), { mode: 0o600 });
      assertDescribedRefusal(await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", bodyOnly]), /^error: --private-key-file .*not a PEM private key/);
    });
  });
});
