// The local edge's path handling against the model of docs/verify-and-edge.md (spec §12), over real HTTP,
// with the path guard (as the stack deploys it) and without it (--no-path-guard: the leak reproduced).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { IncomingMessage } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { pathGuardSource, PATH_GUARD_DENIED_BODY } from "../components/pathGuard";
import { CloudFrontFunction, viewerRequestEvent } from "../signer/src/lib/cloudfrontFunction";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { errorCode, rawRequest, type RawResponse } from "./helpers/http";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000;
const CAT = "PRIVATE-CAT-BYTES";

interface Row {
  target: string;
  /** with the guard */
  guarded: [number, string | undefined];
  /** without it */
  open: [number, string | undefined];
}

// [status, CloudFront error code or body text]
const MATRIX: Row[] = [
  { target: "/index.html", guarded: [200, "home"], open: [200, "home"] },
  { target: "/private/cat.jpeg", guarded: [403, "MissingKey"], open: [403, "MissingKey"] },
  // unreserved characters are decoded and dot segments removed before behaviour matching: protected
  { target: "/%70rivate/cat.jpeg", guarded: [403, "MissingKey"], open: [403, "MissingKey"] },
  { target: "/x/../private/cat.jpeg", guarded: [403, "MissingKey"], open: [403, "MissingKey"] },
  { target: "/public/%2E%2E/private/cat.jpeg", guarded: [403, "MissingKey"], open: [403, "MissingKey"] },
  { target: "//private/cat.jpeg", guarded: [403, "MissingKey"], open: [403, "MissingKey"] },
  // %2F stays encoded: the public default behaviour; S3 decodes it into private/cat.jpeg
  { target: "/private%2Fcat.jpeg", guarded: [403, "AccessDenied"], open: [200, CAT] },
  { target: "/private%2fcat.jpeg", guarded: [403, "AccessDenied"], open: [200, CAT] },
  { target: "/%70rivate%2Fcat.jpeg", guarded: [403, "AccessDenied"], open: [200, CAT] },
  { target: "/%2Fprivate/cat.jpeg", guarded: [403, "AccessDenied"], open: [404, "NoSuchKey"] },
  // a key with a literal dot segment: no folder upload creates it
  { target: "/private/../index.html", guarded: [403, "AccessDenied"], open: [404, "NoSuchKey"] },
  // decoded exactly once: %2570 names the key "%70rivate/cat.jpeg"
  { target: "/%2570rivate/cat.jpeg", guarded: [404, "NoSuchKey"], open: [404, "NoSuchKey"] },
  { target: "/a+b.txt", guarded: [200, "space"], open: [200, "space"] },
  { target: "/a%2Bb.txt", guarded: [200, "plus"], open: [200, "plus"] },
  { target: "/missing.txt", guarded: [404, "NoSuchKey"], open: [404, "NoSuchKey"] },
];

function outcome(r: RawResponse): string | undefined {
  return r.headers["content-type"] === "text/xml" ? errorCode(r.body) : r.body.toString();
}

