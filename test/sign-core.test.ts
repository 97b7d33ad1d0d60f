import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ipv4InCidr, parseIpv4Cidr } from "../signer/src/lib/cidr";
import { COOKIE_NAMES, parseHashAlgorithm, URL_SIGNING_PARAMS } from "../signer/src/lib/constants";
import { fromCloudFrontBase64, toCloudFrontBase64 } from "../signer/src/lib/encoding";
import { InputError } from "../signer/src/lib/errors";
import { loadPrivateKey, loadPublicKey, signatureDigest } from "../signer/src/lib/keys";
import { cannedPolicy, customPolicy } from "../signer/src/lib/policy";
import { loadStackOutputs, readOutputsFile } from "../signer/src/lib/stackOutputs";
import { parseDuration, parseTime } from "../signer/src/lib/time";
import { testKeys } from "./helpers/signingKeys";

function throwsInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "error messages are one line");
    return true;
  });
}

describe("signing core: CloudFront base64", () => {
  it("maps + = / to - _ ~ and keeps padding", () => {
    // 0xfb 0xff 0xbf encodes to "+/+/" in standard base64; one byte needs two "=" of padding.
    assert.equal(toCloudFrontBase64(Buffer.from([0xfb, 0xff, 0xbf])), "-~-~");
    assert.equal(toCloudFrontBase64("a"), "YQ__");
    assert.equal(toCloudFrontBase64("ab"), "YWI_");
    assert.equal(toCloudFrontBase64(""), "");
  });
  it("round-trips random bytes", () => {
    for (let n = 1; n < 70; n++) {
      const bytes = crypto.createHash("sha512").update(String(n)).digest().subarray(0, n);
      const encoded = toCloudFrontBase64(bytes);
      assert.match(encoded, /^[A-Za-z0-9~_-]+$/);
      assert.deepEqual(fromCloudFrontBase64(encoded), bytes);
    }
  });
  it("refuses text outside the alphabet or not decodable", () => {
    for (const bad of ["", "YQ==", "a+b/", "Y", "Y_Q_", "YQ_", "YWJj_", "YQ__ ", "YQ___"]) {
      assert.equal(fromCloudFrontBase64(bad), undefined, bad);
    }
    assert.deepEqual(fromCloudFrontBase64("YQ"), Buffer.from("a"));
  });
});

