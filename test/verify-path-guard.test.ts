// cf-sign verify on paths that reach the public behaviour: with the stack's path guard deployed it says
// the guard refuses them; without it, it warns when the S3 key is a protected one.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { pathGuardSource } from "../components/pathGuard";
import type { CliIo } from "../signer/src/cli/io";
import { main } from "../signer/src/cli/main";
import { testKeys, writeVerifyFixtures } from "./helpers/verifyKeys";

async function cf(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd, stdin: Readable.from([]) };
  return { code: await main(argv, io), out, err };
}

describe("cf-sign verify and the path guard", () => {
  const keys = testKeys();
  const base = { baseUrl: "https://cdn.example.com", keyPairIds: { "2026-01": keys.rsa.keyPairId }, publicKeyPems: { "2026-01": keys.rsa.publicKeyPem }, protectedPaths: ["/private/*"], protectDefaultBehavior: false };
  // What the stack outputs when the guard is deployed: its ARN and the code CloudFront runs.
  const guard = { pathGuardFunctionArn: "arn:aws:cloudfront::123456789012:function/path-guard-1234567", pathGuardCode: pathGuardSource(base.protectedPaths) };
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("with the guard deployed: /private%2Fcat.jpeg is refused by the guard (exit 1); a public path is served", async () => {
    const { dir, outputsFile } = writeVerifyFixtures("verify-guard-", keys.rsa.publicKeyPem, { ...base, ...guard });
    dirs.push(dir);
    const refused = await cf(["verify", "/private%2Fcat.jpeg", "--outputs-file", outputsFile], dir);
    assert.equal(refused.code, 1, refused.out + refused.err);
    assert.match(refused.out, /^AccessDenied: Access denied \(from the path guard\)\n/);
    assert.match(refused.out, /refuses it: another spelling of its S3 key is a path CloudFront routes through \/private\/\*\n$/);
    // an encoded slash outside the protected keys is no reason to refuse
    const other = await cf(["verify", "/public%2Fcat.jpeg", "--outputs-file", outputsFile], dir);
    assert.equal(other.code, 0, other.out + other.err);
    const json = await cf(["verify", "/private%2Fcat.jpeg", "--outputs-file", outputsFile, "--json"], dir);
    assert.equal((JSON.parse(json.out) as { served: boolean }).served, false);
    const open = await cf(["verify", "/index.html", "--outputs-file", outputsFile], dir);
    assert.equal(open.code, 0);
    assert.match(open.out, /^OK CloudFront would serve https:\/\/cdn\.example\.com\/index\.html without checking credentials/);
  });

  it("a guard deployed before the stack output its code: not simulated, and the note says how to get the output", async () => {
    const { dir, outputsFile } = writeVerifyFixtures("verify-oldguard-", keys.rsa.publicKeyPem, { ...base, pathGuardFunctionArn: guard.pathGuardFunctionArn });
    dirs.push(dir);
    const r = await cf(["verify", "/private%2Fcat.jpeg", "--outputs-file", outputsFile], dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /the outputs have no pathGuardCode to run .*: run pulumi up, then export the outputs again/);
    assert.doesNotMatch(r.out, /without the path guard/);
  });

  it("without the guard: served unsigned, with a warning that the S3 key is a protected one", async () => {
    const { dir, outputsFile } = writeVerifyFixtures("verify-noguard-", keys.rsa.publicKeyPem, base);
    dirs.push(dir);
    const r = await cf(["verify", "/private%2Fcat.jpeg", "--outputs-file", outputsFile], dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /warning: its S3 key falls under a protected pattern, so without the path guard \(config pathGuard\) it serves a protected object unsigned/);
    const plain = await cf(["verify", "/index.html", "--outputs-file", outputsFile], dir);
    assert.doesNotMatch(plain.out, /warning/);
  });
});
