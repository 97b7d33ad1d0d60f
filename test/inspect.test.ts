import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { toCloudFrontBase64 } from "../signer/src/lib/encoding";
import { inspectSigned, parseInspectInput, relativeTime, wildcardWidthWarning } from "../signer/src/lib/inspect";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { runCli } from "./helpers/cli";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000;
const NOW = new Date(T0 * 1000);
const BASE = "https://cdn.example.com";

describe("inspect (keyless decoding)", function () {
  this.timeout(30_000);
  const keys = testKeys();
  const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });

  it("recognises a URL, a Cookie header, Set-Cookie lines and cookies JSON", () => {
    assert.equal(parseInspectInput(" https://a/b?c=1 ").kind, "url");
    assert.deepEqual(parseInspectInput("Cookie: CloudFront-Policy=x; a=b").cookies, { "CloudFront-Policy": "x", a: "b" });
    assert.deepEqual(parseInspectInput("CloudFront-Policy=x; a=b").cookies, { "CloudFront-Policy": "x", a: "b" });
    const set = parseInspectInput("Set-Cookie: CloudFront-Policy=x; Domain=cdn.example.com; Path=/; Secure; HttpOnly\nSet-Cookie: CloudFront-Signature=y; Path=/");
    assert.deepEqual(set.cookies, { "CloudFront-Policy": "x", "CloudFront-Signature": "y" });
    assert.equal(set.setCookies?.[0].domain, "cdn.example.com");
    assert.equal(set.setCookies?.[1].secure, false);
    assert.deepEqual(parseInspectInput('{"cookies":{"CloudFront-Policy":"x"}}').cookies, { "CloudFront-Policy": "x" });
    assert.throws(() => parseInspectInput("   "), /nothing to inspect/);
    assert.throws(() => parseInspectInput("hello"), /not a URL or cookies/);
  });

  it("decodes a canned URL: key, hash, times, rebuilt policy; no warnings when fine", () => {
    const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: T0 + 3600, now: NOW }).url;
    const r = inspectSigned(parseInspectInput(url), { now: NOW });
    assert.equal(r.via, "url");
    assert.equal(r.keyPairId, keys.rsa.keyPairId);
    assert.equal(r.policyKind, "canned");
    assert.equal(r.hashAlgorithm, "SHA1");
    assert.equal(r.hashDeclared, false);
    assert.equal(r.expires?.iso, "2030-03-17T18:46:40Z");
    assert.equal(r.expires?.relative, "in 1h");
    assert.equal(r.signatureBytes, 256);
    assert.equal(r.policyText, `{"Statement":[{"Resource":"${BASE}/private/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":${T0 + 3600}}}}]}`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, []);
  });

  it("errors: expired, not yet valid, URL outside the policy resource; warns: IP condition and IPv6", () => {
    const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: T0 + 60, startsAt: T0 + 30, ipAddress: "192.0.2.1", policyResource: `${BASE}/private/*`, now: NOW }).url;
    const early = inspectSigned(parseInspectInput(url), { now: NOW });
    assert.ok(early.errors.some((w) => /not valid yet: starts in 30s/.test(w)), early.errors.join("|"));
    assert.ok(early.warnings.some((w) => /IPv4-only/.test(w) && /IPv6/.test(w)));
    assert.equal(early.sourceIp, "192.0.2.1/32");
    const ipv6On = inspectSigned(parseInspectInput(url), { now: NOW, ipv6Enabled: true });
    assert.ok(ipv6On.warnings.some((w) => /serves IPv6 \(ipv6Enabled\)/.test(w)), ipv6On.warnings.join("|"));
    const ipv6Off = inspectSigned(parseInspectInput(url), { now: NOW, ipv6Enabled: false });
    assert.ok(!ipv6Off.warnings.some((w) => /IPv6/.test(w)), "no IPv6 warning when the distribution has IPv6 off");
    const late = inspectSigned(parseInspectInput(url), { now: new Date((T0 + 3600) * 1000) });
    assert.ok(late.errors.some((w) => /^expired 59m ago/.test(w)), late.errors.join("|"));
    const moved = url.replace("/private/a.jpg", "/public/a.jpg");
    assert.ok(inspectSigned(parseInspectInput(moved), { now: new Date((T0 + 40) * 1000) }).errors.some((w) => /outside the policy resource/.test(w)));
  });

  it("warns about a wildcard wider than the protected paths", () => {
    assert.match(wildcardWidthWarning(`${BASE}/*`, ["/private/*"]) ?? "", /grants every path/);
    assert.match(wildcardWidthWarning("*", undefined) ?? "", /every path/);
    assert.match(wildcardWidthWarning(`${BASE}*`, undefined) ?? "", /every path/);
    assert.match(wildcardWidthWarning(`${BASE}/pri*`, ["/private/*"]) ?? "", /wider than the protected path patterns/);
    assert.match(wildcardWidthWarning(`${BASE}/private/*`, ["/private/reports/*"]) ?? "", /wider/);
    assert.equal(wildcardWidthWarning(`${BASE}/private/reports/*`, ["/private/*"]), undefined);
    assert.equal(wildcardWidthWarning(`${BASE}/private/*`, ["/private/*"]), undefined);
    assert.equal(wildcardWidthWarning(`${BASE}/*`, ["/private/*"], true), undefined, "everything is protected anyway");
    assert.equal(wildcardWidthWarning(`${BASE}/private/a.jpg`, ["/private/*"]), undefined, "no wildcard");
    const cookies = signer.signCookies(`${BASE}/*`, { expires: T0 + 60, now: NOW }).cookies;
    const r = inspectSigned({ kind: "cookies", cookies }, { now: NOW, protectedPaths: ["/private/*"] });
    assert.ok(r.warnings.some((w) => /grants every path/.test(w)));
  });

  it("warns that a canned cookie only works for one URL; flags cloudfront.net domains and missing Secure", () => {
    const signed = signer.signCookies(`${BASE}/private/a.jpg`, { expires: T0 + 60, now: NOW });
    const block = signed.setCookieHeaders.map((h) => `Set-Cookie: ${h}`).join("\n");
    const r = inspectSigned(parseInspectInput(block), { now: NOW });
    assert.equal(r.policyKind, "canned");
    assert.ok(r.warnings.some((w) => /one exact URL/.test(w)));
    const bad = inspectSigned(
      parseInspectInput(`Set-Cookie: CloudFront-Key-Pair-Id=K; Domain=.d111.cloudfront.net; Path=/\nSet-Cookie: CloudFront-Expires=${T0 + 60}; Secure\nSet-Cookie: CloudFront-Signature=AAAA; Secure`),
      { now: NOW },
    );
    assert.ok(bad.warnings.some((w) => /cloudfront\.net/.test(w)));
    assert.ok(bad.warnings.some((w) => /CloudFront-Key-Pair-Id: no Secure/.test(w)));
  });

  it("reports what CloudFront would refuse outright", () => {
    const errorsOf = (text: string) => inspectSigned(parseInspectInput(text), { now: NOW }).errors.join("|");
    assert.match(errorsOf(`${BASE}/a.jpg`), /no signing parameters/);
    assert.match(errorsOf(`${BASE}/a.jpg?Expires=${T0}&Signature=AAAA`), /Key-Pair-Id is missing/);
    assert.match(errorsOf(`${BASE}/a.jpg?Expires=${T0}&Key-Pair-Id=K`), /Signature is missing/);
    assert.match(errorsOf(`${BASE}/a.jpg?Policy=${toCloudFrontBase64("{}")}&Signature=AAAA&Key-Pair-Id=K`), /MalformedPolicy/);
    assert.match(errorsOf(`${BASE}/a.jpg?Expires=1&Policy=x&Signature=AAAA&Key-Pair-Id=K`), /both Expires and Policy/);
    assert.match(errorsOf(`${BASE}/a.jpg?Expires=${T0}&Signature=AAAA&Key-Pair-Id=K&Hash-Algorithm=MD5`), /not SHA1 or SHA256/);
    assert.match(errorsOf("a=b"), /no CloudFront-\* cookies/);
  });

  it("relative times", () => {
    assert.equal(relativeTime(T0, NOW), "now");
    assert.equal(relativeTime(T0 + 90, NOW), "in 1m 30s");
    assert.equal(relativeTime(T0 - 3 * 86400 - 7200, NOW), "3d 2h ago");
  });

  describe("cf-sign inspect (CLI)", () => {
    it("prints the report; exit 0 when usable, 1 when CloudFront would refuse, 2 on bad input", async () => {
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
      const ok = await runCli(["inspect", url]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /key pair id\s+KRSATESTKEY001/);
      assert.match(ok.stdout, /expires\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+\(in (59m|1h)/);
      const missing = await runCli(["inspect", `${BASE}/private/a.jpg`]);
      assert.equal(missing.code, 1);
      const bad = await runCli(["inspect"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error: [^\n]+\n$/);
    });
    it("reads Set-Cookie lines from stdin and compares wildcards with the outputs' protected paths", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inspect-cli-"));
      try {
        const outputsFile = path.join(dir, "outputs.json");
        fs.writeFileSync(outputsFile, JSON.stringify({ protectedPaths: ["/private/reports/*"], protectDefaultBehavior: false }));
        const cookies = signer.signCookies(`${BASE}/private/*`, { expires: "1h" }).setCookieHeaders.map((h) => `Set-Cookie: ${h}`).join("\n");
        const r = await runCli(["inspect", "-", "--outputs-file", outputsFile, "--json"], { stdin: cookies });
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as { via: string; warnings: string[] };
        assert.equal(report.via, "cookie");
        assert.ok(report.warnings.some((w) => /wider than the protected path patterns \(\/private\/reports\/\*\)/.test(w)));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    it("takes the IPv6 setting of the distribution from the outputs' ipv6Enabled", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inspect-cli-"));
      try {
        const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h", ipAddress: "192.0.2.0/24" }).url;
        const warningsWith = async (ipv6Enabled: boolean): Promise<string[]> => {
          const outputsFile = path.join(dir, `outputs-${ipv6Enabled}.json`);
          fs.writeFileSync(outputsFile, JSON.stringify({ protectedPaths: ["/private/*"], protectDefaultBehavior: false, ipv6Enabled }));
          const r = await runCli(["inspect", url, "--outputs-file", outputsFile, "--json"]);
          assert.equal(r.code, 0, r.stderr);
          return (JSON.parse(r.stdout) as { warnings: string[] }).warnings;
        };
        assert.ok((await warningsWith(true)).some((w) => /serves IPv6/.test(w)));
        assert.ok(!(await warningsWith(false)).some((w) => /IPv6/.test(w)));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
