import * as assert from "node:assert/strict";
import { toCloudFrontBase64 } from "../signer/src/lib/encoding";
import { customPolicy } from "../signer/src/lib/policy";
import { parsePolicy } from "../signer/src/lib/policyParse";
import { extractCredentials, parseCookieHeader, stripSigningParams } from "../signer/src/lib/signedRequest";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { ERROR_MESSAGES, errorXml, verifyRequest, type VerificationResult } from "../signer/src/lib/verifier";
import { seededRandom } from "./helpers/random";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000; // a fixed "signing time" (2030)
const at = (epoch: number): Date => new Date(epoch * 1000);
const BASE = "https://d111111abcdef8.cloudfront.net";

function expectCode(result: VerificationResult, code: string, check?: string): void {
  assert.equal(result.ok, false, `expected ${code}, got OK`);
  if (!result.ok) {
    assert.equal(result.code, code, result.detail);
    assert.equal(result.message, ERROR_MESSAGES[result.code]);
    if (check) assert.equal(result.check, check);
    assert.ok(result.detail.length > 0 && !result.detail.includes("\n"));
  }
}

describe("verifier (pure)", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const trusted = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem, [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };
  const rsa = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
  const ecdsa = new CloudFrontSigner({ keyPairId: keys.ecdsa.keyPairId, privateKey: keys.ecdsa.privateKeyPem });
  const url = `${BASE}/private/cat.jpeg`;
  const expires = T0 + 3600;

  describe("accepts what the signer produces", () => {
    for (const [name, signer] of [["RSA", rsa], ["ECDSA", ecdsa]] as const) {
      for (const hash of ["SHA1", "SHA256"] as const) {
        it(`${name} ${hash}: canned URL, custom URL, custom cookies`, () => {
          const canned = signer.signUrl(url, { expires, hashAlgorithm: hash, now: at(T0) });
          const r1 = verifyRequest({ url: canned.url, now: at(T0 + 10), trustedKeys: trusted });
          assert.ok(r1.ok, r1.ok ? "" : r1.detail);
          assert.equal(r1.policy.kind, "canned");
          assert.equal(r1.hashAlgorithm, hash);
          assert.equal(r1.keyAlgorithm, name);
          assert.equal(r1.resourceUrl, url);

          const custom = signer.signUrl(url, { expires, startsAt: T0 - 60, ipAddress: "192.0.2.0/24", hashAlgorithm: hash, now: at(T0) });
          const r2 = verifyRequest({ url: custom.url, ip: "192.0.2.77", now: at(T0 + 10), trustedKeys: trusted });
          assert.ok(r2.ok, r2.ok ? "" : r2.detail);
          assert.equal(r2.policy.kind, "custom");
          assert.equal(r2.policy.sourceIp, "192.0.2.0/24");

          const cookies = signer.signCookies(`${BASE}/private/*`, { expires, hashAlgorithm: hash, now: at(T0) }).cookies;
          const r3 = verifyRequest({ url: `${BASE}/private/reports/q3.pdf`, cookies, now: at(T0 + 10), trustedKeys: trusted });
          assert.ok(r3.ok, r3.ok ? "" : r3.detail);
          assert.equal(r3.via, "cookie");
        });
      }
    }

    it("keeps the URL's own query string in the canned resource", () => {
      const signed = rsa.signUrl(`${url}?size=large&v=2`, { expires, now: at(T0) });
      const r = verifyRequest({ url: signed.url, now: at(T0), trustedKeys: trusted });
      assert.ok(r.ok);
      assert.equal(r.resourceUrl, `${url}?size=large&v=2`);
    });
  });

  describe("each CloudFront error code, in CloudFront's order", () => {
    const good = () => rsa.signUrl(url, { expires, now: at(T0) }).url;

    it("MissingKey: no signing parameters and no cookies", () => {
      expectCode(verifyRequest({ url, now: at(T0), trustedKeys: trusted }), "MissingKey", "key-pair-id");
    });
    it("MissingKey: signing parameters without Key-Pair-Id (cookies ignored)", () => {
      const cookies = rsa.signCookies(`${BASE}/private/*`, { expires, now: at(T0) }).cookies;
      const noKey = good().replace(/&Key-Pair-Id=[^&]*/, "");
      expectCode(verifyRequest({ url: noKey, cookies, now: at(T0), trustedKeys: trusted }), "MissingKey");
    });
    it("MissingKey: empty Key-Pair-Id cookie", () => {
      const cookies = { ...rsa.signCookies(`${BASE}/private/*`, { expires, now: at(T0) }).cookies, "CloudFront-Key-Pair-Id": "" };
      expectCode(verifyRequest({ url, cookies, now: at(T0), trustedKeys: trusted }), "MissingKey");
    });
    it("InvalidKey: key pair id not in the trusted key group, even with a bad signature", () => {
      const r = verifyRequest({ url: good().replace(keys.rsa.keyPairId, "KNOTTRUSTED123").replace(/Signature=[^&]*/, "Signature=%%"), now: at(T0), trustedKeys: trusted });
      expectCode(r, "InvalidKey", "trusted-key");
      assert.match(!r.ok ? r.detail : "", /KNOTTRUSTED123/);
    });
    it("MalformedSignature: undecodable, missing, or non-canonical Signature (before the policy is read)", () => {
      expectCode(verifyRequest({ url: good().replace(/Signature=[^&]*/, "Signature=ab*cd"), now: at(T0), trustedKeys: trusted }), "MalformedSignature");
      expectCode(verifyRequest({ url: good().replace(/&Signature=[^&]*/, ""), now: at(T0), trustedKeys: trusted }), "MalformedSignature");
      const brokenPolicyAndSig = good().replace(/Expires=\d+/, "Expires=soon").replace(/Signature=[^&]*/, "Signature=a");
      expectCode(verifyRequest({ url: brokenPolicyAndSig, now: at(T0), trustedKeys: trusted }), "MalformedSignature");
      // 256-byte RSA signature: 344 chars with one pad; the last data char carries 2 spare bits.
      const signed = good();
      const sig = /Signature=([^&]*)/.exec(signed)![1];
      const last = sig[sig.length - 2];
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
      const sibling = alphabet[alphabet.indexOf(last) ^ 1];
      const mutated = signed.replace(sig, sig.slice(0, -2) + sibling + sig.slice(-1));
      expectCode(verifyRequest({ url: mutated, now: at(T0), trustedKeys: trusted }), "MalformedSignature");
    });
    it("MalformedSignature: unknown Hash-Algorithm", () => {
      expectCode(verifyRequest({ url: `${good()}&Hash-Algorithm=MD5`, now: at(T0), trustedKeys: trusted }), "MalformedSignature", "hash-algorithm");
    });
    it("MalformedPolicy: bad Expires, both Expires and Policy, neither, undecodable/invalid Policy", () => {
      const signed = good();
      expectCode(verifyRequest({ url: signed.replace(/Expires=\d+/, "Expires=12ab"), now: at(T0), trustedKeys: trusted }), "MalformedPolicy");
      expectCode(verifyRequest({ url: `${signed}&Policy=${toCloudFrontBase64("{}")}`, now: at(T0), trustedKeys: trusted }), "MalformedPolicy");
      expectCode(verifyRequest({ url: signed.replace(/Expires=\d+&?/, ""), now: at(T0), trustedKeys: trusted }), "MalformedPolicy");
      expectCode(verifyRequest({ url: signed.replace(/Expires=\d+/, "Policy=***"), now: at(T0), trustedKeys: trusted }), "MalformedPolicy");
      expectCode(verifyRequest({ url: signed.replace(/Expires=\d+/, `Policy=${toCloudFrontBase64("not json")}`), now: at(T0), trustedKeys: trusted }), "MalformedPolicy");
    });
    it("AccessDenied: bad signature (and a hint when only the hash marker is wrong)", () => {
      const sha256 = rsa.signUrl(url, { expires, hashAlgorithm: "SHA256", now: at(T0) }).url;
      const r = verifyRequest({ url: sha256.replace("&Hash-Algorithm=SHA256", ""), now: at(T0), trustedKeys: trusted });
      expectCode(r, "AccessDenied", "signature");
      assert.match(!r.ok ? r.detail : "", /Hash-Algorithm=SHA256 is missing/);
      const stranger = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.stranger.privateKeyPem });
      expectCode(verifyRequest({ url: stranger.signUrl(url, { expires, now: at(T0) }).url, now: at(T0), trustedKeys: trusted }), "AccessDenied", "signature");
    });
    it("the 403 body is CloudFront's XML", () => {
      assert.equal(
        errorXml("MissingKey", ERROR_MESSAGES.MissingKey),
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>',
      );
    });
  });

  describe("time boundaries (both exclusive)", () => {
    it("DateLessThan: allowed one second before, denied at exactly DateLessThan and after", () => {
      const signed = rsa.signUrl(url, { expires, now: at(T0) }).url;
      assert.ok(verifyRequest({ url: signed, now: at(expires - 1), trustedKeys: trusted }).ok);
      assert.ok(verifyRequest({ url: signed, now: new Date(expires * 1000 - 1), trustedKeys: trusted }).ok);
      expectCode(verifyRequest({ url: signed, now: at(expires), trustedKeys: trusted }), "AccessDenied", "expires");
      expectCode(verifyRequest({ url: signed, now: at(expires + 1), trustedKeys: trusted }), "AccessDenied", "expires");
    });
    it("DateGreaterThan: denied at exactly DateGreaterThan, allowed one second after", () => {
      const start = T0 + 600;
      const signed = rsa.signUrl(url, { expires, startsAt: start, now: at(T0) }).url;
      expectCode(verifyRequest({ url: signed, now: at(start - 1), trustedKeys: trusted }), "AccessDenied", "starts");
      expectCode(verifyRequest({ url: signed, now: at(start), trustedKeys: trusted }), "AccessDenied", "starts");
      assert.ok(verifyRequest({ url: signed, now: at(start + 1), trustedKeys: trusted }).ok);
    });
  });

  describe("IP condition", () => {
    const signed = () => rsa.signUrl(url, { expires, ipAddress: "198.51.100.0/24", now: at(T0) }).url;
    it("inside/outside the CIDR, IPv4-mapped IPv6, IPv6 and unknown viewer", () => {
      assert.ok(verifyRequest({ url: signed(), ip: "198.51.100.255", now: at(T0), trustedKeys: trusted }).ok);
      assert.ok(verifyRequest({ url: signed(), ip: "::ffff:198.51.100.3", now: at(T0), trustedKeys: trusted }).ok);
      expectCode(verifyRequest({ url: signed(), ip: "198.51.101.1", now: at(T0), trustedKeys: trusted }), "AccessDenied", "ip");
      const v6 = verifyRequest({ url: signed(), ip: "2001:db8::1", now: at(T0), trustedKeys: trusted });
      expectCode(v6, "AccessDenied", "ip");
      assert.match(!v6.ok ? v6.detail : "", /IPv6/);
      expectCode(verifyRequest({ url: signed(), now: at(T0), trustedKeys: trusted }), "AccessDenied", "ip");
    });
  });

  describe("resource matching and precedence", () => {
    it("a wildcard cookie covers its files and refuses others, naming the section", () => {
      const cookies = rsa.signCookies(`${BASE}/private/reports/*`, { expires, now: at(T0) }).cookies;
      assert.ok(verifyRequest({ url: `${BASE}/private/reports/2026/q3.pdf?download=1`, cookies, now: at(T0), trustedKeys: trusted }).ok);
      const r = verifyRequest({ url: `${BASE}/private/cat.jpeg`, cookies, now: at(T0), trustedKeys: trusted });
      expectCode(r, "AccessDenied", "resource");
      assert.match(!r.ok ? r.detail : "", /path/);
      expectCode(verifyRequest({ url: "https://other.example.com/private/reports/q3.pdf", cookies, now: at(T0), trustedKeys: trusted }), "AccessDenied", "resource");
    });
    it("a canned cookie works for its one URL only", () => {
      const cookies = rsa.signCookies(url, { expires, now: at(T0) }).cookies;
      assert.ok("CloudFront-Expires" in cookies);
      assert.ok(verifyRequest({ url, cookies, now: at(T0), trustedKeys: trusted }).ok);
      expectCode(verifyRequest({ url: `${BASE}/private/dog.jpeg`, cookies, now: at(T0), trustedKeys: trusted }), "AccessDenied", "signature");
    });
    it("URL credentials take precedence over valid cookies as soon as any signing parameter is present", () => {
      const cookies = rsa.signCookies(`${BASE}/private/*`, { expires, now: at(T0) }).cookies;
      assert.ok(verifyRequest({ url, cookies, now: at(T0), trustedKeys: trusted }).ok);
      const r = verifyRequest({ url: `${url}?Hash-Algorithm=SHA256`, cookies, now: at(T0), trustedKeys: trusted });
      expectCode(r, "MissingKey");
      assert.equal(!r.ok && r.via, "url");
      const expired = rsa.signUrl(url, { expires: T0 + 10, now: at(T0) }).url;
      expectCode(verifyRequest({ url: expired, cookies, now: at(T0 + 20), trustedKeys: trusted }), "AccessDenied", "expires");
    });
    it("a policy without Resource covers every URL", () => {
      const text = `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
      const crypto = require("node:crypto") as typeof import("node:crypto");
      const sig = crypto.sign("sha1", Buffer.from(text), keys.rsa.privateKeyPem);
      const signed = `${BASE}/anything?Policy=${toCloudFrontBase64(text)}&Signature=${toCloudFrontBase64(sig)}&Key-Pair-Id=${keys.rsa.keyPairId}`;
      assert.ok(verifyRequest({ url: signed, now: at(T0), trustedKeys: trusted }).ok);
    });
  });

  describe("property: any single-byte change to a signed URL is rejected", () => {
    const SAMPLE = 400;
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.%/?&=*:#+!$'(),;@ ";
    for (const [label, make] of [
      ["canned RSA", () => rsa.signUrl(`${url}?v=1`, { expires, now: at(T0) }).url],
      ["custom ECDSA", () => ecdsa.signUrl(`${url}?v=1`, { expires, startsAt: T0 - 5, now: at(T0) }).url],
    ] as const) {
      it(`${label}: ${SAMPLE} seeded mutations of the resource, policy and signature`, () => {
        const signed = make();
        assert.ok(verifyRequest({ url: signed, now: at(T0), trustedKeys: trusted }).ok, "the untouched URL is accepted");
        const random = seededRandom(label.length * 7919);
        // Mutable regions: the resource (everything before the signing parameters), the Expires/Policy
        // value and the Signature value. Key-Pair-Id changes give InvalidKey, covered above.
        const signingStart = signed.search(/[?&](Expires|Policy)=/);
        const policyValue = /(?:Expires|Policy)=([^&]*)/.exec(signed)!;
        const sigValue = /Signature=([^&]*)/.exec(signed)!;
        const regions: [number, number][] = [
          [BASE.length, signingStart], // path and own query (the scheme/host are covered by the same rebuild)
          [policyValue.index + policyValue[0].length - policyValue[1].length, policyValue.index + policyValue[0].length],
          [sigValue.index + sigValue[0].length - sigValue[1].length, sigValue.index + sigValue[0].length],
          [0, BASE.length],
        ];
        let rejected = 0;
        for (let i = 0; i < SAMPLE; i++) {
          const [from, to] = regions[i % regions.length];
          const pos = from + Math.floor(random() * (to - from));
          let replacement = chars[Math.floor(random() * chars.length)];
          if (replacement === signed[pos]) replacement = signed[pos] === "A" ? "B" : "A";
          const mutated = signed.slice(0, pos) + replacement + signed.slice(pos + 1);
          const r = verifyRequest({ url: mutated, now: at(T0), trustedKeys: trusted });
          assert.equal(r.ok, false, `accepted a mutation at ${pos} (${JSON.stringify(signed[pos])} -> ${JSON.stringify(replacement)}): ${mutated}`);
          rejected++;
        }
        assert.equal(rejected, SAMPLE);
      });
    }
  });
});

describe("policy parsing (shape checks)", () => {
  const ok = (text: string) => parsePolicy(text);
  it("accepts what customPolicy builds", () => {
    const text = customPolicy({ resource: "https://a/*", dateLessThan: 2000000000, dateGreaterThan: 1900000000, sourceIp: "10.0.0.0/8" });
    assert.deepEqual(ok(text), { ok: true, conditions: { resource: "https://a/*", dateLessThan: 2000000000, dateGreaterThan: 1900000000, sourceIp: "10.0.0.0/8" } });
  });
  for (const [name, text] of [
    ["two statements", `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}`],
    ["no DateLessThan", `{"Statement":[{"Resource":"*","Condition":{"DateGreaterThan":{"AWS:EpochTime":1}}}]}`],
    ["quoted epoch", `{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":"2000000000"}}}]}`],
    ["fractional epoch", `{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000.5}}}]}`],
    ["IPv6 source", `{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":2},"IpAddress":{"AWS:SourceIp":"2001:db8::/32"}}}]}`],
    ["unknown condition", `{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":2},"Referer":{}}}]}`],
    ["not an object", `[1]`],
    ["not JSON", `{"Statement":`],
    ["Statement not an array", `{"Statement":{}}`],
  ] as const) {
    it(`refuses ${name}`, () => {
      const r = ok(text);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason.length > 0);
    });
  }
});

describe("signed request parsing", () => {
  it("strips every signing parameter, keeping the rest byte for byte", () => {
    const r = stripSigningParams("https://h/p?b=2&Expires=5&a=%2F&Signature=x&Key-Pair-Id=K&Hash-Algorithm=SHA256");
    assert.equal(r.url, "https://h/p?b=2&a=%2F");
    assert.equal(r.params.get("Expires"), "5");
    assert.equal(stripSigningParams("https://h/p?Expires=5").url, "https://h/p");
  });
  it("parses Cookie headers (first wins, quotes removed)", () => {
    assert.deepEqual(parseCookieHeader(` a=1; b="2"; a=3;junk; c=x=y`), { a: "1", b: "2", c: "x=y" });
  });
  it("URL parameters win over cookies", () => {
    const r = extractCredentials("https://h/p?Key-Pair-Id=K1", { "CloudFront-Key-Pair-Id": "K2" });
    assert.equal(r.credentials?.via, "url");
    assert.equal(r.credentials?.keyPairId, "K1");
    assert.equal(extractCredentials("https://h/p", { "CloudFront-Key-Pair-Id": "K2" }).credentials?.via, "cookie");
    assert.equal(extractCredentials("https://h/p", { other: "x" }).credentials, undefined);
  });
});
