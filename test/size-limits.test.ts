// CloudFront refuses a URL over 8,192 bytes (414) and browsers drop a cookie whose name and value exceed 4,096
// bytes: the library and cf-sign refuse to produce either (cf-sign cookies only warns where no browser is involved),
// and Chromium itself shows where the cookie limit lies.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AsyncCloudFrontSigner } from "../signer/src/lib/asyncSigner";
import { InputError } from "../signer/src/lib/errors";
import { CloudFrontSigner, MAX_COOKIE_NAME_VALUE_BYTES, MAX_SIGNED_URL_BYTES, oversizedCookies } from "../signer/src/lib/signer";
import { MAX_SIGNATURE_CHARS, signedUrlLength } from "../signer/src/lib/signingPlan";
import { verifyRequest } from "../signer/src/lib/verifier";
import { assertRefused, runCli } from "./helpers/cli";
import type { CookieSizeObservations } from "./helpers/cookieSizeScenario";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000;
const now = new Date(T0 * 1000);
const HOST = "https://cdn.example.com";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const REQUIRED = process.env.CF_BROWSER_TEST === "required";

/** A URL on HOST whose canned signed form with `signer` is exactly `length` bytes (with the key type's longest signature). */
function urlForSignedLength(signer: CloudFrontSigner, length: number): string {
  const probe = `${HOST}/f/`;
  const prepared = signer.urlSigner({ expires: T0 + 3600, now, hashAlgorithm: "SHA256" }).prepare(probe);
  const overhead = signedUrlLength(prepared, signer.keyPairId, MAX_SIGNATURE_CHARS[signer.algorithm]) - probe.length;
  return probe + "a".repeat(length - overhead - probe.length);
}

