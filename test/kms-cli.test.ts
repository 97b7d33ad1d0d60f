import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { verifyRequest } from "../signer/src/lib/verifier";
import { KmsStandIn, type StandInKey } from "../scripts/standin/kms";
import { runCli } from "./helpers/cli";
import { standInEnv } from "./helpers/kms";

const BASE = "https://cdn.example.com";

/** One `error: ...` line on stderr, nothing on stdout, exit 2. */
function assertOneErrorLine(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: [^\n]*\n$/);
  assert.match(r.stderr, pattern);
}

describe("cf-sign with a KMS key (compiled CLI, real AWS SDK client, loopback KMS stand-in via AWS_ENDPOINT_URL_KMS)", function () {
  this.timeout(60_000);
  let kms: KmsStandIn;
  let rsa: StandInKey;
  let ec: StandInKey;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let outputsFile: string;

  before(async () => {
    kms = await KmsStandIn.start();
    rsa = kms.addKey({ keySpec: "RSA_2048", alias: "alias/cf-rsa" });
    ec = kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/cf-ecdsa" });
    env = standInEnv(kms);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-cli-"));
    outputsFile = path.join(dir, "outputs.json");
    fs.writeFileSync(
      outputsFile,
      JSON.stringify({
        baseUrl: BASE,
        keyPairId: "K2ECKMS",
        signingKeySource: "kms",
        kmsKeyArn: ec.arn,
        keyPairIds: { "2026-01": "K2RSAKMS", "2026-07": "K2ECKMS" },
        publicKeyPems: { "2026-01": rsa.publicKeyPem, "2026-07": ec.publicKeyPem },
        protectedPaths: ["/private/*"],
      }),
    );
  });
  after(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    kms.allowAll();
    kms.throttleNext(0);
  });

  it("url --kms-key-id alias --key-pair-id: a SHA-256 URL that verifies, and nothing on stderr (no SDK Node warning)", async () => {
    const r = await runCli(["url", `${BASE}/private/a.jpg`, "--kms-key-id", "alias/cf-rsa", "--key-pair-id", "K2RSAKMS"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const url = r.stdout.trim();
    assert.match(url, /&Key-Pair-Id=K2RSAKMS&Hash-Algorithm=SHA256$/);
    const result = verifyRequest({ url, trustedKeys: { K2RSAKMS: rsa.publicKeyPem } });
    assert.ok(result.ok, result.ok ? "" : result.detail);
  });

  it("cookies from the stack outputs alone (signingKeySource kms), and cf-sign verify accepts them", async () => {
    const r = await runCli(["cookies", "/private/*", "--outputs-file", outputsFile, "--format", "json"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const cookies = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(cookies["CloudFront-Key-Pair-Id"], "K2ECKMS");
    assert.equal(cookies["CloudFront-Hash-Algorithm"], "SHA256");
    const cookieArgs = Object.entries(cookies).flatMap(([k, v]) => ["--cookie", `${k}=${v}`]);
    const v = await runCli(["verify", "/private/q3.pdf", "--outputs-file", outputsFile, ...cookieArgs], { env });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^OK /);
  });

  it("--hash SHA1 with a KMS key: exit 2, one line, before KMS is contacted", async () => {
    const before = { ...kms.requests };
    for (const args of [
      ["url", `${BASE}/a`, "--kms-key-id", rsa.arn, "--key-pair-id", "K2RSAKMS", "--hash", "SHA1"],
      ["cookies", "/private/*", "--outputs-file", outputsFile, "--hash", "sha1"],
    ]) {
      const r = await runCli(args, { env });
      assertOneErrorLine(r, /^error: --hash SHA1: .* KMS cannot sign with SHA-1; drop --hash/);
    }
    assert.deepEqual(kms.requests, before);
    const ok = await runCli(["url", `${BASE}/a`, "--kms-key-id", rsa.arn, "--key-pair-id", "K2RSAKMS", "--hash", "SHA256"], { env });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it("--kms-key-id needs --key-pair-id and excludes --private-key-file; --passphrase-env only with a key file", async () => {
    assertOneErrorLine(await runCli(["url", `${BASE}/a`, "--kms-key-id", rsa.arn], { env }), /--kms-key-id needs --key-pair-id/);
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--kms-key-id", rsa.arn, "--key-pair-id", "K2", "--private-key-file", "k.pem"], { env }),
      /--kms-key-id and --private-key-file/,
    );
    assertOneErrorLine(await runCli(["url", `${BASE}/a`, "--key-pair-id", "K2RSAKMS"], { env }), /--key-pair-id needs --private-key-file FILE .*or --kms-key-id ARN for a key in AWS KMS$/m);
    // A passphrase only opens a key file: with any other key source it would be silently ignored.
    const before = { ...kms.requests };
    for (const source of [["--kms-key-id", rsa.arn, "--key-pair-id", "K2RSAKMS"], ["--secret-id", "app-key"], ["--generation", "2026-07", "--outputs-file", outputsFile]]) {
      assertOneErrorLine(
        await runCli(["url", `${BASE}/a`, ...source, "--passphrase-env", "CF_KEY_PASSPHRASE"], { env: { ...env, CF_KEY_PASSPHRASE: "x" } }),
        /^error: --passphrase-env is for an encrypted --private-key-file; .*drop --passphrase-env$/m,
      );
    }
    assertOneErrorLine(await runCli(["url", `${BASE}/a`, "--kms-key-id", rsa.arn, "--key-pair-id", "not a key pair id"], { env }), /^error: --key-pair-id: /);
    assert.deepEqual(kms.requests, before, "refused before any AWS call");
  });

  it("--stdin: every line signed in input order with bounded concurrency; --json too", async () => {
    const urls = Array.from({ length: 60 }, (_, i) => `${BASE}/private/file-${i}.bin`);
    const lines = urls.map((u, i) => (i === 10 ? "" : u.replace(BASE, i % 2 ? BASE : "")));
    lines[10] = "";
    const expected = urls.filter((_, i) => i !== 10);
    const r = await runCli(["url", "--stdin", "--kms-key-id", "alias/cf-ecdsa", "--key-pair-id", "K2ECKMS", "--outputs-file", outputsFile], {
      env: { ...env, CF_SIGN_KMS_CONCURRENCY: "4" },
      stdin: lines.join("\n") + "\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const out = r.stdout.trimEnd().split("\n");
    assert.equal(out.length, expected.length);
    out.forEach((line, i) => {
      assert.equal(line.split("?")[0], expected[i]);
      const result = verifyRequest({ url: line, trustedKeys: { K2ECKMS: ec.publicKeyPem } });
      assert.ok(result.ok, result.ok ? "" : result.detail);
    });
    const json = await runCli(["url", "--stdin", "--json", "--outputs-file", outputsFile], { env, stdin: `${urls[0]}\n${urls[1]}\n` });
    assert.equal(json.code, 0, json.stderr);
    const objects = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { url: string; hashAlgorithm: string });
    assert.deepEqual(objects.map((o) => o.hashAlgorithm), ["SHA256", "SHA256"]);
    assert.ok(objects[1].url.startsWith(`${urls[1]}?`));
  });

  it("--stdin with a bad line: exit 2 naming the line, nothing printed, no Sign call", async () => {
    const before = kms.requests.Sign ?? 0;
    const r = await runCli(["url", "--stdin", "--outputs-file", outputsFile], { env, stdin: `${BASE}/a\n${BASE}/b c\n` });
    assertOneErrorLine(r, /^error: stdin line 2: /);
    assert.equal(kms.requests.Sign ?? 0, before);
    assertOneErrorLine(
      await runCli(["url", "--stdin", "--outputs-file", outputsFile], { env: { ...env, CF_SIGN_KMS_CONCURRENCY: "0" }, stdin: `${BASE}/a\n` }),
      /CF_SIGN_KMS_CONCURRENCY: "0" is not a number from 1 to 64/,
    );
  });

  it("KMS throttling (after the SDK's retries) is one clear error line and no partial output", async () => {
    kms.throttleNext(1000);
    const r = await runCli(["url", "--stdin", "--outputs-file", outputsFile], {
      env: { ...env, AWS_MAX_ATTEMPTS: "2" },
      stdin: [1, 2, 3].map((i) => `${BASE}/private/${i}`).join("\n"),
    });
    assertOneErrorLine(r, /^error: KMS throttled kms:(Sign|GetPublicKey) on .*ThrottlingException: Rate exceeded.*quota/);
  });

  it("access denied and an unknown key are one clear error line each", async () => {
    kms.deny("kms:Sign");
    assertOneErrorLine(
      await runCli(["cookies", "/private/*", "--outputs-file", outputsFile], { env }),
      /^error: KMS denied kms:Sign on arn:aws:kms:.*\(AccessDeniedException: .*\): grant kms:Sign and kms:GetPublicKey/,
    );
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--kms-key-id", "alias/nope", "--key-pair-id", "K2"], { env }),
      /^error: KMS key alias\/nope not found \(NotFoundException/,
    );
    const { AWS_REGION: _region, ...noRegion } = env;
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--kms-key-id", "alias/cf-rsa", "--key-pair-id", "K2"], { env: noRegion }),
      /^error: no AWS region for KMS: set AWS_REGION/,
    );
  });
  it("--generation with a KMS generation signs through KMS (kmsKeyArns, or kmsKeyArn for the active one): the canary of a KMS key", async () => {
    const base = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as Record<string, unknown>;
    const withArns = path.join(dir, "outputs-arns.json");
    fs.writeFileSync(withArns, JSON.stringify({ ...base, kmsKeyArns: { "2026-01": rsa.arn, "2026-07": ec.arn } }));
    const before = kms.requests.Sign ?? 0;
    const r = await runCli(["url", "/private/canary.txt", "--outputs-file", withArns, "--generation", "2026-01"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const url = r.stdout.trim();
    assert.match(url, /&Key-Pair-Id=K2RSAKMS&Hash-Algorithm=SHA256$/);
    assert.ok(verifyRequest({ url, trustedKeys: { K2RSAKMS: rsa.publicKeyPem } }).ok);
    assert.equal(kms.requests.Sign, before + 1);
    const batch = await runCli(["url", "--stdin", "--outputs-file", withArns, "--generation", "2026-01"], { env, stdin: `${BASE}/a\n/private/b\n` });
    assert.equal(batch.code, 0, batch.stderr);
    for (const line of batch.stdout.trimEnd().split("\n")) assert.ok(verifyRequest({ url: line, trustedKeys: { K2RSAKMS: rsa.publicKeyPem } }).ok, line);
    const cookies = await runCli(["cookies", "/private/*", "--outputs-file", withArns, "--generation", "2026-01", "--format", "json"], { env });
    assert.equal(cookies.code, 0, cookies.stderr);
    assert.equal((JSON.parse(cookies.stdout) as Record<string, string>)["CloudFront-Key-Pair-Id"], "K2RSAKMS");
    // Outputs without kmsKeyArns: the active generation is still the KMS key of kmsKeyArn.
    const active = await runCli(["url", `${BASE}/a`, "--outputs-file", outputsFile, "--generation", "2026-07"], { env });
    assert.equal(active.code, 0, active.stderr);
    assert.ok(verifyRequest({ url: active.stdout.trim(), trustedKeys: { K2ECKMS: ec.publicKeyPem } }).ok);
    // A generation with neither a private key nor a KMS key ARN in the outputs: one line naming both fixes.
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--outputs-file", outputsFile, "--generation", "2026-01"], { env }),
      /--generation 2026-01: .*no privateKeyPems output .* no kmsKeyArns entry for it; .*--kms-key-id ARN --key-pair-id K2RSAKMS\)$/m,
    );
    const tlsPemsOnly = path.join(dir, "outputs-tls-pems.json");
    fs.writeFileSync(tlsPemsOnly, JSON.stringify({ ...base, privateKeyPems: {} }));
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--outputs-file", tlsPemsOnly, "--generation", "2026-01"], { env }),
      /--generation 2026-01: privateKeyPems in .* has no key for it, and no kmsKeyArns output names it as a KMS key; run pulumi up .*--kms-key-id ARN --key-pair-id K2RSAKMS\)$/m,
    );
    const sha1Before = { ...kms.requests };
    assertOneErrorLine(
      await runCli(["url", `${BASE}/a`, "--outputs-file", withArns, "--generation", "2026-01", "--hash", "SHA1"], { env }),
      /^error: --hash SHA1: --generation 2026-01 is a KMS key, and KMS cannot sign with SHA-1/,
    );
    assert.deepEqual(kms.requests, sha1Before);
  });
  it("url, cookies and probe --help describe the one key-source order, once, KMS included", async () => {
    const order = [
      "--kms-key-id ARN|alias/NAME --key-pair-id ID",
      "--key-pair-id ID --private-key-file FILE",
      "--secret-id ARN|NAME",
      "--generation ID",
      "env CLOUDFRONT_KEY_PAIR_ID",
      "--outputs-file F",
      "--stack S",
      'signingKeySource "kms" -> kmsKeyArn',
      "privateKeySecretArn -> that secret",
      "privateKeyPem (needs --show-secrets)",
    ];
    const sections: string[] = [];
    for (const command of ["url", "cookies", "probe"]) {
      const help = await runCli([command, "--help"]);
      assert.equal(help.code, 0);
      const section = help.stdout.slice(help.stdout.indexOf("Key source, in this order"));
      assert.equal(help.stdout.split("Key source, in this order").length, 2, `${command}: one key-source section`);
      assert.match(section, /kmsKeyArns entry, through KMS/, command);
      let at = -1;
      for (const item of order) {
        const next = section.indexOf(item, at + 1);
        assert.ok(next > at, `${command} --help: "${item}" after the previous item`);
        at = next;
      }
      assert.doesNotMatch(help.stdout, /first found wins/, command);
      sections.push(section);
    }
    assert.equal(new Set(sections).size, 1, "the same text in url, cookies and probe");
  });
});
