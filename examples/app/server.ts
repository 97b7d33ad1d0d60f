// A minimal web application (node:http, no framework) on app.<domain> that hands out CloudFront signed cookies
// for cdn.<domain>/private/*, only to a user who logged in (the `authenticate` step: a stub here, which a real app
// replaces with its own sign-in). Login and logout are POST-only and refuse cross-site requests (Origin /
// Sec-Fetch-Site), so another site can neither log a user out nor log them in as someone else.
// In your own code, import the signer from "@signed-content/cloudfront-signer/signer" or
// "@signed-content/cloudfront-signer/secrets-manager"; this example lives inside the package and imports it by path.
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { COOKIE_NAMES } from "../../signer/src/lib/constants";
import type { SignedCookies, SignedUrl, SignOptions, CookieOptions } from "../../signer/src/lib/signer";

/** What the app needs from a signer: a CloudFrontSigner, or the SecretSigner from signerFromSecret. */
export interface AppSigner {
  signUrl(url: string, options: SignOptions): SignedUrl;
  signCookies(resource: string, options: SignOptions & CookieOptions): SignedCookies;
}

/** What the login form sends. */
export interface LoginForm {
  username: string;
  password: string;
}

/**
 * THE AUTHENTICATION STEP: whether these credentials belong to a user who may read the private files. The example
 * ships only a stub (demoAuthenticate); a real app checks its own user store, SSO session or identity provider
 * here, and only then gets signed cookies.
 */
export type Authenticate = (form: LoginForm) => boolean | Promise<boolean>;

/**
 * A STUB for the example, never for production: accepts exactly the user name and password given here (main.ts
 * prints them). Replace it with your application's own authentication.
 */
export function demoAuthenticate(username: string, password: string): Authenticate {
  return (form) => form.username === username && form.password === password;
}

export interface AppOptions {
  signer: AppSigner;
  /** Decides who gets signed cookies (see Authenticate); required: the cookies are credentials. */
  authenticate: Authenticate;
  /**
   * The app's own origin as browsers see it (e.g. https://app.example.com), for the same-site check of login and
   * logout. Default: the request's scheme and Host header (right unless a proxy changes them).
   */
  origin?: string;
  /** The site's registrable domain, e.g. example.com: the app is app.<domain>, the distribution cdn.<domain>. */
  domain: string;
  /** Where the browser reaches the distribution, e.g. https://cdn.example.com (a port for local runs). */
  cdnOrigin: string;
  /** How long the signed cookies are valid (the policy's DateLessThan). Default 1h. */
  cookieLifetime?: string;
  /** HTTPS certificate: browsers drop Secure cookies set over plain HTTP. Without it, serve behind a TLS proxy. */
  tls?: { key: string; cert: string };
  port?: number;
  /** The clock for signing (tests). */
  now?: () => Date;
}

export interface RunningApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CLOUDFRONT_COOKIES = Object.values(COOKIE_NAMES);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(options: AppOptions, signedImage: string): string {
  const cdn = options.cdnOrigin;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Private files</title></head>
<body>
<h1>Private files from ${escapeHtml(cdn)}</h1>
<p><a id="login" href="/login">Log in</a></p>
<form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>
<h2>With the signed cookies (after login)</h2>
<img id="cookie-image" alt="cat" width="160" src="${escapeHtml(`${cdn}/private/cat.jpeg`)}">
<p>fetch ${escapeHtml(`${cdn}/private/notes.txt`)}: <output id="fetch-status">pending</output></p>
<h2>With a signed URL (no cookies needed)</h2>
<a id="signed-link" href="${escapeHtml(signedImage)}"><img id="signed-image" alt="cat" width="160" src="${escapeHtml(signedImage)}"></a>
<script>
fetch(${JSON.stringify(`${cdn}/private/notes.txt`)}, { credentials: "include" })
  .then((r) => { document.getElementById("fetch-status").textContent = String(r.status); })
  .catch((e) => { document.getElementById("fetch-status").textContent = "error: " + e.message; });
</script>
</body></html>
`;
}

function loginPage(message?: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Log in</title></head>
<body>
<h1>Log in</h1>
<!-- The example's stub sign-in form: replace it (and AppOptions.authenticate) with your application's own. -->
${message ? `<p id="login-error">${escapeHtml(message)}</p>\n` : ""}<form method="post" action="/login">
<label>User name <input id="username" name="username" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button id="login-submit" type="submit">Log in</button>
</form>
</body></html>
`;
}

