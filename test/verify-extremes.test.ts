// cf-sign verify on extreme epochs and on unprotected paths.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { toCloudFrontBase64 } from "../signer/src/lib/encoding";
import { inspectSigned, parseInspectInput } from "../signer/src/lib/inspect";
import { verifyRequest } from "../signer/src/lib/verifier";
import { runCli } from "./helpers/cli";
import { testKeys, writeVerifyFixtures } from "./helpers/verifyKeys";

const BASE = "https://cdn.example.com";
// A valid integer number of seconds that is beyond what a JavaScript Date can hold (year 275760).
const FAR = 999_999_999_999_999;

describe("verify on extreme epochs and unprotected paths", function () {
  this.timeout(60_000);
  const keys = testKeys();
  const trusted = { [keys.rsa.keyPairId]: keys.rsa.publicKeyPem };
  let dir: string;
  let pubFile: string;
  let outputsFile: string;

  before(() => {
    ({ dir, pubFile, outputsFile } = writeVerifyFixtures("verify-extremes-", keys.rsa.publicKeyPem, {
      baseUrl: BASE,
      keyPairIds: { a: keys.rsa.keyPairId },
      publicKeyPems: { a: keys.rsa.publicKeyPem },
      protectedPaths: ["/private/*"],
      protectDefaultBehavior: false,
    }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function signPolicy(text: string): string {
    const signature = crypto.sign("sha1", Buffer.from(text), keys.rsa.privateKeyPem);
    return `Policy=${toCloudFrontBase64(text)}&Signature=${toCloudFrontBase64(signature)}&Key-Pair-Id=${keys.rsa.keyPairId}`;
  }

  it("a validly signed policy whose DateGreaterThan is beyond any date is AccessDenied, not an exception", () => {
    const text = `{"Statement":[{"Resource":"${BASE}/private/*","Condition":{"DateLessThan":{"AWS:EpochTime":${FAR}},"DateGreaterThan":{"AWS:EpochTime":${FAR - 1}}}}]}`;
    const r = verifyRequest({ url: `${BASE}/private/a.jpg?${signPolicy(text)}`, now: new Date(1_900_000_000_000), trustedKeys: trusted });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, "AccessDenied");
    assert.equal(!r.ok && r.check, "starts");
    assert.match(!r.ok ? r.detail : "", new RegExp(String(FAR - 1)));
  });

  it("cf-sign verify: exit 0 for a valid URL with a far expiry, exit 1 (not 2) for a bad signature on it", async () => {
    const text = `{"Statement":[{"Resource":"${BASE}/private/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":${FAR}}}}]}`;
    const keyArgs = ["--key-pair-id", keys.rsa.keyPairId, "--public-key-file", pubFile];
    const ok = await runCli(["verify", `${BASE}/private/a.jpg?${signPolicy(text)}`, ...keyArgs]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^OK /);
    const bad = await runCli(["verify", `${BASE}/private/a.jpg?Expires=${FAR}&Signature=AAAA&Key-Pair-Id=${keys.rsa.keyPairId}`, ...keyArgs]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^AccessDenied: Access denied\n/);
    assert.match(bad.stdout, new RegExp(`expires\\s+.*${FAR}`));
  });

  it("cf-sign verify: a dot-segment spelling of a protected path is protected (CloudFront normalises before matching behaviours)", async () => {
    for (const p of ["/public/../private/a.jpg", "/public/%2e%2e/private/a.jpg", "//private/a.jpg", "/./private/a.jpg"]) {
      const r = await runCli(["verify", `${BASE}${p}`, "--outputs-file", outputsFile]);
      assert.equal(r.code, 1, `${p}: ${r.stdout}`);
      assert.match(r.stdout, /^MissingKey/, p);
    }
    const open = await runCli(["verify", `${BASE}/private/../index.html`, "--outputs-file", outputsFile]);
    assert.equal(open.code, 0, open.stdout);
    assert.match(open.stdout, /note: \/index\.html matches no protected path pattern/);
  });

  it("cf-sign verify: an --ip that is not an IP address is bad input (exit 2)", async () => {
    const keyArgs = ["--key-pair-id", keys.rsa.keyPairId, "--public-key-file", pubFile];
    for (const ip of ["abc", "999.1.1.1", "1.2.3", "::g"]) {
      const r = await runCli(["verify", `${BASE}/private/a.jpg`, "--ip", ip, ...keyArgs]);
      assert.equal(r.code, 2, `--ip ${ip}: ${r.stdout}`);
      assert.match(r.stderr, /^error: --ip: [^\n]+\n$/);
    }
    for (const ip of ["203.0.113.9", "::ffff:203.0.113.9", "2001:db8::1"]) {
      assert.equal((await runCli(["verify", `${BASE}/private/a.jpg`, "--ip", ip, ...keyArgs])).code, 1, ip);
    }
  });

  it("cf-sign verify with --key-pair-id/--public-key-file does not need (or run) pulumi for a full URL", async function () {
    if (process.platform === "win32") this.skip();
    // A Pulumi CLI on PATH, run outside any Pulumi project: it fails, as the real one does.
    const bin = path.join(dir, "fake-bin");
    fs.mkdirSync(bin, { recursive: true });
    const marker = path.join(dir, "pulumi-was-run");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\ntouch "${marker}"\necho "error: no Pulumi.yaml project file found" >&2\nexit 255\n`, { mode: 0o700 });
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
    const keyArgs = ["--key-pair-id", keys.rsa.keyPairId, "--public-key-file", pubFile];
    const r = await runCli(["verify", `${BASE}/private/a.jpg`, ...keyArgs], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^MissingKey/);
    assert.equal(fs.existsSync(marker), false, "pulumi was run although the keys were given");
    // A /path still needs the stack's baseUrl: then pulumi is asked, and its failure reported.
    const p = await runCli(["verify", "/private/a.jpg", ...keyArgs], { env });
    assert.equal(p.code, 2);
    assert.match(p.stderr, /^error: pulumi stack output .*failed: error: no Pulumi\.yaml project file found\n$/);
  });

  it("cf-sign inspect --protected does not run pulumi (the flags are the answer)", async function () {
    if (process.platform === "win32") this.skip();
    const bin = path.join(dir, "fake-bin-inspect");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "error: no Pulumi.yaml project file found" >&2\nexit 255\n`, { mode: 0o700 });
    const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
    const text = `{"Statement":[{"Resource":"${BASE}/*","Condition":{"DateLessThan":{"AWS:EpochTime":${FAR}}}}]}`;
    const r = await runCli(["inspect", `${BASE}/private/a.jpg?${signPolicy(text)}`, "--protected", "/private/*", "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { warnings: string[] };
    assert.ok(report.warnings.some((w) => /grants every path/.test(w)), report.warnings.join("|"));
  });

  it("inspect and verify agree on a non-canonical Signature spelling (MalformedSignature)", () => {
    const text = `{"Statement":[{"Resource":"${BASE}/private/*","Condition":{"DateLessThan":{"AWS:EpochTime":${FAR}}}}]}`;
    const signed = `${BASE}/private/a.jpg?${signPolicy(text)}`;
    // A 256-byte RSA signature ends in one data character with 2 spare bits, then one "_": flip a spare bit.
    const sig = /Signature=([^&]*)/.exec(signed)![1];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
    const last = sig[sig.length - 2];
    const mutated = signed.replace(sig, sig.slice(0, -2) + alphabet[alphabet.indexOf(last) ^ 1] + sig.slice(-1));
    const verdict = verifyRequest({ url: mutated, trustedKeys: trusted });
    assert.equal(!verdict.ok && verdict.code, "MalformedSignature");
    const report = inspectSigned(parseInspectInput(mutated));
    assert.ok(report.errors.some((e) => /MalformedSignature/.test(e)), report.errors.join("|"));
    assert.deepEqual(inspectSigned(parseInspectInput(signed)).errors, []);
  });
});
