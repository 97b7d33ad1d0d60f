// The signer package (signer/) as applications consume it: package.json `exports` with declarations, what
// `npm pack` ships, and the examples in docs/library.md compiled and run against the package (not against source
// paths). The packed tarball installed outside the repo is tested by the packaging suite (npm run test:packages).
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { storedSigningKeyJson } from "../components/policy";
import { verifyRequest } from "../signer/src/lib/verifier";
import { KmsStandIn } from "../scripts/standin/kms";
import { standInEnv } from "./helpers/kms";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..");
const ROOT = path.join(REPO, "signer");
const NAME = "@signed-content/cloudfront-signer";

interface PackageJson {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
}

describe("package API (exports, npm pack, docs/library.md examples)", function () {
  this.timeout(120_000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
  const targets = Object.entries(pkg.exports).flatMap(([, t]) => (typeof t === "string" ? [t] : [t.types, t.default]));
  let consumer: string;

  before(function () {
    if (!fs.existsSync(path.join(ROOT, "dist", "lib", "signer.d.ts"))) {
      throw new Error('dist/ is missing or has no declarations: run "npm run build" first (npm test does it)');
    }
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), "cf-consumer-"));
    fs.mkdirSync(path.join(consumer, "node_modules", "@signed-content"), { recursive: true });
    // As npm links a local dependency: the workspace's node_modules serve its dependencies.
    fs.symlinkSync(ROOT, path.join(consumer, "node_modules", NAME), "dir");
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  });
  after(() => {
    if (consumer) fs.rmSync(consumer, { recursive: true, force: true });
  });

  it("every export target (JS and .d.ts) exists after the build and is in what npm pack ships", async () => {
    assert.ok(pkg.exports["./signer"] && pkg.exports["./secrets-manager"] && pkg.exports["./kms"], "the signer, secrets-manager and kms entry points");
    for (const target of targets) assert.ok(fs.existsSync(path.join(ROOT, target)), `${target} exists`);
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const target of targets) assert.ok(files.has(target.replace(/^\.\//, "")), `npm pack ships ${target}`);
    assert.ok(![...files].some((f) => f.startsWith("node_modules/") || f.endsWith(".pem") || f.startsWith("test/")), "no keys, tests or node_modules in the package");
  });

  it("the docs/library.md examples type-check against the package (node16 resolution: exports + types)", async () => {
    const docs = fs.readFileSync(path.join(REPO, "docs", "library.md"), "utf8");
    const blocks = [...docs.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocks.length >= 4, "the node:http, Lambda, key-file and KMS/remote signer examples");
    blocks.forEach((code, i) => fs.writeFileSync(path.join(consumer, `example${i + 1}.ts`), code));
    fs.writeFileSync(
      path.join(consumer, "deep.ts"),
      // Internal paths are not part of the API: the compiler must refuse them.
      `// @ts-expect-error not exported\nimport type { CloudFrontSigner as Deep } from "${NAME}/src/lib/signer";\nimport type { SignedUrl } from "${NAME}/signer";\nexport type T = [SignedUrl, Deep];\n`,
    );
    fs.writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "node16",
          moduleResolution: "node16",
          strict: true,
          // The dependencies' own .d.ts files are not under test (ours are emitted from checked sources).
          skipLibCheck: true,
          outDir: "out",
          typeRoots: [path.join(REPO, "node_modules", "@types")],
          types: ["node"],
        },
        include: ["*.ts"],
      }),
    );
    try {
      await run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", consumer], { cwd: consumer });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      assert.fail(`the examples do not compile against the package:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
    const probe = `
      const assert = require("node:assert/strict");
      assert.equal(typeof require("${NAME}/signer").CloudFrontSigner, "function");
      assert.equal(typeof require("${NAME}/secrets-manager").signerFromSecret, "function");
      assert.equal(typeof require("${NAME}/errors").InputError, "function");
      assert.equal(typeof require("${NAME}/signer").AsyncCloudFrontSigner, "function");
      assert.equal(typeof require("${NAME}/kms").createKmsSigner, "function");
      assert.equal(require("${NAME}/kms").AsyncCloudFrontSigner, require("${NAME}/signer").AsyncCloudFrontSigner);
      assert.throws(() => require.resolve("${NAME}/dist/lib/signer"), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
      console.log("ok");`;
    const { stdout } = await run(process.execPath, ["-e", probe], { cwd: consumer });
    assert.equal(stdout.trim(), "ok");
  });

  it("every entry point has types under moduleResolution node (typesVersions), as pulumi new aws-typescript projects resolve", async () => {
    const dir = fs.mkdtempSync(path.join(consumer, "node-resolution-"));
    const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json" && k !== ".").map((k) => k.slice(2));
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      entries.map((e, i) => `import * as m${i} from "${NAME}/${e}";\nexport const k${i}: string[] = Object.keys(m${i});\n`).join("") +
        `import { CloudFrontSigner } from "${NAME}";\nexport type S = CloudFrontSigner;\n`,
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node", strict: true, noEmit: true, skipLibCheck: true, typeRoots: [path.join(REPO, "node_modules", "@types")], types: ["node"] },
        include: ["*.ts"],
      }),
    );
    try {
      await run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { cwd: dir });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      assert.fail(`the entry points have no types under moduleResolution node:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  });

  it("the /signer declarations (and every declaration they reach) never mention @aws-sdk", () => {
    const signerTypes = (pkg.exports["./signer"] as { types: string }).types;
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, "utf8");
      assert.doesNotMatch(text, /@aws-sdk/, `${path.relative(ROOT, file)} mentions @aws-sdk`);
      for (const m of text.matchAll(/from\s+"(\.[^"]+)"/g)) visit(path.resolve(path.dirname(file), `${m[1]}.d.ts`));
    };
    visit(path.join(ROOT, signerTypes));
    assert.ok(seen.size >= 3, `followed the declarations' imports (${seen.size} files)`);
  });

  it("the Lambda example, compiled, signs cookies and URLs with the key from Secrets Manager", async () => {
    const keys = testKeys();
    const standIn = await new SecretsManagerStandIn().start();
    try {
      const arn = standIn.put("app-signing-key", storedSigningKeyJson({ keyPairId: keys.rsa.keyPairId, privateKeyPem: keys.rsa.privateKeyPem, algorithm: "RSA", generation: "g1" }));
      const script = `
        const { handler } = require("./out/example2.js");
        (async () => {
          const login = await handler({ rawPath: "/login" });
          const link = await handler({ rawPath: "/report" });
          console.log(JSON.stringify({ login, link }));
        })().catch((e) => { console.error(e.message); process.exit(1); });`;
      const { stdout, stderr } = await run(process.execPath, ["-e", script], {
        cwd: consumer,
        env: { PATH: process.env.PATH, ...standIn.env, SIGNING_SECRET_ARN: arn },
      });
      assert.equal(stderr, "", "no AWS SDK Node-version notice from the default Secrets Manager client");
      const { login, link } = JSON.parse(stdout) as { login: { statusCode: number; cookies: string[] }; link: { body: string } };
      assert.equal(login.statusCode, 303);
      const cookies = Object.fromEntries(login.cookies.map((c) => c.split(";")[0].split("=") as [string, string]));
      assert.match(login.cookies[0], /; Domain=example\.com; .*SameSite=Lax/);
      const trustedKeys = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem };
      assert.ok(verifyRequest({ url: "https://cdn.example.com/private/reports/q3.pdf", cookies, trustedKeys }).ok);
      const { url } = JSON.parse(link.body) as { url: string };
      assert.ok(verifyRequest({ url, trustedKeys }).ok);
      assert.equal(standIn.calls.length, 1, "one read for both invocations (warm container)");
    } finally {
      await standIn.stop();
    }
  });
  it("the KMS and remote-signer example, compiled, signs through a KMS stand-in and through any async signing function", async () => {
    const kms = await KmsStandIn.start();
    try {
      const key = kms.addKey({ keySpec: "ECC_NIST_P256", alias: "alias/app-signing" });
      const hsm = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
      const hsmPublicPem = hsm.publicKey.export({ type: "spki", format: "pem" }).toString();
      const script = `
        const crypto = require("node:crypto");
        const { loginCookies, hsmSigner } = require("./out/example4.js");
        const hsmKey = crypto.createPrivateKey(process.env.HSM_KEY);
        (async () => {
          const cookies = await loginCookies();
          const remote = hsmSigner(async (message) => crypto.sign("sha256", message, hsmKey), process.env.HSM_PUBLIC_KEY);
          const { url } = await remote.signUrl("https://cdn.example.com/private/a.pdf", { expires: "5m" });
          console.log(JSON.stringify({ cookies, url }));
        })().catch((e) => { console.error(e.message); process.exit(1); });`;
      const { stdout, stderr } = await run(process.execPath, ["-e", script], {
        cwd: consumer,
        env: {
          PATH: process.env.PATH,
          ...standInEnv(kms),
          SIGNING_KMS_KEY_ARN: "alias/app-signing",
          SIGNING_KEY_PAIR_ID: "K2KMSAPP",
          HSM_KEY: hsm.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          HSM_PUBLIC_KEY: hsmPublicPem,
        },
      });
      assert.equal(stderr, "", "no AWS SDK notice from the KMS client either");
      const { cookies: headers, url } = JSON.parse(stdout) as { cookies: string[]; url: string };
      const cookies = Object.fromEntries(headers.map((c) => c.split(";")[0].split("=") as [string, string]));
      assert.equal(cookies["CloudFront-Hash-Algorithm"], "SHA256");
      assert.ok(verifyRequest({ url: "https://cdn.example.com/private/q3.pdf", cookies, trustedKeys: { K2KMSAPP: key.publicKeyPem } }).ok);
      assert.equal(kms.requests.Sign, 1);
      const result = verifyRequest({ url, trustedKeys: { K2JCJMDEHXQW5F: hsmPublicPem } });
      assert.ok(result.ok, result.ok ? "" : result.detail);
    } finally {
      await kms.close();
    }
  });
});
