// cf-sign probe with every key source cf-sign url accepts (a KMS key, a
// Secrets Manager secret) against the local edge, over HTTPS with CORS (the guard still runs and its 403
// carries the same CORS headers as the edge's own), one deadline per request, and the edge's protected
// patterns checked by the stack config's rule whatever their source.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { storedSigningKeyJson } from "../components/policy";
import { probe } from "../signer/src/cli/probe";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { selfSignedCertificate, throwawayCertificate, type ThrowawayCertificate } from "../scripts/edge/tlsCert";
import { InputError } from "../signer/src/lib/errors";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { KmsStandIn } from "../scripts/standin/kms";
import { runCli, type CliResult } from "./helpers/cli";
import { standInEnv } from "./helpers/kms";
import { SecretsManagerStandIn } from "./helpers/secretsManagerStandIn";
import { testKeys } from "./helpers/verifyKeys";

const CAT = "PRIVATE-CAT-BYTES-FOR-THE-PROBE";
const MAIN = path.resolve(__dirname, "..", "dist", "scripts", "edge", "main.js");

function probeArgs(base: string, ...keyArgs: string[]): string[] {
  return ["probe", "--base-url", base, "--public", "/index.html", "--private", "/private/cat.jpeg", ...keyArgs];
}

/** Every row as expected, the encoded slash refused by the path guard, nothing on stderr. */
function assertAllRowsPass(r: CliResult): void {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^11\/11 as expected$/m);
  assert.match(r.stdout, /GET \/private%2Fcat\.jpeg\s+not the private bytes\s+403 AccessDenied/);
}

