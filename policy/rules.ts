// The rules of the pack, as a plain array (packRules; index.ts hands it to `new PolicyPack`; tests call each
// validation directly). Resource policies see a resource's inputs; stack policies see every resource's outputs at the end.
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";

import {
    MAX_KEYS_PER_KEY_GROUP,
    MAX_KEY_GROUPS_PER_BEHAVIOUR,
    MIN_SECURITY_POLICY,
    DistributionBehaviours,
    behavioursOf,
    countOf,
    encodedKeyProblem,
    hasViewerRequestGuard,
    isEngineAutoname,
    isModernSecurityPolicy,
    isSetOrUnknown,
    peek,
    s3EndpointOf,
    trustsKeyGroup,
} from "./cloudfront";
import {
    DEFAULT_BEHAVIOUR_PATTERN,
    pathGuardConfigSchema,
    protectedPathsConfigSchema,
    readPathGuardConfig,
    readProtectedPathsConfig,
} from "./config";
import { PropertyPath, SecretTracking, secretPathsOf } from "./secrets";

export const publicKeyPolicy: ResourceValidationPolicy = {
    name: "cloudfront-public-key-autonamed-spki",
    description:
        "A CloudFront public key must be autonamed and carry an SPKI PEM CloudFront accepts. A fixed `name` makes " +
        "every replacement fail (the new key cannot take the name while the old one exists, and the old one cannot be " +
        "deleted while a key group holds it: PublicKeyInUse), which blocks key rotation. `encodedKey` must be an SPKI " +
        "\"PUBLIC KEY\" PEM of an RSA 2048 or ECDSA P-256 key ending in a newline (CloudFront stores the newline; " +
        "without it every update shows a diff and replaces the key).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.cloudfront.PublicKey, (key, args, reportViolation) => {
        const name = key.name;
        // The engine autonames in the provider's Check, so an autoname can reach the policy as `name`.
        if (name !== undefined && name !== "" && !isEngineAutoname(name, args.name)) {
            reportViolation(`public key sets the fixed name ${JSON.stringify(name)}: remove \`name\` (or use \`namePrefix\`) so a replacement can be created before the old key is deleted`);
        }
        const problem = key.encodedKey === undefined ? "is missing" : encodedKeyProblem(key.encodedKey);
        if (problem) reportViolation(`encodedKey ${problem}`);
    }),
};

export const keyGroupQuotasPolicy: ResourceValidationPolicy = {
    name: "cloudfront-key-group-quotas",
    description:
        `A CloudFront key group holds 1 to ${MAX_KEYS_PER_KEY_GROUP} public keys, and a cache behaviour trusts at most ` +
        `${MAX_KEY_GROUPS_PER_BEHAVIOUR} key groups (CloudFront quotas). Beyond them CloudFront rejects the update in the ` +
        "middle of a deployment, typically halfway through a key rotation; the policy stops it at preview. Rotate by " +
        "removing the oldest key once its signatures have expired.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(aws.cloudfront.KeyGroup, (group, _args, reportViolation) => {
            const count = countOf(group.items);
            if (count < 1) reportViolation("key group has no public keys: list at least one in `items`");
            if (count > MAX_KEYS_PER_KEY_GROUP) {
                reportViolation(`key group has ${count} public keys; CloudFront allows at most ${MAX_KEYS_PER_KEY_GROUP}: remove the oldest retired key`);
            }
        }),
        validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, reportViolation) => {
            for (const view of behavioursOf(distribution as DistributionBehaviours)) {
                const count = countOf(view.behaviour.trustedKeyGroups);
                if (count > MAX_KEY_GROUPS_PER_BEHAVIOUR) {
                    reportViolation(`${view.label} trusts ${count} key groups; CloudFront allows at most ${MAX_KEY_GROUPS_PER_BEHAVIOUR}: put the keys into fewer groups`);
                }
            }
        }),
    ],
};

