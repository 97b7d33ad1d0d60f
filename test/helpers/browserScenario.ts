// The browser scenario of test/browser.test.ts, run in its own process: playwright-core installs async hooks
// (AsyncLocalStorage) that add properties to every Promise, which would change how later tests in the mocha
// process compare resource inputs. Prints one JSON line of observations; the test asserts on them.
//
// examples/app on https://app.example.test (signing with signerFromSecret, the key read from the Secrets
// Manager stand-in) and the local edge on https://cdn.example.test (--tls, CORS), both on 127.0.0.1, driven by
// Debian's chromium with --host-resolver-rules.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CDPSession, Page } from "playwright-core";
import { storedSigningKeyJson } from "../../components/policy";
import { demoAuthenticate, startApp } from "../../examples/app/server";
import { startEdge } from "../../scripts/edge/server";
import { throwawayCertificate } from "../../scripts/edge/tlsCert";
import { signerFromSecret } from "../../signer/src/lib/secretSigner";
import { SecretsManagerStandIn } from "./secretsManagerStandIn";
import { testKeys } from "./verifyKeys";

export const DOMAIN = "example.test";

export interface PageState {
  cookieImageWidth: number;
  signedImageWidth: number;
  fetchStatus: string;
  /** the edge's log line for the cookie-protected image */
  edgeCatLine: string;
  cookies: { name: string; domain: string; path: string; secure: boolean; httpOnly: boolean; sameSite: string; expires: number }[];
}

export interface Observations {
  before: PageState & { linkStatus?: number; linkUrl: string; edgeLog: string[] };
  loggedIn: PageState & { screenshot: string; screenshotBytes: number };
  loggedOut: PageState;
  expired: PageState;
  keyPairId: string;
}

