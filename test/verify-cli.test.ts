import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { runCli } from "./helpers/cli";
import { testKeys, writeVerifyFixtures } from "./helpers/verifyKeys";

describe("cf-sign verify (compiled CLI as a child process)", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
  const BASE = "https://cdn.example.com";
  let dir: string;
  let pubFile: string;
  let outputsFile: string;
  const keyArgs = () => ["--key-pair-id", keys.rsa.keyPairId, "--public-key-file", pubFile];

  before(() => {
    ({ dir, pubFile, outputsFile } = writeVerifyFixtures("verify-cli-", keys.rsa.publicKeyPem, {
      baseUrl: BASE,
      keyPairId: keys.rsa.keyPairId,
      keyPairIds: { "2026-01": keys.ecdsa.keyPairId, "2026-07": keys.rsa.keyPairId },
      publicKeyPems: { "2026-01": keys.ecdsa.publicKeyPem, "2026-07": keys.rsa.publicKeyPem },
      protectedPaths: ["/private/*"],
      protectDefaultBehavior: false,
    }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exit 0 and OK for a URL CloudFront would serve", async () => {
    const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
    const r = await runCli(["verify", url, ...keyArgs()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OK CloudFront would serve https:\/\/cdn\.example\.com\/private\/a\.jpg\n/);
    assert.match(r.stdout, /canned/);
    assert.equal(r.stderr, "");
  });

  it("exit 1 with the CloudFront code, message and explanation", async () => {
    const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
    const late = await runCli(["verify", url, ...keyArgs(), "--at", "2h"]);
    assert.equal(late.code, 1);
    assert.match(late.stdout, /^AccessDenied: Access denied\n/);
    assert.match(late.stdout, /check\s+expires/);
    assert.match(late.stdout, /why\s+expired: DateLessThan is/);
    const missing = await runCli(["verify", `${BASE}/private/a.jpg`, ...keyArgs()]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^MissingKey: Missing Key-Pair-Id query parameter or cookie value/);
    const stranger = new CloudFrontSigner({ keyPairId: "KSOMEONEELSE01", privateKey: keys.stranger.privateKeyPem });
    const unknown = await runCli(["verify", stranger.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url, ...keyArgs()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /^InvalidKey: Unknown Key/);
  });

  it("cookies (--cookie), the viewer IP (--ip) and JSON output", async () => {
    const cookies = signer.signCookies(`${BASE}/private/*`, { expires: "1h", ipAddress: "203.0.113.0/24" }).cookies;
    const cookieArgs = Object.entries(cookies).flatMap(([k, v]) => ["--cookie", `${k}=${v}`]);
    const ok = await runCli(["verify", `${BASE}/private/x/y.pdf`, ...cookieArgs, "--ip", "203.0.113.9", ...keyArgs()]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const header = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
    const wrongIp = await runCli(["verify", `${BASE}/private/x/y.pdf`, "--cookie", header, "--ip", "198.51.100.1", ...keyArgs(), "--json"]);
    assert.equal(wrongIp.code, 1);
    const result = JSON.parse(wrongIp.stdout) as { ok: boolean; code: string; check: string; via: string };
    assert.deepEqual([result.ok, result.code, result.check, result.via], [false, "AccessDenied", "ip", "cookie"]);
  });

  it("keys from the stack outputs: the whole key group, a path resolved against baseUrl, unprotected paths noted", async () => {
    const ecdsa = new CloudFrontSigner({ keyPairId: keys.ecdsa.keyPairId, privateKey: keys.ecdsa.privateKeyPem });
    const old = ecdsa.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
    const r = await runCli(["verify", old, "--outputs-file", outputsFile]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ECDSA, SHA256/);
    const fromPath = await runCli(["verify", "/private/a.jpg", "--outputs-file", outputsFile]);
    assert.equal(fromPath.code, 1);
    assert.match(fromPath.stdout, /^MissingKey/);
    assert.match(fromPath.stdout, /url\s+https:\/\/cdn\.example\.com\/private\/a\.jpg/);
    const open = await runCli(["verify", `${BASE}/index.html`, "--outputs-file", outputsFile]);
    assert.equal(open.code, 0, "an unprotected path is served whatever its credentials");
    assert.match(open.stdout, /^OK CloudFront would serve https:\/\/cdn\.example\.com\/index\.html without checking credentials\n/);
    assert.match(open.stdout, /note: \/index\.html matches no protected path pattern/);
  });

  it("bad input: exit 2, one error line, no stack trace", async () => {
    for (const args of [
      ["verify"],
      ["verify", `${BASE}/a`],
      ["verify", `${BASE}/a`, "--key-pair-id", "K1"],
      ["verify", `${BASE}/a`, "--key-pair-id", "K1", "--public-key-file", path.join(dir, "nope.pem")],
      ["verify", `${BASE}/a`, "--bogus"],
      ["verify", `${BASE}/a`, ...keyArgs(), "--at", "yesterday"],
      ["verify", `${BASE}/a`, ...keyArgs(), "--cookie", "novalue"],
      ["verify", "ftp://x/a", ...keyArgs()],
      ["verify", `${BASE}/a`, "--key-pair-id", "K1", "--public-key-file", outputsFile],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
      assert.match(r.stderr, /^error: [^\n]+\n$/, args.join(" "));
      assert.equal(r.stdout, "");
    }
  });
});
