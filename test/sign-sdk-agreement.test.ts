import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { getSignedCookies, getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { testKeys } from "./helpers/signingKeys";
import { seededRandom } from "./helpers/random";
import { decodeCf, splitSignedUrl } from "./helpers/signedUrl";

/*
 * Agreement with @aws-sdk/cloudfront-signer on RSA (PKCS#1 v1.5 is deterministic): for URLs valid for both
 * signers, the same base URL, the same signing parameter values and the same signature bytes. The SDK
 * reads a number as milliseconds, so it gets Date objects.
 */

const KEY_ID = "K3EXAMPLEKEYID";
const NOW = new Date("2030-06-01T00:00:00Z");
const COUNT = 300;

// Characters both signers leave untouched: the SDK re-encodes path segments with encodeURIComponent and
// query parts with encodeURIComponent + ' → %27, keeping %XX (upper-case) and +.
const PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!'()";
const QUERY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!()";
const ENCODED = ["%20", "%2F", "%3F", "%23", "%25", "%26", "%3D", "%C3%A9", "%E2%9C%93", "%2B", "%22", "%5C"];

/** The SDK returns CloudFront-Expires as a number; cookie values are strings. */
function asStrings(cookies: object): Record<string, string> {
  return Object.fromEntries(Object.entries(cookies).map(([k, v]) => [k, String(v)]));
}

function generateUrls(count: number): string[] {
  const rand = seededRandom(20300601);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const word = (chars: string, max: number): string => {
    let out = "";
    const length = 1 + Math.floor(rand() * max);
    for (let i = 0; i < length; i++) out += rand() < 0.12 ? pick(ENCODED) : pick([...chars]);
    return out;
  };
  const urls = new Set<string>();
  while (urls.size < count) {
    const host = pick(["d111111abcdef8.cloudfront.net", "cdn.example.com", "media.example.org", "127.0.0.1:8443"]);
    const scheme = rand() < 0.85 ? "https" : "http";
    const segments: string[] = [];
    const depth = Math.floor(rand() * 4);
    for (let i = 0; i < depth; i++) {
      let segment = word(PATH_CHARS, 12);
      if (segment === "." || segment === "..") segment = "dot";
      segments.push(segment);
    }
    let url = `${scheme}://${host}/${segments.join("/")}`;
    if (rand() < 0.5) {
      const pairs: string[] = [];
      const n = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) pairs.push(`${word(QUERY_CHARS, 6)}=${rand() < 0.2 ? "" : word(QUERY_CHARS, 10)}${rand() < 0.1 ? "+x" : ""}`);
      url += `?${pairs.join("&")}`;
    }
    urls.add(url);
  }
  return [...urls];
}

