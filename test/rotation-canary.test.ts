// The rotation canary end to end: the real stack program (under Pulumi mocks) in step 1 of a rotation (a new
// generation added, the old one still active), its outputs as `pulumi stack output --json --show-secrets`
// writes them, the local edge trusting the stack's key group, and `cf-sign --generation` signing with the
// generation that is not active yet.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { trustedKeysFromOutputs } from "../signer/src/cli/stackConfig";
import { RunningEdge, startEdge } from "../scripts/edge/server";
import { StackOutputs } from "../signer/src/lib/stackOutputs";
import { KmsStandIn } from "../scripts/standin/kms";
import { installMocks, kmsPrivateKeyFor, MOCK_ACCOUNT_ID, MOCK_PROJECT, MOCK_REGION, resolve, unwrapSecrets } from "./harness/mocks";
import { runCli } from "./helpers/cli";
import { rawRequest } from "./helpers/http";
import { standInEnv } from "./helpers/kms";

const PROGRAM = require.resolve("../infra/index");
const OUTPUTS = [
  "baseUrl", "keyPairId", "keyPairIds", "publicKeyPems", "privateKeyPem", "privateKeyPems", "protectedPaths", "protectDefaultBehavior",
  "signingKeySource", "kmsKeyArns",
] as const;

/** Runs infra/index.ts with two generations, "2026-01" active and "2026-11" just added (rotation step 1). */
async function rotationStep1Outputs(newKey = "2026-11:ECDSA"): Promise<StackOutputs> {
  const rec = installMocks();
  pulumi.runtime.setAllConfig({
    [`${MOCK_PROJECT}:keys`]: JSON.stringify(["2026-01", newKey]),
    [`${MOCK_PROJECT}:activeKey`]: "2026-01",
    [`${MOCK_PROJECT}:protectedPaths`]: JSON.stringify(["/private/*"]),
    [`${MOCK_PROJECT}:aliases`]: JSON.stringify(["cdn.example.test"]),
    [`${MOCK_PROJECT}:certificateArn`]: "arn:aws:acm:us-east-1:123456789012:certificate/0b2a1c3d-4e5f-6789-abcd-ef0123456789",
  });
  delete require.cache[PROGRAM];
  const program = require(PROGRAM) as Record<string, unknown>;
  await rec.settled();
  const outputs: Record<string, unknown> = {};
  for (const name of OUTPUTS) {
    const value = program[name];
    const resolved = unwrapSecrets(pulumi.Output.isInstance(value) ? await resolve(value as pulumi.Output<unknown>) : value);
    if (resolved !== undefined) outputs[name] = resolved; // the engine drops undefined outputs
  }
  await rec.settled();
  return outputs as StackOutputs;
}

/**
 * The local edge standing in for the distribution (trusting the stack's key group, plain HTTP on loopback), and
 * the stack outputs written to a 0600 file with baseUrl pointing at it, so paths resolve against the edge.
 */
