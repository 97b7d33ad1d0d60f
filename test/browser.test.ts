// A real browser (Debian's chromium driven by playwright-core) against examples/app on https://app.example.test
// (signing with signerFromSecret, the key read from the Secrets Manager stand-in)
// and the local edge on https://cdn.example.test, both on 127.0.0.1 with throwaway certificates: the signed
// cookies the library makes are accepted by the browser, sent to the CDN, and refused after logout and expiry.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { RunningApp, startApp } from "../examples/app/server";
import { RunningEdge, startEdge } from "../scripts/edge/server";
import { throwawayCertificate, ThrowawayCertificate } from "../scripts/edge/tlsCert";
import { storedSigningKeyJson } from "../components/policy";
import { signerFromSecret } from "../scripts/lib/secretSigner";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Set by .ci/run: a missing browser fails the run instead of skipping the test. */
const REQUIRED = process.env.CF_BROWSER_TEST === "required";
const OUTPUT_DIR = path.resolve(__dirname, "..", "test-output", "browser");
const DOMAIN = "example.test";

describe("browser: signed cookies from examples/app on app.example.test open cdn.example.test/private/* (chromium)", function () {
  this.timeout(120_000);
  const keys = testKeys();
  let browser: Browser | undefined;
  let cert: ThrowawayCertificate | undefined;
  let edge: RunningEdge | undefined;
  let app: RunningApp | undefined;
  const secrets = new SecretsManagerStandIn();
  const savedEnv: Record<string, string | undefined> = {};
  let edgeClockOffsetMs = 0;
  const edgeLog: string[] = [];
  let appUrl: string;
  let cdnOrigin: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (REQUIRED) throw new Error(`CF_BROWSER_TEST=required but there is no Chromium at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH`);
      console.log(`      browser test skipped: no Chromium at ${CHROMIUM}; run it with: apt-get install chromium && npm test (or .ci/run, where CF_BROWSER_TEST=required makes a missing browser fail)`);
      this.skip();
    }
    cert = throwawayCertificate([`app.${DOMAIN}`, `cdn.${DOMAIN}`]);
    const tls = { key: cert.key, cert: cert.cert };
    const corsOrigins: string[] = [];
    edge = await startEdge({
      root: path.resolve(__dirname, "..", "sample", "site"),
      port: 0,
      protectedPaths: ["/private/*"],
      trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem },
      tls,
      cors: { allowOrigins: corsOrigins, allowCredentials: true }, // the app's origin is added once its port is known
      now: () => new Date(Date.now() + edgeClockOffsetMs),
      log: (line) => edgeLog.push(line),
    });
    cdnOrigin = `https://cdn.${DOMAIN}:${edge.port}`;
    // The app signs as a deployed one would: with the key the stack stores in Secrets Manager.
    await secrets.start();
    const secretArn = secrets.put("signing-cloudfront-signing-key-app", storedSigningKeyJson({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "2026-01" }));
    for (const [k, v] of Object.entries({ ...secrets.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" })) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    app = await startApp({
      signer: await signerFromSecret(secretArn),
      domain: DOMAIN,
      cdnOrigin,
      cookieLifetime: "1h",
      tls,
    });
    appUrl = `https://app.${DOMAIN}:${app.port}`;
    corsOrigins.push(appUrl);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: [
        ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
        `--host-resolver-rules=MAP app.${DOMAIN} 127.0.0.1, MAP cdn.${DOMAIN} 127.0.0.1`,
      ],
    });
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await edge?.close();
    cert?.dispose();
    await secrets.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** A context that ignores the throwaway certificate, with the HTTP cache off (a cached 200 would hide a 403). */
  async function newPage(): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession }> {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    return { context, page, cdp };
  }

  /** Loads the app's page and reports what the browser got from the CDN. */
  async function loadHome(
    { page, cdp }: { page: Page; cdp: CDPSession },
    via = "/",
  ): Promise<{ cookieImageWidth: number; signedImageWidth: number; fetchStatus: string }> {
    const response = await page.goto(`${appUrl}${via}`, { waitUntil: "load", timeout: 30_000 });
    assert.equal(response?.status(), 200, `app page ${via}`);
    // Blink keeps images of the previous page in its memory cache: reload as Ctrl+Shift+R does, so every
    // image and fetch goes to the edge again (otherwise an image loaded before logout would still show).
    const reloaded = page.waitForEvent("load", { timeout: 30_000 });
    await cdp.send("Page.reload", { ignoreCache: true });
    await reloaded;
    // Page-side code as text: the test is compiled without the DOM library.
    await page.waitForFunction(
      `document.getElementById("fetch-status").textContent !== "pending" && document.getElementById("cookie-image").complete && document.getElementById("signed-image").complete`,
      undefined,
      { timeout: 15_000 },
    );
    return page.evaluate<{ cookieImageWidth: number; signedImageWidth: number; fetchStatus: string }>(`({
      cookieImageWidth: document.getElementById("cookie-image").naturalWidth,
      signedImageWidth: document.getElementById("signed-image").naturalWidth,
      fetchStatus: document.getElementById("fetch-status").textContent,
    })`);
  }

  const lastCatLine = (): string => [...edgeLog].reverse().find((l) => l.startsWith("GET /private/cat.jpeg ->")) ?? "";

  it("before login: the cookie image is refused (403 MissingKey) and fetch() gets 403; the signed URL image loads without cookies", async () => {
    const tab = await newPage();
    const { context, page } = tab;
    try {
      const state = await loadHome(tab);
      assert.equal(state.cookieImageWidth, 0, "no cookies yet: the image must not load");
      assert.equal(state.fetchStatus, "403");
      assert.ok(state.signedImageWidth > 0, "the signed URL <img> loads without cookies");
      assert.ok(edgeLog.some((l) => l.startsWith("GET /private/cat.jpeg -> 403 MissingKey")), edgeLog.join("\n"));
      assert.deepEqual(await context.cookies(), []);
      // The signed URL in an <a>: a top-level navigation, still without cookies.
      const [navigation] = await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click("#signed-link")]);
      assert.equal(navigation?.status(), 200);
      assert.match(page.url(), /^https:\/\/cdn\.example\.test:\d+\/private\/cat\.jpeg\?Expires=\d+&Signature=.+&Key-Pair-Id=/);
    } finally {
      await context.close();
    }
  });

  it("after login: the browser stores Secure HttpOnly SameSite=Lax cookies for the domain, the image loads and fetch() gets 200; logout and expiry bring 403 back", async () => {
    const tab = await newPage();
    const { context, page } = tab;
    try {
      const loggedIn = await loadHome(tab, "/login");
      assert.ok(loggedIn.cookieImageWidth > 0, `image with cookies: ${lastCatLine()}`);
      assert.equal(loggedIn.fetchStatus, "200", "credentialed cross-origin fetch with the CORS policy");
      assert.match(lastCatLine(), /-> 200 signed cookie /);
      const cookies = await context.cookies();
      const names = cookies.map((c) => c.name).sort();
      assert.deepEqual(names, ["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
      for (const c of cookies) {
        assert.equal(c.domain, `.${DOMAIN}`);
        assert.equal(c.path, "/");
        assert.equal(c.secure, true);
        assert.equal(c.httpOnly, true);
        assert.equal(c.sameSite, "Lax");
        assert.equal(c.expires, -1, "session cookies: the policy carries the expiry");
      }
      await page.screenshot({ path: path.join(OUTPUT_DIR, "logged-in.png"), fullPage: true });
      assert.ok(fs.statSync(path.join(OUTPUT_DIR, "logged-in.png")).size > 1000);

      const loggedOut = await loadHome(tab, "/logout");
      assert.deepEqual(await context.cookies(), [], "logout cleared every CloudFront cookie");
      assert.equal(loggedOut.cookieImageWidth, 0, edgeLog.join("\n"));
      assert.equal(loggedOut.fetchStatus, "403");
      assert.match(lastCatLine(), /-> 403 MissingKey/);

      // Log in again, then let the edge's clock pass the policy's DateLessThan (1h): CloudFront refuses it.
      const again = await loadHome(tab, "/login");
      assert.ok(again.cookieImageWidth > 0);
      edgeClockOffsetMs = 2 * 3600_000;
      const expired = await loadHome(tab);
      assert.equal(expired.cookieImageWidth, 0);
      assert.equal(expired.fetchStatus, "403");
      assert.match(lastCatLine(), /-> 403 AccessDenied/);
    } finally {
      edgeClockOffsetMs = 0;
      await context.close();
    }
  });
});