describe("cf-sign probe with every key source, over HTTPS, bounded; edge patterns", function () {
  this.timeout(60_000);
  const keys = testKeys();
  let tmp: string;
  let root: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edge-probe-"));
    root = path.join(tmp, "site");
    fs.mkdirSync(path.join(root, "private"), { recursive: true });
    fs.writeFileSync(path.join(root, "index.html"), "home");
    fs.writeFileSync(path.join(root, "private", "cat.jpeg"), CAT);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe("key sources", () => {
    let kms: KmsStandIn;
    const secrets = new SecretsManagerStandIn();
    let edge: RunningEdge;
    let open: RunningEdge;
    let kmsEnv: NodeJS.ProcessEnv;
    const SECRET = "signing-cloudfront-signing-key-probe";

    before(async () => {
      kms = await KmsStandIn.start();
      const kmsKey = kms.addKey({ keySpec: "RSA_2048", alias: "alias/cf-probe" });
      kmsEnv = standInEnv(kms);
      await secrets.start();
      secrets.put(SECRET, storedSigningKeyJson({ keyPairId: keys.ecdsa.keyPairId, privateKeyPem: keys.ecdsa.privateKeyPem, algorithm: "ECDSA", generation: "2026-11" }));
      const trustedKeys = { K2PROBEKMS: kmsKey.publicKeyPem, [keys.ecdsa.keyPairId]: keys.ecdsa.publicKeyPem };
      edge = await startEdge({ root, port: 0, protectedPaths: ["/private/*"], trustedKeys });
      open = await startEdge({ root, port: 0, protectedPaths: ["/private/*"], trustedKeys, pathGuard: false });
    });
    after(async () => {
      await edge?.close();
      await open?.close();
      await kms?.close();
      await secrets.stop();
    });

    it("--kms-key-id + --key-pair-id: the whole matrix signed in KMS (stand-in), exit 0; without the guard the leak is seen", async () => {
      const before = kms.requests.Sign ?? 0;
      assertAllRowsPass(await runCli(probeArgs(edge.url, "--kms-key-id", "alias/cf-probe", "--key-pair-id", "K2PROBEKMS"), { env: kmsEnv }));
      assert.ok((kms.requests.Sign ?? 0) > before, "signatures came from KMS");
      const leaky = await runCli(probeArgs(open.url, "--kms-key-id", "alias/cf-probe", "--key-pair-id", "K2PROBEKMS", "--json"), { env: kmsEnv });
      assert.equal(leaky.code, 1, leaky.stderr);
      const rows = (JSON.parse(leaky.stdout) as { rows: { check: string; ok: boolean }[] }).rows;
      assert.deepEqual(rows.filter((row) => !row.ok).map((row) => row.check), ["encoded slash, unsigned", "encoded letter and slash, unsigned"]);
    });

    it("--secret-id: the key the stack stores in Secrets Manager (stand-in), exit 0", async () => {
      assertAllRowsPass(await runCli(probeArgs(edge.url, "--secret-id", SECRET), { env: secrets.env }));
    });
  });

  describe("the local edge with --tls and CORS", () => {
    it("every throwaway certificate parses: the random serial is minimal DER (a 0x00 first byte broke 1 start in 256)", () => {
      for (let i = 0; i < 2000; i++) {
        const { cert } = selfSignedCertificate(["cdn.example.test"]);
        assert.doesNotThrow(() => new crypto.X509Certificate(cert), `certificate ${i}`);
      }
    });

    let cert: ThrowawayCertificate;
    let edge: RunningEdge;
    const ORIGIN = "https://app.example.test";

    before(async () => {
      cert = throwawayCertificate([]);
      edge = await startEdge({
        root,
        port: 0,
        protectedPaths: ["/private/*"],
        trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem },
        tls: { key: cert.key, cert: cert.cert },
        cors: { allowOrigins: [ORIGIN], allowCredentials: true },
      });
    });
    after(async () => {
      await edge?.close();
      cert?.dispose();
    });

    it("probe over HTTPS (the certificate through NODE_EXTRA_CA_CERTS): the guard still runs, every row as expected", async () => {
      const keyFile = path.join(tmp, "rsa.pem");
      fs.writeFileSync(keyFile, keys.rsa.privateKeyPem, { mode: 0o600 });
      const r = await runCli(probeArgs(edge.url, "--key-pair-id", keys.rsa.keyPairId, "--private-key-file", keyFile), { env: { NODE_EXTRA_CA_CERTS: cert.certFile } });
      assertAllRowsPass(r);
      assert.match(r.stdout, /^probe https:\/\/127\.0\.0\.1:\d+$/m);
    });

    it("the guard's 403 carries exactly the CORS headers of the edge's own 403 (and none for another origin)", async () => {
      const get = (target: string, origin: string) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          https.get(`${edge.url}${target}`, { ca: cert.cert, headers: { Origin: origin } }, (res) => resolve(res.resume())).on("error", reject);
        });
      const cors = (res: http.IncomingMessage) =>
        Object.fromEntries(Object.entries(res.headers).filter(([name]) => name.startsWith("access-control-") || name === "vary"));
      const guard = await get("/private%2Fcat.jpeg", ORIGIN);
      const edge403 = await get("/private/cat.jpeg", ORIGIN);
      assert.equal(guard.statusCode, 403);
      assert.equal(guard.headers["x-cache"], "FunctionGeneratedResponse from cloudfront");
      assert.equal(edge403.statusCode, 403);
      assert.deepEqual(cors(guard), cors(edge403));
      assert.equal(cors(guard)["access-control-allow-origin"], ORIGIN);
      assert.deepEqual(cors(await get("/private%2Fcat.jpeg", "https://evil.example")), {});
    });
  });

  it("probe: one deadline per request, so a server that trickles its answer cannot hold a row", async () => {
    // Answers the public file one byte every 100 ms for at most 10 s (bounded); everything else at once.
    const timers = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
      if (req.url !== "/index.html") {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("no");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/html" });
      let ticks = 0;
      const timer = setInterval(() => {
        if (++ticks >= 100) {
          clearInterval(timer);
          res.end("x");
          return;
        }
        res.write("x");
      }, 100);
      timers.add(timer);
      res.on("close", () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
      const rows = await probe(base, "/index.html", "/private/cat.jpeg", signer, { timeoutMs: 1000 });
      const publicRow = rows.find((row) => row.check === "public file");
      assert.equal(publicRow?.ok, false);
      assert.match(publicRow?.got ?? "", /^error: no complete answer within 1s$/);
    } finally {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe("protected patterns follow the stack config's rule whatever their source", () => {
    it("startEdge (library) refuses a pattern the stack would refuse, naming the item", async () => {
      await assert.rejects(startEdge({ root, port: 0, protectedPaths: ["/private/*", "private/*"] }), (error: Error) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /^protectedPaths\[1\] "private\/\*" is not a path pattern: it must start with "\/"/);
        return true;
      });
    });

    function runEdge(args: string[], untilBanner: boolean, cwd?: string): Promise<{ code: number | null; out: string; err: string }> {
      return new Promise((resolve, reject) => {
        // PATH without a pulumi binary: --stack then reads Pulumi.<stack>.yaml only.
        const env = { HOME: process.env.HOME, PATH: tmp };
        const child = spawn(process.execPath, [MAIN, "--port", "0", "--quiet", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (untilBanner && out.includes("verify:")) child.kill("SIGTERM");
        });
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("error", reject);
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      });
    }

    it("npm run edge --outputs-file with a pattern the stack would refuse: exit 2, one line naming the file and item", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      const file = path.join(tmp, "bad-outputs.json");
      fs.writeFileSync(file, JSON.stringify({ protectedPaths: ["private/*"] }));
      const r = await runEdge(["--outputs-file", file], false);
      assert.equal(r.code, 2, r.out + r.err);
      assert.equal(r.out, "");
      assert.match(r.err, /^error: --outputs-file .*bad-outputs\.json: protectedPaths\[0\] "private\/\*" is not a path pattern[^\n]*\n$/);
    });

    it("npm run edge --outputs-file of a stack deployed with pathGuard false: the banner says why the guard is off (not --no-path-guard)", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      const file = path.join(tmp, "no-guard-outputs.json");
      fs.writeFileSync(file, JSON.stringify({ protectedPaths: ["/private/*"], protectDefaultBehavior: false }));
      const r = await runEdge(["--outputs-file", file], true);
      assert.match(r.out, /path guard\s+OFF \(--outputs-file .*no-guard-outputs\.json has no pathGuardFunctionArn: deployed with pathGuard false\)/);
      assert.doesNotMatch(r.out, /--no-path-guard/);
    });

    it("npm run edge --stack S without the Pulumi CLI: Pulumi.S.yaml's pathGuard false is honoured, as the stack deploys it", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      const cwd = fs.mkdtempSync(path.join(tmp, "stack-"));
      fs.writeFileSync(path.join(cwd, "Pulumi.noguard.yaml"), "config:\n  cloudfront-signed-content:pathGuard: false\n");
      fs.writeFileSync(path.join(cwd, "Pulumi.guarded.yaml"), "config:\n  cloudfront-signed-content:protectedPaths:\n    - /private/*\n");
      const off = await runEdge(["--stack", "noguard", "--root", root], true, cwd);
      assert.match(off.out, /path guard\s+OFF \(Pulumi\.noguard\.yaml sets pathGuard false\)/);
      const on = await runEdge(["--stack", "guarded", "--root", root], true, cwd);
      assert.match(on.out, /path guard\s+on /);
      fs.writeFileSync(path.join(cwd, "Pulumi.bad.yaml"), "config:\n  cloudfront-signed-content:pathGuard: maybe\n");
      const bad = await runEdge(["--stack", "bad"], false, cwd);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /^error: .*Pulumi\.bad\.yaml: pathGuard must be true or false\n$/);
    });
  });
});