export const protectedPathsPolicy: ResourceValidationPolicy = {
    name: "cloudfront-protected-paths-signed",
    description:
        "Cache behaviours whose path pattern is one of the configured protected patterns (policy config " +
        "`protectedPatterns`, default [\"/private/*\"]; \"*\" is the default behaviour) must trust at least one key " +
        "group, so CloudFront serves them only with a valid signed URL or cookie. In a distribution that trusts a key " +
        "group anywhere, a protected pattern without its own behaviour is served by the default behaviour, which must " +
        "then trust a key group itself. No behaviour may use the legacy `trustedSigners` (AWS account key pairs, " +
        "root-user managed): use key groups.",
    enforcementLevel: "mandatory",
    configSchema: protectedPathsConfigSchema,
    validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, args, reportViolation) => {
        const { protectedPatterns } = readProtectedPathsConfig(args.getConfig<object>());
        const views = behavioursOf(distribution as DistributionBehaviours);
        for (const view of views) {
            if (countOf(view.behaviour.trustedSigners) > 0) {
                reportViolation(`${view.label} uses the legacy trustedSigners: trust a key group (trustedKeyGroups) instead`);
            }
        }
        const signedContent = views.some((view) => trustsKeyGroup(view.behaviour));
        const defaultView = views.find((view) => view.pathPattern === DEFAULT_BEHAVIOUR_PATTERN);
        for (const pattern of protectedPatterns) {
            const view = pattern === DEFAULT_BEHAVIOUR_PATTERN ? defaultView : views.find((v) => v !== defaultView && v.pathPattern === pattern);
            if (view) {
                if (!trustsKeyGroup(view.behaviour)) {
                    reportViolation(`${view.label} serves the protected pattern ${JSON.stringify(pattern)} but trusts no key group: anyone can fetch it without a signature`);
                }
            } else if (signedContent && defaultView && !trustsKeyGroup(defaultView.behaviour)) {
                reportViolation(
                    `protected pattern ${JSON.stringify(pattern)} has no cache behaviour, so the default cache behaviour serves it without a signature: add an ordered behaviour for it that trusts the key group`,
                );
            }
        }
    }),
};

export const httpsPolicy: ResourceValidationPolicy = {
    name: "cloudfront-https-only",
    description:
        "Every cache behaviour redirects HTTP to HTTPS or accepts HTTPS only (`viewerProtocolPolicy` " +
        "\"redirect-to-https\" or \"https-only\"): a signed URL or cookie sent over plain HTTP can be captured and " +
        `replayed until it expires. A distribution with its own certificate (ACM or IAM) sets \`minimumProtocolVersion\` ` +
        `to ${MIN_SECURITY_POLICY} or newer (the provider's default is TLSv1). The *.cloudfront.net certificate is ` +
        "exempt: CloudFront fixes its security policy.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, reportViolation) => {
        for (const view of behavioursOf(distribution as DistributionBehaviours)) {
            const policy = view.behaviour.viewerProtocolPolicy;
            if (policy !== "redirect-to-https" && policy !== "https-only") {
                reportViolation(`${view.label} has viewerProtocolPolicy ${JSON.stringify(policy)}: use "redirect-to-https" or "https-only"`);
            }
        }
        const certificate = distribution.viewerCertificate;
        if (certificate && certificate.cloudfrontDefaultCertificate !== true) {
            const version = certificate.minimumProtocolVersion ?? "TLSv1";
            if (!isModernSecurityPolicy(version)) {
                reportViolation(`viewerCertificate.minimumProtocolVersion is ${JSON.stringify(version)}: set "${MIN_SECURITY_POLICY}" or newer`);
            }
        }
    }),
};

export const s3OriginAccessPolicy: ResourceValidationPolicy = {
    name: "cloudfront-s3-origin-access-control",
    description:
        "S3 origins are reached through Origin Access Control (`originAccessControlId`) on the bucket's REST endpoint. " +
        "A legacy origin access identity (`s3OriginConfig.originAccessIdentity`) is deprecated and cannot sign for " +
        "SSE-KMS or newer regions; an S3 website endpoint needs a publicly readable bucket, so every object, protected " +
        "or not, could be fetched around CloudFront without a signature.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, _args, reportViolation) => {
        for (const origin of distribution.origins ?? []) {
            const label = `origin ${JSON.stringify(peek(() => origin.originId) ?? "(unknown id)")}`;
            if (isSetOrUnknown(() => origin.s3OriginConfig?.originAccessIdentity)) {
                reportViolation(`${label} uses a legacy origin access identity: use an Origin Access Control (originAccessControlId) instead`);
                continue;
            }
            // During preview a new bucket's domain name is unknown: judge by what is known.
            const domain = peek(() => origin.domainName);
            const endpoint = domain === undefined ? undefined : s3EndpointOf(domain);
            const isS3 = endpoint === "rest" || origin.s3OriginConfig !== undefined;
            if (endpoint === "website") {
                reportViolation(`${label} is the S3 website endpoint ${domain}, which needs a public bucket: use the bucket's REST endpoint (bucketRegionalDomainName) with an Origin Access Control`);
            } else if (isS3 && !isSetOrUnknown(() => origin.originAccessControlId)) {
                reportViolation(`${label} reads S3 bucket ${domain ?? "(domain not known yet)"} without an Origin Access Control: set originAccessControlId and keep the bucket private`);
            }
        }
    }),
};

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function blocksAllPublicAccess(props: Record<string, unknown>): boolean {
    return PUBLIC_ACCESS_FLAGS.every((flag) => peek(() => props[flag]) === true);
}

