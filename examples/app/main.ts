#!/usr/bin/env node
// Runs examples/app and the local edge together on loopback, for a look in a real browser:
//   npx ts-node examples/app/main.ts
// With SIGNING_SECRET_ARN set, the app signs with the key the stack stores in Secrets Manager
// (signerFromSecret; the edge must then trust that key: --outputs-file F with the stack's outputs).
import * as fs from "node:fs";
import * as path from "node:path";
import { startEdge } from "../../scripts/edge/server";
import { throwawayCertificate } from "../../scripts/edge/tlsCert";
import { signerFromSecret } from "../../signer/src/lib/secretSigner";
import { CloudFrontSigner } from "../../signer/src/lib/signer";
import { readOutputsFile } from "../../signer/src/lib/stackOutputs";
import { trustedKeysFromOutputs } from "../../signer/src/cli/stackConfig";
import { AppSigner, demoAuthenticate, startApp } from "./server";

const DOMAIN = "example.test";

async function main(): Promise<void> {
  const outputsFile = process.argv.includes("--outputs-file") ? process.argv[process.argv.indexOf("--outputs-file") + 1] : undefined;
  const outputs = outputsFile ? readOutputsFile(path.resolve(outputsFile)) : undefined;
  const cert = throwawayCertificate([`app.${DOMAIN}`, `cdn.${DOMAIN}`]);
  const tls = { key: cert.key, cert: cert.cert };
  const corsOrigins: string[] = [];
  const edge = await startEdge({
    port: 0,
    tls,
    cors: { allowOrigins: corsOrigins, allowCredentials: true },
    trustedKeys: outputs ? trustedKeysFromOutputs(outputs, outputsFile ?? "outputs") : undefined,
    log: (line) => process.stdout.write(`edge ${line}\n`),
  });
  let signer: AppSigner;
  if (process.env.SIGNING_SECRET_ARN) {
    signer = await signerFromSecret(process.env.SIGNING_SECRET_ARN, {
      onEvent: (e) => process.stdout.write(`signing key: ${e.type}${e.type === "refresh-failed" ? ` (${e.error.message})` : ""}\n`),
    });
  } else if (edge.keyPairId && edge.privateKeyFile) {
    signer = new CloudFrontSigner({ keyPairId: edge.keyPairId, privateKey: fs.readFileSync(edge.privateKeyFile, "utf8") });
  } else {
    throw new Error("give SIGNING_SECRET_ARN with --outputs-file, or neither (a throwaway dev key)");
  }
  const cdnOrigin = `https://cdn.${DOMAIN}:${edge.port}`;
  // THE AUTHENTICATION STEP is a stub here: user "demo", password "demo". Replace it with your own sign-in.
  const app = await startApp({ signer, authenticate: demoAuthenticate("demo", "demo"), domain: DOMAIN, cdnOrigin, tls });
  const appUrl = `https://app.${DOMAIN}:${app.port}`;
  corsOrigins.push(appUrl);
  process.stdout.write(
    `app  ${appUrl}  (stub login: user demo, password demo)\ncdn  ${cdnOrigin}\nopen it with:\n  chromium --host-resolver-rules="MAP app.${DOMAIN} 127.0.0.1, MAP cdn.${DOMAIN} 127.0.0.1" --ignore-certificate-errors ${appUrl}\n`,
  );
  const stop = (): void => {
    void Promise.all([app.close(), edge.close()]).then(() => {
      cert.dispose();
      process.exit(0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
  process.exit(2);
});
