// Stack program entry point (Pulumi.yaml `main: infra/`). Reads and validates ALL configuration
// before registering any resource, so a bad setting fails `pulumi preview` with one clear line.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

import { AssetFile, listAssetFiles } from "./assets";
import { CONFIG_KEYS, ConfigError, PROJECT, RawConfig, StackSettings, parseStackConfig } from "./config";
import { createContentStack } from "./stack";

/** The project directory (where Pulumi.yaml is): relative assetsDir values are resolved against it. */
const PROJECT_DIR = path.resolve(__dirname, "..");

function readRawConfig(): RawConfig {
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) raw[key] = config.get(key);
    // Unknown keys in the project namespace are typos: pass them on so the parser names them.
    const prefix = `${PROJECT}:`;
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (!(key in raw)) raw[key] = pulumi.runtime.getConfig(fullKey);
    }
    return raw;
}

function loadSettings(): { settings: StackSettings; assets: AssetFile[] } {
    try {
        const settings = parseStackConfig(readRawConfig(), { baseDir: PROJECT_DIR });
        const assets = settings.assetsDir !== undefined ? listAssetFiles(settings.assetsDir) : [];
        return { settings, assets };
    } catch (error) {
        // RunError: Pulumi prints just the message, no stack trace or program source.
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

const { settings, assets } = loadSettings();

if (settings.protectedPaths.length === 0 && !settings.protectDefaultBehavior) {
    pulumi.log.warn(`${PROJECT}:protectedPaths is empty and protectDefaultBehavior is false: nothing requires a signature`);
}

const { outputs } = createContentStack(settings, assets);

// Stack outputs: these names are the interface the signing CLI and the local edge read.
export const bucketName = outputs.bucketName;
export const distributionId = outputs.distributionId;
export const distributionDomainName = outputs.distributionDomainName;
export const baseUrl = outputs.baseUrl;
export const keyGroupId = outputs.keyGroupId;
export const keyPairId = outputs.keyPairId;
export const keyPairIds = outputs.keyPairIds;
export const publicKeyPems = outputs.publicKeyPems;
export const privateKeyPem = outputs.privateKeyPem;
/** Every generation's private key (generation id -> PEM, secret): `cf-sign url --generation ID` (rotation canary). */
export const privateKeyPems = outputs.privateKeyPems;
// "kms": the active key is an AWS KMS key (kmsKeyArn; SHA-256 only) and there is no privateKeyPem.
export const signingKeySource = outputs.signingKeySource;
export const kmsKeyArn = outputs.kmsKeyArn;
/** Every KMS generation's key ARN (generation id -> ARN): `cf-sign url --generation ID` signs a canary through KMS. */
export const kmsKeyArns = outputs.kmsKeyArns;
/** IAM policy JSON granting kms:Sign and kms:GetPublicKey on exactly the active KMS key, for the applications that sign. */
export const kmsSigningPolicy = outputs.kmsSigningPolicy;
export const signingHashAlgorithm = outputs.signingHashAlgorithm;
export const privateKeySecretArn = outputs.privateKeySecretArn;
/** IAM policy JSON granting read access to exactly that secret, for the applications that sign. */
export const privateKeyReadPolicy = outputs.privateKeyReadPolicy;
export const protectedPaths = outputs.protectedPaths;
export const protectDefaultBehavior = outputs.protectDefaultBehavior;
// `cf-sign inspect` warns about IP-bound policies only when IPv6 viewers can reach the distribution.
export const ipv6Enabled = outputs.ipv6Enabled;
// ARN of the path guard CloudFront Function, when one is associated (config pathGuard).
export const pathGuardFunctionArn = outputs.pathGuardFunctionArn;
// Its source code: `cf-sign verify` runs it to explain a refusal, as CloudFront runs it.
export const pathGuardCode = outputs.pathGuardCode;
