// Regression tests from the verifier/edge review: ways a valid credential for one part of the site
// must not be stretched to serve another file.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { CloudFrontSigner } from "../scripts/lib/signer";
import { errorCode, rawRequest } from "./helpers/http";
import { testKeys } from "./helpers/verifyKeys";

const T0 = 1_900_000_000;
const CAT = "private cat";

describe("local edge: credentials cannot be stretched to another file", function () {
  this.timeout(60_000);
  const keys = testKeys();
  let tmp: string;
  let edge: RunningEdge;
  let cookie: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edge-review-"));
    fs.mkdirSync(path.join(tmp, "private", "reports"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "private", "cat.jpeg"), CAT);
    fs.writeFileSync(path.join(tmp, "private", "reports", "q3.pdf"), "q3");
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

});
