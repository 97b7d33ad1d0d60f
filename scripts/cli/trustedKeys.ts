import * as fs from "node:fs";
import * as path from "node:path";
import { trustedKeysFromOutputs } from "../edge/config";
import { InputError } from "../lib/errors";
import { findOnPath, loadStackOutputs, readOutputsFile, type StackOutputs } from "../lib/stackOutputs";
import type { CliIo } from "./io";

// Public keys for `cf-sign verify`: --key-pair-id + --public-key-file, else the stack outputs
// (keyPairIds + publicKeyPems: the whole key group, as CloudFront trusts it), same sources as signing.

export const TRUSTED_KEY_ARGS = {
  "key-pair-id": { type: "string" },
  "public-key-file": { type: "string" },
  "outputs-file": { type: "string" },
  stack: { type: "string" },
} as const;

export const TRUSTED_KEY_HELP = `Public keys (first found wins):
  --key-pair-id ID --public-key-file FILE   one trusted key (SPKI PEM)
  --outputs-file F   JSON from: pulumi stack output --json --show-secrets > F (keyPairIds + publicKeyPems)
  pulumi stack output --json [--stack S], when the Pulumi CLI is installed`;

export interface TrustedKeyOptions {
  keyPairId?: string;
  publicKeyFile?: string;
  outputsFile?: string;
  stack?: string;
  /** A /path must be resolved against the stack's baseUrl, so the outputs are needed even with explicit keys. */
  needOutputs?: boolean;
}

export function loadOutputsFor(opts: TrustedKeyOptions, io: CliIo): { outputs?: StackOutputs; source?: string } {
  if (opts.outputsFile !== undefined) {
    return { outputs: readOutputsFile(path.resolve(io.cwd, opts.outputsFile)), source: `--outputs-file ${opts.outputsFile}` };
  }
  if (findOnPath("pulumi", io.env.PATH) !== undefined) {
    const outputs = loadStackOutputs({ stack: opts.stack, cwd: io.cwd, env: io.env });
    return { outputs, source: `pulumi stack output${opts.stack ? ` --stack ${opts.stack}` : ""}` };
  }
  return {};
}

export function resolveTrustedKeys(
  opts: TrustedKeyOptions,
  io: CliIo,
): { trustedKeys: Record<string, string>; source: string; outputs?: StackOutputs } {
  if (opts.keyPairId !== undefined || opts.publicKeyFile !== undefined) {
    if (opts.keyPairId === undefined) throw new InputError("--public-key-file needs --key-pair-id ID (the CloudFront public key id)");
    if (opts.publicKeyFile === undefined) throw new InputError("--key-pair-id needs --public-key-file FILE (the public key PEM)");
    let pem: string;
    try {
      pem = fs.readFileSync(path.resolve(io.cwd, opts.publicKeyFile), "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`--public-key-file ${opts.publicKeyFile}: ${code === "ENOENT" ? "no such file" : "cannot read it"}`);
    }
    // Explicit keys: the stack (possibly a slow or failing `pulumi` run) only when asked for or needed.
    const wanted = opts.outputsFile !== undefined || opts.stack !== undefined || opts.needOutputs === true;
    return { trustedKeys: { [opts.keyPairId]: pem }, source: `--public-key-file ${opts.publicKeyFile}`, outputs: wanted ? loadOutputsFor(opts, io).outputs : undefined };
  }
  const fromOutputs = loadOutputsFor(opts, io);
  if (fromOutputs.outputs) {
    const keys = trustedKeysFromOutputs(fromOutputs.outputs, fromOutputs.source ?? "stack outputs");
    if (keys && Object.keys(keys).length > 0) {
      return { trustedKeys: keys, source: `key group from ${fromOutputs.source}`, outputs: fromOutputs.outputs };
    }
    throw new InputError(`${fromOutputs.source}: no keyPairIds/publicKeyPems outputs; give --key-pair-id ID --public-key-file FILE`);
  }
  throw new InputError(
    `no public key to verify with: give --key-pair-id ID --public-key-file FILE, or --outputs-file F (pulumi stack output --json --show-secrets > F)${
      opts.stack !== undefined ? " (--stack needs the Pulumi CLI, which is not on PATH)" : ""
    }`,
  );
}
