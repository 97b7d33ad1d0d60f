import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cannedPolicy } from "../signer/src/lib/policy";
import { assertRefused, assertRefusedLines, CliResult, runCli } from "./helpers/cli";
import { pemBody, testKeys } from "./helpers/signingKeys";
import { decodeCf, splitSignedUrl } from "./helpers/signedUrl";

const KEY_ID = "K1FLAGKEY";

describe("cf-sign url / cookies (compiled CLI as a child process)", function () {
  const keys = testKeys();
  let dir: string;
  let rsaFile: string;
  let ecFile: string;
  let outputsFile: string;
  const flags = () => ["--key-pair-id", KEY_ID, "--private-key-file", rsaFile];
  const rsaPublic = crypto.createPublicKey(keys.rsa.spki);
  const ecPublic = crypto.createPublicKey(keys.ec.spki);

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode: 0o600 });
    return file;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-sign-cli-"));
    rsaFile = write("rsa.pem", keys.rsa.pkcs1);
    ecFile = write("ec.pem", keys.ec.sec1);
    outputsFile = write(
      "outputs.json",
      JSON.stringify({ baseUrl: "https://d111111abcdef8.cloudfront.net/", keyPairId: "K2OUTPUTSKEY", privateKeyPem: keys.ec.pkcs8, protectedPaths: ["/private/*"] }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("signing", () => {
    it("signs a URL with --key-pair-id/--private-key-file: one line, canned, verifies", async () => {
      const result = await runCli(["url", "https://D111111abcdef8.cloudfront.net/private/a%20b.jpg?w=1", ...flags(), "--expires-in", "15m"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      const lines = result.stdout.split("\n");
      assert.equal(lines.length, 2);
      assert.equal(lines[1], "");
      const { base, params } = splitSignedUrl(lines[0]);
      assert.equal(base, "https://d111111abcdef8.cloudfront.net/private/a%20b.jpg?w=1");
      assert.equal(params["Key-Pair-Id"], KEY_ID);
      const expires = Number(params.Expires);
      const nowS = Date.now() / 1000;
      assert.ok(expires > nowS + 800 && expires <= nowS + 900, `expiry ${expires}`);
      const policy = `{"Statement":[{"Resource":"${base}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
      assert.ok(crypto.verify("sha1", Buffer.from(policy), rsaPublic, decodeCf(params.Signature)));
    });

    it("resolves a /path against baseUrl from --outputs-file and uses its key (ECDSA → SHA256)", async () => {
      const result = await runCli(["url", "/private/cat.jpeg", "--outputs-file", outputsFile, "--json", "--ip", "203.0.113.0/24"]);
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout) as { url: string; keyPairId: string; expires: number; expiresAt: string; canned: boolean; hashAlgorithm: string; policy: unknown };
      const { base, params } = splitSignedUrl(json.url);
      assert.equal(base, "https://d111111abcdef8.cloudfront.net/private/cat.jpeg");
      assert.equal(json.keyPairId, "K2OUTPUTSKEY");
      assert.equal(json.hashAlgorithm, "SHA256");
      assert.equal(params["Hash-Algorithm"], "SHA256");
      assert.equal(json.canned, false);
      assert.equal(json.expiresAt, new Date(json.expires * 1000).toISOString());
      assert.deepEqual(json.policy, {
        Statement: [{ Resource: base, Condition: { DateLessThan: { "AWS:EpochTime": json.expires }, IpAddress: { "AWS:SourceIp": "203.0.113.0/24" } } }],
      });
      assert.ok(crypto.verify("sha256", decodeCf(params.Policy), ecPublic, decodeCf(params.Signature)));
    });

    it("takes key material from the environment (PEM text or file)", async () => {
      const a = await runCli(["url", "https://h.example/a", "--expires-in", "60"], { env: { CLOUDFRONT_KEY_PAIR_ID: "K3ENV", CLOUDFRONT_PRIVATE_KEY: keys.rsa.pkcs8 } });
      assert.equal(a.code, 0, a.stderr);
      assert.equal(splitSignedUrl(a.stdout.trim()).params["Key-Pair-Id"], "K3ENV");
      const b = await runCli(["url", "https://h.example/a", "--expires-in", "60"], { env: { CLOUDFRONT_KEY_PAIR_ID: "K3ENV", CLOUDFRONT_PRIVATE_KEY_FILE: ecFile } });
      assert.equal(b.code, 0, b.stderr);
      assert.equal(splitSignedUrl(b.stdout.trim()).params["Hash-Algorithm"], "SHA256");
    });

    it("CLOUDFRONT_PRIVATE_KEY with its newlines written as \\n (as CI systems often store a PEM) signs as the PEM does", async () => {
      const args = ["url", "https://h.example/a", "--expires-at", "2100-01-01T00:00:00Z", "--allow-long-expiry"];
      const signed = async (pem: string): Promise<string> => {
        const r = await runCli(args, { env: { CLOUDFRONT_KEY_PAIR_ID: "K3ENV", CLOUDFRONT_PRIVATE_KEY: pem } });
        assert.equal(r.code, 0, r.stderr);
        return r.stdout;
      };
      const expected = await signed(keys.rsa.pkcs8);
      assert.ok(keys.rsa.pkcs8.includes("\n"));
      for (const escaped of [keys.rsa.pkcs8.replace(/\n/g, "\\n"), keys.rsa.pkcs8.replace(/\n/g, "\\r\\n"), keys.rsa.pkcs8.trimEnd().replace(/\n/g, "\\n")]) {
        assert.ok(!escaped.includes("\n") && escaped.includes("\\n"));
        assert.equal(await signed(escaped), expected);
      }
      // SEC1 EC keys too (ECDSA signatures differ every time: check with the public key).
      const ec = await signed(keys.ec.sec1.replace(/\n/g, "\\n"));
      const { params } = splitSignedUrl(ec.trim());
      assert.ok(crypto.verify("sha256", Buffer.from(cannedPolicy("https://h.example/a", 4102444800)), ecPublic, decodeCf(params.Signature)));
    });

    it("first found wins: flags, then environment, then the outputs file", async () => {
      const env = { CLOUDFRONT_KEY_PAIR_ID: "K3ENV", CLOUDFRONT_PRIVATE_KEY_FILE: rsaFile };
      const id = async (args: string[], e: NodeJS.ProcessEnv = {}) => {
        const r = await runCli(["url", "/x", "--outputs-file", outputsFile, ...args], { env: e });
        assert.equal(r.code, 0, r.stderr);
        return splitSignedUrl(r.stdout.trim()).params["Key-Pair-Id"];
      };
      assert.equal(await id(flags(), env), KEY_ID);
      assert.equal(await id([], env), "K3ENV");
      assert.equal(await id([]), "K2OUTPUTSKEY");
    });

    it("falls back to `pulumi stack output --json --show-secrets [--stack S]` when the Pulumi CLI is on PATH", async function () {
      if (process.platform === "win32") this.skip();
      // A stand-in pulumi that answers like the real one for stack "dev" and fails for any other stack.
      const bin = path.join(dir, "fake-bin");
      fs.mkdirSync(bin, { recursive: true });
      const outputs = JSON.stringify({ baseUrl: "https://dev.example.com", keyPairId: "K4PULUMI", privateKeyPem: keys.rsa.pkcs1 });
      fs.writeFileSync(path.join(dir, "pulumi-outputs.json"), outputs, { mode: 0o600 });
      fs.writeFileSync(
        path.join(bin, "pulumi"),
        `#!/bin/sh
if [ "$1 $2 $3 $4" != "stack output --json --show-secrets" ]; then echo "unexpected: $*" >&2; exit 3; fi
if [ -n "$5" ] && [ "$5 $6" != "--stack dev" ]; then echo "error: no stack named '$6' found" >&2; exit 255; fi
cat "${path.join(dir, "pulumi-outputs.json")}"
`,
        { mode: 0o700 },
      );
      const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
      const ok = await runCli(["url", "/private/a.jpg", "--stack", "dev"], { env });
      assert.equal(ok.code, 0, ok.stderr);
      const { base, params } = splitSignedUrl(ok.stdout.trim());
      assert.equal(base, "https://dev.example.com/private/a.jpg");
      assert.equal(params["Key-Pair-Id"], "K4PULUMI");
      const noStack = await runCli(["url", "https://h.example/a"], { env });
      assert.equal(noStack.code, 0, noStack.stderr);
      assertRefused(
        await runCli(["url", "https://h.example/a", "--stack", "prod"], { env }),
        /^error: pulumi stack output --json --show-secrets --stack prod failed: error: no stack named 'prod' found$/,
      );
      // Key from flags, baseUrl from pulumi: the path still resolves.
      const mixed = await runCli(["url", "/b.jpg", ...flags(), "--stack", "dev"], { env });
      assert.equal(mixed.code, 0, mixed.stderr);
      assert.equal(splitSignedUrl(mixed.stdout.trim()).base, "https://dev.example.com/b.jpg");
      assert.equal(splitSignedUrl(mixed.stdout.trim()).params["Key-Pair-Id"], KEY_ID);
    });

    it("signs an encrypted key with --passphrase-env", async () => {
      const file = write("enc.pem", keys.rsa.encryptedPkcs8);
      const r = await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", file, "--passphrase-env", "KEY_PASS"], {
        env: { KEY_PASS: keys.rsa.passphrase },
      });
      assert.equal(r.code, 0, r.stderr);
    });

    it("--stdin signs every non-blank line with one signer, in order", async () => {
      const input = "https://h.example/1.ts\n\n/private/2.ts\r\n   \nhttps://h.example/3.ts?q=1";
      const r = await runCli(["url", "--stdin", "--outputs-file", outputsFile, "--key-pair-id", KEY_ID, "--private-key-file", rsaFile, "--hash", "SHA256"], { stdin: input });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split("\n");
      assert.equal(lines.pop(), "");
      assert.deepEqual(
        lines.map((l) => splitSignedUrl(l).base),
        ["https://h.example/1.ts", "https://d111111abcdef8.cloudfront.net/private/2.ts", "https://h.example/3.ts?q=1"],
      );
      for (const line of lines) {
        const { base, params } = splitSignedUrl(line);
        assert.equal(params["Hash-Algorithm"], "SHA256");
        const policy = `{"Statement":[{"Resource":"${base}","Condition":{"DateLessThan":{"AWS:EpochTime":${params.Expires}}}}]}`;
        assert.ok(crypto.verify("sha256", Buffer.from(policy), rsaPublic, decodeCf(params.Signature)));
      }
    });

    it("--stdin with a bad line prints nothing, names the line, exits 2", async () => {
      const r = await runCli(["url", "--stdin", ...flags()], { stdin: "https://h.example/1\n\nhttps://h.example/a b\nhttps://h.example/3\n" });
      assertRefused(r, /^error: stdin line 3: contains a raw space at position 20; percent-encode it as %20/);
    });

    it("--stdin on two threads gives the same output as one thread, and reports every bad line", async () => {
      const urls = Array.from({ length: 2100 }, (_, i) => `https://h.example/v/seg-${i}.ts`);
      const args = ["url", "--stdin", ...flags(), "--expires-at", "2030-01-01T00:00:00Z", "--allow-long-expiry"];
      const one = await runCli(args, { stdin: urls.join("\n"), env: { CF_SIGN_THREADS: "1" } });
      const two = await runCli(args, { stdin: urls.join("\n"), env: { CF_SIGN_THREADS: "2" } });
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      assert.equal(two.stdout.split("\n").length, 2101);
      // RSA PKCS#1 v1.5 is deterministic, so the outputs must be byte-identical.
      assert.equal(two.stdout, one.stdout);
      const bad = [...urls];
      // The bad lines fall in different 100-line chunks, signed by whichever thread claims them; each is reported, in order.
      bad[1999] = "https://h.example/v/seg#1";
      bad[1499] = "https://h.example/v/seg 1";
      const raw = /^error: stdin line 1500: contains a raw space/;
      const fragment = /^error: stdin line 2000: has a fragment/;
      assertRefusedLines(await runCli(args, { stdin: bad.join("\n"), env: { CF_SIGN_THREADS: "2" } }), [raw, fragment]);
      // A /path that cannot be resolved (no baseUrl here) is that line's error, in its place.
      bad[1799] = "/v/seg-1799.ts";
      const path = /^error: stdin line 1800: "\/v\/seg-1799\.ts" is a path; give a full https:\/\/ URL, or --outputs-file F/;
      assertRefusedLines(await runCli(args, { stdin: bad.join("\n"), env: { CF_SIGN_THREADS: "2" } }), [raw, path, fragment]);
      bad[1499] = urls[1499];
      bad[1999] = urls[1999];
      assertRefused(await runCli(args, { stdin: bad.join("\n"), env: { CF_SIGN_THREADS: "2" } }), path);
      // --json on two threads: the same objects as on one (RSA: byte-identical), custom policies included.
      const jsonArgs = [...args, "--json", "--policy-resource", "https://h.example/v/*", "--ip", "192.0.2.0/24"];
      const jsonOne = await runCli(jsonArgs, { stdin: urls.join("\n"), env: { CF_SIGN_THREADS: "1" } });
      const jsonTwo = await runCli(jsonArgs, { stdin: urls.join("\n"), env: { CF_SIGN_THREADS: "2" } });
      assert.equal(jsonTwo.code, 0, jsonTwo.stderr);
      assert.equal(jsonTwo.stdout, jsonOne.stdout);
      const last = JSON.parse(jsonTwo.stdout.trim().split("\n")[2099]) as { url: string; canned: boolean; policy: unknown };
      assert.equal(last.canned, false);
      assert.equal(splitSignedUrl(last.url).base, "https://h.example/v/seg-2099.ts");
      assert.deepEqual(JSON.parse(decodeCf(splitSignedUrl(last.url).params.Policy).toString()), last.policy);
    });

    it("cookies: header, json, cookie and curl formats", async () => {
      const args = ["cookies", "/private/*", "--outputs-file", outputsFile, "--expires-in", "2h"];
      // A cookie Domain must domain-match the host the cookies are signed for (here the alternate domain).
      const header = await runCli(["cookies", "https://cdn.example.com/private/*", ...args.slice(2), "--domain", "cdn.example.com", "--same-site", "lax"]);
      assert.equal(header.code, 0, header.stderr);
      const lines = header.stdout.trim().split("\n");
      assert.deepEqual(
        lines.map((l) => l.split("=")[0]),
        ["Set-Cookie: CloudFront-Policy", "Set-Cookie: CloudFront-Signature", "Set-Cookie: CloudFront-Key-Pair-Id", "Set-Cookie: CloudFront-Hash-Algorithm"],
      );
      for (const line of lines) assert.match(line, /; Domain=cdn\.example\.com; Path=\/; Secure; HttpOnly; SameSite=Lax$/);

      const json = await runCli([...args, "--format", "json"]);
      const cookies = JSON.parse(json.stdout) as Record<string, string>;
      const policy = JSON.parse(decodeCf(cookies["CloudFront-Policy"]).toString()) as { Statement: { Resource: string }[] };
      assert.equal(policy.Statement[0].Resource, "https://d111111abcdef8.cloudfront.net/private/*");
      assert.ok(crypto.verify("sha256", decodeCf(cookies["CloudFront-Policy"]), ecPublic, decodeCf(cookies["CloudFront-Signature"])));

      const cookie = await runCli([...args, "--format", "cookie"]);
      assert.match(cookie.stdout, /^CloudFront-Policy=[A-Za-z0-9~_-]+; CloudFront-Signature=[A-Za-z0-9~_-]+; CloudFront-Key-Pair-Id=K2OUTPUTSKEY; CloudFront-Hash-Algorithm=SHA256\n$/);
      const curl = await runCli([...args, "--format", "curl"]);
      assert.match(curl.stdout, /^--cookie 'CloudFront-Policy=[A-Za-z0-9~_-]+; CloudFront-Signature=[A-Za-z0-9~_-]+; CloudFront-Key-Pair-Id=K2OUTPUTSKEY; CloudFront-Hash-Algorithm=SHA256'\n$/);
    });

    it("prints help with exit 0", async () => {
      for (const args of [["--help"], ["url", "--help"], ["cookies", "-h"]]) {
        const r = await runCli(args);
        assert.equal(r.code, 0);
        assert.match(r.stdout, /^Usage: cf-sign/);
      }
    });
  });

  describe("refused inputs (exit 2, one error line)", () => {
    const url = (target: string, ...extra: string[]) => runCli(["url", target, ...flags(), ...extra]);
    it("fragment", async () => assertRefused(await url("https://h.example/a#b"), /^error: url: has a fragment \("#b"\)/));
    it("existing signing parameter", async () =>
      assertRefused(await url("https://h.example/a?Expires=5"), /^error: url: the query already has the CloudFront signing parameter "Expires"/));
    it("raw space", async () => assertRefused(await url("https://h.example/a b"), /^error: url: contains a raw space/));
    it("non-ASCII", async () => assertRefused(await url("https://h.example/日本"), /^error: url: contains the non-ASCII character "日".*%E6%97%A5/));
    it("quote", async () => assertRefused(await url('https://h.example/"x"'), /^error: url: contains a double quote/));
    it("dot segment", async () => assertRefused(await url("https://h.example/a/../b"), /^error: url: the path has a dot segment/));
    it("non-http scheme", async () => assertRefused(await url("s3://bucket/key"), /^error: url: the scheme "s3" is not supported/));
    it("IPv6", async () => assertRefused(await url("https://h.example/a", "--ip", "2001:db8::/48"), /^error: --ip: "2001:db8::\/48" is IPv6/));
    it("bad CIDR", async () => assertRefused(await url("https://h.example/a", "--ip", "10.0.0.0/40"), /^error: --ip: "10\.0\.0\.0\/40" has an invalid prefix length/));
    it("millisecond epoch", async () =>
      assertRefused(await url("https://h.example/a", "--expires-at", "1893456000000"), /^error: --expires-at: 1893456000000 looks like epoch milliseconds; give epoch seconds \(1893456000\)/));
    it("past expiry", async () =>
      assertRefused(await url("https://h.example/a", "--expires-at", "2020-01-01T00:00:00Z"), /^error: --expires-at: the expiry 2020-01-01T00:00:00\.000Z is not in the future/));
    it("start ≥ expiry", async () =>
      assertRefused(await url("https://h.example/a", "--expires-in", "1h", "--starts-at", "2h"), /^error: --starts-at: the start .* is not before the expiry/));
    it("ISO time without offset, bad duration, both expiry flags", async () => {
      assertRefused(await url("https://h.example/a", "--expires-at", "2030-01-01T00:00:00"), /^error: --expires-at: "2030-01-01T00:00:00" has no UTC offset/);
      assertRefused(await url("https://h.example/a", "--expires-in", "soon"), /^error: --expires-in: "soon" is not a duration/);
      assertRefused(await url("https://h.example/a", "--expires-in", "1h", "--expires-at", "2030-01-01T00:00:00Z"), /^error: give --expires-in or --expires-at, not both$/);
    });
    it("wrong key type", async () => {
      const file = write("ed.pem", keys.ed25519);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", file]), /^error: --private-key-file .*ed\.pem: ed25519 key refused; CloudFront accepts only RSA 2048 or ECDSA P-256 keys$/);
    });
    it("wrong key size", async () => {
      const file = write("small.pem", keys.rsa1024);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", file]), /^error: --private-key-file .*small\.pem: RSA 1024-bit key refused/);
      const p384 = write("p384.pem", keys.p384);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", p384]), /ECDSA key on curve secp384r1 refused/);
    });
    it("missing key: one error listing every way", async () => {
      assertRefused(
        await runCli(["url", "https://h.example/a"]),
        /^error: no signing key found: give one of these key sources \(the first that applies wins\): 1\. --kms-key-id .*; 2\. --key-pair-id ID --private-key-file FILE .*; 5\. env CLOUDFRONT_KEY_PAIR_ID with CLOUDFRONT_PRIVATE_KEY \(PEM text\) or CLOUDFRONT_PRIVATE_KEY_FILE; the stack outputs from --outputs-file F \(pulumi stack output --json --show-secrets > F\), --stack S, or the selected stack when the Pulumi CLI is installed, with 6\. .* 8\. keyPairId and privateKeyPem \(needs --show-secrets\)$/,
      );
      assertRefused(await runCli(["url", "https://h.example/a"], { env: { CLOUDFRONT_KEY_PAIR_ID: "K1" } }), /^error: no signing key found \(CLOUDFRONT_KEY_PAIR_ID is set but neither/);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", "K1"]), /^error: --key-pair-id needs --private-key-file FILE/);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", "K1", "--private-key-file", path.join(dir, "nope.pem")]), /^error: --private-key-file .*nope\.pem: no such file$/);
    });
    it("PKCS#1 public key given as private key", async () => {
      const file = write("pub.pem", keys.rsa.pkcs1Public);
      assertRefused(await runCli(["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", file]), /^error: --private-key-file .*pub\.pem: this is a PKCS#1 RSA public key, not a private key/);
    });
    it("wrong passphrase", async () => {
      const file = write("enc2.pem", keys.rsa.encryptedPkcs8);
      const args = ["url", "https://h.example/a", "--key-pair-id", KEY_ID, "--private-key-file", file, "--passphrase-env", "KEY_PASS"];
      assertRefused(await runCli(args, { env: { KEY_PASS: "wrong" } }), /^error: --private-key-file .*enc2\.pem: wrong passphrase for the encrypted private key$/);
      assertRefused(await runCli(args), /^error: --passphrase-env: no environment variable of that name is set/);
    });
    it("malformed outputs file", async () => {
      const bad = write("bad-outputs.json", "{\"baseUrl\": ");
      assertRefused(await runCli(["url", "/a", "--outputs-file", bad]), /^error: --outputs-file .*bad-outputs\.json: not valid JSON; create it with: pulumi stack output --json --show-secrets/);
      const hidden = write("hidden.json", JSON.stringify({ keyPairId: "K1", privateKeyPem: "[secret]" }));
      assertRefused(await runCli(["url", "https://h.example/a", "--outputs-file", hidden]), /privateKeyPem is hidden as "\[secret\]"; produce the outputs with pulumi stack output --json --show-secrets/);
      const noBase = write("nobase.json", JSON.stringify({ keyPairId: "K1", privateKeyPem: keys.rsa.pkcs8 }));
      assertRefused(await runCli(["url", "/a", "--outputs-file", noBase]), /^error: url: "\/a" is a path, but --outputs-file .*nobase\.json has no baseUrl output to resolve it against; give a full https:\/\/ URL/);
    });
    it("URL not matching its policy resource", async () => {
      assertRefused(
        await url("https://h.example/public/a.jpg", "--policy-resource", "https://h.example/private/*"),
        /^error: --policy-resource: resource "https:\/\/h\.example\/private\/\*" does not match "https:\/\/h\.example\/public\/a\.jpg"/,
      );
      const ok = await runCli(["url", "/private/a.jpg", "--outputs-file", outputsFile, "--policy-resource", "/private/*", "--json"]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((JSON.parse(ok.stdout) as { policy: { Statement: { Resource: string }[] } }).policy.Statement[0].Resource, "https://d111111abcdef8.cloudfront.net/private/*");
    });
    it("cookie attributes and format", async () => {
      const c = (...extra: string[]) => runCli(["cookies", "https://cdn.example.com/*", ...flags(), ...extra]);
      assertRefused(await c("--domain", "*.cloudfront.net"), /^error: --domain: "\*\.cloudfront\.net" is a wildcard/);
      assertRefused(await c("--domain", "cloudfront.net"), /^error: --domain: "cloudfront\.net" would share the cookies with every CloudFront distribution/);
      assertRefused(await c("--same-site", "maybe"), /^error: --same-site: "maybe" is not a SameSite value/);
      assertRefused(await c("--format", "xml"), /^error: --format: "xml" is not a format; use header, json, cookie or curl$/);
    });
    it("bad arguments", async () => {
      assertRefused(await runCli(["sing"]), /^error: unknown command "sing"/);
      assertRefused(await runCli(["url", ...flags()]), /^error: url: missing the URL to sign/);
      assertRefused(await runCli(["url", "https://h.example/a", "https://h.example/b", ...flags()]), /^error: url: unexpected argument "https:\/\/h\.example\/b"/);
      assertRefused(await runCli(["url", "https://h.example/a", "--bogus", ...flags()]), /^error: url: unknown option --bogus; see cf-sign url --help$/);
      assertRefused(await runCli(["url", "https://h.example/a", "--expires-in"]), /^error: url: --expires-in needs a value/);
      assertRefused(await runCli(["url", "https://h.example/a", "--hash", "MD5", ...flags()]), /^error: --hash: "MD5" is not a hash algorithm CloudFront accepts/);
    });
    it("a platform refusing SHA-1: says so and suggests --hash SHA256", async () => {
      const stub = write(
        "no-sha1.js",
        `const c = require("node:crypto"); const sign = c.sign; c.sign = (alg, data, key) => { if (alg === "sha1") throw new Error("error:03000098:digital envelope routines::invalid digest"); return sign(alg, data, key); };`,
      );
      const env = { NODE_OPTIONS: `--require ${stub}` };
      assertRefused(await runCli(["url", "https://h.example/a", ...flags()], { env }), /^error: hash: this platform refuses SHA-1 signatures .*; use SHA-256 \(CLI: --hash SHA256/);
      const ok = await runCli(["url", "https://h.example/a", ...flags(), "--hash", "SHA256"], { env });
      assert.equal(ok.code, 0, ok.stderr);
      // --stdin on two threads (the preload runs in the worker too): nothing printed, the first line named.
      const lines = Array.from({ length: 600 }, (_, i) => `https://h.example/v/${i}.ts`).join("\n");
      assertRefused(
        await runCli(["url", "--stdin", ...flags()], { env: { ...env, CF_SIGN_THREADS: "2" }, stdin: lines }),
        /^error: stdin line 1: hash: this platform refuses SHA-1 signatures .*; use SHA-256/,
      );
    });
  });

  describe("the private key never appears in any output", () => {
    const secretLines = () => [...pemBody(keys.rsa.pkcs8), ...pemBody(keys.rsa.pkcs1), ...pemBody(keys.ec.pkcs8), ...pemBody(keys.ec.sec1)];
    const assertNoSecret = (r: CliResult) => {
      for (const line of secretLines()) {
        assert.ok(!r.stdout.includes(line) && !r.stderr.includes(line), "private key material leaked");
      }
    };
    it("not in errors after the key was loaded (env, file, outputs), nor in successful output", async () => {
      const env = { CLOUDFRONT_KEY_PAIR_ID: "K3ENV", CLOUDFRONT_PRIVATE_KEY: keys.rsa.pkcs8 };
      const runs: CliResult[] = [
        await runCli(["url", "https://h.example/a", "--ip", "::1"], { env }),
        await runCli(["url", "https://h.example/a", "--bogus=" + keys.rsa.pkcs8], { env }),
        await runCli(["url", keys.rsa.pkcs8], { env }),
        await runCli(["url", "https://h.example/a#x", ...flags()]),
        await runCli(["cookies", "/p/*", "--outputs-file", outputsFile, "--domain", "*.cloudfront.net"]),
        await runCli(["url", "/a", "--outputs-file", outputsFile, "--json"]),
        await runCli(["cookies", "/p/*", "--outputs-file", outputsFile, "--format", "json"]),
        await runCli(["url", "https://h.example/a"], { env: { CLOUDFRONT_KEY_PAIR_ID: "bad id", CLOUDFRONT_PRIVATE_KEY: keys.rsa.pkcs8 } }),
        await runCli(["url", "https://h.example/a"], { env: { CLOUDFRONT_KEY_PAIR_ID: "K1", CLOUDFRONT_PRIVATE_KEY: keys.rsa.pkcs8.replace(/\n[A-Za-z0-9+/]{30}/, "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!") } }),
      ];
      assert.deepEqual(runs.map((r) => r.code), [2, 2, 2, 2, 2, 0, 0, 2, 2]);
      runs.forEach(assertNoSecret);
    });
  });
});