function isBucket(resource: PolicyResource): boolean {
    return resource.isType(aws.s3.Bucket) || resource.isType(aws.s3.BucketV2);
}

export const originBucketPolicy: StackValidationPolicy = {
    name: "cloudfront-s3-origin-bucket-private",
    description:
        "Every S3 bucket of this stack that a CloudFront distribution uses as an origin has a public access block " +
        "with all four settings on (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets), or " +
        "the stack blocks public access account-wide. Otherwise a bucket policy or ACL can make the objects behind the " +
        "protected paths readable straight from S3, without a signature. Buckets managed outside the stack are not checked.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const resources = args.resources;
        const accountBlocked = resources.some((r) => r.isType(aws.s3.AccountPublicAccessBlock) && blocksAllPublicAccess(r.props));
        if (accountBlocked) return;
        const buckets = resources.filter(isBucket);
        const blocks = resources.filter((r) => r.isType(aws.s3.BucketPublicAccessBlock));
        const reported = new Set<string>();
        for (const distribution of resources.filter((r) => r.isType(aws.cloudfront.Distribution))) {
            const origins = (peek(() => distribution.props.origins) ?? []) as { domainName?: string }[];
            const originDeps = distribution.propertyDependencies.origins ?? [];
            for (const origin of origins) {
                const domain = peek(() => origin.domainName);
                if (domain !== undefined && s3EndpointOf(domain) !== "rest") continue;
                const matches = buckets.filter((bucket) => {
                    const names = [peek(() => bucket.props.bucketRegionalDomainName), peek(() => bucket.props.bucketDomainName)];
                    return domain !== undefined ? names.includes(domain) : originDeps.includes(bucket);
                });
                for (const bucket of matches) {
                    if (reported.has(bucket.urn)) continue;
                    const bucketName = peek(() => bucket.props.bucket);
                    const block = blocks.find(
                        (b) => (b.propertyDependencies.bucket ?? []).includes(bucket) || (bucketName !== undefined && peek(() => b.props.bucket) === bucketName),
                    );
                    if (!block) {
                        reportViolation(`bucket ${bucket.name} is a CloudFront origin but has no BucketPublicAccessBlock: add one with all four settings true`, bucket.urn);
                        reported.add(bucket.urn);
                    } else if (!blocksAllPublicAccess(block.props)) {
                        const off = PUBLIC_ACCESS_FLAGS.filter((flag) => peek(() => block.props[flag]) !== true);
                        reportViolation(`bucket ${bucket.name} is a CloudFront origin but its public access block leaves ${off.join(", ")} off: set all four to true`, block.urn);
                        reported.add(bucket.urn);
                    }
                }
            }
        }
    },
};

/** Marker of private key material in any PEM flavour (PKCS#1, SEC1, PKCS#8, OpenSSH). */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const TLS_PRIVATE_OUTPUTS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] as const;

function keyProblem(key: PolicyResource): string | undefined {
    const algorithm = peek(() => key.props.algorithm) as string | undefined;
    if (algorithm === "RSA") {
        const bits = peek(() => key.props.rsaBits) as number | undefined;
        return bits === undefined || bits === 2048 ? undefined : `is RSA ${bits}-bit`;
    }
    if (algorithm === "ECDSA") {
        const curve = peek(() => key.props.ecdsaCurve) as string | undefined;
        // The tls provider's default curve is P224, which CloudFront rejects.
        return curve === "P256" ? undefined : `is ECDSA on curve ${curve ?? "P224 (the provider default)"}`;
    }
    return algorithm === undefined ? undefined : `uses algorithm ${algorithm}`;
}

/** KMS key specs CloudFront can verify (RSA 2048, ECDSA P-256). */
const CLOUDFRONT_KMS_KEY_SPECS = ["RSA_2048", "ECC_NIST_P256"];

