// The local edge keeps each credential to what it signs: mostly ways a valid credential for one part of the
// site must not be stretched to serve another file.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { errorCode, rawRequest } from "./helpers/http";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000;
const CAT = "private cat";

/** "connected", or the error code of a TCP connect to address:port. */
function tryConnect(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: 5_000 });
    socket.on("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

describe("local edge: credentials are not stretched to other files; binding; If-Range", function () {
  this.timeout(60_000);
  const keys = testKeys();
  let tmp: string;
  let edge: RunningEdge;
  let cookie: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edge-scope-"));
    fs.mkdirSync(path.join(tmp, "private", "reports"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "private", "cat.jpeg"), CAT);
    fs.writeFileSync(path.join(tmp, "private", "reports", "q3.pdf"), "q3");
    fs.writeFileSync(path.join(tmp, "index.html"), "home");
    fs.symlinkSync(path.join(tmp, "private"), path.join(tmp, "shortcut"));
    fs.symlinkSync(path.join(tmp, "private", "cat.jpeg"), path.join(tmp, "cat-link.jpeg"));
    fs.symlinkSync(path.join(tmp, "index.html"), path.join(tmp, "private", "home-link.html"));
    edge = await startEdge({
      root: tmp,
      port: 0,
      protectedPaths: ["/private/*"],
      trustedKeys: { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem },
      now: () => new Date(T0 * 1000),
    });
    const signer = new CloudFrontSigner({ keyPairId: keys.rsa.keyPairId, privateKey: keys.rsa.privateKeyPem });
    const cookies = signer.signCookies(`${edge.url}/private/reports/*`, { expires: T0 + 3600, now: new Date(T0 * 1000) }).cookies;
    cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
  });
  after(async () => {
    await edge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the wildcard cookie serves its own files and refuses the file next to them", async () => {
    const inside = await rawRequest(edge.port, "/private/reports/q3.pdf", { Cookie: cookie });
    assert.equal(inside.status, 200);
    const outside = await rawRequest(edge.port, "/private/cat.jpeg", { Cookie: cookie });
    assert.equal(outside.status, 403);
  });

  it("dot segments after the wildcard prefix do not reach a file outside it", async () => {
    for (const target of [
      "/private/reports/../cat.jpeg",
      "/private/reports/%2e%2e/cat.jpeg",
      "/private/reports/%2E%2E/cat.jpeg",
      "/private/reports/..%2fcat.jpeg",
      "/private/reports/x/../../cat.jpeg",
      "/private/reports//../cat.jpeg",
    ]) {
      const r = await rawRequest(edge.port, target, { Cookie: cookie });
      assert.ok(!r.body.toString().includes(CAT), `${target} served the file outside the cookie's wildcard`);
      assert.notEqual(r.status, 200, target);
    }
  });

  it("a fragment in the request target is refused (it would hide the rest of the path from the check)", async () => {
    const r = await rawRequest(edge.port, "/private/reports/x#/../../cat.jpeg", { Cookie: cookie });
    assert.ok(!r.body.toString().includes(CAT));
    assert.equal(r.status, 400);
    assert.equal(errorCode(r.body), "InvalidURI");
  });

  it("a Host header that is not host[:port] is refused (it would become part of the checked URL)", async () => {
    const injected = await rawRequest(edge.port, "/private/cat.jpeg", { Cookie: cookie }, "GET", `127.0.0.1:${edge.port}/private/reports`);
    assert.ok(!injected.body.toString().includes(CAT), "a path in the Host header stretched the wildcard");
    assert.equal(injected.status, 400);
    for (const host of [`127.0.0.1:${edge.port}?x`, `127.0.0.1:${edge.port}#`, "a b", ""]) {
      assert.equal((await rawRequest(edge.port, "/index.html", {}, "GET", host)).status, 400, JSON.stringify(host));
    }
    // Ordinary host names, with or without a port, are fine.
    for (const host of [`127.0.0.1:${edge.port}`, "localhost", `LOCALHOST:${edge.port}`, `[::1]:${edge.port}`, "edge_1.internal:8080"]) {
      assert.equal((await rawRequest(edge.port, "/private/reports/q3.pdf", {}, "GET", host)).status, 403, host);
    }
  });

  it("a public path never serves a file that lives under a protected pattern (symlinks; case-insensitive file systems)", async () => {
    for (const target of ["/shortcut/cat.jpeg", "/cat-link.jpeg"]) {
      const r = await rawRequest(edge.port, target);
      assert.ok(!r.body.toString().includes(CAT), `${target} served a protected file without credentials`);
      assert.equal(r.status, 404, target);
    }
    // The other way round is fine: a protected path to a public file still needs credentials, then serves.
    assert.equal((await rawRequest(edge.port, "/private/home-link.html")).status, 403);
    assert.equal((await rawRequest(edge.port, "/index.html")).status, 200);
  });

  it("is bound to 127.0.0.1 only: not reachable on the machine's other addresses", async function () {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal && a.family === "IPv4")
      .map((a) => a.address)
      .slice(0, 2);
    if (others.length === 0) this.skip();
    // The probe itself can see a server bound to every address...
    const wide = http.createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => wide.listen(0, "0.0.0.0", resolve));
    try {
      assert.equal(await tryConnect(others[0], (wide.address() as net.AddressInfo).port), "connected");
    } finally {
      await new Promise<void>((resolve) => wide.close(() => resolve()));
    }
    // ...and the edge is not one.
    for (const address of others) assert.notEqual(await tryConnect(address, edge.port), "connected", address);
    assert.equal(await tryConnect("127.0.0.1", edge.port), "connected");
  });

  it("Range with If-Range: the range only while the file is unchanged, else the whole file", async () => {
    const first = await rawRequest(edge.port, "/index.html");
    const etag = first.headers.etag;
    const lastModified = first.headers["last-modified"];
    const same = await rawRequest(edge.port, "/index.html", { Range: "bytes=0-1", "If-Range": etag });
    assert.equal(same.status, 206);
    assert.equal(same.body.toString(), "ho");
    assert.equal((await rawRequest(edge.port, "/index.html", { Range: "bytes=0-1", "If-Range": lastModified })).status, 206);
    const changed = await rawRequest(edge.port, "/index.html", { Range: "bytes=0-1", "If-Range": '"not-the-current-etag"' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.toString(), "home");
    const older = await rawRequest(edge.port, "/index.html", { Range: "bytes=0-1", "If-Range": "Thu, 01 Jan 1998 00:00:00 GMT" });
    assert.equal(older.status, 200);
  });
});
