import { trustedKeysFromOutputs } from "./stackConfig";
import { InputError } from "../lib/errors";
import { checkKeyPairId } from "../lib/keyPairId";
import type { StackOutputs } from "../lib/stackOutputs";
import { readKeyFile, type CliIo } from "./io";
import { loadOutputsFor } from "./stackOptions";

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
  --stack S          the outputs of stack S, read with the Pulumi CLI (an error if they cannot be read)
  pulumi stack output --json (the selected stack), when the Pulumi CLI is installed`;

export interface TrustedKeyOptions {
  keyPairId?: string;
  publicKeyFile?: string;
  outputsFile?: string;
  stack?: string;
  /** A /path must be resolved against the stack's baseUrl, so the outputs are needed even with explicit keys. */
  needOutputs?: boolean;
}

export function resolveTrustedKeys(
  opts: TrustedKeyOptions,
  io: CliIo,
): { trustedKeys: Record<string, string>; source: string; outputs?: StackOutputs } {
  if (opts.keyPairId !== undefined || opts.publicKeyFile !== undefined) {
    if (opts.keyPairId === undefined) throw new InputError("--public-key-file needs --key-pair-id ID (the CloudFront public key id)");
    if (opts.publicKeyFile === undefined) throw new InputError("--key-pair-id needs --public-key-file FILE (the public key PEM)");
    checkKeyPairId(opts.keyPairId, "--key-pair-id", "pass the public key with --public-key-file FILE");
    const pem = readKeyFile(opts.publicKeyFile, "--public-key-file", io);
    // Explicit keys: the stack (possibly a slow or failing `pulumi` run) only when asked for or needed.
    const wanted = opts.outputsFile !== undefined || opts.stack !== undefined || opts.needOutputs === true;
    return { trustedKeys: { [opts.keyPairId]: pem }, source: `--public-key-file ${opts.publicKeyFile}`, outputs: wanted ? loadOutputsFor(opts, io)?.outputs : undefined };
  }
  const fromOutputs = loadOutputsFor(opts, io);
  if (fromOutputs) {
    const keys = trustedKeysFromOutputs(fromOutputs.outputs, fromOutputs.source);
    if (keys && Object.keys(keys).length > 0) {
      return { trustedKeys: keys, source: `key group from ${fromOutputs.source}`, outputs: fromOutputs.outputs };
    }
    throw new InputError(`${fromOutputs.source}: no keyPairIds/publicKeyPems outputs; give --key-pair-id ID --public-key-file FILE`);
  }
  throw new InputError(
    "no public key to verify with: give --key-pair-id ID --public-key-file FILE, or --outputs-file F (pulumi stack output --json --show-secrets > F)",
  );
}
