// The traps a new user hit, each checked through the compiled cf-sign (and the compiled
// edge) as a child process.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { resolveProtected } from "../signer/src/cli/stackConfig";
import { InputError } from "../signer/src/lib/errors";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { validatePathPattern } from "../infra/config";
import { assertRefused, runCli } from "./helpers/cli";
import { EDGE_MAIN, startEdgeProcess } from "./helpers/edgeProcess";
import { decodeCf, splitSignedUrl } from "./helpers/signedUrl";
import { testKeys } from "./helpers/verifyKeys";

describe("cf-sign: what a new user tripped over (compiled CLI)", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const BASE = "https://d111111abcdef8.cloudfront.net";
  const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
  let dir: string;
  let keyFile: string;
  let pubFile: string;
  let outputsFile: string;
  // Only node's own folder on PATH: no Pulumi CLI, whatever the machine has.
  const NO_PULUMI = { PATH: path.dirname(process.execPath) };
  const signFlags = () => ["--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile];
  const verifyFlags = () => ["--key-pair-id", keys.rsa.keyPairId, "--public-key-file", pubFile];
  const write = (name: string, text: string, mode = 0o600): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode });
    return file;
  };
  const outputs = {
    baseUrl: `${BASE}/`,
    keyPairId: keys.rsa.keyPairId,
    privateKeyPem: keys.rsa.privateKeyPem,
    keyPairIds: { "2026-01": keys.rsa.keyPairId },
    publicKeyPems: { "2026-01": keys.rsa.publicKeyPem },
    protectedPaths: ["/private/*"],
    protectDefaultBehavior: false,
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-sign-new-user-"));
    keyFile = write("rsa.pem", keys.rsa.privateKeyPem);
    pubFile = write("rsa.pub.pem", keys.rsa.publicKeyPem);
    outputsFile = write("outputs.json", JSON.stringify(outputs));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("1. a value starting with -", () => {
    it("--expires-in -1h: a negative duration is not allowed (also as --expires-in=-1h)", async () => {
      for (const args of [["--expires-in", "-1h"], ["--expires-in=-1h"]]) {
        assertRefused(
          await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), ...args]),
          /^error: --expires-in: "-1h" is a negative duration, which is not allowed: the expiry must be in the future/,
        );
      }
    });
    it("--starts-at -5m and verify --at -1h: say to write --opt=-D; that form means a time before now", async () => {
      const startsAt = await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), "--starts-at", "-5m"]);
      assertRefused(startsAt, /^error: --starts-at: "-5m" starts with "-", so it reads as an option; for a time before now write --starts-at=-5m$/);
      assert.doesNotMatch(startsAt.stderr, /does not take a value/);

      const before = Math.floor(Date.now() / 1000);
      const signed = await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), "--starts-at=-5m", "--json"]);
      assert.equal(signed.code, 0, signed.stderr);
      const policy = (JSON.parse(signed.stdout) as { policy: { Statement: { Condition: { DateGreaterThan: { "AWS:EpochTime": number } } }[] } }).policy;
      const start = policy.Statement[0].Condition.DateGreaterThan["AWS:EpochTime"];
      assert.ok(start >= before - 300 && start <= before - 298, `start ${start} is 5 minutes before ${before}`);

      const url = (JSON.parse(signed.stdout) as { url: string }).url;
      assertRefused(await runCli(["verify", url, ...verifyFlags(), "--at", "-1h"]), /^error: --at: "-1h" starts with "-".*write --at=-1h$/);
      // An hour ago the URL was not valid yet (it starts 5 minutes ago): CloudFront would have denied it.
      const past = await runCli(["verify", url, ...verifyFlags(), "--at=-1h"]);
      assert.equal(past.code, 1, past.stderr);
      assert.match(past.stdout, /^AccessDenied: Access denied\n/);
      assert.equal((await runCli(["verify", url, ...verifyFlags()])).code, 0);
    });
    it("--expires-at -1h and probe --timeout -5: say the value is not allowed, never suggest the =-form", async () => {
      const at = await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), "--expires-at", "-1h"]);
      assertRefused(at, /^error: --expires-at: "-1h" would be a time before now, which is not allowed: the expiry must be in the future/);
      assert.doesNotMatch(at.stderr, /--expires-at=/);
      const timeout = await runCli(["probe", "--public", "/index.html", "--private", "/private/a.jpg", "--timeout", "-5"]);
      assertRefused(timeout, /^error: --timeout: "-5" is a negative number, which is not allowed; give seconds between 1 and 120/);
      assert.doesNotMatch(timeout.stderr, /--timeout=/);
    });
    it("an option followed by another option still says the value is missing", async () => {
      assertRefused(await runCli(["url", `${BASE}/a`, "--expires-in", "--json"]), /^error: url: --expires-in needs a value \(it is followed by the option --json\)/);
    });
  });

  describe("2. inspect exits non-zero for what CloudFront refuses outright", () => {
    it("expired, not yet valid and an unknown hash exit 1; a usable URL exits 0", async () => {
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
      assert.equal((await runCli(["inspect", url])).code, 0);
      const expired = await runCli(["inspect", url, "--at", "2h"]);
      assert.equal(expired.code, 1, expired.stdout);
      assert.match(expired.stdout, /error: expired/);
      const early = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h", startsAt: "10m" }).url;
      const notYet = await runCli(["inspect", early]);
      assert.equal(notYet.code, 1, notYet.stdout);
      assert.match(notYet.stdout, /error: not valid yet/);
      const md5 = await runCli(["inspect", `${url}&Hash-Algorithm=MD5`]);
      assert.equal(md5.code, 1, md5.stdout);
      assert.match(md5.stdout, /error: Hash-Algorithm=MD5 is not SHA1 or SHA256/);
    });
  });

  describe("3./4. cookie Domain", () => {
    it("refuses a --domain the resource's host does not domain-match, naming the host", async () => {
      assertRefused(
        await runCli(["cookies", "/private/*", "--outputs-file", outputsFile, "--domain", "cdn.example.com"]),
        /^error: --domain: Domain=cdn\.example\.com does not domain-match d111111abcdef8\.cloudfront\.net, the host these cookies are signed for/,
      );
      for (const [resource, domain] of [
        ["https://cdn.example.com/private/*", "cdn.example.com"],
        ["https://cdn.example.com/private/*", "example.com"],
        ["https://cdn.example.com:8443/private/*", ".cdn.example.com"],
      ]) {
        const ok = await runCli(["cookies", resource, ...signFlags(), "--domain", domain]);
        assert.equal(ok.code, 0, `${resource} ${domain}: ${ok.stderr}`);
        assert.ok(ok.stdout.split("\n").filter((l) => l !== "").every((l) => l.includes(`; Domain=${domain}; Path=/`)), ok.stdout);
      }
      assertRefused(await runCli(["cookies", "https://cdn.example.com/private/*", ...signFlags(), "--domain", "other.example.com"]), /does not domain-match cdn\.example\.com/);
    });
    it("inspect reports the same mismatch (exit 1)", async () => {
      const lines = signer
        .signCookies(`${BASE}/private/*`, { expires: "1h" })
        .setCookieHeaders.map((h) => `Set-Cookie: ${h.replace("; Path=/", "; Domain=cdn.example.com; Path=/")}`)
        .join("\n");
      const r = await runCli(["inspect", "-"], { stdin: lines });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /error: CloudFront-Policy: Domain=cdn\.example\.com does not domain-match d111111abcdef8\.cloudfront\.net/);
      assert.equal(r.stdout.match(/does not domain-match/g)?.length, 1, "reported once, not per cookie");
    });
    it("refuses a *.cloudfront.net --domain", async () => {
      for (const domain of ["d111111abcdef8.cloudfront.net", ".D111.cloudfront.net"]) {
        assertRefused(
          await runCli(["cookies", "/private/*", "--outputs-file", outputsFile, "--domain", domain]),
          /^error: --domain: ".*" is a \*\.cloudfront\.net domain: browsers treat cloudfront\.net as a public suffix/,
        );
      }
    });
  });

  it("5. inspect --help names the real option (cookies --format json)", async () => {
    const help = await runCli(["inspect", "--help"]);
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /cookies --json/);
    assert.match(help.stdout, /cf-sign cookies --format json/);
    // And that is what inspect reads.
    const json = await runCli(["cookies", `${BASE}/private/*`, ...signFlags(), "--format", "json"]);
    assert.equal((await runCli(["inspect", "-"], { stdin: json.stdout })).code, 0);
  });

  describe("6./10. key pair ids", () => {
    it("refuses a lower-case id and a PEM line, with one line that never echoes key text", async () => {
      assertRefused(
        await runCli(["url", `${BASE}/a`, "--key-pair-id", "kv0l4e6n5q1ckq", "--private-key-file", keyFile]),
        /^error: --key-pair-id: "kv0l4e6n5q1ckq" is not a CloudFront public key id \(lower-case letters.*upper-case letters and digits/,
      );
      const pemLine = keys.rsa.privateKeyPem.split("\n")[1];
      const line = await runCli(["url", `${BASE}/a`, "--key-pair-id", pemLine, "--private-key-file", keyFile]);
      assertRefused(line, /^error: --key-pair-id: \(64 characters, not shown\) is not a CloudFront public key id/);
      assert.ok(!line.stderr.includes(pemLine.slice(0, 20)));
      assertRefused(
        await runCli(["verify", `${BASE}/a`, "--key-pair-id", "k2jcjmdehxqw5f", "--public-key-file", pubFile]),
        /^error: --key-pair-id: "k2jcjmdehxqw5f" is not a CloudFront public key id/,
      );
      const badOutputs = write("lower-id.json", JSON.stringify({ ...outputs, keyPairId: "k2outputs" }));
      assertRefused(await runCli(["url", `${BASE}/a`, "--outputs-file", badOutputs]), /^error: --outputs-file .*lower-id\.json: keyPairId output: "k2outputs" is not a CloudFront public key id/);
    });
    it("CLOUDFRONT_KEY_PAIR_ID holding a PEM: says so, without echoing it", async () => {
      const r = await runCli(["url", `${BASE}/a`], { env: { CLOUDFRONT_KEY_PAIR_ID: keys.rsa.privateKeyPem, CLOUDFRONT_PRIVATE_KEY: keys.rsa.privateKeyPem } });
      assertRefused(r, /^error: CLOUDFRONT_KEY_PAIR_ID holds a private key \(PEM\), not a key pair id; .*CLOUDFRONT_PRIVATE_KEY/);
      assert.doesNotMatch(r.stderr, /BEGIN|MII/);
    });
  });

  describe("7. maximum expiry", () => {
    it("refuses more than 7 days unless --allow-long-expiry", async () => {
      const url = ["url", `${BASE}/private/a.jpg`, ...signFlags()];
      assertRefused(await runCli([...url, "--expires-in", "100000d"]), /^error: --expires-in: the expiry 2\d{3}-.* is more than 7 days ahead.*--allow-long-expiry/);
      assertRefused(await runCli([...url, "--expires-in", "7d1s"]), /more than 7 days ahead/);
      const far = new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
      assertRefused(await runCli(["cookies", `${BASE}/private/*`, ...signFlags(), "--expires-at", far]), /^error: --expires-at: the expiry .* is more than 7 days ahead/);
      assert.equal((await runCli([...url, "--expires-in", "7d"])).code, 0);
      const long = await runCli([...url, "--expires-in", "100000d", "--allow-long-expiry"]);
      assert.equal(long.code, 0, long.stderr);
      assert.ok(Number(splitSignedUrl(long.stdout.trim()).params.Expires) > Date.now() / 1000 + 99_999 * 86400);
    });
    it("inspect warns on a very long lifetime (exit 0: CloudFront would serve it)", async () => {
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "30d" }).url;
      const r = await runCli(["inspect", url]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /warning: very long lifetime: valid until .* more than the 7 days cf-sign signs without --allow-long-expiry/);
      assert.doesNotMatch((await runCli(["inspect", signer.signUrl(`${BASE}/private/a.jpg`, { expires: "7d" }).url])).stdout, /very long lifetime/);
    });
  });

  it("8. --ip with host bits set is refused, naming both readings", async () => {
    assertRefused(
      await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), "--ip", "10.0.0.1/8"]),
      /^error: --ip: "10\.0\.0\.1\/8" has host bits set, so it is refused rather than guessed; write 10\.0\.0\.0\/8 for the whole network, or 10\.0\.0\.1 \(= 10\.0\.0\.1\/32\)/,
    );
    const ok = await runCli(["url", `${BASE}/private/a.jpg`, ...signFlags(), "--ip", "10.0.0.0/8"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(decodeCf(splitSignedUrl(ok.stdout.trim()).params.Policy).toString(), /"AWS:SourceIp":"10\.0\.0\.0\/8"/);
  });

  it("9. an outputs file without baseUrl: the error does not suggest --outputs-file again", async () => {
    const noBase = write("nobase.json", JSON.stringify({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem }));
    const r = await runCli(["url", "/private/a.jpg", "--outputs-file", noBase]);
    assertRefused(r, /^error: url: "\/private\/a\.jpg" is a path, but --outputs-file .*nobase\.json has no baseUrl output/);
    assert.doesNotMatch(r.stderr, /or --outputs-file F/);
  });

  it("11. --passphrase-env never echoes its value", async () => {
    for (const value of ["s3cret", "correct horse battery", "S3CRET_PASS"]) {
      const r = await runCli(["url", `${BASE}/a`, ...signFlags(), "--passphrase-env", value]);
      assertRefused(r, /^error: --passphrase-env/);
      assert.ok(!r.stderr.includes(value), r.stderr);
    }
    const dash = await runCli(["url", `${BASE}/a`, ...signFlags(), "--passphrase-env", "-s3cret"]);
    assertRefused(dash, /^error: url: --passphrase-env needs a value/);
    assert.ok(!dash.stderr.includes("s3cret"));
  });

  describe("12. --stack, the same in every subcommand", () => {
    it("every subcommand's help lists --stack S", async () => {
      for (const command of ["url", "cookies", "verify", "inspect", "probe"]) {
        assert.match((await runCli([command, "--help"])).stdout, /^ {2}--stack S {2,}/m, command);
      }
    });
    it("without the Pulumi CLI, --stack is an error, never ignored", async () => {
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
      const cases = [
        ["url", `${BASE}/private/a.jpg`, ...signFlags()],
        ["cookies", `${BASE}/private/*`, ...signFlags()],
        ["url", "/private/a.jpg"],
        ["verify", url, ...verifyFlags()],
        ["verify", url],
        ["inspect", url],
        ["inspect", url, "--protected", "/private/*"],
      ];
      for (const args of cases) {
        assertRefused(
          await runCli([...args, "--stack", "nosuchstack"], { env: NO_PULUMI, cwd: dir }),
          /^error: --stack nosuchstack: cannot read the stack's outputs: the Pulumi CLI is not on PATH/,
        );
      }
      // inspect falls back to Pulumi.<stack>.yaml (for the protected paths) when it exists.
      write("Pulumi.cfgonly.yaml", "config:\n  cloudfront-signed-content:protectedPaths:\n    - /private/*\n");
      assert.equal((await runCli(["inspect", url, "--stack", "cfgonly"], { env: NO_PULUMI, cwd: dir })).code, 0);
    });
    it("with the Pulumi CLI: a stack that cannot be read is an error; a readable one is used by all four", async () => {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin, { recursive: true });
      // A stand-in for `pulumi stack output --json --show-secrets --stack S`: prints the outputs of "dev" only.
      write(
        "bin/pulumi",
        `#!/bin/sh\ncase "$*" in\n  *"--stack dev"*) cat ${JSON.stringify(outputsFile)} ;;\n  *) echo "error: no stack named '$6' found" >&2; exit 255 ;;\nesac\n`,
        0o755,
      );
      const env = { PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin${path.delimiter}/bin` };
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
      for (const args of [["url", `${BASE}/private/a.jpg`, ...signFlags()], ["cookies", "/private/*"], ["verify", url], ["inspect", url]]) {
        assertRefused(
          await runCli([...args, "--stack", "nosuchstack"], { env, cwd: dir }),
          /^error: pulumi stack output --json --show-secrets --stack nosuchstack failed: error: no stack named 'nosuchstack' found$/,
        );
        const ok = await runCli([...args, "--stack", "dev"], { env, cwd: dir });
        assert.equal(ok.code, 0, `${args[0]}: ${ok.stderr}`);
      }
      const signed = await runCli(["url", "/private/a.jpg", "--stack", "dev"], { env, cwd: dir });
      assert.equal(splitSignedUrl(signed.stdout.trim()).base, `${BASE}/private/a.jpg`);
    });
    it("--outputs-file and --stack together are refused", async () => {
      for (const command of ["url", "verify", "inspect"]) {
        const target = command === "url" ? `${BASE}/a` : signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
        assertRefused(
          await runCli([command, target, "--outputs-file", outputsFile, "--stack", "dev"], { env: NO_PULUMI }),
          /^error: give --outputs-file or --stack, not both/,
        );
      }
    });
  });

  describe("13. usage and --version", () => {
    it("no arguments: the usage summary, then one error line, exit 2", async () => {
      const r = await runCli([]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^Usage: cf-sign <command> \[options\]\n/);
      assert.match(r.stderr, /\n {2}url <url\|\/path> .*\n {2}cookies <resource>.*\n {2}verify .*\n {2}inspect .*\n {2}probe /);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
      assert.deepEqual(errors, ["error: missing command; use url, cookies, verify, inspect or probe (cf-sign --help)"]);
      const unknown = await runCli(["sign"]);
      assert.equal(unknown.code, 2);
      assert.equal(unknown.stderr, 'error: unknown command "sign"; use url, cookies, verify, inspect or probe (cf-sign --help)\n');
      assert.match(r.stderr, /error: [^\n]+\n$/, "the error line comes last");
    });
    it("--version prints the signer package.json version", async () => {
      const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "signer", "package.json"), "utf8")) as { version: string };
      const r = await runCli(["--version"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `cf-sign ${version}\n`);
      assert.match((await runCli(["--help"])).stdout, /cf-sign --version/);
    });
  });

  describe("14. the edge's cookies command", () => {
    it("prints a --format curl command whose output curl takes, and it opens a protected file", async () => {
      const { child, banner } = await startEdgeProcess(["--port", "0", "--quiet"]);
      try {
        const line = /cookies: +npm run -s sign -- (cookies .*)$/m.exec(banner)?.[1];
        assert.ok(line, banner);
        assert.match(line, / --format curl /);
        // The banner quotes like a shell; its arguments here have no spaces inside quotes.
        const args = line.split(" ").map((a) => a.replace(/^'(.*)'$/, "$1"));
        const signed = await runCli(args);
        assert.equal(signed.code, 0, signed.stderr);
        const m = /^--cookie '([^']+)'\n$/.exec(signed.stdout);
        assert.ok(m, `curl arguments, got: ${signed.stdout}`);
        const target = /sign a URL: +npm run -s sign -- url (\S+)/.exec(banner)![1];
        const status = await new Promise<number>((resolve, reject) => {
          http.get(target, { headers: { Cookie: m[1] } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on("error", reject);
        });
        assert.equal(status, 200);
      } finally {
        const exited = new Promise((resolve) => child.on("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    });
    it("the README mentions --format curl and --format cookie", () => {
      const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
      assert.match(readme, /--format curl/);
      assert.match(readme, /--format cookie/);
    });
  });

  describe("15. one rule for protected path patterns (stack config, edge, inspect)", () => {
    const samples: unknown[] = ["/private/*", "*", "/a/b?.jpg", "private/*", "", "/has space/*", `/${"a".repeat(300)}`, 42, "/ok/*.zip"];
    it("the edge's pattern sources refuse exactly what the stack config refuses, with the same reason", () => {
      for (const pattern of samples) {
        let configError: string | undefined;
        try {
          validatePathPattern("protectedPaths", 0, pattern);
        } catch (error) {
          configError = (error as Error).message;
        }
        let edgeError: string | undefined;
        try {
          resolveProtected({ flags: [pattern as string], cwd: dir });
        } catch (error) {
          assert.ok(error instanceof InputError);
          edgeError = error.message;
        }
        assert.equal(edgeError === undefined, configError === undefined, `${String(pattern)}: config ${configError}, edge ${edgeError}`);
        if (configError !== undefined && edgeError !== undefined) {
          assert.equal(edgeError.replace(/^--protected /, ""), configError.replace(/^cloudfront-signed-content:protectedPaths\[0\] /, ""));
        }
      }
      write("Pulumi.noslash.yaml", "config:\n  cloudfront-signed-content:protectedPaths:\n    - private/*\n");
      assert.throws(() => resolveProtected({ stack: "noslash", cwd: dir }), /Pulumi\.noslash\.yaml: protectedPaths\[0\] "private\/\*" is not a path pattern/);
    });
    it("npm run edge -- --protected 'private/*' and inspect --protected 'private/*' exit 2 with the stack's message", async () => {
      const child = spawn(process.execPath, [EDGE_MAIN, "--port", "0", "--quiet", "--protected", "private/*"], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      // An edge that accepted the pattern would keep serving: stop it rather than hang the suite.
      const timer = setTimeout(() => child.kill("SIGTERM"), 15_000);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      clearTimeout(timer);
      assert.equal(code, 2, err);
      assert.match(err, /^error: --protected "private\/\*" is not a path pattern: it must start with "\/" \(e\.g\. "\/private\/\*"\) or be "\*"\n$/);
      const url = signer.signUrl(`${BASE}/private/a.jpg`, { expires: "1h" }).url;
      assertRefused(await runCli(["inspect", url, "--protected", "private/*"]), /^error: --protected "private\/\*" is not a path pattern/);
    });
  });
});