describe("size limits: CloudFront's 8,192-byte URL and the browsers' 4,096-byte cookie", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const rsa = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
  const ecdsa = new CloudFrontSigner({ keyPairId: keys.ecdsa.keyPairId, privateKey: keys.ecdsa.privateKeyPem });
  const trustedKeys = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem, [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };

  describe("library: signed URLs", () => {
    it("signedUrlLength is the length of the URL as emitted (canned, custom, SHA-1 and SHA-256, a query already present)", () => {
      for (const options of [
        { expires: T0 + 60, now },
        { expires: T0 + 60, now, hashAlgorithm: "SHA256" as const },
        { expires: T0 + 60, now, ipAddress: "192.0.2.0/24", startsAt: T0 - 5 },
        { expires: T0 + 60, now, policyResource: `${HOST}/private/*` },
      ]) {
        for (const url of [`${HOST}/private/a.txt`, `${HOST}/private/a.txt?v=2&x=%20`]) {
          const batch = rsa.urlSigner(options);
          const prepared = batch.prepare(url);
          assert.equal(signedUrlLength(prepared, rsa.keyPairId, 344), batch.sign(url).url.length, `${url} ${JSON.stringify(options)}`);
        }
      }
    });

    for (const [name, signer] of [["RSA", rsa], ["ECDSA", ecdsa]] as const) {
      it(`${name}: a signed URL of exactly 8,192 bytes is made and verifies; one byte more is refused with one line naming the limit`, () => {
        const fits = urlForSignedLength(signer, MAX_SIGNED_URL_BYTES);
        const signed = signer.signUrl(fits, { expires: T0 + 3600, now, hashAlgorithm: "SHA256" });
        if (name === "RSA") assert.equal(signed.url.length, MAX_SIGNED_URL_BYTES);
        else assert.ok(signed.url.length <= MAX_SIGNED_URL_BYTES && signed.url.length >= MAX_SIGNED_URL_BYTES - 8);
        const result = verifyRequest({ url: signed.url, now: new Date((T0 + 1) * 1000), trustedKeys });
        assert.ok(result.ok, result.ok ? "" : result.detail);
        const over = urlForSignedLength(signer, MAX_SIGNED_URL_BYTES + 1);
        for (const attempt of [
          () => signer.signUrl(over, { expires: T0 + 3600, now, hashAlgorithm: "SHA256" }),
          () => signer.urlSigner({ expires: T0 + 3600, now, hashAlgorithm: "SHA256" }).prepare(over),
        ]) {
          assert.throws(attempt, (error: Error) => {
            assert.ok(error instanceof InputError);
            assert.match(error.message, /^url: the signed URL would be 8193 bytes, over CloudFront's limit of 8192 bytes for a URL \(it answers 414 URI Too Long\); a canned policy is already the shortest form: shorten the URL's path or query$/);
            return true;
          });
        }
      });
    }

    it("a custom policy on a long URL (9.5 KB signed) is refused, naming a canned policy and a short wildcard resource; both fit", () => {
      const url = `${HOST}/private/reports/${"r".repeat(3700)}.pdf`;
      const options = { expires: T0 + 3600, now, ipAddress: "192.0.2.0/24" };
      assert.throws(() => rsa.signUrl(url, options), (error: Error) => {
        assert.match(error.message, /^url: the signed URL would be 9\d{3} bytes, over CloudFront's limit of 8192 bytes/);
        assert.match(error.message, /the custom policy travels in the URL: sign a canned policy \(no startsAt, ipAddress or policyResource\), or give policyResource a short wildcard resource that covers the URL, e\.g\. https:\/\/cdn\.example\.com\/private\/\*$/);
        return true;
      });
      assert.ok(rsa.signUrl(url, { ...options, policyResource: `${HOST}/private/*` }).url.length <= MAX_SIGNED_URL_BYTES);
      assert.ok(rsa.signUrl(url, { expires: T0 + 3600, now }).url.length <= MAX_SIGNED_URL_BYTES);
    });

    it("a remote (KMS-like) signer refuses before its signing function is called", async () => {
      let calls = 0;
      const signer = new AsyncCloudFrontSigner({
        keyPairId: keys.ecdsa.keyPairId,
        algorithm: "ECDSA",
        hashAlgorithm: "SHA256",
        publicKey: keys.ecdsa.publicKeyPem,
        sign: async (message) => {
          calls++;
          return (await import("node:crypto")).sign("sha256", message, keys.ecdsa.privateKeyPem);
        },
      });
      await assert.rejects(signer.signUrl(urlForSignedLength(ecdsa, MAX_SIGNED_URL_BYTES + 1), { expires: T0 + 3600, now }), /over CloudFront's limit of 8192 bytes/);
      await assert.rejects(signer.signUrls([`${HOST}/ok`, urlForSignedLength(ecdsa, 9000)], { expires: T0 + 3600, now }), /would be 9000 bytes/);
      assert.equal(calls, 0);
      assert.ok((await signer.signUrl(urlForSignedLength(ecdsa, MAX_SIGNED_URL_BYTES), { expires: T0 + 3600, now })).url.length <= MAX_SIGNED_URL_BYTES);
    });
  });

  describe("library: cookie sizes", () => {
    it("oversizedCookies flags a cookie whose name and value exceed 4,096 bytes, not one of exactly 4,096", () => {
      const value = (bytes: number, name: string) => "v".repeat(bytes - name.length);
      const cookies = { "CloudFront-Policy": value(4097, "CloudFront-Policy"), "CloudFront-Signature": value(4096, "CloudFront-Signature") };
      assert.deepEqual(oversizedCookies(cookies), [{ name: "CloudFront-Policy", bytes: 4097 }]);
      assert.equal(MAX_COOKIE_NAME_VALUE_BYTES, 4096);
    });
  });

  describe("Chromium keeps a cookie of 4,096 bytes (name and value) and drops one of 4,097", () => {
    it("the browser's limit is the one oversizedCookies applies", async function () {
      if (!fs.existsSync(CHROMIUM)) {
        if (REQUIRED) throw new Error(`CF_BROWSER_TEST=required but there is no Chromium at ${CHROMIUM}`);
        this.skip();
      }
      this.timeout(120_000);
      const cookies: Record<string, string> = {};
      for (const [name, bytes] of [["CloudFront-Policy", 4097], ["CloudFront-Signature", 4096], ["CloudFront-Key-Pair-Id", 4095]] as const) {
        cookies[name] = "A".repeat(bytes - name.length);
      }
      const seen = await runScenario(cookies);
      const kept = Object.keys(cookies).filter((name) => !oversizedCookies({ [name]: cookies[name] }).length).sort();
      assert.deepEqual(seen.stored, kept);
      assert.deepEqual(seen.stored, ["CloudFront-Key-Pair-Id", "CloudFront-Signature"]);
      assert.ok(seen.sent.includes(`CloudFront-Signature=${cookies["CloudFront-Signature"]}`));
      assert.ok(!seen.sent.includes("CloudFront-Policy="));
    });
  });

  describe("cf-sign (compiled CLI)", () => {
    let dir: string;
    let keyFile: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-sign-limits-"));
      keyFile = path.join(dir, "ec.pem");
      fs.writeFileSync(keyFile, keys.ecdsa.privateKeyPem, { mode: 0o600 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const key = () => ["--key-pair-id", keys.ecdsa.keyPairId, "--private-key-file", keyFile];

    it("url: a URL whose signed form exceeds 8,192 bytes is one error line naming the limit and the fixes (flags); --stdin names the line", async () => {
      const long = `${HOST}/private/${"p".repeat(4500)}`;
      const refused = await runCli(["url", long, "--ip", "192.0.2.1", ...key()]);
      assertRefused(refused, /^error: url: the signed URL would be \d+ bytes, over CloudFront's limit of 8192 bytes .*no --starts-at, --ip or --policy-resource\), or give --policy-resource a short wildcard resource that covers the URL, e\.g\. https:\/\/cdn\.example\.com\/private\/\*$/);
      const ok = await runCli(["url", long, "--ip", "192.0.2.1", "--policy-resource", `${HOST}/private/*`, ...key()]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(ok.stdout.trim().length <= MAX_SIGNED_URL_BYTES);
      const batch = await runCli(["url", "--stdin", ...key()], { stdin: `${HOST}/a\n${HOST}/${"q".repeat(8200)}\n` });
      assertRefused(batch, /^error: stdin line 2: the signed URL would be \d+ bytes, over CloudFront's limit of 8192 bytes/);
    });

    it("cookies: refused for the browser formats (header, json), printed with a warning for cookie and curl; --help says which", async () => {
      const resource = `${HOST}/private/${"c".repeat(3200)}/*`;
      for (const format of ["header", "json"]) {
        const result = await runCli(["cookies", resource, "--format", format, ...key()]);
        assertRefused(result, /^error: resource: the CloudFront-Policy cookie is \d+ bytes \(name and value\), over the 4096 bytes browsers keep: a browser would drop it/);
      }
      for (const format of ["cookie", "curl"]) {
        const result = await runCli(["cookies", resource, "--format", format, ...key()]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /^warning: the CloudFront-Policy cookie is \d+ bytes \(name and value\), over the 4096 bytes browsers keep; fine for curl or a Cookie header/);
        assert.equal(result.stderr.trim().split("\n").length, 1);
        assert.match(result.stdout, /CloudFront-Policy=/);
      }
      const fits = await runCli(["cookies", `${HOST}/private/*`, ...key()]);
      assert.equal(fits.code, 0, fits.stderr);
      assert.equal(fits.stderr, "");
      const help = await runCli(["cookies", "--help"]);
      assert.match(help.stdout, /browsers drop a cookie whose name and value exceed 4096 bytes/);
      assert.match(help.stdout, /For header and json, the formats meant for browsers, such a cookie is\s+refused \(exit 2\); for cookie and curl, where no browser is involved, it is printed with a warning/);
    });

    it("url --help states the 8,192-byte limit", async () => {
      const help = await runCli(["url", "--help"]);
      assert.match(help.stdout, /8192 bytes/);
    });
  });
});

function runScenario(cookies: Record<string, string>): Promise<CookieSizeObservations> {
  const scenario = path.join(__dirname, "helpers", "cookieSizeScenario.ts");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register", scenario, CHROMIUM, JSON.stringify(cookies)], {
      cwd: path.resolve(__dirname, ".."),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`cookie size scenario exited ${code}: ${err.trim() || out.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as CookieSizeObservations);
      } catch {
        reject(new Error(`cookie size scenario printed no observations: ${out}${err}`));
      }
    });
  });
}