describe("signer agrees with @aws-sdk/cloudfront-signer (RSA)", function () {
  const keys = testKeys();
  const pem = keys.rsa.pkcs1;
  const publicKey = crypto.createPublicKey(keys.rsa.spki);
  const signer = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: pem });
  const urls = generateUrls(COUNT);
  const expiresS = NOW.getTime() / 1000 + 3600;
  const startS = NOW.getTime() / 1000 - 60;

  it("generated URLs are valid for both signers (the SDK leaves them unchanged)", () => {
    for (const url of urls) {
      const sdk = getSignedUrl({ url, keyPairId: KEY_ID, privateKey: pem, dateLessThan: new Date(expiresS * 1000) });
      assert.equal(splitSignedUrl(sdk).base, url, url);
    }
  });

  for (const hash of ["SHA1", "SHA256"] as const) {
    const digest = hash === "SHA1" ? "sha1" : "sha256";

    it(`canned URLs, ${hash}: same base URL, parameter values and signature over ${COUNT} URLs`, () => {
      for (const url of urls) {
        const ours = signer.signUrl(url, { expires: expiresS, hashAlgorithm: hash, now: NOW });
        const sdk = getSignedUrl({ url, keyPairId: KEY_ID, privateKey: pem, dateLessThan: new Date(expiresS * 1000), algorithm: hash });
        const a = splitSignedUrl(ours.url);
        const b = splitSignedUrl(sdk);
        assert.equal(a.base, url);
        assert.equal(a.base, b.base);
        assert.deepEqual(a.params, b.params, url);
        assert.ok(crypto.verify(digest, Buffer.from(ours.policy), publicKey, decodeCf(a.params.Signature)));
      }
    });

    it(`custom URLs (start + IP), ${hash}: identical policies and signatures over ${COUNT} URLs`, () => {
      for (const [i, url] of urls.entries()) {
        const ip = i % 2 === 0 ? "192.0.2.0/24" : "198.51.100.9";
        const ours = signer.signUrl(url, { expires: expiresS, startsAt: startS, ipAddress: ip, hashAlgorithm: hash, now: NOW });
        const sdk = getSignedUrl({
          url,
          keyPairId: KEY_ID,
          privateKey: pem,
          dateLessThan: new Date(expiresS * 1000),
          dateGreaterThan: new Date(startS * 1000),
          ipAddress: ip,
          algorithm: hash,
        });
        const a = splitSignedUrl(ours.url);
        const b = splitSignedUrl(sdk);
        assert.equal(a.base, b.base);
        assert.deepEqual(a.params, b.params, url);
        assert.deepEqual(JSON.parse(decodeCf(a.params.Policy).toString()), JSON.parse(decodeCf(b.params.Policy).toString()));
        assert.ok(crypto.verify(digest, decodeCf(a.params.Policy), publicKey, decodeCf(a.params.Signature)));
      }
    });

    it(`cookies, ${hash}: canned for exact URLs, custom for wildcards, same values`, () => {
      for (const [i, url] of urls.slice(0, 100).entries()) {
        const canned = signer.signCookies(url, { expires: expiresS, hashAlgorithm: hash, now: NOW });
        const sdkCanned = getSignedCookies({ url, keyPairId: KEY_ID, privateKey: pem, dateLessThan: new Date(expiresS * 1000), algorithm: hash });
        assert.deepEqual({ ...canned.cookies }, asStrings(sdkCanned));

        // A wildcard needs a custom policy; the SDK only builds one when a start or IP is given.
        const pattern = `${url.split("?")[0].replace(/\/[^/]*$/, "")}/*`;
        const ip = `10.${i}.0.0/16`;
        const custom = signer.signCookies(pattern, { expires: expiresS, ipAddress: ip, hashAlgorithm: hash, now: NOW });
        const sdkCustom = getSignedCookies({ url: pattern, keyPairId: KEY_ID, privateKey: pem, dateLessThan: new Date(expiresS * 1000), ipAddress: ip, algorithm: hash });
        assert.deepEqual({ ...custom.cookies }, asStrings(sdkCustom));
        assert.equal((JSON.parse(custom.policy) as { Statement: { Resource: string }[] }).Statement[0].Resource, pattern);
        assert.ok(crypto.verify(digest, Buffer.from(custom.policy), publicKey, decodeCf(custom.cookies["CloudFront-Signature"])));
      }
    });

    it(`wildcard without other conditions, ${hash}: ours is custom (SDK wrongly canned); both signatures verify over their own policy`, () => {
      const pattern = "https://cdn.example.com/gallery/*";
      const ours = signer.signCookies(pattern, { expires: expiresS, hashAlgorithm: hash, now: NOW });
      const sdk = getSignedCookies({ url: pattern, keyPairId: KEY_ID, privateKey: pem, dateLessThan: new Date(expiresS * 1000), algorithm: hash });
      assert.ok("CloudFront-Policy" in ours.cookies);
      assert.ok("CloudFront-Expires" in sdk);
      assert.ok(crypto.verify(digest, decodeCf(ours.cookies["CloudFront-Policy"]), publicKey, decodeCf(ours.cookies["CloudFront-Signature"])));
      const sdkPolicy = `{"Statement":[{"Resource":"${pattern}","Condition":{"DateLessThan":{"AWS:EpochTime":${expiresS}}}}]}`;
      assert.ok(crypto.verify(digest, Buffer.from(sdkPolicy), publicKey, decodeCf(sdk["CloudFront-Signature"] as string)));
    });
  }
});

describe("signer agrees with @aws-sdk/cloudfront-signer (ECDSA P-256, randomized signatures)", () => {
  const keys = testKeys();
  const publicKey = crypto.createPublicKey(keys.ec.spki);
  const signer = new CloudFrontSigner({ keyPairId: KEY_ID, privateKey: keys.ec.sec1 });
  const expiresS = NOW.getTime() / 1000 + 3600;

  it("same base URL and parameters except the signature; both signatures verify over the same policy", () => {
    for (const url of generateUrls(60)) {
      const ours = splitSignedUrl(signer.signUrl(url, { expires: expiresS, now: NOW }).url);
      const sdk = splitSignedUrl(getSignedUrl({ url, keyPairId: KEY_ID, privateKey: keys.ec.sec1, dateLessThan: new Date(expiresS * 1000), algorithm: "SHA256" }));
      assert.equal(ours.base, sdk.base);
      const { Signature: a, ...oursRest } = ours.params;
      const { Signature: b, ...sdkRest } = sdk.params;
      assert.deepEqual(oursRest, sdkRest);
      const policy = Buffer.from(`{"Statement":[{"Resource":"${ours.base}","Condition":{"DateLessThan":{"AWS:EpochTime":${expiresS}}}}]}`);
      assert.ok(crypto.verify("sha256", policy, publicKey, decodeCf(a)));
      assert.ok(crypto.verify("sha256", policy, publicKey, decodeCf(b)));
    }
  });
});
