// The new-user rules (key pair id shape, maximum expiry, cookie Domain, --stack) checked again for the key sources and commands that sign remotely (KMS, Secrets Manager,
// --generation, probe): through the compiled cf-sign, KMS through the loopback stand-in.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KmsStandIn, type StandInKey } from "../scripts/standin/kms";
import { assertRefused, runCli } from "./helpers/cli";
import { standInEnv } from "./helpers/kms";
import { testKeys } from "./helpers/verifyKeys";

describe("cf-sign with remote key sources: KMS, Secrets Manager, --generation, probe (compiled CLI)", function () {
  this.timeout(60_000);
  const BASE = "https://d111111abcdef8.cloudfront.net";
  let kms: KmsStandIn;
  let ec: StandInKey;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let kmsOutputs: string;
  const write = (name: string, value: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o600 });
    return file;
  };
  const kmsFlags = () => ["--kms-key-id", "alias/cf-ecdsa", "--key-pair-id", "K2ECKMS"];

  before(async () => {
    kms = await KmsStandIn.start();
    ec = kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/cf-ecdsa" });
    env = standInEnv(kms);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-remote-sources-"));
    kmsOutputs = write("kms-outputs.json", {
      baseUrl: `${BASE}/`,
      keyPairId: "K2ECKMS",
      signingKeySource: "kms",
      kmsKeyArn: ec.arn,
      keyPairIds: { "2026-07": "K2ECKMS" },
      publicKeyPems: { "2026-07": ec.publicKeyPem },
      protectedPaths: ["/private/*"],
    });
  });
  after(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("6. key pair id shape", () => {
    it("--kms-key-id with a lower-case or PEM --key-pair-id is refused before KMS is contacted", async () => {
      const pemLine = testKeys().rsa.privateKeyPem.split("\n")[1];
      for (const id of ["k2eckms", pemLine]) {
        const before = JSON.stringify(kms.requests);
        const r = await runCli(["url", `${BASE}/private/a.jpg`, "--kms-key-id", "alias/cf-ecdsa", "--key-pair-id", id], { env });
        assertRefused(r, /^error: --key-pair-id: .* is not a CloudFront public key id/);
        assert.ok(!r.stderr.includes(pemLine.slice(0, 20)));
        assert.equal(JSON.stringify(kms.requests), before, "no KMS request");
      }
    });
    it("a keyPairId output of a KMS stack that is not a CloudFront key id is refused", async () => {
      const file = write("kms-bad-id.json", { ...JSON.parse(fs.readFileSync(kmsOutputs, "utf8")), keyPairId: "k2eckms" });
      for (const command of ["url", "cookies"]) {
        const target = command === "url" ? `${BASE}/private/a.jpg` : "/private/*";
        assertRefused(await runCli([command, target, "--outputs-file", file], { env }), /^error: --outputs-file .*kms-bad-id\.json: keyPairId output: "k2eckms" is not a CloudFront public key id/);
      }
    });
  });

  describe("7. maximum expiry with a KMS key", () => {
    it("url and cookies refuse more than the maximum unless --allow-long-expiry", async () => {
      assertRefused(await runCli(["url", `${BASE}/private/a.jpg`, ...kmsFlags(), "--expires-in", "100000d"], { env }), /--allow-long-expiry/);
      assertRefused(await runCli(["cookies", `${BASE}/private/*`, ...kmsFlags(), "--expires-in", "30d"], { env }), /--allow-long-expiry/);
      assertRefused(await runCli(["cookies", "/private/*", "--outputs-file", kmsOutputs, "--expires-in", "30d"], { env }), /--allow-long-expiry/);
      const batch = await runCli(["url", "--stdin", ...kmsFlags(), "--expires-in", "30d"], { env, stdin: `${BASE}/private/a.jpg\n${BASE}/private/b.jpg\n` });
      assertRefused(batch, /--allow-long-expiry/);
      const ok = await runCli(["url", `${BASE}/private/a.jpg`, ...kmsFlags(), "--expires-in", "30d", "--allow-long-expiry"], { env });
      assert.equal(ok.code, 0, ok.stderr);
    });
  });

  describe("3./4. cookie Domain with a KMS key", () => {
    it("refuses a --domain the resource's host does not domain-match, and a *.cloudfront.net domain", async () => {
      assertRefused(
        await runCli(["cookies", "/private/*", "--outputs-file", kmsOutputs, "--domain", "cdn.example.com"], { env }),
        /d111111abcdef8\.cloudfront\.net/,
      );
      assertRefused(await runCli(["cookies", "/private/*", "--outputs-file", kmsOutputs, "--domain", "d111111abcdef8.cloudfront.net"], { env }), /cloudfront\.net/);
    });
  });

  it("9. a path with --kms-key-id and an outputs file without baseUrl: says the file has no baseUrl, never suggests --outputs-file", async () => {
    const noBase = write("kms-nobase.json", { keyPairId: "K2ECKMS" });
    for (const args of [["url", "/private/a.jpg"], ["cookies", "/private/*"]]) {
      const r = await runCli([...args, ...kmsFlags(), "--outputs-file", noBase], { env });
      assertRefused(r, /is a path, but --outputs-file .*kms-nobase\.json has no baseUrl output/);
      assert.doesNotMatch(r.stderr, /or --outputs-file F/);
    }
    const none = await runCli(["url", "/private/a.jpg", ...kmsFlags()], { env });
    assertRefused(none, /^error: url: "\/private\/a\.jpg" is a path; give a full https:\/\/ URL, or --outputs-file F/);
  });

  describe("12. --stack with --kms-key-id, --secret-id, --generation and probe", () => {
    const NO_PULUMI = () => ({ ...env, PATH: path.dirname(process.execPath) });
    it("without the Pulumi CLI, --stack is an error, never ignored", async () => {
      const cases = [
        ["url", `${BASE}/private/a.jpg`, ...kmsFlags()],
        ["cookies", "/private/*", ...kmsFlags()],
        ["url", `${BASE}/private/a.jpg`, "--secret-id", "signing-key"],
        ["url", `${BASE}/private/a.jpg`, "--generation", "2026-07"],
        ["probe", "--public", "/index.html", "--private", "/private/a.jpg", "--base-url", "http://127.0.0.1:9", ...kmsFlags()],
        ["probe", "--public", "/index.html", "--private", "/private/a.jpg", "--base-url", "http://127.0.0.1:9", "--secret-id", "signing-key"],
      ];
      for (const args of cases) {
        assertRefused(
          await runCli([...args, "--stack", "nosuchstack"], { env: NO_PULUMI(), cwd: dir }),
          /^error: --stack nosuchstack: cannot read the stack's outputs: the Pulumi CLI is not on PATH/,
        );
      }
    });
    it("--outputs-file and --stack together are refused with every key source", async () => {
      for (const source of [kmsFlags(), ["--secret-id", "signing-key"], ["--generation", "2026-07"]]) {
        assertRefused(
          await runCli(["url", `${BASE}/private/a.jpg`, ...source, "--outputs-file", kmsOutputs, "--stack", "dev"], { env: NO_PULUMI(), cwd: dir }),
          /^error: give --outputs-file or --stack, not both/,
        );
      }
    });
    it("with the Pulumi CLI, --kms-key-id reads the baseUrl of the named stack", async () => {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin, { recursive: true });
      write("bin/pulumi", `#!/bin/sh\ncase "$*" in\n  *"--stack dev"*) cat ${JSON.stringify(kmsOutputs)} ;;\n  *) echo "error: no stack named '$6' found" >&2; exit 255 ;;\nesac\n`);
      fs.chmodSync(path.join(bin, "pulumi"), 0o755);
      const withPulumi = { ...env, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin${path.delimiter}/bin` };
      const ok = await runCli(["url", "/private/a.jpg", ...kmsFlags(), "--stack", "dev"], { env: withPulumi, cwd: dir });
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(ok.stdout.startsWith(`${BASE}/private/a.jpg?`), ok.stdout);
      assertRefused(
        await runCli(["url", "/private/a.jpg", ...kmsFlags(), "--stack", "nosuchstack"], { env: withPulumi, cwd: dir }),
        /^error: pulumi stack output --json --show-secrets --stack nosuchstack failed/,
      );
    });
  });
});
