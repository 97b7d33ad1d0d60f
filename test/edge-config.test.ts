import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildBehaviors, matchBehavior, pathPatternMatches } from "../signer/src/lib/behaviors";
import { readStackConfig, resolveProtected, trustedKeysFromOutputs } from "../signer/src/cli/stackConfig";
import { normalizeRequestPath, objectKeyFor, parseRange } from "../signer/src/lib/paths";
import { startEdge } from "../scripts/edge/server";
import { InputError } from "../signer/src/lib/errors";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { EDGE_MAIN, startEdgeProcess } from "./helpers/edgeProcess";
import { get } from "./helpers/http";

describe("edge: cache behaviours, config sources, paths", () => {
  it("path patterns: first match wins, case-sensitive, * and ?, leading / optional", () => {
    const table = buildBehaviors(["/private/reports/*", "private/*", "/img/??.png"], false);
    assert.equal(matchBehavior(table, "/private/reports/q3.pdf").pathPattern, "/private/reports/*");
    assert.equal(matchBehavior(table, "/private/a/b.txt").pathPattern, "private/*");
    assert.equal(matchBehavior(table, "/img/ab.png").pathPattern, "/img/??.png");
    assert.equal(matchBehavior(table, "/img/abc.png").pathPattern, "*");
    assert.equal(matchBehavior(table, "/Private/a").pathPattern, "*");
    assert.equal(matchBehavior(table, "/Private/a").protected, false);
    assert.equal(buildBehaviors([], true).defaultBehavior.protected, true);
    assert.ok(pathPatternMatches("*.jpeg", "/a/b.jpeg"));
    assert.ok(!pathPatternMatches("/a.b", "/axb"), "a dot is literal");
  });

  it("normalises request paths like CloudFront (RFC 3986 §6.2.2, slashes merged)", () => {
    const norm = (p: string) => {
      const r = normalizeRequestPath(p);
      return r.ok ? r.path : `error: ${r.reason}`;
    };
    assert.equal(norm("/a/./b/../c%20d"), "/a/c%20d", "reserved and other percent-encodings stay encoded");
    assert.equal(norm("/../../x"), "/x");
    assert.equal(norm("/dir/"), "/dir/");
    assert.equal(norm("/%70rivate/cat.jpeg"), "/private/cat.jpeg", "unreserved characters are decoded");
    assert.equal(norm("/%2E%2e/private/%7e"), "/private/~", "encoded dots are dot segments");
    assert.equal(norm("/private%2fcat.jpeg"), "/private%2Fcat.jpeg", "%2F stays encoded, hex upper-cased");
    assert.equal(norm("/public/../private/cat.jpeg"), "/private/cat.jpeg");
    assert.equal(norm("//private///cat.jpeg"), "/private/cat.jpeg", "repeated slashes merged");
    assert.equal(norm("/private/.."), "/");
    assert.equal(norm("/private/."), "/private/");
    assert.equal(norm("/a%2Bb+c"), "/a%2Bb+c");
    assert.match(norm("/%E0%A4%A"), /^error: bad percent-encoding/);
    assert.match(norm("/%zz"), /^error/);
    assert.match(norm("/a\\b"), /^error: backslash/);
    assert.match(norm("x"), /^error/);
  });

  it("object keys like S3: the raw path decoded once, literally; + is a space; / is the default root object; byte ranges", () => {
    const key = (p: string) => {
      const r = objectKeyFor(p);
      return r.ok ? r.key : `error: ${r.reason}`;
    };
    assert.equal(key("/private%2Fcat.jpeg"), "private/cat.jpeg");
    assert.equal(key("/private/reports/../cat.jpeg"), "private/reports/../cat.jpeg", "no dot-segment removal");
    assert.equal(key("//a"), "/a", "no slash merging");
    assert.equal(key("/%2570rivate"), "%70rivate", "decoded exactly once");
    assert.equal(key("/a+b%2Bc"), "a b+c");
    assert.equal(key("/caf%C3%A9"), "café");
    assert.equal(key("/"), "index.html");
    assert.match(key("/%ff"), /^error: bad percent-encoding/);
    assert.match(key("/a%00b"), /^error: NUL/);
    assert.deepEqual(parseRange("bytes=0-0", 5), { start: 0, end: 0 });
    assert.equal(parseRange("bytes=5-", 5), "unsatisfiable");
    assert.equal(parseRange("bytes=-0", 5), "unsatisfiable");
    assert.equal(parseRange("items=0-1", 5), undefined);
    assert.equal(parseRange("bytes=3-1", 5), undefined);
  });

  describe("protected patterns: --protected, outputs, Pulumi.<stack>.yaml, default", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-config-"));
      fs.writeFileSync(
        path.join(dir, "Pulumi.dev.yaml"),
        'config:\n  cloudfront-signed-content:protectedPaths:\n    - /members/*\n    - /downloads/*.zip\n  cloudfront-signed-content:protectDefaultBehavior: "true"\n',
      );
      fs.writeFileSync(path.join(dir, "Pulumi.json.yaml"), "config:\n  cloudfront-signed-content:protectedPaths: '[\"/a/*\"]'\n");
      fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config: [unclosed\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("takes the first source found", () => {
      const outputs = { protectedPaths: ["/out/*"], protectDefaultBehavior: false };
      assert.deepEqual(resolveProtected({ flags: ["/flag/*"], outputs, stack: "dev", cwd: dir }).protectedPaths, ["/flag/*"]);
      assert.deepEqual(resolveProtected({ outputs, stack: "dev", cwd: dir }).protectedPaths, ["/out/*"]);
      const fromYaml = resolveProtected({ stack: "dev", cwd: dir });
      assert.deepEqual(fromYaml.protectedPaths, ["/members/*", "/downloads/*.zip"]);
      assert.equal(fromYaml.protectDefaultBehavior, true);
      assert.equal(fromYaml.source, "Pulumi.dev.yaml");
      assert.deepEqual(resolveProtected({ stack: "json", cwd: dir }).protectedPaths, ["/a/*"]);
      const fallback = resolveProtected({ stack: "missing", cwd: dir });
      assert.deepEqual(fallback.protectedPaths, ["/private/*"]);
      assert.equal(fallback.source, "default");
    });
    it("reports an unreadable YAML as a one-line InputError", () => {
      assert.throws(() => readStackConfig("bad", dir), (e: unknown) => e instanceof InputError && /Pulumi\.bad\.yaml/.test(e.message));
    });
    it("trusts every key generation from the outputs", () => {
      assert.deepEqual(
        trustedKeysFromOutputs({ keyPairIds: { "2026-01": "K1", "2026-07": "K2" }, publicKeyPems: { "2026-01": "P1", "2026-07": "P2" } }, "outputs"),
        { K1: "P1", K2: "P2" },
      );
      assert.throws(() => trustedKeysFromOutputs({ keyPairIds: { a: "K1" }, publicKeyPems: {} }, "outputs"), InputError);
      assert.equal(trustedKeysFromOutputs({}, "outputs"), undefined);
    });
  });

  describe("throwaway dev key", function () {
    this.timeout(30_000);
    it("writes the private key 0600 in a 0700 dir, signs, and removes it on close", async () => {
      const edge = await startEdge({ port: 0 });
      try {
        assert.ok(edge.privateKeyFile && edge.keyPairId);
        assert.match(edge.keyPairId, /^K[A-Z0-9]{13}$/);
        assert.equal(fs.statSync(edge.privateKeyFile).mode & 0o777, 0o600);
        assert.equal(fs.statSync(path.dirname(edge.privateKeyFile)).mode & 0o777, 0o700);
        assert.equal(edge.keySource, "throwaway dev key pair (RSA 2048)");
        const signer = new CloudFrontSigner({ keyPairId: edge.keyPairId, privateKey: fs.readFileSync(edge.privateKeyFile) });
        assert.equal((await get(signer.signUrl(`${edge.url}/private/cat.jpeg`, { expires: "5m" }).url)).status, 200);
        assert.equal((await get(`${edge.url}/private/cat.jpeg`)).status, 403);
        assert.equal((await get(`${edge.url}/index.html`)).status, 200, "the default root is sample/site");
      } finally {
        await edge.close();
      }
      assert.equal(fs.existsSync(edge.privateKeyFile), false);
    });
    it("ECDSA dev key", async () => {
      const edge = await startEdge({ port: 0, devKeyAlgorithm: "ECDSA" });
      try {
        const signer = new CloudFrontSigner({ keyPairId: edge.keyPairId as string, privateKey: fs.readFileSync(edge.privateKeyFile as string) });
        assert.equal(signer.algorithm, "ECDSA");
        assert.equal((await get(signer.signUrl(`${edge.url}/private/cat.jpeg`, { expires: "5m" }).url)).status, 200);
      } finally {
        await edge.close();
      }
    });
    it("refuses a bad root, a bad pattern and a bad trusted key with InputErrors", async () => {
      await assert.rejects(startEdge({ port: 0, root: "/definitely/not/here" }), InputError);
      await assert.rejects(startEdge({ port: 0, protectedPaths: ["/a b/*"] }), InputError);
      await assert.rejects(startEdge({ port: 0, trustedKeys: { K1: "not a pem" } }), InputError);
    });
  });

  describe("npm run edge (compiled entry point)", function () {
    this.timeout(30_000);
    const MAIN = EDGE_MAIN;
    it("prints the start block with a ready cf-sign command, never the key, and cleans up on SIGTERM", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      const { child, banner } = await startEdgeProcess(["--port", "0", "--quiet"]);
      assert.match(banner, /listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.match(banner, /protected\s+\/private\/\*/);
      assert.match(banner, /path guard\s+on /);
      assert.match(banner, /npm run -s sign -- url http:\/\/127\.0\.0\.1:\d+\/private\/cat\.jpeg --expires-in 1h --key-pair-id K[A-Z0-9]{13} --private-key-file \S+\.pem/);
      assert.ok(!banner.includes("PRIVATE KEY"));
      const keyFile = /--private-key-file (\S+\.pem)/.exec(banner)![1];
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      assert.equal(fs.existsSync(keyFile), false);
    });
    it("--no-path-guard: the banner says so and /private%2Fcat.jpeg serves the protected file (the leak the guard closes)", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      const { child, banner } = await startEdgeProcess(["--port", "0", "--quiet", "--no-path-guard"]);
      try {
        assert.match(banner, /path guard\s+OFF \(--no-path-guard\)/);
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1];
        const leaked = await get(`${url}/private%2Fcat.jpeg`);
        assert.equal(leaked.status, 200);
        assert.deepEqual(leaked.body, fs.readFileSync(path.resolve(__dirname, "..", "sample", "site", "private", "cat.jpeg")));
      } finally {
        const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
    });
    it("bad arguments: exit 2 and one error line", async function () {
      if (!fs.existsSync(MAIN)) this.skip();
      for (const args of [["--port", "http"], ["--nope"], ["--key-pair-id", "K1"]]) {
        const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
        assert.equal(code, 2, args.join(" "));
        assert.match(err, /^error: [^\n]+\n$/);
      }
    });
  });
});
