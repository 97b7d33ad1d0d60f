// examples/app over plain HTTP requests: signed cookies only after the (stub) authentication step, and login and
// logout only as POSTs from the app's own pages (Origin / Sec-Fetch-Site), so another site can neither log a user
// out with a link nor log them in. The browser test (test/browser.test.ts) drives the same app in Chromium.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { demoAuthenticate, RunningApp, startApp } from "../examples/app/server";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { verifyRequest } from "../signer/src/lib/verifier";
import { testKeys } from "./helpers/verifyKeys";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("examples/app: an explicit authentication step; login and logout POST-only and same-origin", function () {
  this.timeout(30_000);
  const keys = testKeys();
  let app: RunningApp;
  let origin: string;

  before(async () => {
    app = await startApp({
      signer: new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem }),
      authenticate: demoAuthenticate("alice", "correct horse"),
      domain: "example.test",
      cdnOrigin: "https://cdn.example.test",
    });
    origin = app.url;
  });
  after(async () => {
    await app?.close();
  });

  it("GET /logout (a link or <img> on any site) logs nobody out: 405, no Set-Cookie", async () => {
    const answer = await request(`${app.url}/logout`, "GET");
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, "POST");
    assert.equal(answer.headers["set-cookie"], undefined);
  });

  it("POST /logout from another site, or with no Origin and no Sec-Fetch-Site, is refused; from the app it clears the cookies", async () => {
    const refused: Record<string, string>[] = [{}, { origin: "https://evil.example" }, { "sec-fetch-site": "cross-site", origin }, { "sec-fetch-site": "same-site" }];
    for (const headers of refused) {
      const answer = await request(`${app.url}/logout`, "POST", headers);
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.equal(answer.headers["set-cookie"], undefined);
    }
    const allowed: Record<string, string>[] = [{ origin }, { "sec-fetch-site": "same-origin" }];
    for (const headers of allowed) {
      const answer = await request(`${app.url}/logout`, "POST", headers);
      assert.equal(answer.status, 303, JSON.stringify(headers));
      const cleared = answer.headers["set-cookie"] ?? [];
      assert.deepEqual(cleared.map((c) => c.split("=")[0]).sort(), ["CloudFront-Expires", "CloudFront-Hash-Algorithm", "CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
      assert.ok(cleared.every((c) => c.includes("Max-Age=0") && c.includes("Domain=example.test")));
    }
  });

  it("GET /login shows the stub sign-in form and hands out no cookies", async () => {
    const answer = await request(`${app.url}/login`, "GET");
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["set-cookie"], undefined);
    assert.match(answer.body, /<form method="post" action="\/login">/);
    assert.match(answer.body, /id="username"[\s\S]*id="password"/);
  });

  it("POST /login: signed cookies only for the authenticated user and only from the app's own page", async () => {
    const good = "username=alice&password=correct+horse";
    for (const [headers, body] of [
      [{ ...FORM, origin }, "username=alice&password=wrong"],
      [{ ...FORM, origin }, "username=&password="],
      [{ ...FORM, origin }, "username=mallory&password=correct+horse"],
    ] as const) {
      const answer = await request(`${app.url}/login`, "POST", headers, body);
      assert.equal(answer.status, 401, body);
      assert.equal(answer.headers["set-cookie"], undefined);
      assert.match(answer.body, /Wrong user name or password/);
    }
    // Login CSRF: another site's form posting valid credentials of its own choosing.
    const crossSite = await request(`${app.url}/login`, "POST", { ...FORM, origin: "https://evil.example" }, good);
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers["set-cookie"], undefined);
    const ok = await request(`${app.url}/login`, "POST", { ...FORM, "sec-fetch-site": "same-origin" }, good);
    assert.equal(ok.status, 303);
    const cookies = Object.fromEntries((ok.headers["set-cookie"] ?? []).map((c) => c.split(";")[0].split("=") as [string, string]));
    assert.deepEqual(Object.keys(cookies).sort(), ["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
    const verdict = verifyRequest({ url: "https://cdn.example.test/private/cat.jpeg", cookies, trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem } });
    assert.ok(verdict.ok, verdict.ok ? "" : verdict.detail);
  });

  it("the page logs out with a POST form, never a link", async () => {
    const page = await request(`${app.url}/`, "GET");
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/logout"><button id="logout"/);
    assert.doesNotMatch(page.body, /href="\/logout"/);
  });

  it("an app without an authentication step does not start", async () => {
    await assert.rejects(
      startApp({ signer: new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem }), domain: "example.test", cdnOrigin: "https://cdn.example.test" } as never),
      /authenticate is required/,
    );
  });
});
