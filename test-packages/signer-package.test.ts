// The signer package as an application installs it: `npm pack -w signer`, installed into an empty project outside
// the repository, with no Pulumi, no TypeScript and no AWS SDK. Slow (npm runs), so in `npm run test:packages`.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { verifyRequest } from "../signer/src/lib/verifier";
import { bytesUnder } from "../scripts/bench/installSize";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..");
const NAME = "@signed-content/cloudfront-signer";
const MAX_INSTALL_BYTES = 5 * 1024 * 1024;


describe("signer package: the npm pack tarball in an empty project", function () {
  this.timeout(300_000);
  let work: string;
  let app: string;
  const node = (script: string, env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, ["-e", script], { cwd: app, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cf-signer-pkg-"));
    const { stdout } = await run("npm", ["pack", "-w", "signer", "--pack-destination", work, "--json"], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    const tarball = path.join(work, (JSON.parse(stdout) as { filename: string }[])[0].filename);
    app = path.join(work, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app });
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it(`installs within ${MAX_INSTALL_BYTES / 1024 / 1024} MB of node_modules, with no Pulumi, TypeScript or AWS SDK`, () => {
    const bytes = bytesUnder(path.join(app, "node_modules"));
    assert.ok(bytes <= MAX_INSTALL_BYTES, `node_modules holds ${bytes} bytes`);
    const installed = fs.readdirSync(path.join(app, "node_modules")).flatMap((d) =>
      d.startsWith("@") ? fs.readdirSync(path.join(app, "node_modules", d)).map((n) => `${d}/${n}`) : [d],
    );
    for (const heavy of ["@pulumi/pulumi", "typescript", "@aws-sdk/client-kms", "@aws-sdk/client-secrets-manager", "ts-node"]) {
      assert.ok(!installed.includes(heavy), `${heavy} is not installed (${installed.join(", ")})`);
    }
  });

  it("cf-sign --version runs from node_modules/.bin and prints the package's version", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO, "signer", "package.json"), "utf8")) as { version: string };
    const { stdout } = await run(path.join(app, "node_modules", ".bin", "cf-sign"), ["--version"], { cwd: app });
    assert.match(stdout, new RegExp(`\\b${version.replace(/\./g, "\\.")}\\b`));
  });

  it("signs a URL with a local key that CloudFront's rules accept", async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const { stdout } = await node(
      `const { CloudFrontSigner } = require("${NAME}/signer");
       const signer = new CloudFrontSigner({ keyPairId: "K2JCJMDEHXQW5F", privateKey: process.env.PEM });
       console.log(signer.signUrl("https://cdn.example.com/private/a.pdf", { expires: "5m" }).url);`,
      { PEM: pem },
    );
    const result = verifyRequest({ url: stdout.trim(), trustedKeys: { K2JCJMDEHXQW5F: publicKey.export({ type: "spki", format: "pem" }).toString() } });
    assert.ok(result.ok, result.ok ? "" : result.detail);
  });

  it("the KMS and Secrets Manager signers name the missing AWS SDK package in one line", async () => {
    const { stdout } = await node(
      `const out = [];
       const attempt = async (f) => { try { await f(); out.push("no error"); } catch (e) { out.push(e.message); } };
       (async () => {
         await attempt(() => require("${NAME}/kms").createKmsSigner({ keyId: "alias/x", keyPairId: "K2JCJMDEHXQW5F" }));
         await attempt(() => require("${NAME}/secrets-manager").signerFromSecret("app-key"));
         console.log(JSON.stringify(out));
       })();`,
    );
    const messages = (JSON.parse(stdout) as string[]).filter((m, i, all) => all.indexOf(m) === i);
    assert.ok(messages.some((m) => /needs the package @aws-sdk\/client-kms, which is not installed: run npm install @aws-sdk\/client-kms/.test(m)), messages.join(" | "));
    assert.ok(messages.some((m) => /needs the package @aws-sdk\/client-secrets-manager, which is not installed/.test(m)), messages.join(" | "));
    for (const m of messages) assert.doesNotMatch(m, /\n/, "one line");
  });

  it("cf-sign with --kms-key-id and no AWS SDK: one line naming the package, exit 2", async () => {
    const result = await run(path.join(app, "node_modules", ".bin", "cf-sign"), ["url", "https://cdn.example.com/a.pdf", "--kms-key-id", "alias/x", "--key-pair-id", "K2JCJMDEHXQW5F", "--expires-in", "5m"], { cwd: app }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /@aws-sdk\/client-kms/);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.equal(result.stdout, "");
  });
});