function kmsKeyProblem(key: PolicyResource): string | undefined {
    // A value unknown during preview (`peek` gives undefined) is not judged; an absent one takes KMS's default.
    const known = (name: string): string | undefined | null => (isSetOrUnknown(() => key.props[name]) ? (peek(() => key.props[name]) as string | undefined) : null);
    // keySpec supersedes the deprecated customerMasterKeySpec; the default of both is SYMMETRIC_DEFAULT.
    const keySpec = known("keySpec");
    const masterKeySpec = known("customerMasterKeySpec");
    const spec = keySpec || masterKeySpec || (keySpec === null && masterKeySpec === null ? "SYMMETRIC_DEFAULT" : undefined);
    if (spec !== undefined && !CLOUDFRONT_KMS_KEY_SPECS.includes(spec)) return `has key spec ${spec}`;
    const usage = known("keyUsage");
    const keyUsage = usage === null ? "ENCRYPT_DECRYPT" : usage;
    return keyUsage === undefined || keyUsage === "SIGN_VERIFY" ? undefined : `has key usage ${keyUsage} (it cannot sign)`;
}

/** Every string in an output value, with its path. */
function* stringsIn(value: unknown, path: (string | number)[]): Generator<[PropertyPath, string]> {
    if (typeof value === "string") {
        yield [path, value];
    } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) yield* stringsIn(peek(() => value[i]), [...path, i]);
    } else if (typeof value === "object" && value !== null) {
        for (const key of Object.keys(value)) yield* stringsIn(peek(() => (value as Record<string, unknown>)[key]), [...path, key]);
    }
}

function outputName(path: PropertyPath): string {
    return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

export const signingKeysPolicy: StackValidationPolicy = {
    name: "cloudfront-signing-keys",
    description:
        "Every tls.PrivateKey that feeds a CloudFront public key (through a property dependency of `encodedKey` or the " +
        "same public key PEM) is RSA 2048 or ECDSA P256, the only keys CloudFront accepts; the tls provider's default " +
        "ECDSA curve is P224. Likewise every aws.kms.Key whose public key (kms:GetPublicKey) feeds one through a property " +
        "dependency has key spec RSA_2048 or ECC_NIST_P256 and key usage SIGN_VERIFY.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const resources = args.resources;
        const tlsKeys = resources.filter((r) => r.isType(tls.PrivateKey));
        const checked = new Set<string>();
        for (const publicKey of resources.filter((r) => r.isType(aws.cloudfront.PublicKey))) {
            const encodedKey = peek(() => publicKey.props.encodedKey) as string | undefined;
            const viaDependency = (publicKey.propertyDependencies.encodedKey ?? []).filter((r) => r.isType(tls.PrivateKey));
            const viaValue = encodedKey === undefined ? [] : tlsKeys.filter((k) => peek(() => k.props.publicKeyPem) === encodedKey);
            for (const key of new Set([...viaDependency, ...viaValue])) {
                const problem = keyProblem(key);
                if (problem && !checked.has(key.urn)) {
                    reportViolation(`private key ${key.name} feeds CloudFront public key ${publicKey.name} but ${problem}: use { algorithm: "RSA", rsaBits: 2048 } or { algorithm: "ECDSA", ecdsaCurve: "P256" }`, key.urn);
                }
                checked.add(key.urn);
            }
            // A KMS key cannot be deleted for 7 days: catch a spec CloudFront refuses before it exists.
            for (const key of (publicKey.propertyDependencies.encodedKey ?? []).filter((r) => r.isType(aws.kms.Key))) {
                const problem = kmsKeyProblem(key);
                if (problem && !checked.has(key.urn)) {
                    reportViolation(`KMS key ${key.name} feeds CloudFront public key ${publicKey.name} but ${problem}: use keySpec "RSA_2048" or "ECC_NIST_P256" with keyUsage "SIGN_VERIFY"`, key.urn);
                }
                checked.add(key.urn);
            }
        }
    },
};

export const PRIVATE_KEY_OUTPUTS_POLICY_NAME = "cloudfront-private-key-outputs-secret";

/**
 * No stack output exposes a private key unless it is a secret. Telling secret outputs from plain ones depends on
 * @pulumi/policy internals (secrets.ts): when start-up found that this no longer works (`tracking`), the policy is
 * advisory, and its description and every finding say why, instead of failing every stack that exports a
 * private key as a secret with a mandatory violation.
 */
