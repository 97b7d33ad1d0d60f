/*
 * KMS signing benchmark (`npm run bench`): what a signature through AWS KMS costs compared with a local key, using
 * the real @aws-sdk/client-kms client against the loopback KMS stand-in (scripts/standin/kms.ts).
 *  - in-process: signatures/s and time per signature, one at a time and 8 in flight, RSA 2048 and ECDSA P-256;
 *    on loopback (a floor: no network) and with a modelled 10 ms round trip (a KMS endpoint in the same region);
 *  - a 1,000-URL batch against a stand-in enforcing a request quota (300/s, KMS's documented ECC default) —
 *    the quota, not the signer, sets the pace;
 *  - the CLI end to end: `cf-sign url` once and `cf-sign url --stdin` with 1,000 URLs, KMS vs a key file.
 * Every loop is bounded by a count.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KMSClient } from "@aws-sdk/client-kms";
import type { AsyncCloudFrontSigner } from "../../signer/src/lib/asyncSigner";
import { createKmsSigner, withoutNodeVersionWarning } from "../../signer/src/lib/kmsSigner";
import { CloudFrontSigner } from "../../signer/src/lib/signer";
import { KmsStandIn } from "../standin/kms";

// The signer package's cf-sign bin (signer/dist, built by npm run build), as users run it.
const CLI = path.resolve(__dirname, "..", "..", "..", "signer", "dist", "cli", "main.js");
const BASE = "https://cdn.example.com/private";
const CREDENTIALS = { accessKeyId: "AKIABENCHMARK0000000", secretAccessKey: "bench-not-a-secret" };
const BATCH = 1000;

function client(standIn: KmsStandIn): KMSClient {
  return withoutNodeVersionWarning(() => new KMSClient({ endpoint: standIn.endpoint, region: standIn.region, credentials: CREDENTIALS }));
}

/** Signs `count` URLs with at most `concurrency` in flight; returns signatures per second. */
async function kmsRate(signer: AsyncCloudFrontSigner, count: number, concurrency: number): Promise<number> {
  const urls = Array.from({ length: count }, (_, i) => `${BASE}/file-${i}.bin`);
  const start = process.hrtime.bigint();
  await signer.signUrls(urls, { expires: "1h" }, { concurrency });
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function localRate(signer: CloudFrontSigner, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) signer.signUrl(`${BASE}/file-${i}.bin`, { expires: "1h", hashAlgorithm: "SHA256" });
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)).padStart(9);
const ms = (perSecond: number) => `${(1000 / perSecond).toFixed(2).padStart(7)} ms`;

/** Runs cf-sign as a child (asynchronously: the stand-in answering it lives in this process); returns ms. */
function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`cf-sign ${args[0]} failed: ${stderr.split("\n")[0]}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
    child.stdin.end(input ?? "");
  });
}

async function main(): Promise<void> {
  console.log(`\nKMS signing benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}; real @aws-sdk/client-kms, loopback KMS stand-in\n`);
  console.log("signatures/s (time per signature)        local key (SHA-256)       KMS, 1 in flight        KMS, 8 in flight");
  for (const latencyMs of [0, 10]) {
    const standIn = await KmsStandIn.start({ latencyMs });
    try {
      for (const [name, spec] of [["RSA 2048", "RSA_2048"], ["ECDSA P-256", "ECC_NIST_P256"]] as const) {
        const key = standIn.addKey({ keySpec: spec });
        const signer = await createKmsSigner({ keyId: key.arn, keyPairId: "K2BENCHKMS", client: client(standIn) });
        const local = new CloudFrontSigner({ keyPairId: "K2BENCHKMS", privateKey: key.privateKey });
        const count = latencyMs === 0 ? 400 : 100;
        await kmsRate(signer, 20, 1); // warm-up: connections, JIT
        const one = await kmsRate(signer, count, 1);
        const eight = await kmsRate(signer, count * 2, 8);
        const l = localRate(local, 2000);
        const label = `${name}, ${latencyMs === 0 ? "loopback" : "10 ms round trip (modelled)"}`.padEnd(40);
        console.log(`${label}${fmt(l)} (${ms(l)})   ${fmt(one)} (${ms(one)})   ${fmt(eight)} (${ms(eight)})`);
      }
    } finally {
      await standIn.close();
    }
  }

  // KMS quotas are per account and region, shared by every caller of the key type (documented defaults:
  // 500 requests/s for RSA, 300/s for ECC). The stand-in answers ThrottlingException beyond its quota; the
  // SDK retries with backoff, so a big batch runs at the quota's pace (or fails with a throttling error).
  const quota = await KmsStandIn.start({ requestsPerSecond: 300 });
  try {
    const key = quota.addKey({ keySpec: "ECC_NIST_P256" });
    const signer = await createKmsSigner({ keyId: key.arn, keyPairId: "K2BENCHKMS", client: withoutNodeVersionWarning(() => new KMSClient({ endpoint: quota.endpoint, region: quota.region, credentials: CREDENTIALS, maxAttempts: 10 })) });
    const start = process.hrtime.bigint();
    let outcome = "all signed";
    try {
      await kmsRate(signer, BATCH, 8);
    } catch (error) {
      outcome = `failed: ${(error as Error).message.slice(0, 60)}...`;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const throttled = quota.requests.Sign - BATCH;
    console.log(`\n${BATCH} ECDSA URLs, 8 in flight, quota 300 Sign/s: ${seconds.toFixed(2)} s (${Math.round(BATCH / seconds)}/s), ${Math.max(0, throttled)} throttled requests retried; ${outcome}`);
  } finally {
    await quota.close();
  }

  // The CLI end to end (process start, SDK load, kms:GetPublicKey, then kms:Sign per URL).
  const standIn = await KmsStandIn.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-kms-"));
  try {
    const key = standIn.addKey({ keySpec: "RSA_2048" });
    const pem = path.join(dir, "key.pem");
    fs.writeFileSync(pem, key.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    const env = { AWS_ENDPOINT_URL_KMS: standIn.endpoint, AWS_REGION: standIn.region, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_EC2_METADATA_DISABLED: "true" };
    const kmsArgs = ["--kms-key-id", key.arn, "--key-pair-id", "K2BENCHKMS"];
    const fileArgs = ["--private-key-file", pem, "--key-pair-id", "K2BENCHKMS", "--hash", "SHA256"];
    const urls = Array.from({ length: BATCH }, (_, i) => `${BASE}/file-${i}.bin`).join("\n") + "\n";
    const best = async (run: () => Promise<number>) => Math.min(await run(), await run(), await run());
    const oneKms = await best(() => cli(["url", `${BASE}/a.bin`, ...kmsArgs], env));
    const oneFile = await best(() => cli(["url", `${BASE}/a.bin`, ...fileArgs], env));
    const batchKms = await best(() => cli(["url", "--stdin", ...kmsArgs], env, urls));
    const batchFile = await best(() => cli(["url", "--stdin", ...fileArgs], env, urls));
    console.log(`\ncf-sign end to end (RSA, loopback stand-in, best of 3)        key file      KMS`);
    console.log(`one URL                                                   ${oneFile.toFixed(0).padStart(6)} ms ${oneKms.toFixed(0).padStart(6)} ms`);
    console.log(`--stdin, ${BATCH} URLs (KMS: 8 in flight)                      ${batchFile.toFixed(0).padStart(6)} ms ${batchKms.toFixed(0).padStart(6)} ms`);
  } finally {
    await standIn.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log("\nLoopback has no network: against real KMS each signature also pays the round trip to the regional endpoint.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
