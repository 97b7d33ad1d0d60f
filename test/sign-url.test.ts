import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { InputError } from "../signer/src/lib/errors";
import { CloudFrontSigner, SignOptions } from "../signer/src/lib/signer";
import { normalizeResourcePattern, normalizeUrl } from "../signer/src/lib/url";
import { testKeys } from "./helpers/signingKeys";
import { decodeCf, splitSignedUrl } from "./helpers/signedUrl";

const NOW = new Date("2030-01-01T00:00:00Z");
const NOW_S = NOW.getTime() / 1000;
const KEY_ID = "K2JCJMDEHXQW5F";

function throwsInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "one-line message");
    return true;
  });
}

interface Policy {
  Statement: { Resource: string; Condition: { DateLessThan: { "AWS:EpochTime": number }; DateGreaterThan?: { "AWS:EpochTime": number }; IpAddress?: { "AWS:SourceIp": string } } }[];
}

describe("signer: URL validation", () => {
  const fail = (url: string, pattern: RegExp) => throwsInput(() => normalizeUrl(url), pattern);
  it("normalizes scheme, host, default port, empty path and empty query only", () => {
    assert.equal(normalizeUrl("HTTPS://D1.CloudFront.NET"), "https://d1.cloudfront.net/");
    assert.equal(normalizeUrl("https://d1.cloudfront.net:443/A/B.jpg?X=%2f&y=+"), "https://d1.cloudfront.net/A/B.jpg?X=%2f&y=+");
    assert.equal(normalizeUrl("http://h:80/"), "http://h/");
    assert.equal(normalizeUrl("http://127.0.0.1:8443/a"), "http://127.0.0.1:8443/a");
    assert.equal(normalizeUrl("https://h?a=1"), "https://h/?a=1");
    assert.equal(normalizeUrl("https://h/p?"), "https://h/p");
    assert.equal(normalizeUrl("https://h/p?a=1&&"), "https://h/p?a=1");
    assert.equal(normalizeUrl("https://h/it's/(1)!~*.jpg"), "https://h/it's/(1)!~*.jpg");
  });
  it("refuses a fragment", () => fail("https://h/a.jpg#top", /^url: has a fragment \("#top"\); clients never send the # part, so remove it/));
  it("refuses an existing signing parameter", () => {
    for (const name of ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"]) {
      fail(`https://h/a?x=1&${name}=2`, new RegExp(`^url: the query already has the CloudFront signing parameter "${name}"; CloudFront would read it as a signature`));
    }
    fail("https://h/a?Key%2DPair%2DId=1", /signing parameter "Key-Pair-Id"/);
    assert.equal(normalizeUrl("https://h/a?expires=1"), "https://h/a?expires=1");
  });
  it("refuses a raw space", () => fail("https://h/a b.jpg", /^url: contains a raw space at position 12; percent-encode it as %20/));
  it("refuses non-ASCII", () => {
    fail("https://h/café.jpg", /^url: contains the non-ASCII character "é" at position 14; percent-encode it \(%C3%A9\) and use the punycode/);
    fail("https://bücher.example/", /non-ASCII character "ü".*punycode \(xn--\)/);
  });
  it("refuses a double quote", () => fail('https://h/"a".jpg', /^url: contains a double quote \("\) at position 11; percent-encode it as %22$/));
  it("refuses a backslash", () => fail("https://h/a\\b", /^url: contains a backslash at position 12; percent-encode it as %5C/));
  it("refuses control characters", () => fail("https://h/a\tb", /^url: contains a control character \(U\+0009\) at position 12; percent-encode it as %09$/));
  it("refuses characters clients percent-encode and ' in the query", () => {
    fail("https://h/<a>", /^url: contains "<" at position 11, which clients percent-encode; write it as %3C$/);
    fail("https://h/a{b}", /contains "\{".*%7B/);
    fail("https://h/a?q=it's", /^url: the query contains ' which browsers rewrite to %27/);
  });
  it("refuses a stray %", () => fail("https://h/100%", /^url: has a "%" at position 14 not followed by two hex digits; write a literal % as %25$/));
  it("refuses dot segments", () => {
    fail("https://h/a/../b", /^url: the path has a dot segment \("\/\.\.\/"\), which clients collapse before sending/);
    fail("https://h/./b", /dot segment \("\/\.\/"\)/);
    fail("https://h/a/%2e%2E/b", /dot segment/);
    assert.equal(normalizeUrl("https://h/a/.../b..c/.d"), "https://h/a/.../b..c/.d");
  });
  it("refuses non-http schemes", () => {
    fail("ftp://h/a", /^url: the scheme "ftp" is not supported; CloudFront signed URLs use https:\/\/ \(or http:\/\/\)$/);
    fail("rtmp://h/a", /scheme "rtmp"/);
  });
  it("refuses relative URLs, user info, bad hosts and ports", () => {
    fail("/private/a.jpg", /^url: "\/private\/a\.jpg" is a path, not a URL; give https:\/\/<domain>\/private\/a\.jpg/);
    fail("h/a.jpg", /is not an absolute URL/);
    fail("https://user:pw@h/a", /user info/);
    fail("https:///a", /has no domain/);
    fail("https://a..b/", /is not a valid domain name/);
    fail("https://h:0/", /invalid port "0"/);
    fail("https://h:99999/", /invalid port/);
  });
  it("validates wildcard resource patterns verbatim", () => {
    assert.equal(normalizeResourcePattern("HTTPS://CDN.example.com/Private/*"), "https://cdn.example.com/Private/*");
    assert.equal(normalizeResourcePattern("*://*.example.com*"), "*://*.example.com*");
    assert.equal(normalizeResourcePattern("*"), "*");
    throwsInput(() => normalizeResourcePattern("https://h/a b*", "--policy-resource"), /^--policy-resource: contains a raw space/);
    throwsInput(() => normalizeResourcePattern("ftp://h/*", "--policy-resource"), /scheme "ftp"/);
  });
});

for (const kind of ["RSA", "ECDSA"] as const) {
  describe(`signer: ${kind} URLs and cookies`, () => {
    const keys = testKeys();
    const privatePem = kind === "RSA" ? keys.rsa.pkcs1 : keys.ec.sec1;
    const publicKey = crypto.createPublicKey(kind === "RSA" ? keys.rsa.spki : keys.ec.spki);
    const signer = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: privatePem });
    const verify = (policy: string, signature: string, digest: string) =>
      crypto.verify(digest, Buffer.from(policy), publicKey, decodeCf(signature));

    it("defaults the hash by key type", () => {
      const signed = signer.signUrl("https://h/a", { expires: "1h", now: NOW });
      assert.equal(signed.hashAlgorithm, kind === "RSA" ? "SHA1" : "SHA256");
      assert.equal(splitSignedUrl(signed.url).params["Hash-Algorithm"], kind === "RSA" ? undefined : "SHA256");
      assert.equal(signer.algorithm, kind);
    });

    for (const hash of ["SHA1", "SHA256"] as const) {
      const digest = hash === "SHA1" ? "sha1" : "sha256";
      it(`canned URL (${hash}): Resource = returned URL minus signing parameters, signature verifies`, () => {
        const input = "https://D1.cloudfront.net/private/a%20b.jpg?size=large&v=2";
        const signed = signer.signUrl(input, { expires: 1893459600.9, hashAlgorithm: hash, now: NOW });
        const { base, params } = splitSignedUrl(signed.url);
        assert.equal(base, "https://d1.cloudfront.net/private/a%20b.jpg?size=large&v=2");
        assert.ok(signed.url.startsWith(`${base}&Expires=1893459600&Signature=`));
        assert.equal(signed.canned, true);
        assert.equal(signed.expires, 1893459600);
        assert.equal(params.Expires, "1893459600");
        assert.equal(params.Policy, undefined);
        assert.equal(params["Key-Pair-Id"], KEY_ID);
        assert.equal(params["Hash-Algorithm"], hash === "SHA256" ? "SHA256" : undefined);
        const policy = `{"Statement":[{"Resource":"${base}","Condition":{"DateLessThan":{"AWS:EpochTime":1893459600}}}]}`;
        assert.equal(signed.policy, policy);
        assert.ok(verify(policy, params.Signature, digest));
        assert.ok(!verify(policy.replace("1893459600", "1893459601"), params.Signature, digest));
      });

      it(`custom URL (${hash}): start rounded up, IP, policy decodes to what was asked, signature verifies`, () => {
        const signed = signer.signUrl("https://h/v/seg-1.ts", {
          expires: "2030-01-01T01:00:00.999Z",
          startsAt: NOW_S + 0.2,
          ipAddress: "198.51.100.7",
          hashAlgorithm: hash,
          now: NOW,
        });
        const { base, params } = splitSignedUrl(signed.url);
        assert.equal(base, "https://h/v/seg-1.ts");
        assert.ok(signed.url.startsWith(`${base}?Policy=`));
        assert.equal(params.Expires, undefined);
        assert.equal(signed.canned, false);
        const policyText = decodeCf(params.Policy).toString("utf8");
        assert.equal(policyText, signed.policy);
        const policy = JSON.parse(policyText) as Policy;
        assert.equal(policy.Statement.length, 1);
        assert.deepEqual(policy.Statement[0], {
          Resource: "https://h/v/seg-1.ts",
          Condition: {
            DateLessThan: { "AWS:EpochTime": NOW_S + 3600 },
            DateGreaterThan: { "AWS:EpochTime": NOW_S + 1 },
            IpAddress: { "AWS:SourceIp": "198.51.100.7/32" },
          },
        });
        assert.ok(verify(policyText, params.Signature, digest));
      });

      it(`cookies (${hash}): canned for one URL, custom for a wildcard, Set-Cookie headers`, () => {
        const canned = signer.signCookies("https://cdn.example.com/a.jpg", { expires: NOW_S + 60, hashAlgorithm: hash, now: NOW });
        const cannedNames = ["CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id", ...(hash === "SHA256" ? ["CloudFront-Hash-Algorithm"] : [])];
        assert.deepEqual(Object.keys(canned.cookies), cannedNames);
        assert.equal(canned.cookies["CloudFront-Expires"], String(NOW_S + 60));
        assert.ok(verify(canned.policy, canned.cookies["CloudFront-Signature"], digest));
        assert.equal(canned.policy, `{"Statement":[{"Resource":"https://cdn.example.com/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":${NOW_S + 60}}}}]}`);

        const custom = signer.signCookies("https://cdn.example.com/private/*", {
          expires: "7d",
          hashAlgorithm: hash,
          now: NOW,
          domain: "CDN.example.com",
          path: "/private",
          sameSite: "Lax",
        });
        assert.deepEqual(Object.keys(custom.cookies), ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", ...(hash === "SHA256" ? ["CloudFront-Hash-Algorithm"] : [])]);
        assert.equal(custom.canned, false);
        const policy = JSON.parse(decodeCf(custom.cookies["CloudFront-Policy"]).toString()) as Policy;
        assert.deepEqual(policy.Statement[0], { Resource: "https://cdn.example.com/private/*", Condition: { DateLessThan: { "AWS:EpochTime": NOW_S + 7 * 86400 } } });
        assert.ok(verify(custom.policy, custom.cookies["CloudFront-Signature"], digest));
        assert.deepEqual(
          custom.setCookieHeaders,
          Object.entries(custom.cookies).map(([n, v]) => `${n}=${v}; Domain=cdn.example.com; Path=/private; Secure; HttpOnly; SameSite=Lax`),
        );
        assert.equal(canned.setCookieHeaders[0], `CloudFront-Expires=${NOW_S + 60}; Path=/; Secure; HttpOnly`);
      });
    }

    it("uses a custom policy for a policy resource and checks the URL matches it", () => {
      const signed = signer.signUrl("https://h/videos/1/seg-3.ts", { expires: "1h", now: NOW, policyResource: "https://h/videos/1/*" });
      assert.equal(signed.canned, false);
      assert.equal((JSON.parse(signed.policy) as Policy).Statement[0].Resource, "https://h/videos/1/*");
      // The same resource as the URL keeps the shorter canned form.
      assert.equal(signer.signUrl("https://h/a", { expires: "1h", now: NOW, policyResource: "https://h/a" }).canned, true);
      throwsInput(
        () => signer.signUrl("https://h/videos/2/seg-3.ts", { expires: "1h", now: NOW, policyResource: "https://h/videos/1/*" }),
        /^policyResource: resource "https:\/\/h\/videos\/1\/\*" does not match "https:\/\/h\/videos\/2\/seg-3\.ts".*\(the url must be covered by the policy resource\)$/,
      );
      throwsInput(
        () => signer.signCookies("https://h/a/x.jpg", { expires: "1h", now: NOW, policyResource: "https://h/b/*" }),
        /^policyResource: .*does not match.*\(the resource must be covered by the policy resource\)$/,
      );
    });

    it("treats a literal * in the URL as a custom-policy resource", () => {
      const signed = signer.signUrl("https://h/a*b.jpg", { expires: "1h", now: NOW });
      assert.equal(signed.canned, false);
    });

    it("urlSigner (batches) signs exactly as signUrl: same base URL, policy, parameters; signatures verify", () => {
      const cases: SignOptions[] = [
        { expires: "1h", now: NOW },
        { expires: NOW_S + 600, now: NOW, hashAlgorithm: "SHA256" },
        { expires: "2h", startsAt: "10m", ipAddress: "203.0.113.7", policyResource: "https://h/videos/*", now: NOW },
      ];
      for (const options of cases) {
        const sign = signer.urlSigner(options);
        const withoutSignature = (signedUrl: string) => {
          const { base, params } = splitSignedUrl(signedUrl);
          delete params.Signature;
          return { base, params };
        };
        for (const url of ["https://H/videos/1.ts", "https://h:443/videos/a%20b.ts?x=1&", "https://h/videos/?q"]) {
          const one = signer.signUrl(url, options);
          const batch = sign.sign(url);
          // prepare + finish (the threaded --stdin path) gives the same URL for the same signature.
          const prepared = sign.prepare(url);
          assert.equal(prepared.policy, one.policy);
          const signature = crypto.sign(prepared.hash === "SHA256" ? "sha256" : "sha1", Buffer.from(prepared.policy), privatePem);
          const finished = sign.finish(prepared, signature);
          assert.deepEqual(withoutSignature(finished.url), withoutSignature(one.url));
          if (kind === "RSA") assert.equal(finished.url, one.url);
          assert.ok(verify(finished.policy, splitSignedUrl(finished.url).params.Signature, prepared.hash === "SHA256" ? "sha256" : "sha1"));
          assert.deepEqual(withoutSignature(batch.url), withoutSignature(one.url));
          assert.deepEqual({ ...batch, url: "" }, { ...one, url: "" });
          if (kind === "RSA") assert.equal(batch.url, one.url); // PKCS#1 v1.5 is deterministic
          const { params } = splitSignedUrl(batch.url);
          assert.ok(verify(batch.policy, params.Signature, batch.hashAlgorithm === "SHA256" ? "sha256" : "sha1"));
        }
      }
    });
  });
}

describe("signer: refused inputs", () => {
  const keys = testKeys();
  const signer = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: keys.rsa.pkcs8 });
  const sign = (options: Partial<SignOptions>, url = "https://h/a") => () => signer.signUrl(url, { expires: "1h", now: NOW, ...options });

  it("fragment / signing parameter / space / non-ASCII / quote / dot segment / scheme (via signUrl)", () => {
    throwsInput(sign({}, "https://h/a#b"), /^url: has a fragment/);
    throwsInput(sign({}, "https://h/a?Signature=x"), /^url: the query already has the CloudFront signing parameter "Signature"/);
    throwsInput(sign({}, "https://h/a b"), /^url: contains a raw space/);
    throwsInput(sign({}, "https://h/ü"), /^url: contains the non-ASCII character/);
    throwsInput(sign({}, 'https://h/"'), /^url: contains a double quote/);
    throwsInput(sign({}, "https://h/a/./b"), /^url: the path has a dot segment/);
    throwsInput(sign({}, "file:///etc/passwd"), /^url: the scheme "file" is not supported/);
  });
  it("IPv6 and bad CIDR", () => {
    throwsInput(sign({ ipAddress: "2001:db8::1" }), /^ipAddress: "2001:db8::1" is IPv6; CloudFront IP conditions support IPv4 only/);
    throwsInput(sign({ ipAddress: "10.0.0.300/8" }), /^ipAddress: "10\.0\.0\.300\/8" is not an IPv4 address or CIDR/);
  });
  it("millisecond epoch", () => {
    throwsInput(sign({ expires: NOW.getTime() + 3_600_000 }), /^expires: \d+ looks like epoch milliseconds; give epoch seconds/);
    throwsInput(sign({ startsAt: NOW.getTime() }), /^startsAt: \d+ looks like epoch milliseconds/);
  });
  it("past expiry (rounded down first)", () => {
    throwsInput(sign({ expires: NOW_S }), /^expires: the expiry 2030-01-01T00:00:00\.000Z is not in the future; give a later time or a duration like 15m$/);
    throwsInput(sign({ expires: NOW_S + 0.9 }), /^expires: the expiry 2030-01-01T00:00:00\.000Z is not in the future/);
    throwsInput(sign({ expires: "2020-01-01T00:00:00Z" }), /is not in the future/);
  });
  it("start ≥ expiry (start rounded up first)", () => {
    throwsInput(sign({ expires: NOW_S + 60, startsAt: NOW_S + 60 }), /^startsAt: the start 2030-01-01T00:01:00\.000Z is not before the expiry 2030-01-01T00:01:00\.000Z/);
    throwsInput(sign({ expires: NOW_S + 60.5, startsAt: NOW_S + 59.5 }), /^startsAt: the start .* is not before the expiry/);
    throwsInput(sign({ expires: NOW_S + 60, startsAt: "2h" }), /^startsAt: the start/);
  });
  it("bad hash name", () => {
    throwsInput(sign({ hashAlgorithm: "MD5" as "SHA1" }), /^hashAlgorithm: "MD5" is not a hash algorithm CloudFront accepts/);
  });
  it("urlSigner reports the same errors as signUrl, in the same order (URL checks first, hash after the resource match)", () => {
    const cases: [string, Partial<SignOptions>][] = [
      ["https://h/a b", { ipAddress: "2001:db8::1" }],
      ["https://h/a", { ipAddress: "2001:db8::1" }],
      ["https://h/a", { expires: NOW_S - 5 }],
      ["https://h/a", { expires: NOW_S + 60, startsAt: NOW_S + 60 }],
      ["https://h/b/x", { policyResource: "https://h/a/*", hashAlgorithm: "MD5" as "SHA1" }],
      ["https://h/a/x", { policyResource: "https://h/a/*", hashAlgorithm: "MD5" as "SHA1" }],
      ["https://h/a", { policyResource: "https://h/a b*" }],
    ];
    for (const [url, options] of cases) {
      const all: SignOptions = { expires: "1h", now: NOW, ...options, labels: { url: "stdin line 3" } };
      let expected = "";
      assert.throws(() => signer.signUrl(url, all), (error: Error) => ((expected = error.message), true));
      const batch = signer.urlSigner(all);
      throwsInput(() => batch.sign(url), new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      throwsInput(() => batch.prepare(url), new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      throwsInput(() => batch.sign(url, "stdin line 9"), /^stdin line 9: |^(ipAddress|expires|startsAt|policyResource|hashAlgorithm): /);
    }
  });
  it("uses the caller's option names in messages", () => {
    throwsInput(sign({ expires: NOW_S - 5, labels: { expires: "--expires-at" } }), /^--expires-at: the expiry/);
  });
  it("wrong key type or size, public key as private key, wrong passphrase, missing key, bad key pair id", () => {
    const make = (privateKey: string, passphrase?: string, keyPairId = KEY_ID) => () => new CloudFrontSigner({ keyPairId, privateKey, passphrase });
    throwsInput(make(keys.rsa1024), /RSA 1024-bit key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys/);
    throwsInput(make(keys.p384), /ECDSA key on curve secp384r1 refused/);
    throwsInput(make(keys.ed25519), /ed25519 key refused/);
    throwsInput(make(keys.rsa.pkcs1Public), /this is a PKCS#1 RSA public key, not a private key/);
    throwsInput(make(keys.rsa.encryptedPkcs8, "nope"), /wrong passphrase for the encrypted private key/);
    throwsInput(make(""), /^private key: not a PEM private key/);
    throwsInput(make(keys.rsa.pkcs8, undefined, "bad id!"), /^keyPairId: "bad id!" is not a CloudFront public key id/);
    throwsInput(make(keys.rsa.pkcs8, undefined, ""), /^keyPairId: "" is not a CloudFront public key id/);
  });
  it("cookie attributes: cloudfront.net wildcard domain, bad path, bad SameSite", () => {
    const cookies = (extra: object) => () => signer.signCookies("https://h/*", { expires: "1h", now: NOW, ...extra });
    throwsInput(cookies({ domain: "*.cloudfront.net" }), /^domain: "\*\.cloudfront\.net" is a wildcard/);
    throwsInput(cookies({ domain: ".cloudfront.net" }), /^domain: "\.cloudfront\.net" would share the cookies with every CloudFront distribution/);
    throwsInput(cookies({ domain: "cdn example.com" }), /^domain: "cdn example\.com" is not a domain name/);
    throwsInput(cookies({ path: "private" }), /^path: "private" is not a cookie path/);
    throwsInput(cookies({ path: "/a;b" }), /is not a cookie path/);
    throwsInput(cookies({ sameSite: "Sometimes" }), /^sameSite: "Sometimes" is not a SameSite value; use Strict, Lax or None$/);
  });
  it("explains a platform that refuses SHA-1 and suggests SHA-256", () => {
    const cryptoModule = require("node:crypto") as { sign: typeof crypto.sign };
    const original = cryptoModule.sign;
    cryptoModule.sign = ((algorithm: string | null | undefined, data: NodeJS.ArrayBufferView, key: crypto.KeyLike) => {
      if (algorithm === "sha1") throw new Error("error:03000098:digital envelope routines::invalid digest");
      return original(algorithm, data, key);
    }) as typeof crypto.sign;
    try {
      throwsInput(sign({}), /^hash: this platform refuses SHA-1 signatures \(error:03000098:digital envelope routines::invalid digest\); use SHA-256 \(CLI: --hash SHA256/);
      assert.equal(signer.signUrl("https://h/a", { expires: "1h", now: NOW, hashAlgorithm: "SHA256" }).hashAlgorithm, "SHA256");
    } finally {
      cryptoModule.sign = original;
    }
  });
  it("accepts a KeyObject and an encrypted key with its passphrase", () => {
    const fromObject = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: crypto.createPrivateKey(keys.rsa.pkcs8) });
    const fromEncrypted = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: keys.rsa.encryptedPkcs8, passphrase: keys.rsa.passphrase });
    // RSA PKCS#1 v1.5 is deterministic: the same key gives the same URL.
    assert.equal(fromObject.signUrl("https://h/a", { expires: "1h", now: NOW }).url, fromEncrypted.signUrl("https://h/a", { expires: "1h", now: NOW }).url);
  });
});