/**
 * Whether a state-changing request comes from the app's own pages: Sec-Fetch-Site must be same-origin when the
 * browser sends it; otherwise Origin must be the app's origin. A request with neither is refused (every current
 * browser sends Origin on a POST), so a form or fetch() on another site can never log a user in or out.
 */
export function sameOriginRequest(req: http.IncomingMessage, appOrigin: string): boolean {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string") return site === "same-origin";
  const origin = req.headers.origin;
  return typeof origin === "string" && origin === appOrigin;
}

const MAX_FORM_BYTES = 4096;

/** The urlencoded body of a form POST (at most MAX_FORM_BYTES), or undefined when it is not one. */
function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve, reject) => {
    if (!/^application\/x-www-form-urlencoded\b/i.test(String(req.headers["content-type"] ?? ""))) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  const type = body.startsWith("<!doctype") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function route(options: AppOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const now = options.now?.() ?? new Date();
  const path = (req.url ?? "/").split("?")[0];
  const cookieAttributes = { domain: options.domain, sameSite: "Lax" as const };
  const appOrigin = options.origin ?? `${options.tls ? "https" : "http"}://${String(req.headers.host ?? "")}`;
  if (path === "/login" || path === "/logout") {
    if (path === "/login" && (req.method === "GET" || req.method === "HEAD")) {
      send(res, 200, loginPage());
      return;
    }
    if (req.method !== "POST") {
      // A link or an <img> on any site could otherwise log the user out (or in).
      send(res, 405, `${path} takes POST only\n`, { Allow: path === "/login" ? "GET, HEAD, POST" : "POST" });
      return;
    }
    if (!sameOriginRequest(req, appOrigin)) {
      req.resume();
      send(res, 403, "cross-site request refused\n");
      return;
    }
  }
  if (path === "/login") {
    const form = await readForm(req);
    const credentials = { username: form?.get("username") ?? "", password: form?.get("password") ?? "" };
    // THE AUTHENTICATION STEP (a stub in this example): only an authenticated user gets signed cookies.
    if (credentials.username === "" || !(await options.authenticate(credentials))) {
      send(res, 401, loginPage("Wrong user name or password."));
      return;
    }
    // The cookies cover every file under /private/ (custom policy).
    const signed = options.signer.signCookies(`${options.cdnOrigin}/private/*`, {
      expires: options.cookieLifetime ?? "1h",
      now,
      ...cookieAttributes,
    });
    res.writeHead(303, { Location: "/", "Set-Cookie": signed.setCookieHeaders, "Cache-Control": "no-store" });
    res.end();
    return;
  }
  if (path === "/logout") {
    req.resume();
    // Same Domain and Path as set, or the browser keeps the originals.
    const clear = CLOUDFRONT_COOKIES.map((name) => `${name}=; Domain=${options.domain}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.writeHead(303, { Location: "/", "Set-Cookie": clear, "Cache-Control": "no-store" });
    res.end();
    return;
  }
  if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
    const signedImage = options.signer.signUrl(`${options.cdnOrigin}/private/cat.jpeg`, { expires: "10m", now }).url;
    const body = page(options, signedImage);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found\n");
}

/** Starts the app on 127.0.0.1 (port 0: a free one). */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  if (typeof options.authenticate !== "function") {
    throw new Error("startApp: authenticate is required (who may get signed cookies); the example's stub is demoAuthenticate");
  }
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    route(options, req, res).catch((error: unknown) => {
      // Never the key or a stack trace in a response.
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`error: ${error instanceof Error ? error.message.split("\n")[0] : "signing failed"}\n`);
    });
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