export function privateKeyOutputsPolicy(tracking: SecretTracking): StackValidationPolicy {
    const summary =
        "No stack output exposes a private key (a private key PEM or a tls key's private outputs) unless it is a secret: " +
        "plain outputs are stored unencrypted in the state and shown by `pulumi stack output`.";
    return {
        name: PRIVATE_KEY_OUTPUTS_POLICY_NAME,
        description: tracking.working
            ? summary
            : `${summary} Advisory here: this pack cannot tell secret outputs from plain ones with the installed @pulumi/policy (${tracking.reason}).`,
        enforcementLevel: tracking.working ? "mandatory" : "advisory",
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const privateValues = new Set<string>();
            for (const key of args.resources.filter((r) => r.isType(tls.PrivateKey))) {
                for (const output of TLS_PRIVATE_OUTPUTS) {
                    const value = peek(() => key.props[output]);
                    if (typeof value === "string" && value !== "") privateValues.add(value);
                }
            }
            for (const stack of args.resources.filter((r) => r.type === "pulumi:pulumi:Stack")) {
                const isSecret = tracking.working ? secretPathsOf(stack.props) : undefined;
                for (const [path, text] of stringsIn(stack.props, [])) {
                    if (!PRIVATE_KEY_PEM.test(text) && !privateValues.has(text)) continue;
                    if (isSecret?.(path)) continue;
                    const how = !tracking.working
                        ? `may not be a secret (advisory: this pack cannot see secret markers with the installed @pulumi/policy: ${tracking.reason})`
                        : isSecret
                          ? "is not a secret"
                          : "cannot be shown to be a secret (the policy runtime did not report secret markers)";
                    reportViolation(`stack output ${outputName(path)} holds a private key and ${how}: export it wrapped in pulumi.secret(...)`, stack.urn);
                }
            }
        },
    };
}

export const pathGuardPolicy: ResourceValidationPolicy = {
    name: "cloudfront-path-guard",
    description:
        "In a distribution that trusts a key group on some cache behaviour, every behaviour that does not trust one " +
        "and reads an origin a signed behaviour reads (the bucket with the protected objects) has a viewer-request " +
        "function association (a CloudFront Function or Lambda@Edge): the path guard that refuses requests CloudFront " +
        "would route around the protected behaviours (paths that differ from a protected pattern only in ways S3 " +
        "ignores, such as encoding, and so reach the protected objects unsigned). Behaviours of other origins hold no " +
        "protected key and need none. Runs during preview when the association's eventType is known (the PathGuard " +
        "component's is). Turn it off with the policy config `enabled: false` for stacks that deliberately run " +
        "without the guard.",
    enforcementLevel: "mandatory",
    configSchema: pathGuardConfigSchema,
    validateResource: validateResourceOfType(aws.cloudfront.Distribution, (distribution, args, reportViolation) => {
        if (!readPathGuardConfig(args.getConfig<object>()).enabled) {
            args.notApplicable("turned off by the policy config (enabled: false)");
        }
        const views = behavioursOf(distribution as DistributionBehaviours);
        const signed = views.filter((view) => trustsKeyGroup(view.behaviour));
        if (signed.length === 0) return;
        // undefined: not known during preview, which could be any origin
        const signedOrigins = new Set(signed.map((view) => peek(() => view.behaviour.targetOriginId)));
        for (const view of views) {
            if (trustsKeyGroup(view.behaviour) || hasViewerRequestGuard(view.behaviour)) continue;
            const origin = peek(() => view.behaviour.targetOriginId);
            if (origin !== undefined && !signedOrigins.has(origin) && !signedOrigins.has(undefined)) continue;
            reportViolation(`${view.label} trusts no key group and has no viewer-request function association: associate the path guard function (eventType "viewer-request")`);
        }
    }),
};

/**
 * Every rule of the pack, in the order they are reported; `tracking` (startSecretTracking, at start-up) decides
 * whether the private-key output check can be mandatory.
 */
export function packRules(tracking: SecretTracking): (ResourceValidationPolicy | StackValidationPolicy)[] {
    return [
        publicKeyPolicy,
        keyGroupQuotasPolicy,
        protectedPathsPolicy,
        httpsPolicy,
        s3OriginAccessPolicy,
        originBucketPolicy,
        signingKeysPolicy,
        privateKeyOutputsPolicy(tracking),
        pathGuardPolicy,
    ];
}