describe("signing core: constants", () => {
  it("lists the signing parameters and cookie names", () => {
    assert.deepEqual([...URL_SIGNING_PARAMS], ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"]);
    assert.equal(COOKIE_NAMES.hashAlgorithm, "CloudFront-Hash-Algorithm");
  });
  it("reads hash names case-insensitively and refuses others", () => {
    assert.equal(parseHashAlgorithm("sha-256", "--hash"), "SHA256");
    assert.equal(parseHashAlgorithm("SHA1", "--hash"), "SHA1");
    throwsInput(() => parseHashAlgorithm("MD5", "--hash"), /^--hash: "MD5" is not a hash algorithm CloudFront accepts; use SHA1 or SHA256$/);
  });
});

describe("signing core: policies", () => {
  it("builds the canned policy byte-exact, URL verbatim", () => {
    assert.equal(
      cannedPolicy("https://d1.cloudfront.net/a b/<x>&y=/z", 1893456000),
      '{"Statement":[{"Resource":"https://d1.cloudfront.net/a b/<x>&y=/z","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000}}}]}',
    );
  });
  it("builds compact custom policies in the AWS SDK condition order", () => {
    assert.equal(
      customPolicy({ resource: "https://x/*", dateLessThan: 20, dateGreaterThan: 10, sourceIp: "1.2.3.0/24" }),
      '{"Statement":[{"Resource":"https://x/*","Condition":{"DateLessThan":{"AWS:EpochTime":20},"DateGreaterThan":{"AWS:EpochTime":10},"IpAddress":{"AWS:SourceIp":"1.2.3.0/24"}}}]}',
    );
    assert.equal(customPolicy({ resource: "https://x/*", dateLessThan: 20 }), '{"Statement":[{"Resource":"https://x/*","Condition":{"DateLessThan":{"AWS:EpochTime":20}}}]}');
  });
  it("JSON-escapes quotes and backslashes in a custom policy, never /", () => {
    const policy = customPolicy({ resource: 'https://x/a"b\\c/d', dateLessThan: 5 });
    assert.ok(policy.includes('"https://x/a\\"b\\\\c/d"'));
    assert.equal((JSON.parse(policy) as { Statement: { Resource: string }[] }).Statement[0].Resource, 'https://x/a"b\\c/d');
  });
  it("refuses non-integer epoch values", () => {
    throwsInput(() => cannedPolicy("https://x/", 1.5), /DateLessThan: 1.5 is not an integer epoch time/);
    throwsInput(() => customPolicy({ resource: "*", dateLessThan: 10, dateGreaterThan: -1 }), /DateGreaterThan/);
  });
});

describe("signing core: IPv4 CIDR", () => {
  it("parses CIDRs and bare addresses (/32)", () => {
    assert.deepEqual(parseIpv4Cidr("192.0.2.7"), { text: "192.0.2.7/32", network: 0xc0000207, prefix: 32 });
    assert.deepEqual(parseIpv4Cidr("10.0.0.0/8"), { text: "10.0.0.0/8", network: 0x0a000000, prefix: 8 });
    assert.equal(parseIpv4Cidr("0.0.0.0/0").network, 0);
  });
  it("matches addresses inside the block only", () => {
    const cidr = parseIpv4Cidr("203.0.113.0/25");
    assert.equal(ipv4InCidr("203.0.113.0", cidr), true);
    assert.equal(ipv4InCidr("203.0.113.127", cidr), true);
    assert.equal(ipv4InCidr("203.0.113.128", cidr), false);
    assert.equal(ipv4InCidr("::ffff:203.0.113.5", cidr), true);
    assert.equal(ipv4InCidr("2001:db8::1", cidr), false);
    assert.equal(ipv4InCidr("not an ip", cidr), false);
    assert.equal(ipv4InCidr("255.255.255.255", parseIpv4Cidr("0.0.0.0/0")), true);
  });
  it("refuses IPv6 with its own message", () => {
    throwsInput(() => parseIpv4Cidr("2001:db8::/32", "--ip"), /^--ip: "2001:db8::\/32" is IPv6; CloudFront IP conditions support IPv4 only/);
  });
  it("refuses bad CIDRs", () => {
    for (const bad of ["1.2.3", "256.1.1.1", "01.2.3.4", "a.b.c.d", ""]) {
      throwsInput(() => parseIpv4Cidr(bad, "--ip"), /^--ip: ".*" is not an IPv4 address or CIDR; use a\.b\.c\.d or a\.b\.c\.d\/n/);
    }
    for (const bad of ["1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08", "1.2.3.4/8/8"]) throwsInput(() => parseIpv4Cidr(bad, "--ip"), /^--ip: ".*" has an invalid prefix length; use \/0 to \/32$/);
  });
});

describe("signing core: time", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const nowS = now.getTime() / 1000;
  it("reads Dates, epoch seconds, ISO with offsets and durations", () => {
    assert.equal(parseTime(new Date("2030-01-02T00:00:00Z"), "x", now), nowS + 86400);
    assert.equal(parseTime(1893456000, "x", now), 1893456000);
    assert.equal(parseTime("1893456000", "x", now), 1893456000);
    assert.equal(parseTime("2030-01-01T02:00:00+02:00", "x", now), nowS);
    assert.equal(parseTime("2029-12-31T19:00:00-0500", "x", now), nowS);
    assert.equal(parseTime("2030-01-01T00:00:00.750Z", "x", now), nowS + 0.75);
    assert.equal(parseTime("90s", "x", now), nowS + 90);
    assert.equal(parseTime("15m", "x", now), nowS + 900);
    assert.equal(parseTime("24h", "x", now), nowS + 86400);
    assert.equal(parseTime("7d", "x", now), nowS + 7 * 86400);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("soon"), undefined);
  });
  it("refuses a millisecond epoch instead of signing 1970 or year 60000", () => {
    throwsInput(() => parseTime(1893456000000, "expires", now), /^expires: 1893456000000 looks like epoch milliseconds; give epoch seconds \(1893456000\)/);
    throwsInput(() => parseTime("1893456000000", "--expires-at", now), /^--expires-at: 1893456000000 looks like epoch milliseconds/);
  });
  it("refuses ISO times without an offset, impossible dates and junk", () => {
    throwsInput(() => parseTime("2030-01-01T00:00:00", "--expires-at", now), /^--expires-at: "2030-01-01T00:00:00" has no UTC offset.*append Z/);
    throwsInput(() => parseTime("2030-01-01", "--expires-at", now), /has no time of day or UTC offset; write e\.g\. 2030-01-01T00:00:00Z/);
    throwsInput(() => parseTime("2030-02-30T00:00:00Z", "x", now), /is not a real calendar date/);
    throwsInput(() => parseTime("tomorrow", "x", now), /^x: "tomorrow" is not a time; use an ISO-8601 time/);
    throwsInput(() => parseTime(new Date(NaN), "x", now), /^x: invalid Date/);
    throwsInput(() => parseTime(-5, "x", now), /is not a valid time/);
  });
});