async function edgeForStack(outputs: StackOutputs, prefix: string): Promise<{ edge: RunningEdge; dir: string; outputsFile: string }> {
  const edge = await startEdge({
    root: path.join(__dirname, "fixtures", "assets"),
    port: 0,
    protectedPaths: outputs.protectedPaths,
    trustedKeys: trustedKeysFromOutputs(outputs, "stack outputs"),
    log: () => undefined,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const outputsFile = path.join(dir, "outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify({ ...outputs, baseUrl: edge.url }), { mode: 0o600 });
  return { edge, dir, outputsFile };
}

describe("rotation canary: a URL signed with the not-yet-active generation passes the edge trusting the stack's key group", function () {
  this.timeout(60_000);
  let dir: string;
  let outputsFile: string;
  let outputs: StackOutputs;
  let edge: RunningEdge;

  before(async () => {
    outputs = await rotationStep1Outputs();
    ({ edge, dir, outputsFile } = await edgeForStack(outputs, "cf-canary-"));
  });
  after(async () => {
    await edge?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (signedUrl: string) => {
    assert.ok(signedUrl.startsWith(`${edge.url}/`), signedUrl);
    return rawRequest(edge.port, signedUrl.slice(edge.url.length));
  };

  it("the stack is in step 1: two generations trusted, the old one active", () => {
    const ids = outputs.keyPairIds as Record<string, string>;
    assert.deepEqual(Object.keys(ids), ["2026-01", "2026-11"]);
    assert.equal(outputs.keyPairId, ids["2026-01"]);
    assert.deepEqual([...edge.trustedKeyPairIds].sort(), Object.values(ids).sort());
  });

  it("cf-sign url --generation 2026-11 (not active) gets 200; the active key still works; an untrusted key does not", async () => {
    const ids = outputs.keyPairIds as Record<string, string>;
    const canary = await runCli(["url", "/private/data.json", "--outputs-file", outputsFile, "--generation", "2026-11", "--expires-in", "5m"]);
    assert.equal(canary.code, 0, canary.stderr);
    const canaryUrl = canary.stdout.trim();
    assert.match(canaryUrl, new RegExp(`Key-Pair-Id=${ids["2026-11"]}&Hash-Algorithm=SHA256$`));
    const ok = await get(canaryUrl);
    assert.equal(ok.status, 200, ok.body.toString());

    const active = await runCli(["url", "/private/data.json", "--outputs-file", outputsFile, "--expires-in", "5m"]);
    assert.equal(active.code, 0, active.stderr);
    assert.match(active.stdout, new RegExp(`Key-Pair-Id=${ids["2026-01"]}$`, "m"));
    assert.equal((await get(active.stdout.trim())).status, 200);

    // The same canary key under a key pair id the key group does not hold: CloudFront says Unknown Key.
    const forged = canaryUrl.replace(ids["2026-11"], "KNOTINTHEGROUP01");
    const refused = await get(forged);
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /<Code>InvalidKey<\/Code>/);
  });

  it("cookies --generation 2026-11 open /private/* on the edge", async () => {
    const result = await runCli(["cookies", "/private/*", "--outputs-file", outputsFile, "--generation", "2026-11", "--format", "cookie"]);
    assert.equal(result.code, 0, result.stderr);
    const response = await rawRequest(edge.port, "/private/report.html", { Cookie: result.stdout.trim() });
    assert.equal(response.status, 200, response.body.toString());
  });

  it("probe --generation 2026-11 checks the whole matrix with the not-yet-active key", async () => {
    const result = await runCli(["probe", "--outputs-file", outputsFile, "--generation", "2026-11", "--public", "/index.html", "--private", "/private/data.json", "--json"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { ok: boolean; rows: { ok: boolean }[] };
    assert.equal(report.ok, true);
    assert.ok(report.rows.length >= 10 && report.rows.every((row) => row.ok));
  });
});

describe("rotation canary tls -> KMS: the new generation is a KMS key, signed through KMS (stand-in) for url, cookies and probe", function () {
  this.timeout(60_000);
  let dir: string;
  let outputsFile: string;
  let outputs: StackOutputs;
  let edge: RunningEdge;
  let kms: KmsStandIn;

  before(async () => {
    outputs = await rotationStep1Outputs("2026-11:ECDSA:kms");
    const arn = (outputs.kmsKeyArns as Record<string, string>)["2026-11"];
    kms = await KmsStandIn.start({ region: MOCK_REGION, account: MOCK_ACCOUNT_ID });
    kms.addKey({ keySpec: "ECC_NIST_P256", keyId: arn.split("/").pop(), privateKey: kmsPrivateKeyFor(arn) });
    ({ edge, dir, outputsFile } = await edgeForStack(outputs, "cf-canary-kms-"));
  });
  after(async () => {
    await edge?.close();
    await kms?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("step 1 outputs: tls active, the KMS generation in kmsKeyArns and not in privateKeyPems", () => {
    assert.equal(outputs.signingKeySource, "tls");
    assert.deepEqual(Object.keys(outputs.kmsKeyArns as object), ["2026-11"]);
    assert.deepEqual(Object.keys(outputs.privateKeyPems as object), ["2026-01"]);
  });

  it("url and cookies --generation 2026-11 get 200 from the edge, SHA-256, one kms:Sign each", async () => {
    const env = standInEnv(kms);
    const before = kms.requests.Sign ?? 0;
    const url = await runCli(["url", "/private/data.json", "--outputs-file", outputsFile, "--generation", "2026-11"], { env });
    assert.equal(url.code, 0, url.stderr);
    assert.equal(url.stderr, "");
    const signed = url.stdout.trim();
    assert.match(signed, new RegExp(`Key-Pair-Id=${(outputs.keyPairIds as Record<string, string>)["2026-11"]}&Hash-Algorithm=SHA256$`));
    assert.equal((await rawRequest(edge.port, signed.slice(edge.url.length))).status, 200);
    const cookies = await runCli(["cookies", "/private/*", "--outputs-file", outputsFile, "--generation", "2026-11", "--format", "cookie"], { env });
    assert.equal(cookies.code, 0, cookies.stderr);
    assert.equal((await rawRequest(edge.port, "/private/data.json", { Cookie: cookies.stdout.trim() })).status, 200);
    assert.equal(kms.requests.Sign, before + 2);
  });

  it("probe --generation 2026-11 checks the whole matrix through KMS", async () => {
    const result = await runCli(["probe", "--outputs-file", outputsFile, "--generation", "2026-11", "--public", "/index.html", "--private", "/private/data.json", "--json"], {
      env: standInEnv(kms),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stderr, "");
    const report = JSON.parse(result.stdout) as { ok: boolean; rows: { ok: boolean }[] };
    assert.equal(report.ok, true);
    assert.ok(report.rows.length >= 10 && report.rows.every((row) => row.ok));
  });
});
