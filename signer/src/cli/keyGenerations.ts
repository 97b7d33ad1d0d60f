// A named key generation from the stack outputs (--generation, the rotation canary): the private key in
// privateKeyPems, or for a KMS generation its kmsKeyArns entry.
import { InputError } from "../lib/errors";
import { CloudFrontSigner } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";

/**
 * A generation held in KMS: its kmsKeyArns entry, or (outputs without kmsKeyArns) the active key when it is the
 * KMS key. undefined for a tls generation or an unknown one (signerForGeneration reports those).
 */
export function kmsGeneration(outputs: StackOutputs, generation: string): { keyArn: string; keyPairId: string; from: string } | undefined {
  const ids = outputs.keyPairIds;
  if (typeof ids !== "object" || ids === null || !Object.prototype.hasOwnProperty.call(ids, generation)) return undefined;
  const keyPairId = ids[generation];
  const arns = outputs.kmsKeyArns;
  if (typeof arns === "object" && arns !== null && Object.prototype.hasOwnProperty.call(arns, generation) && arns[generation] !== "") {
    return { keyArn: arns[generation], keyPairId, from: `kmsKeyArns["${generation}"]` };
  }
  if (outputs.signingKeySource === "kms" && typeof outputs.kmsKeyArn === "string" && outputs.kmsKeyArn !== "" && outputs.keyPairId === keyPairId) {
    return { keyArn: outputs.kmsKeyArn, keyPairId, from: "kmsKeyArn" };
  }
  return undefined;
}

/** The signer for `generation` from stack outputs; errors name the generation and list the known ones. */
export function signerForGeneration(outputs: StackOutputs, source: string, generation: string): CloudFrontSigner {
  const ids = outputs.keyPairIds;
  if (typeof ids !== "object" || ids === null) {
    throw new InputError(`--generation ${generation}: ${source} has no keyPairIds output; is this the signed-content stack?`);
  }
  const known = Object.keys(ids);
  if (!Object.prototype.hasOwnProperty.call(ids, generation)) {
    throw new InputError(`--generation ${generation}: no such key generation in ${source}; the stack has ${known.join(", ") || "none"}`);
  }
  const pems = outputs.privateKeyPems as unknown;
  if (pems === "[secret]") {
    throw new InputError(`--generation: ${source}: privateKeyPems is hidden as "[secret]"; produce the outputs with pulumi stack output --json --show-secrets`);
  }
  if (typeof pems !== "object" || pems === null || Array.isArray(pems)) {
    throw new InputError(
      `--generation ${generation}: ${source} has no privateKeyPems output (the stack does not export its private keys, e.g. exportPrivateKey false; ` +
        `its secret holds only the active key) and no kmsKeyArns entry for it; for the canary, export them during the rotation, ` +
        `or sign with --key-pair-id ${ids[generation]} --private-key-file FILE (a KMS key: --kms-key-id ARN --key-pair-id ${ids[generation]})`,
    );
  }
  const pem = (pems as Record<string, unknown>)[generation];
  if (typeof pem !== "string" || pem === "") {
    throw new InputError(
      `--generation ${generation}: privateKeyPems in ${source} has no key for it, and no kmsKeyArns output names it as a KMS key; ` +
        `run pulumi up so the outputs include every generation (a KMS generation: or sign with --kms-key-id ARN --key-pair-id ${ids[generation]})`,
    );
  }
  return new CloudFrontSigner({ keyPairId: ids[generation], privateKey: pem, label: `${source}: privateKeyPems["${generation}"]` });
}
