import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { corsHeaders, validateCorsPolicy } from "../scripts/edge/cors";
import { RunningEdge, startEdge } from "../scripts/edge/server";
import { throwawayCertificate, ThrowawayCertificate } from "../scripts/edge/tlsCert";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { EDGE_MAIN, startEdgeProcess } from "./helpers/edgeProcess";
import { testKeys } from "./helpers/verifyKeys";

function get(url: string, ca: string, headers: Record<string, string> = {}, servername = "cdn.example.test"): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, servername, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
  });
}

describe("local edge --tls (throwaway certificate) and CORS (response headers policy)", function () {
  const keys = testKeys();
  const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
  let cert: ThrowawayCertificate;
  let edge: RunningEdge;

  before(async () => {
    cert = throwawayCertificate(["cdn.example.test"]);
    edge = await startEdge({
      root: path.join(__dirname, "fixtures", "assets"),
      port: 0,
      trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem },
      tls: { key: cert.key, cert: cert.cert },
      cors: { allowOrigins: ["https://app.example.test"], allowCredentials: true },
    });
  });
  after(async () => {
    await edge?.close();
    cert?.dispose();
  });

  it("makes a certificate at run time for the names and 127.0.0.1; the key file is 0600 in a 0700 directory, removed by dispose", () => {
    const x509 = new crypto.X509Certificate(cert.cert);
    assert.match(x509.subjectAltName ?? "", /DNS:cdn\.example\.test/);
    assert.match(x509.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
    assert.ok(x509.verify(x509.publicKey), "self-signed");
    assert.ok(x509.checkPrivateKey(crypto.createPrivateKey(cert.key)));
    assert.equal(fs.statSync(cert.keyFile).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(cert.keyFile)).mode & 0o777, 0o700);
    const other = throwawayCertificate(["x.example.test"]);
    other.dispose();
    assert.equal(fs.existsSync(other.keyFile), false);
    assert.throws(() => throwawayCertificate(["bad name"]), /not a lower-case DNS name/);
  });

  it("serves HTTPS and checks signatures against the https:// URL the viewer requested", async () => {
    assert.ok(edge.url.startsWith("https://127.0.0.1:"));
    const host = `cdn.example.test:${edge.port}`;
    const signed = signer.signUrl(`https://${host}/private/data.json`, { expires: "5m" });
    const ok = await get(`${edge.url}${signed.url.slice(`https://${host}`.length)}`, cert.cert, { Host: host });
    assert.equal(ok.status, 200);
    // Signed for http:// but requested over https://: the policy resource does not match, as on CloudFront.
    const wrongScheme = signer.signUrl(`http://${host}/private/data.json`, { expires: "5m" });
    const denied = await get(`${edge.url}${wrongScheme.url.slice(`http://${host}`.length)}`, cert.cert, { Host: host });
    assert.equal(denied.status, 403);
  });

  it("adds CORS headers only for an allowed Origin, with credentials, on 200 and on the edge's 403", async () => {
    const origin = "https://app.example.test";
    const allowed = await get(`${edge.url}/index.html`, cert.cert, { Origin: origin });
    assert.equal(allowed.headers["access-control-allow-origin"], origin);
    assert.equal(allowed.headers["access-control-allow-credentials"], "true");
    const forbidden = await get(`${edge.url}/private/data.json`, cert.cert, { Origin: origin });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers["access-control-allow-origin"], origin);
    const other = await get(`${edge.url}/index.html`, cert.cert, { Origin: "https://evil.example" });
    assert.equal(other.headers["access-control-allow-origin"], undefined);
    const none = await get(`${edge.url}/index.html`, cert.cert);
    assert.equal(none.headers["access-control-allow-origin"], undefined);
  });

  it("npm run edge -- --tls: prints where the certificate is, serves HTTPS, removes the key on SIGTERM", async function () {
    if (!fs.existsSync(EDGE_MAIN)) throw new Error(`${EDGE_MAIN} is missing: run "npm run build" first (npm test does it)`);
    const { child, banner: out } = await startEdgeProcess(["--tls", "--tls-host", "cdn.example.test", "--port", "0", "--quiet"], /\n  tls .*\n/);
    try {
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const certFile = /\((\/[^;]+tls-cert\.pem);/.exec(out)?.[1];
      assert.ok(url && certFile, out);
      const keyFile = path.join(path.dirname(certFile), "tls-key.pem");
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.doesNotMatch(out, /PRIVATE KEY/);
      const response = await get(`${url}/index.html`, fs.readFileSync(certFile, "utf8"));
      assert.equal(response.status, 200);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      assert.equal(fs.existsSync(keyFile), false, "the key file is removed when the edge stops");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("corsHeaders / validateCorsPolicy (pure)", () => {
    assert.deepEqual(corsHeaders({ allowOrigins: ["*"], allowCredentials: false }, "https://a.test"), { "Access-Control-Allow-Origin": "*", Vary: "Origin" });
    assert.deepEqual(corsHeaders({ allowOrigins: ["https://a.test"], allowCredentials: true }, undefined), {});
    assert.throws(() => validateCorsPolicy({ allowOrigins: ["*"], allowCredentials: true }), /cannot be combined with credentials/);
    assert.throws(() => validateCorsPolicy({ allowOrigins: ["https://a.test/path"], allowCredentials: true }), /is not an origin/);
  });
});
