// A real browser (Debian's chromium driven by playwright-core) against examples/app on https://app.example.test
// and the local edge on https://cdn.example.test: the signed cookies the library makes are accepted by the
// browser, sent to the CDN, and refused after logout and expiry. The browser runs in a child process
// (helpers/browserScenario.ts: playwright's async hooks must not leak into this mocha process).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Observations, PageState } from "./helpers/browserScenario";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Set by .ci/run: a missing browser fails the run instead of skipping the test. */
const REQUIRED = process.env.CF_BROWSER_TEST === "required";
const OUTPUT_DIR = path.resolve(__dirname, "..", "test-output", "browser");
const SCENARIO = path.join(__dirname, "helpers", "browserScenario.ts");

function runScenario(): Promise<Observations> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register", SCENARIO, CHROMIUM, OUTPUT_DIR], {
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
      if (code !== 0) return reject(new Error(`browser scenario exited ${code}: ${err.trim() || out.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as Observations);
      } catch {
        reject(new Error(`browser scenario printed no observations: ${out}${err}`));
      }
    });
  });
}

describe("browser: signed cookies from examples/app on app.example.test open cdn.example.test/private/* (chromium)", function () {
  this.timeout(120_000);
  let seen: Observations;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (REQUIRED) throw new Error(`CF_BROWSER_TEST=required but there is no Chromium at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH`);
      console.log(`      browser test skipped: no Chromium at ${CHROMIUM}; run it with: apt-get install chromium && npm test (or .ci/run, where CF_BROWSER_TEST=required makes a missing browser fail)`);
      this.skip();
    }
    seen = await runScenario();
  });

  const refused = (state: PageState, code: string, what: string): void => {
    assert.equal(state.cookieImageWidth, 0, `${what}: the image must not load (${state.edgeCatLine})`);
    assert.equal(state.fetchStatus, "403", `${what}: fetch() status`);
    assert.match(state.edgeCatLine, new RegExp(`-> 403 ${code}`));
  };

  it("before login: the cookie image is refused (403 MissingKey) and fetch() gets 403; the signed URL <img> and <a> work without cookies", () => {
    refused(seen.before, "MissingKey", "before login");
    assert.deepEqual(seen.before.cookies, []);
    assert.ok(seen.before.signedImageWidth > 0, "the signed URL <img> loads without cookies");
    assert.ok(seen.before.edgeLog.some((l) => / -> 200 signed url /.test(l)), seen.before.edgeLog.join("\n"));
    assert.equal(seen.before.linkStatus, 200, "the signed URL <a>, followed");
    assert.match(seen.before.linkUrl, /^https:\/\/cdn\.example\.test:\d+\/private\/cat\.jpeg\?Expires=\d+&Signature=.+&Key-Pair-Id=/);
  });

  it("after the stub login form: the browser keeps Secure HttpOnly SameSite=Lax session cookies for the domain; the image loads, fetch() gets 200; screenshot saved", () => {
    const s = seen.loggedIn;
    assert.ok(s.cookieImageWidth > 0, `image with cookies: ${s.edgeCatLine}`);
    assert.equal(s.fetchStatus, "200", "credentialed cross-origin fetch through the CORS policy");
    assert.match(s.edgeCatLine, new RegExp(`-> 200 signed cookie ${seen.keyPairId}`));
    assert.deepEqual(s.cookies.map((c) => c.name).sort(), ["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
    for (const c of s.cookies) {
      assert.equal(c.domain, ".example.test");
      assert.equal(c.path, "/");
      assert.equal(c.secure, true);
      assert.equal(c.httpOnly, true);
      assert.equal(c.sameSite, "Lax");
      assert.equal(c.expires, -1, "session cookies: the policy carries the expiry");
    }
    assert.ok(s.screenshotBytes > 1000 && fs.existsSync(s.screenshot), s.screenshot);
  });

  it("after logging out with the page's POST form the cookies are gone and CloudFront answers 403 MissingKey again", () => {
    assert.deepEqual(seen.loggedOut.cookies, []);
    refused(seen.loggedOut, "MissingKey", "after logout");
  });

  it("after the policy's expiry the browser still sends the cookies and CloudFront answers 403 AccessDenied", () => {
    assert.equal(seen.expired.cookies.length, 3);
    refused(seen.expired, "AccessDenied", "after expiry");
  });
});
