// Which cookies Chromium keeps, by size, run in its own process (see browserScenario.ts for why): an HTTPS
// server on 127.0.0.1 (cdn.example.test via --host-resolver-rules) answers /set with one Set-Cookie header per
// cookie given, shaped as cf-sign prints them (Path=/; Secure; HttpOnly), and /echo with the Cookie header the
// browser sent. Prints one JSON line: the cookies the browser stored and the Cookie header it sent back.
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCertificate } from "../../scripts/edge/tlsCert";

export interface CookieSizeObservations {
  stored: string[];
  sent: string;
}

export async function runCookieSizeScenario(chromiumPath: string, cookies: Record<string, string>): Promise<CookieSizeObservations> {
  const host = "cdn.example.test";
  const tls = selfSignedCertificate([host]);
  let sent = "";
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (req.url === "/set") {
      res.setHeader("Set-Cookie", Object.entries(cookies).map(([name, value]) => `${name}=${value}; Path=/; Secure; HttpOnly`));
      res.end("set");
    } else {
      sent = String(req.headers.cookie ?? "");
      res.end("echo");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 60_000,
    args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), `--host-resolver-rules=MAP ${host} 127.0.0.1`],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://${host}:${port}/set`, { timeout: 30_000 });
    await page.goto(`https://${host}:${port}/echo`, { timeout: 30_000 });
    const stored = (await context.cookies()).map((c) => c.name).sort();
    return { stored, sent };
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (require.main === module) {
  const [chromiumPath, cookiesJson] = process.argv.slice(2);
  runCookieSizeScenario(chromiumPath, JSON.parse(cookiesJson) as Record<string, string>).then(
    (observations) => {
      process.stdout.write(`${JSON.stringify(observations)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`cookie size scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