export async function runBrowserScenario(chromiumPath: string, outputDir: string): Promise<Observations> {
  const keys = testKeys();
  const cert = throwawayCertificate([`app.${DOMAIN}`, `cdn.${DOMAIN}`]);
  const tls = { key: cert.key, cert: cert.cert };
  const corsOrigins: string[] = [];
  const edgeLog: string[] = [];
  let edgeClockOffsetMs = 0;
  const secrets = await new SecretsManagerStandIn().start();
  const cleanup: (() => Promise<void> | void)[] = [() => cert.dispose(), () => secrets.stop()];
  try {
    const edge = await startEdge({
      root: path.resolve(__dirname, "..", "..", "sample", "site"),
      port: 0,
      protectedPaths: ["/private/*"],
      trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem },
      tls,
      cors: { allowOrigins: corsOrigins, allowCredentials: true }, // the app's origin is added once its port is known
      now: () => new Date(Date.now() + edgeClockOffsetMs),
      log: (line) => edgeLog.push(line),
    });
    cleanup.unshift(() => edge.close());
    // The app signs as a deployed one would: with the key the stack stores in Secrets Manager.
    const secretArn = secrets.put(
      "signing-cloudfront-signing-key-app",
      storedSigningKeyJson({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "2026-01" }),
    );
    Object.assign(process.env, secrets.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
    const app = await startApp({
      signer: await signerFromSecret(secretArn),
      // The example's stub authentication step; the browser fills in the login form with these.
      authenticate: demoAuthenticate("demo", "demo"),
      domain: DOMAIN,
      cdnOrigin: `https://cdn.${DOMAIN}:${edge.port}`,
      cookieLifetime: "1h",
      tls,
    });
    cleanup.unshift(() => app.close());
    const appUrl = `https://app.${DOMAIN}:${app.port}`;
    corsOrigins.push(appUrl);

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: 60_000,
      args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), `--host-resolver-rules=MAP app.${DOMAIN} 127.0.0.1, MAP cdn.${DOMAIN} 127.0.0.1`],
    });
    cleanup.unshift(() => browser.close());

    /** A context that ignores the throwaway certificate, with the HTTP cache off (a cached 200 would hide a 403). */
    const newTab = async () => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      return { context, page, cdp };
    };
    const lastCatLine = (): string => [...edgeLog].reverse().find((l) => l.startsWith("GET /private/cat.jpeg ->")) ?? "";
    const load = async ({ page, cdp }: { page: Page; cdp: CDPSession }, via: string): Promise<Omit<PageState, "cookies">> => {
      const response = await page.goto(`${appUrl}${via}`, { waitUntil: "load", timeout: 30_000 });
      if (response?.status() !== 200) throw new Error(`app page ${via}: HTTP ${response?.status()}`);
      // Blink keeps images of the previous page in its memory cache: reload as Ctrl+Shift+R does, so every
      // image and fetch goes to the edge again (otherwise an image loaded before logout would still show).
      const reloaded = page.waitForEvent("load", { timeout: 30_000 });
      await cdp.send("Page.reload", { ignoreCache: true });
      await reloaded;
      // Page-side code as text: this file is compiled without the DOM library.
      await page.waitForFunction(
        `document.getElementById("fetch-status").textContent !== "pending" && document.getElementById("cookie-image").complete && document.getElementById("signed-image").complete`,
        undefined,
        { timeout: 15_000 },
      );
      const state = await page.evaluate<{ cookieImageWidth: number; signedImageWidth: number; fetchStatus: string }>(`({
        cookieImageWidth: document.getElementById("cookie-image").naturalWidth,
        signedImageWidth: document.getElementById("signed-image").naturalWidth,
        fetchStatus: document.getElementById("fetch-status").textContent,
      })`);
      return { ...state, edgeCatLine: lastCatLine() };
    };

    // Before login, in a fresh context: no cookies; then the signed URL in an <a> as a top-level navigation.
    const first = await newTab();
    const beforeState = await load(first, "/");
    const beforeCookies = await first.context.cookies();
    const [navigation] = await Promise.all([first.page.waitForNavigation({ timeout: 15_000 }), first.page.click("#signed-link")]);
    const before = { ...beforeState, cookies: beforeCookies, linkStatus: navigation?.status(), linkUrl: first.page.url(), edgeLog: [...edgeLog] };
    await first.context.close();

    /** The stub sign-in form: user name and password, submitted (a same-origin POST), back on "/". */
    const logIn = async ({ page }: { page: Page }): Promise<void> => {
      await page.goto(`${appUrl}/login`, { waitUntil: "load", timeout: 30_000 });
      await page.fill("#username", "demo");
      await page.fill("#password", "demo");
      await Promise.all([page.waitForURL(`${appUrl}/`, { timeout: 15_000 }), page.click("#login-submit")]);
    };
    /** The page's "Log out" button: a same-origin POST form. */
    const logOut = async ({ page }: { page: Page }): Promise<void> => {
      await page.goto(`${appUrl}/`, { waitUntil: "load", timeout: 30_000 });
      await Promise.all([page.waitForURL(`${appUrl}/`, { waitUntil: "load", timeout: 15_000 }), page.click("#logout")]);
    };

    const tab = await newTab();
    await logIn(tab);
    const loggedInState = await load(tab, "/");
    const loggedInCookies = await tab.context.cookies();
    fs.mkdirSync(outputDir, { recursive: true });
    const screenshot = path.join(outputDir, "logged-in.png");
    await tab.page.screenshot({ path: screenshot, fullPage: true });
    const loggedIn = { ...loggedInState, cookies: loggedInCookies, screenshot, screenshotBytes: fs.statSync(screenshot).size };

    await logOut(tab);
    const loggedOut = { ...(await load(tab, "/")), cookies: await tab.context.cookies() };

    // Log in again, then let the edge's clock pass the policy's DateLessThan (1h): CloudFront refuses it.
    await logIn(tab);
    const again = await load(tab, "/");
    if (again.cookieImageWidth === 0) throw new Error(`second login did not load the image: ${again.edgeCatLine}`);
    edgeClockOffsetMs = 2 * 3600_000;
    const expired = { ...(await load(tab, "/")), cookies: await tab.context.cookies() };
    await tab.context.close();
    return { before, loggedIn, loggedOut, expired, keyPairId: keys.rsa.keyPairId };
  } finally {
    for (const step of cleanup) await step();
  }
}

if (require.main === module) {
  const [chromiumPath, outputDir] = process.argv.slice(2);
  runBrowserScenario(chromiumPath, outputDir).then(
    (observations) => {
      process.stdout.write(`${JSON.stringify(observations)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`browser scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
