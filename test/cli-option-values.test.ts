// Times out of range name the option and the accepted range; the epoch-milliseconds hint is given only
// for a number whose seconds reading is absurd; an option that takes a value may be given once.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../signer/src/lib/errors";
import { LATEST_EPOCH_SECONDS, parseTime } from "../signer/src/lib/time";
import { assertRefused, runCli } from "./helpers/cli";
import { testKeys } from "./helpers/signingKeys";

const URL_TO_SIGN = "https://h.example/private/a.jpg";
const LATEST = /5138-11-16T09:46:39Z \(epoch 99999999999\)/;

function refusedWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof InputError && pattern.test(error.message) ? true : assert.fail(String((error as Error).message)));
}

describe("time ranges and repeated options", () => {
  describe("parseTime", () => {
    const now = new Date("2026-01-01T00:00:00Z");

    it("a date or duration past the latest time accepted is out of range (no milliseconds hint)", () => {
      refusedWith(() => parseTime("9999-12-31T23:59:59Z", "--expires-at", now), /^--expires-at: "9999-12-31T23:59:59Z" is out of range; the latest time accepted is 5138-11-16T09:46:39Z/);
      refusedWith(() => parseTime("100000000000d", "expires", now), /^expires: "100000000000d" is out of range/);
      refusedWith(() => parseTime(`${"9".repeat(400)}s`, "expires", now), /^expires: ".*" is out of range/);
      refusedWith(() => parseTime(new Date("9999-12-31T23:59:59Z"), "expires", now), /^expires: .* is out of range/);
      assert.equal(parseTime("5138-11-16T09:46:39Z", "expires", now), LATEST_EPOCH_SECONDS);
    });

    it("a number is read as milliseconds only when that reading is a plausible time", () => {
      refusedWith(() => parseTime(1893456000000, "expires", now), /^expires: 1893456000000 looks like epoch milliseconds; give epoch seconds \(1893456000\)/);
      // 253402300799 is 9999-12-31 in seconds; in milliseconds, a day in 1978: not a plausible reading.
      refusedWith(() => parseTime("253402300799", "--expires-at", now), /^--expires-at: "253402300799" is out of range; epoch seconds go up to 5138-11-16T09:46:39Z/);
      refusedWith(() => parseTime("99999999999999999999", "--at", now), /^--at: "99999999999999999999" is out of range/);
    });
  });

  describe("cf-sign (compiled CLI)", function () {
    this.timeout(60_000);
    let dir: string;
    let keyFlags: string[];
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "option-values-"));
      const file = path.join(dir, "ec.pem");
      fs.writeFileSync(file, testKeys().ec.pkcs8, { mode: 0o600 });
      keyFlags = ["--key-pair-id", "K2JCJMDEHXQW5F", "--private-key-file", file];
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const url = (...args: string[]) => runCli(["url", URL_TO_SIGN, ...keyFlags, ...args]);

    it("--expires-in far too large names the option and the accepted range", async () => {
      for (const extra of [[], ["--allow-long-expiry"]]) {
        const r = await url("--expires-in", "99999999999999999999", ...extra);
        assertRefused(r, /^error: --expires-in: "99999999999999999999" is out of range; give 1s to 7d, or with --allow-long-expiry a duration that ends by 5138-11-16T09:46:39Z/);
        assert.doesNotMatch(r.stderr, /Invalid time value/);
      }
      assertRefused(await url("--expires-in", "100000000000d", "--allow-long-expiry"), /^error: --expires-in: "100000000000d" is out of range/);
      assertRefused(await runCli(["cookies", "https://h.example/*", ...keyFlags, "--expires-in", "9".repeat(30)]), /^error: --expires-in: "9{30}" is out of range/);
    });

    it("--expires-at far in the future is out of range, not epoch milliseconds", async () => {
      for (const extra of [[], ["--allow-long-expiry"]]) {
        const r = await url("--expires-at", "9999-12-31T23:59:59Z", ...extra);
        assertRefused(r, /^error: --expires-at: "9999-12-31T23:59:59Z" is out of range; the latest time accepted is/);
        assert.match(r.stderr, LATEST);
        assert.doesNotMatch(r.stderr, /milliseconds/);
      }
      assertRefused(await url("--expires-at", "1893456000000"), /^error: --expires-at: 1893456000000 looks like epoch milliseconds; give epoch seconds \(1893456000\)/);
      assertRefused(await url("--starts-at", "9999-01-01T00:00:00Z"), /^error: --starts-at: "9999-01-01T00:00:00Z" is out of range/);
    });

    it("a repeated option that takes a value is refused, naming it", async () => {
      assertRefused(await url("--expires-in", "1h", "--expires-in", "2h"), /^error: url: --expires-in is given more than once; give it once$/);
      assertRefused(await url("--expires-in=1h", "--expires-in=1h"), /^error: url: --expires-in is given more than once/);
      assertRefused(await runCli(["cookies", "https://h.example/*", ...keyFlags, "--domain", "a.example", "--domain", "b.example"]), /^error: cookies: --domain is given more than once; give it once$/);
      assertRefused(await runCli(["url", URL_TO_SIGN, ...keyFlags, ...keyFlags]), /^error: url: --key-pair-id is given more than once/);
      assertRefused(await runCli(["inspect", "https://h.example/a", "--at", "1h", "--at", "2h"]), /^error: inspect: --at is given more than once; give it once \(only --protected may be repeated\)$/);
      assertRefused(await runCli(["verify", "https://h.example/a", "--ip", "192.0.2.1", "--ip", "192.0.2.2"]), /^error: verify: --ip is given more than once; give it once \(only --cookie may be repeated\)$/);
      assertRefused(await runCli(["probe", "--public", "/a", "--public", "/b", "--private", "/p/c"]), /^error: probe: --public is given more than once/);
    });

    it("lists by design and flags may repeat", async () => {
      const repeatedFlag = await url("--json", "--json");
      assert.equal(repeatedFlag.code, 0, repeatedFlag.stderr);
      const inspect = await runCli(["inspect", "https://h.example/private/a?Expires=1900000000&Signature=AAAA&Key-Pair-Id=K1", "--protected", "/private/*", "--protected", "/media/*"]);
      assert.ok([0, 1].includes(inspect.code), inspect.stderr);
      assert.doesNotMatch(inspect.stderr, /more than once/);
    });

    it("--help says which options are lists", async () => {
      assert.match((await runCli(["--help"])).stdout, /may be given once/);
      assert.match((await runCli(["verify", "--help"])).stdout, /--cookie NAME=VALUE .*\(repeatable/);
      assert.match((await runCli(["inspect", "--help"])).stdout, /--protected PATTERN .*\(repeatable\)/);
    });
  });
});
