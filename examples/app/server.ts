// A minimal web application (node:http, no framework) on app.<domain> that hands out CloudFront signed cookies
// for cdn.<domain>/private/*. In your own code, import the signer from "@signed-content/cloudfront-signer/signer" or
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

export interface AppOptions {
  signer: AppSigner;
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
<p><a id="login" href="/login">Log in</a> · <a id="logout" href="/logout">Log out</a></p>
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

function route(options: AppOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const now = options.now?.() ?? new Date();
  const path = (req.url ?? "/").split("?")[0];
  const cookieAttributes = { domain: options.domain, sameSite: "Lax" as const };
  if (path === "/login" && (req.method === "GET" || req.method === "POST")) {
    // A real app authenticates the user first. The cookies cover every file under /private/ (custom policy).
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
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    try {
      route(options, req, res);
    } catch (error) {
      // Never the key or a stack trace in a response.
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`error: ${error instanceof Error ? error.message.split("\n")[0] : "signing failed"}\n`);
    }
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