describe("signing core: keys", () => {
  const keys = testKeys();
  it("loads PKCS#1, PKCS#8, SEC1, encrypted PEM and KeyObjects", () => {
    assert.equal(loadPrivateKey(keys.rsa.pkcs1).algorithm, "RSA");
    assert.equal(loadPrivateKey(keys.rsa.pkcs8).algorithm, "RSA");
    assert.equal(loadPrivateKey(Buffer.from(keys.rsa.pkcs8)).algorithm, "RSA");
    assert.equal(loadPrivateKey(keys.rsa.encryptedPkcs8, keys.rsa.passphrase).algorithm, "RSA");
    assert.equal(loadPrivateKey(keys.rsa.encryptedPkcs1, keys.rsa.passphrase).algorithm, "RSA");
    assert.equal(loadPrivateKey(keys.ec.sec1).algorithm, "ECDSA");
    assert.equal(loadPrivateKey(keys.ec.pkcs8).algorithm, "ECDSA");
    assert.equal(loadPrivateKey(crypto.createPrivateKey(keys.ec.pkcs8)).algorithm, "ECDSA");
    assert.equal(loadPublicKey(keys.rsa.spki).algorithm, "RSA");
    assert.equal(loadPublicKey(keys.rsa.pkcs1Public).algorithm, "RSA");
    assert.equal(loadPublicKey(keys.ec.spki).algorithm, "ECDSA");
  });
  it("refuses wrong key types and sizes", () => {
    throwsInput(() => loadPrivateKey(keys.rsa1024), /^private key: RSA 1024-bit key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys$/);
    throwsInput(() => loadPrivateKey(keys.p384, undefined, "k.pem"), /^k\.pem: ECDSA key on curve secp384r1 refused; CloudFront accepts only ECDSA P-256/);
    throwsInput(() => loadPrivateKey(keys.ed25519), /^private key: ed25519 key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys$/);
  });
  it("refuses a PKCS#1 public key given as the private key", () => {
    throwsInput(() => loadPrivateKey(keys.rsa.pkcs1Public), /^private key: this is a PKCS#1 RSA public key, not a private key/);
    throwsInput(() => loadPrivateKey(keys.rsa.spki), /^private key: this is a public key, not a private key/);
    throwsInput(() => loadPrivateKey(crypto.createPublicKey(keys.rsa.spki)), /a public key was given; signing needs the private key/);
  });
  it("refuses a wrong or missing passphrase", () => {
    throwsInput(() => loadPrivateKey(keys.rsa.encryptedPkcs8, "wrong"), /^private key: wrong passphrase for the encrypted private key$/);
    throwsInput(() => loadPrivateKey(keys.rsa.encryptedPkcs1, "wrong"), /^private key: wrong passphrase for the encrypted private key$/);
    throwsInput(() => loadPrivateKey(keys.rsa.encryptedPkcs8), /the private key is encrypted; supply its passphrase/);
  });
  it("refuses text that is not a PEM private key, without echoing it", () => {
    throwsInput(() => loadPrivateKey("hello"), /^private key: not a PEM private key/);
    const corrupt = keys.rsa.pkcs8.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!!!!!!!!!!!!!!!!!");
    assert.throws(() => loadPrivateKey(corrupt), (error: Error) => {
      assert.match(error.message, /could not parse the PEM private key/);
      assert.ok(!error.message.includes(keys.rsa.pkcs8.split("\n")[1]));
      return true;
    });
  });
  it("maps hash names to node digests", () => {
    assert.equal(signatureDigest("SHA1"), "sha1");
    assert.equal(signatureDigest("SHA256"), "sha256");
  });
});

describe("signing core: stack outputs", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-sign-outputs-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a pulumi stack output --json file", () => {
    const file = path.join(dir, "ok.json");
    fs.writeFileSync(file, JSON.stringify({ baseUrl: "https://d1.cloudfront.net", keyPairId: "K1", keyPairIds: { a: "K1" }, protectedPaths: ["/private/*"], other: 3 }));
    const outputs = readOutputsFile(file);
    assert.equal(outputs.baseUrl, "https://d1.cloudfront.net");
    assert.deepEqual(outputs.keyPairIds, { a: "K1" });
    assert.equal(outputs.other, 3);
    assert.deepEqual(loadStackOutputs({ outputsFile: "ok.json", cwd: dir }), outputs);
  });
  it("refuses malformed outputs files naming the file", () => {
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, "{ not json");
    throwsInput(() => readOutputsFile(bad), new RegExp(`^--outputs-file ${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not valid JSON; create it with: pulumi stack output --json --show-secrets`));
    fs.writeFileSync(bad, "[1,2]");
    throwsInput(() => readOutputsFile(bad), /stack outputs must be a JSON object/);
    fs.writeFileSync(bad, JSON.stringify({ keyPairId: 5 }));
    throwsInput(() => readOutputsFile(bad), /output "keyPairId" must be a string$/);
    fs.writeFileSync(bad, JSON.stringify({ protectedPaths: "/x" }));
    throwsInput(() => readOutputsFile(bad), /output "protectedPaths" must be an array of strings$/);
    throwsInput(() => readOutputsFile(path.join(dir, "missing.json")), /missing\.json: no such file/);
  });
  it("returns undefined without a file when pulumi is not on PATH", () => {
    assert.equal(loadStackOutputs({ cwd: dir, env: { PATH: dir } }), undefined);
  });
});