describe("local edge: paths as CloudFront and S3 read them, with and without the path guard", function () {
  this.timeout(60_000);
  const keys = testKeys();
  let root: string;
  let guarded: RunningEdge;
  let open: RunningEdge;
  const logs: string[] = [];

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "edge-paths-"));
    fs.mkdirSync(path.join(root, "private"));
    fs.writeFileSync(path.join(root, "private", "cat.jpeg"), CAT);
    fs.writeFileSync(path.join(root, "index.html"), "home");
    fs.writeFileSync(path.join(root, "a b.txt"), "space");
    fs.writeFileSync(path.join(root, "a+b.txt"), "plus");
    fs.symlinkSync(path.join(root, "private"), path.join(root, "shortcut"));
    const common = { root, port: 0, protectedPaths: ["/private/*"], trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem }, now: () => new Date(T0 * 1000) };
    guarded = await startEdge({ ...common, log: (line) => logs.push(line) });
    open = await startEdge({ ...common, pathGuard: false });
  });
  after(async () => {
    await guarded?.close();
    await open?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("reports whether the guard runs", () => {
    assert.equal(guarded.pathGuard, true);
    assert.equal(open.pathGuard, false);
  });

  it("answers the matrix: behaviours on the normalised path, keys decoded once, the guard closing the encoded slash", async () => {
    for (const row of MATRIX) {
      for (const [edge, [status, expected]] of [
        [guarded, row.guarded],
        [open, row.open],
      ] as const) {
        const r = await rawRequest(edge.port, row.target);
        const label = `${row.target} (${edge.pathGuard ? "guard" : "no guard"})`;
        assert.equal(r.status, status, `${label}: ${r.status} ${r.body.toString().slice(0, 120)}`);
        assert.equal(outcome(r), expected, label);
      }
    }
  });

  it("the guard's 403 is CloudFront's AccessDenied XML, marked as a function-generated response; HEAD has no body", async () => {
    const r = await rawRequest(guarded.port, "/private%2Fcat.jpeg");
    assert.equal(r.body.toString(), PATH_GUARD_DENIED_BODY);
    assert.equal(r.headers["content-type"], "text/xml");
    assert.equal(r.headers["x-cache"], "FunctionGeneratedResponse from cloudfront");
    assert.equal(r.headers["cache-control"], "no-store");
    const head = await rawRequest(guarded.port, "/private%2Fcat.jpeg", {}, "HEAD");
    assert.equal(head.status, 403);
    assert.equal(head.body.length, 0);
  });

  it("signed URLs and cookies serve the protected file; a dot segment under the cookie's wildcard stays in the key: 404", async () => {
    const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
    const signed = signer.signUrl(`${guarded.url}/private/cat.jpeg`, { expires: T0 + 600, now: new Date(T0 * 1000) }).url;
    const r = await rawRequest(guarded.port, signed.slice(guarded.url.length));
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), CAT);
    // The cookie covers /private/*; the dot segment stays in the key S3 would read: 404 after the check.
    const cookies = signer.signCookies(`${guarded.url}/private/*`, { expires: T0 + 600, now: new Date(T0 * 1000) }).cookies;
    const Cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
    assert.equal((await rawRequest(guarded.port, "/private/cat.jpeg", { Cookie })).status, 200);
    const dotted = await rawRequest(guarded.port, "/private/x/../cat.jpeg", { Cookie });
    assert.equal(dotted.status, 404);
    assert.ok(!dotted.body.toString().includes(CAT));
  });

  it("a protected file behind a public alias gets exactly the 404 a missing file gets", async () => {
    for (const edge of [guarded, open]) {
      const alias = await rawRequest(edge.port, "/shortcut/cat.jpeg");
      const missing = await rawRequest(edge.port, "/shortcat/cat.jpeg");
      assert.equal(alias.status, 404);
      assert.equal(missing.status, 404);
      const { date: _a, ...aliasHeaders } = alias.headers;
      const { date: _m, ...missingHeaders } = missing.headers;
      assert.deepEqual(aliasHeaders, missingHeaders, "no header tells them apart");
      assert.equal(alias.body.toString().replace("shortcut", "shortcat"), missing.body.toString());
    }
  });

  it("refuses two Host headers with 400 (RFC 9112 §3.2)", async () => {
    const r = await rawRequest(guarded.port, "/index.html", { Host: "evil.example" });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r.body), "InvalidArgument");
    assert.equal((await rawRequest(guarded.port, "/index.html")).status, 200);
  });

  it("escapes control characters from the request in log lines", async () => {
    logs.length = 0;
    await rawRequest(guarded.port, "/private/cat.jpeg?Expires=1%0d%0a2026-01-01T00:00:00Z%20GET%20/x%20-%3E%20200&Signature=AA__&Key-Pair-Id=K%1b[31mRED%0aFAKE");
    await rawRequest(guarded.port, "/private/cat.jpeg?Expires=1&Signature=AA__&Key-Pair-Id=K%0d%0aGET%20/fake%20-%3E%20200&Hash-Algorithm=SHA%0a256");
    assert.ok(logs.length >= 2, logs.join("|"));
    for (const line of logs) {
      assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(line), `control character in ${JSON.stringify(line)}`);
    }
    assert.ok(logs.some((line) => line.includes("\\r\\n") || line.includes("\\n") || line.includes("\\x1b")), logs.join("\n"));
  });

  it("the edge runs the generated source itself: the event is shaped like CloudFront Functions'", () => {
    const echo = new CloudFrontFunction(
      "function handler(event) { return { statusCode: 200, body: { encoding: 'text', data: JSON.stringify(event) } }; }",
    );
    const req = {
      method: "GET",
      rawHeaders: ["Host", "cdn.example.com", "Accept", "a", "accept", "b", "Cookie", "x=1; y=2", "Cookie", "x=3"],
      socket: { remoteAddress: "198.51.100.7" },
    } as unknown as IncomingMessage;
    const outcome = echo.run(viewerRequestEvent(req, "/a%2Fb?k=1&k=2&flag", "cdn.example.com", "req-1"));
    assert.equal(outcome.kind, "response");
    const event = JSON.parse((outcome as { response: { body: Buffer } }).response.body.toString()) as Record<string, unknown>;
    assert.deepEqual(event, {
      version: "1.0",
      context: { distributionDomainName: "cdn.example.com", distributionId: "ELOCALEDGE", eventType: "viewer-request", requestId: "req-1" },
      viewer: { ip: "198.51.100.7" },
      request: {
        method: "GET",
        uri: "/a%2Fb",
        querystring: { k: { value: "1", multiValue: [{ value: "1" }, { value: "2" }] }, flag: { value: "" } },
        headers: { host: { value: "cdn.example.com" }, accept: { value: "a", multiValue: [{ value: "a" }, { value: "b" }] } },
        cookies: { x: { value: "1", multiValue: [{ value: "1" }, { value: "3" }] }, y: { value: "2" } },
      },
    });
    // The generated guard, run the same way: a 403 response, or the request passed on unchanged.
    const guard = new CloudFrontFunction(pathGuardSource(["/private/*"]));
    assert.equal(guard.run(viewerRequestEvent(req, "/private%2Fb", "h", "r")).kind, "response");
    assert.deepEqual(guard.run(viewerRequestEvent(req, "/a%2Fb", "h", "r")), { kind: "request", uri: "/a%2Fb" }, "an encoded slash outside the protected keys passes");
    assert.deepEqual(guard.run(viewerRequestEvent(req, "/index.html?x=1", "h", "r")), { kind: "request", uri: "/index.html" });
  });

  it("a function that throws, loops or answers nonsense is an error (CloudFront: 503), never a pass", () => {
    const req = { method: "GET", rawHeaders: [], socket: {} } as unknown as IncomingMessage;
    const event = viewerRequestEvent(req, "/x", "h", "r");
    assert.equal(new CloudFrontFunction("function handler(e) { throw new Error('boom'); }").run(event).kind, "error");
    assert.equal(new CloudFrontFunction("function handler(e) { while (true) {} }").run(event).kind, "error");
    assert.equal(new CloudFrontFunction("function handler(e) { return 42; }").run(event).kind, "error");
    assert.equal(new CloudFrontFunction("function handler(e) { return { statusCode: 'x' }; }").run(event).kind, "error");
    assert.equal(new CloudFrontFunction("function handler(e) { return eval('1'); }").run(event).kind, "error", "no eval in CloudFront Functions");
    assert.throws(() => new CloudFrontFunction("var x = 1;"), /no handler/);
  });
});
