// Unit tests of the policy pack: each rule's validation called directly with constructed properties (the
// pattern of Pulumi's own AWS policy pack), one passing and at least one violating case per rule.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

import {
    httpsPolicy,
    keyGroupQuotasPolicy,
    originBucketPolicy,
    pathGuardPolicy,
    protectedPathsPolicy,
    packRules,
    privateKeyOutputsPolicy,
    publicKeyPolicy,
    s3OriginAccessPolicy,
    signingKeysPolicy,
} from "../policy/rules";
import { isModernSecurityPolicy, s3EndpointOf } from "../policy/cloudfront";
import { readProtectedPathsConfig } from "../policy/config";
import { checkSecretTracking, DeserializeModule, installSecretTracking, SecretTracking, secretPathsOf, startSecretTracking } from "../policy/secrets";
import { PackConfig, PolicyRun, ResourceSpec, ROOT_STACK_TYPE, UNKNOWN, policyProps, runResourcePolicy, runStackPolicy } from "./harness/policy";
import { generateTlsKey } from "../scripts/host/tlsKeys";

const T = {
    distribution: "aws:cloudfront/distribution:Distribution",
    publicKey: "aws:cloudfront/publicKey:PublicKey",
    keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    accountPublicAccessBlock: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    tlsKey: "tls:index/privateKey:PrivateKey",
};

const rsa = generateTlsKey({ algorithm: "RSA", rsaBits: 2048 });
const ec = generateTlsKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });

const messages = (run: PolicyRun) => run.violations.map((v) => v.message);

function behaviour(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        targetOriginId: "s3-content",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        ...extra,
    };
}

const GUARD = { functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:aws:cloudfront::123456789012:function/guard" }] };

/** The distribution our infra/ builds (with the path guard of the edge-fidelity work), then overridden. */
function distribution(overrides: Record<string, unknown> = {}): ResourceSpec {
    return {
        type: T.distribution,
        name: "cdn",
        props: {
            enabled: true,
            origins: [{ originId: "s3-content", domainName: "content-abc.s3.us-east-1.amazonaws.com", originAccessControlId: "E2OAC" }],
            defaultCacheBehavior: behaviour(GUARD),
            orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: ["kg-1"] })],
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
            ...overrides,
        },
    };
}

const TRACKING: SecretTracking = startSecretTracking();
const rules = packRules(TRACKING);
/** The private-key output policy as the pack runs it with the installed @pulumi/policy (secret tracking works). */
const privateKeyOutputs = privateKeyOutputsPolicy(TRACKING);

describe("policy pack: rules", () => {
    it("exports every rule once, each with a name, a one-paragraph description and a default enforcement level", () => {
        const names = rules.map((r) => r.name);
        assert.equal(new Set(names).size, names.length);
        assert.equal(rules.length, 9);
        for (const rule of rules) {
            assert.match(rule.name, /^[a-z0-9-]+$/);
            assert.ok(rule.description.length > 80 && !rule.description.includes("\n"), `${rule.name}: description`);
            assert.ok(rule.enforcementLevel === "mandatory" || rule.enforcementLevel === "advisory", `${rule.name}: enforcement level`);
        }
    });

    it("the pack is its own package: PulumiPolicy.yaml runtime nodejs, dependencies pinned exactly, @pulumi/policy 1.21.0", () => {
        const dir = path.join(__dirname, "..", "policy");
        const manifest = yaml.load(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")) as Record<string, unknown>;
        assert.equal(manifest.runtime, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, Record<string, string>>;
        assert.equal(pkg.dependencies["@pulumi/policy"], "1.21.0");
        assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
        for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
            assert.match(version, /^\d+\.\d+\.\d+$/, `${name} must be pinned exactly`);
        }
        const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
        assert.equal(lock.packages["node_modules/@pulumi/policy"].version, "1.21.0");
        assert.equal(lock.packages["node_modules/@pulumi/pulumi"].version, "3.248.0");
    });

    describe("cloudfront-public-key-autonamed-spki", () => {
        const key = (props: Record<string, unknown>, name = "signing-2026-01"): ResourceSpec => ({ type: T.publicKey, name, props });

        it("passes autonamed RSA 2048 and ECDSA P-256 SPKI PEMs ending in a newline", async () => {
            for (const pem of [rsa.publicKeyPem, ec.publicKeyPem]) {
                assert.deepEqual(messages(await runResourcePolicy(publicKeyPolicy, key({ encodedKey: pem, comment: "x" }))), []);
            }
            // the engine's autoname reaches the policy as `name` after the provider's Check
            assert.deepEqual(messages(await runResourcePolicy(publicKeyPolicy, key({ encodedKey: rsa.publicKeyPem, name: "signing-2026-01-1a2b3c4" }))), []);
        });

        it("flags a fixed name", async () => {
            const run = await runResourcePolicy(publicKeyPolicy, key({ encodedKey: rsa.publicKeyPem, name: "signing-key" }));
            assert.equal(run.violations.length, 1);
            assert.match(run.violations[0].message, /fixed name "signing-key"/);
        });

        it("flags a PEM without the trailing newline, a PKCS#1 PEM, a private key and an unsupported key size", async () => {
            const rsa4096 = crypto.generateKeyPairSync("rsa", { modulusLength: 4096 }).publicKey.export({ type: "spki", format: "pem" }).toString();
            const p384 = crypto.generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({ type: "spki", format: "pem" }).toString();
            const pkcs1 = crypto.createPublicKey(rsa.publicKeyPem).export({ type: "pkcs1", format: "pem" }).toString();
            const cases: [string, RegExp][] = [
                [rsa.publicKeyPem.trimEnd(), /does not end in a newline/],
                [pkcs1, /"RSA PUBLIC KEY" PEM; CloudFront needs an SPKI/],
                [rsa.privateKeyPem, /"RSA PRIVATE KEY" PEM/],
                [rsa4096, /RSA 4096-bit key/],
                [p384, /curve secp384r1/],
                ["not a key", /is not a PEM/],
            ];
            for (const [encodedKey, pattern] of cases) {
                const run = await runResourcePolicy(publicKeyPolicy, key({ encodedKey }));
                assert.equal(run.violations.length, 1, pattern.source);
                assert.match(run.violations[0].message, pattern);
            }
        });

        it("does not apply to other resource types", async () => {
            const run = await runResourcePolicy(publicKeyPolicy, { type: T.keyGroup, name: "g", props: { items: [] } });
            assert.deepEqual(run.violations, []);
            assert.equal(run.notApplicable.length, 1);
        });
    });

    describe("cloudfront-key-group-quotas", () => {
        const group = (items: string[]): ResourceSpec => ({ type: T.keyGroup, name: "signing", props: { items } });

        it("passes 1 to 5 keys and up to 4 key groups per behaviour", async () => {
            for (const n of [1, 5]) assert.deepEqual(messages(await runResourcePolicy(keyGroupQuotasPolicy, group(Array.from({ length: n }, (_, i) => `K${i}`)))), []);
            const four = distribution({ orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: ["a", "b", "c", "d"] })] });
            assert.deepEqual(messages(await runResourcePolicy(keyGroupQuotasPolicy, four)), []);
        });

        it("flags an empty key group and one with 6 keys", async () => {
            assert.match(messages(await runResourcePolicy(keyGroupQuotasPolicy, group([])))[0], /no public keys/);
            assert.match(messages(await runResourcePolicy(keyGroupQuotasPolicy, group(["1", "2", "3", "4", "5", "6"])))[0], /6 public keys; CloudFront allows at most 5/);
        });

        it("flags a behaviour trusting 5 key groups", async () => {
            const five = distribution({ defaultCacheBehavior: behaviour({ trustedKeyGroups: ["a", "b", "c", "d", "e"] }) });
            assert.deepEqual(messages(await runResourcePolicy(keyGroupQuotasPolicy, five)), [
                "default cache behaviour trusts 5 key groups; CloudFront allows at most 4: put the keys into fewer groups",
            ]);
        });

        it("counts key group ids that are unknown during preview", async () => {
            const five = distribution({ defaultCacheBehavior: behaviour({ trustedKeyGroups: [UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN] }) });
            const run = await runResourcePolicy(keyGroupQuotasPolicy, five);
            assert.equal(run.violations.length, 1);
            assert.deepEqual(run.previewNotes, []);
        });
    });

    describe("cloudfront-protected-paths-signed", () => {
        it("passes when /private/* trusts a key group (default config)", async () => {
            assert.deepEqual(messages(await runResourcePolicy(protectedPathsPolicy, distribution())), []);
        });

        it("passes during preview, when the key group id is not known yet", async () => {
            const run = await runResourcePolicy(protectedPathsPolicy, distribution({ orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: [UNKNOWN] })] }));
            assert.deepEqual(run.violations, []);
            assert.deepEqual(run.previewNotes, []);
        });

        it("flags a protected behaviour that trusts no key group", async () => {
            const run = await runResourcePolicy(protectedPathsPolicy, distribution({ orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*" })] }));
            assert.deepEqual(messages(run), [
                'cache behaviour "/private/*" serves the protected pattern "/private/*" but trusts no key group: anyone can fetch it without a signature',
            ]);
        });

        it("flags a protected pattern left to an unsigned default behaviour in a signed-content distribution", async () => {
            const config: PackConfig = { "cloudfront-protected-paths-signed": { protectedPatterns: ["/private/*", "/downloads/*.pdf"] } };
            const run = await runResourcePolicy(protectedPathsPolicy, distribution(), config);
            assert.equal(run.violations.length, 1);
            assert.match(run.violations[0].message, /^protected pattern "\/downloads\/\*\.pdf" has no cache behaviour/);
            // a distribution that signs nothing (e.g. a public website) is left alone
            const publicSite = distribution({ orderedCacheBehaviors: [] });
            assert.deepEqual(messages(await runResourcePolicy(protectedPathsPolicy, publicSite, config)), []);
        });

        it('"*" protects the default behaviour', async () => {
            const config: PackConfig = { "cloudfront-protected-paths-signed": { protectedPatterns: ["*"] } };
            assert.match(messages(await runResourcePolicy(protectedPathsPolicy, distribution(), config))[0], /^default cache behaviour serves the protected pattern "\*"/);
            const signedDefault = distribution({ defaultCacheBehavior: behaviour({ trustedKeyGroups: ["kg-1"] }) });
            assert.deepEqual(messages(await runResourcePolicy(protectedPathsPolicy, signedDefault, config)), []);
        });

        it("flags the legacy trustedSigners on any behaviour", async () => {
            const run = await runResourcePolicy(protectedPathsPolicy, distribution({ defaultCacheBehavior: behaviour({ trustedSigners: ["self"] }) }));
            assert.deepEqual(messages(run), ["default cache behaviour uses the legacy trustedSigners: trust a key group (trustedKeyGroups) instead"]);
        });

        it("config: defaults to /private/* and rejects a pattern CloudFront would not accept", () => {
            assert.deepEqual(readProtectedPathsConfig({}), { protectedPatterns: ["/private/*"] });
            assert.throws(() => readProtectedPathsConfig({ protectedPatterns: ["private/*"] }), /protectedPatterns must be a list of CloudFront path patterns/);
            const schema = protectedPathsPolicy.configSchema?.properties.protectedPatterns;
            assert.deepEqual(schema?.default, ["/private/*"]);
            const pattern = new RegExp((schema?.items as { pattern: string }).pattern);
            assert.ok(pattern.test("/downloads/*.pdf") && pattern.test("*") && !pattern.test("private/*") && !pattern.test("/a b"));
        });
    });

    describe("cloudfront-https-only", () => {
        it("passes redirect-to-https / https-only behaviours, the default certificate and TLSv1.2_2021 or newer", async () => {
            assert.deepEqual(messages(await runResourcePolicy(httpsPolicy, distribution())), []);
            for (const minimumProtocolVersion of ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"]) {
                const custom = distribution({
                    defaultCacheBehavior: behaviour({ viewerProtocolPolicy: "https-only" }),
                    viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", sslSupportMethod: "sni-only", minimumProtocolVersion },
                });
                assert.deepEqual(messages(await runResourcePolicy(httpsPolicy, custom)), [], minimumProtocolVersion);
            }
        });

        it("flags allow-all and an old or missing security policy with a custom certificate", async () => {
            const run = await runResourcePolicy(
                httpsPolicy,
                distribution({
                    orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: ["kg"], viewerProtocolPolicy: "allow-all" })],
                    viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2019" },
                }),
            );
            assert.deepEqual(messages(run), [
                'cache behaviour "/private/*" has viewerProtocolPolicy "allow-all": use "redirect-to-https" or "https-only"',
                'viewerCertificate.minimumProtocolVersion is "TLSv1.2_2019": set "TLSv1.2_2021" or newer',
            ]);
            const missing = distribution({ viewerCertificate: { iamCertificateId: "ASCA123", sslSupportMethod: "sni-only" } });
            assert.match(messages(await runResourcePolicy(httpsPolicy, missing))[0], /is "TLSv1"/);
        });

        it("orders security policies, including later ones in the same naming scheme", () => {
            assert.deepEqual(
                ["TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025", "TLSv1.3_2030", "bogus"].map(isModernSecurityPolicy),
                [false, false, false, false, false, true, true, true, true, false],
            );
        });
    });

    describe("cloudfront-s3-origin-access-control", () => {
        it("passes an S3 REST origin with OAC and a custom (non-S3) origin", async () => {
            const props = {
                origins: [
                    { originId: "s3", domainName: "b.s3.eu-west-1.amazonaws.com", originAccessControlId: "E1", s3OriginConfig: { originAccessIdentity: "" } },
                    { originId: "app", domainName: "app.example.com", customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] } },
                ],
            };
            assert.deepEqual(messages(await runResourcePolicy(s3OriginAccessPolicy, distribution(props))), []);
        });

        it("flags a legacy origin access identity, a website endpoint and an S3 origin without OAC", async () => {
            const run = await runResourcePolicy(
                s3OriginAccessPolicy,
                distribution({
                    origins: [
                        { originId: "oai", domainName: "b.s3.amazonaws.com", s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/E1" } },
                        { originId: "site", domainName: "b.s3-website-us-east-1.amazonaws.com", customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "http-only", originSslProtocols: ["TLSv1.2"] } },
                        { originId: "bare", domainName: "b.s3.us-east-1.amazonaws.com" },
                    ],
                }),
            );
            assert.equal(run.violations.length, 3);
            assert.match(run.violations[0].message, /^origin "oai" uses a legacy origin access identity/);
            assert.match(run.violations[1].message, /^origin "site" is the S3 website endpoint/);
            assert.match(run.violations[2].message, /^origin "bare" reads S3 bucket .* without an Origin Access Control/);
        });

        it("judges by what is known during preview", async () => {
            const known = await runResourcePolicy(s3OriginAccessPolicy, distribution({ origins: [{ originId: "s3", domainName: UNKNOWN, originAccessControlId: UNKNOWN }] }));
            assert.deepEqual([known.violations, known.previewNotes], [[], []]);
            const oai = await runResourcePolicy(s3OriginAccessPolicy, distribution({ origins: [{ originId: "s3", domainName: UNKNOWN, s3OriginConfig: { originAccessIdentity: UNKNOWN } }] }));
            assert.match(messages(oai)[0], /^origin "s3" uses a legacy origin access identity/);
        });

        it("recognises S3 endpoints", () => {
            assert.deepEqual(
                ["b.s3.amazonaws.com", "b.s3.us-east-1.amazonaws.com", "b.s3-us-west-2.amazonaws.com", "b.s3.dualstack.eu-west-1.amazonaws.com", "b.s3-website-us-east-1.amazonaws.com", "b.s3-website.eu-central-1.amazonaws.com", "d1.cloudfront.net"].map(s3EndpointOf),
                ["rest", "rest", "rest", "rest", "website", "website", "none"],
            );
        });
    });

    describe("cloudfront-s3-origin-bucket-private", () => {
        const bucket: ResourceSpec = {
            type: T.bucket,
            name: "content",
            urn: "urn:bucket",
            props: { bucket: "content-abc", bucketRegionalDomainName: "content-abc.s3.us-east-1.amazonaws.com", bucketDomainName: "content-abc.s3.amazonaws.com" },
        };
        const block = (flags: Partial<Record<string, boolean>> = {}): ResourceSpec => ({
            type: T.publicAccessBlock,
            name: "content-public-access",
            urn: "urn:pab",
            props: { bucket: "content-abc", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...flags },
        });

        it("passes an origin bucket with all four settings on, and an account-wide block", async () => {
            assert.deepEqual(messages(await runStackPolicy(originBucketPolicy, [distribution(), bucket, block()])), []);
            const account: ResourceSpec = { type: T.accountPublicAccessBlock, name: "account", props: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } };
            assert.deepEqual(messages(await runStackPolicy(originBucketPolicy, [distribution(), bucket, account])), []);
        });

        it("flags an origin bucket without a public access block, or with a setting off", async () => {
            assert.match(messages(await runStackPolicy(originBucketPolicy, [distribution(), bucket]))[0], /^bucket content is a CloudFront origin but has no BucketPublicAccessBlock/);
            const run = await runStackPolicy(originBucketPolicy, [distribution(), bucket, block({ blockPublicPolicy: false, restrictPublicBuckets: false })]);
            assert.deepEqual(run.violations, [
                {
                    policy: "cloudfront-s3-origin-bucket-private",
                    message: "bucket content is a CloudFront origin but its public access block leaves blockPublicPolicy, restrictPublicBuckets off: set all four to true",
                    urn: "urn:pab",
                },
            ]);
        });

        it("links bucket and block through property dependencies when values are unknown (preview)", async () => {
            const previewDistribution = distribution({ origins: [{ originId: "s3-content", domainName: UNKNOWN, originAccessControlId: UNKNOWN }] });
            previewDistribution.urn = "urn:cdn";
            previewDistribution.propertyDependencies = { origins: ["urn:bucket"] };
            const previewBucket = { ...bucket, props: { bucket: UNKNOWN, bucketRegionalDomainName: UNKNOWN } };
            const offBlock = { ...block({ ignorePublicAcls: false }), propertyDependencies: { bucket: ["urn:bucket"] } };
            offBlock.props.bucket = UNKNOWN;
            const run = await runStackPolicy(originBucketPolicy, [previewDistribution, previewBucket, offBlock]);
            assert.deepEqual(messages(run), ["bucket content is a CloudFront origin but its public access block leaves ignorePublicAcls off: set all four to true"]);
        });

        it("does not check buckets outside the stack", async () => {
            assert.deepEqual(messages(await runStackPolicy(originBucketPolicy, [distribution()])), []);
        });
    });

    describe("cloudfront-signing-keys (stack policy)", () => {
        const tlsKey = (name: string, props: Record<string, unknown>, material = rsa): ResourceSpec => ({
            type: T.tlsKey,
            name,
            urn: `urn:tls:${name}`,
            props: { rsaBits: 2048, ecdsaCurve: "P224", publicKeyPem: material.publicKeyPem, privateKeyPem: material.privateKeyPem, privateKeyPemPkcs8: material.privateKeyPemPkcs8, ...props },
        });
        const publicKey = (encodedKey: string, deps: string[] = []): ResourceSpec => ({
            type: T.publicKey,
            name: "signing-2026-01",
            props: { encodedKey, name: "signing-2026-01-1a2b3c4" },
            propertyDependencies: deps.length ? { encodedKey: deps } : undefined,
        });
        const stack = (outputs: Record<string, unknown>, secret: string[] = []): ResourceSpec => ({
            type: ROOT_STACK_TYPE,
            name: "cloudfront-signed-content-dev",
            urn: "urn:stack",
            props: outputs,
            secretPaths: secret.map((name) => JSON.stringify([name])),
        });

        it("passes RSA 2048 and ECDSA P256 keys, and a private key exported as a secret", async () => {
            const resources: ResourceSpec[] = [
                tlsKey("a", { algorithm: "RSA" }),
                tlsKey("b", { algorithm: "ECDSA", ecdsaCurve: "P256" }, ec),
                publicKey(rsa.publicKeyPem),
                publicKey(ec.publicKeyPem),
                stack({ privateKeyPem: rsa.privateKeyPem, keyPairId: "K1", publicKeyPems: { a: rsa.publicKeyPem } }, ["privateKeyPem"]),
            ];
            assert.deepEqual(messages(await runStackPolicy(signingKeysPolicy, resources)), []);
            assert.deepEqual(messages(await runStackPolicy(privateKeyOutputs, resources)), []);
        });

        it("flags a P224 (provider default) or RSA 4096 key feeding a public key, by value or by property dependency", async () => {
            const byValue = await runStackPolicy(signingKeysPolicy, [tlsKey("p224", { algorithm: "ECDSA" }, ec), publicKey(ec.publicKeyPem)]);
            assert.deepEqual(messages(byValue), [
                'private key p224 feeds CloudFront public key signing-2026-01 but is ECDSA on curve P224: use { algorithm: "RSA", rsaBits: 2048 } or { algorithm: "ECDSA", ecdsaCurve: "P256" }',
            ]);
            // preview: the PEMs are unknown, the lineage is in the property dependencies
            const byDependency = await runStackPolicy(signingKeysPolicy, [
                tlsKey("big", { algorithm: "RSA", rsaBits: 4096, publicKeyPem: UNKNOWN, privateKeyPem: UNKNOWN, privateKeyPemPkcs8: UNKNOWN }),
                publicKey(UNKNOWN, ["urn:tls:big"]),
            ]);
            assert.match(messages(byDependency)[0], /^private key big feeds CloudFront public key signing-2026-01 but is RSA 4096-bit/);
            // a key that feeds no CloudFront public key is not this rule's business
            assert.deepEqual(messages(await runStackPolicy(signingKeysPolicy, [tlsKey("ssh", { algorithm: "ED25519" })])), []);
        });

        it("flags a stack output exposing a private key that is not a secret, nested or not", async () => {
            assert.equal(privateKeyOutputs.enforcementLevel, "mandatory");
            const run = await runStackPolicy(privateKeyOutputs, [
                tlsKey("a", { algorithm: "RSA" }),
                stack({ privateKeyPem: rsa.privateKeyPem, signer: { keys: [{ pem: rsa.privateKeyPemPkcs8 }] }, other: ec.privateKeyPem }, ["other"]),
            ]);
            assert.deepEqual(messages(run), [
                "stack output privateKeyPem holds a private key and is not a secret: export it wrapped in pulumi.secret(...)",
                "stack output signer.keys[0].pem holds a private key and is not a secret: export it wrapped in pulumi.secret(...)",
            ]);
            assert.ok(run.violations.every((v) => v.urn === "urn:stack"));
            assert.ok(run.violations.every((v) => !v.message.includes("BEGIN")), "a violation never prints the key");
        });

        it("KMS generations: a public key from kms:GetPublicKey, the KMS outputs and a secret privateKeyPems map pass; a plain privateKeyPems is flagged", async () => {
            const kmsKey: ResourceSpec = { type: "aws:kms/key:Key", name: "signing-2026-07", urn: "urn:kms:2026-07", props: { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY", arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } };
            const outputs = {
                kmsKeyArn: kmsKey.props.arn,
                kmsSigningPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:Sign", "kms:GetPublicKey"], Resource: kmsKey.props.arn }] }),
                signingKeySource: "kms",
                publicKeyPems: { "2026-01": rsa.publicKeyPem, "2026-07": ec.publicKeyPem },
                privateKeyPems: { "2026-01": rsa.privateKeyPem },
            };
            const resources = [
                tlsKey("signing-2026-01", { algorithm: "RSA" }),
                kmsKey,
                publicKey(rsa.publicKeyPem),
                // the KMS key's public key: no tls key feeds it (by value or by dependency)
                publicKey(ec.publicKeyPem, ["urn:kms:2026-07"]),
            ];
            assert.deepEqual(messages(await runStackPolicy(signingKeysPolicy, [...resources, stack(outputs, ["privateKeyPems"])])), []);
            assert.deepEqual(messages(await runStackPolicy(privateKeyOutputs, [...resources, stack(outputs, ["privateKeyPems"])])), []);
            assert.deepEqual(messages(await runStackPolicy(privateKeyOutputs, [...resources, stack(outputs)])), [
                "stack output privateKeyPems.2026-01 holds a private key and is not a secret: export it wrapped in pulumi.secret(...)",
            ]);
            // a KMS-only stack exports an empty map
            assert.deepEqual(messages(await runStackPolicy(signingKeysPolicy, [kmsKey, publicKey(ec.publicKeyPem, ["urn:kms:2026-07"]), stack({ ...outputs, privateKeyPems: {} })])), []);
            assert.deepEqual(messages(await runStackPolicy(privateKeyOutputs, [kmsKey, publicKey(ec.publicKeyPem, ["urn:kms:2026-07"]), stack({ ...outputs, privateKeyPems: {} })])), []);
        });

        it("flags a KMS key feeding a public key (property dependency) with a spec or usage CloudFront cannot use; unknowns wait", async () => {
            const kms = (name: string, props: Record<string, unknown>): ResourceSpec => ({ type: "aws:kms/key:Key", name, urn: `urn:kms:${name}`, props });
            const run = async (key: ResourceSpec) => messages(await runStackPolicy(signingKeysPolicy, [key, publicKey(ec.publicKeyPem, [key.urn!])]));
            assert.deepEqual(await run(kms("p256", { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" })), []);
            assert.deepEqual(await run(kms("rsa", { keySpec: "RSA_2048", customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })), []);
            assert.deepEqual(await run(kms("p384", { keySpec: "ECC_NIST_P384", keyUsage: "SIGN_VERIFY" })), [
                'KMS key p384 feeds CloudFront public key signing-2026-01 but has key spec ECC_NIST_P384: use keySpec "RSA_2048" or "ECC_NIST_P256" with keyUsage "SIGN_VERIFY"',
            ]);
            assert.match((await run(kms("decrypt", { keySpec: "RSA_2048", keyUsage: "ENCRYPT_DECRYPT" })))[0], /has key usage ENCRYPT_DECRYPT \(it cannot sign\)/);
            assert.match((await run(kms("defaults", {})))[0], /has key spec SYMMETRIC_DEFAULT/);
            // preview: a spec or usage not known yet is not judged here (the public key rule checks the PEM at up)
            assert.deepEqual(await run(kms("later", { keySpec: UNKNOWN, keyUsage: UNKNOWN })), []);
            // a KMS key that feeds no CloudFront public key is not this rule's business
            assert.deepEqual(messages(await runStackPolicy(signingKeysPolicy, [kms("data", {})])), []);
        });

        it("start-up check: secret tracking works with the installed @pulumi/policy, so the private-key output check is mandatory", () => {
            assert.deepEqual(TRACKING, { working: true });
            const rule = rules.find((r) => r.name === "cloudfront-private-key-outputs-secret");
            assert.equal(rule?.enforcementLevel, "mandatory");
            assert.ok(!rule?.description.includes("Advisory"));
            // the key checks never depend on it
            assert.equal(packRules({ working: false, reason: "x" }).find((r) => r.name === "cloudfront-signing-keys")?.enforcementLevel, "mandatory");
        });

        it("start-up check: an @pulumi/policy whose internals changed downgrades only the private-key output check to advisory, saying why", async () => {
            const server = fs.readFileSync(require.resolve("@pulumi/policy/server"), "utf8");
            const real = installSecretTracking();
            assert.deepEqual(checkSecretTracking(real, server), { working: true });
            // Breakages an upgrade could bring: no deserializer to wrap; a deserializer that reads the struct another
            // way; one that no longer sees secret markers; a server that no longer calls it through the module.
            const wrapped = (fn: (struct: { toJavaScript(): Record<string, unknown> }) => Record<string, unknown>): DeserializeModule => {
                const mod = { deserializeProperties: ((struct: { toJavaScript(): Record<string, unknown> }) => fn(struct)) as DeserializeModule["deserializeProperties"] };
                mod.deserializeProperties[Symbol.for("cloudfront-signed-content-policy:secret-paths") as never] = true as never;
                return mod;
            };
            const cases: [DeserializeModule, string | undefined, RegExp][] = [
                [{} as DeserializeModule, server, /no longer exports a deserializeProperties function/],
                [wrapped(() => { throw new Error("struct.getFieldsMap is not a function"); }), server, /the check of its deserializer failed \(struct\.getFieldsMap is not a function\)/],
                [wrapped(() => ({ plain: "probe", nested: { secret: "probe-secret" } })), server, /can no longer be recognised behind the policy proxy/],
                [real, server.replace(/deserialize_1\.deserializeProperties\(/g, "deserializeProperties("), /analyzer server no longer calls deserializeProperties through the module/],
                [real, undefined, /analyzer server no longer calls deserializeProperties through the module/],
            ];
            for (const [mod, source, reason] of cases) {
                const tracking = checkSecretTracking(mod, source);
                assert.equal(tracking.working, false);
                assert.match((tracking as { reason: string }).reason, reason);
                const pack = packRules(tracking);
                const rule = pack.find((r) => r.name === "cloudfront-private-key-outputs-secret") as typeof privateKeyOutputs;
                assert.equal(rule.enforcementLevel, "advisory");
                assert.match(rule.description, /Advisory here: this pack cannot tell secret outputs from plain ones with the installed @pulumi\/policy \(/);
                assert.ok(pack.filter((r) => r !== rule).every((r) => r.enforcementLevel === "mandatory"), "only that check is downgraded");
                // A key exported as a secret can no longer be told from a plain one: reported as advisory, with the reason.
                const run = await runStackPolicy(rule, [stack({ privateKeyPem: rsa.privateKeyPem }, ["privateKeyPem"])]);
                assert.equal(run.violations.length, 1);
                assert.match(run.violations[0].message, /^stack output privateKeyPem holds a private key and may not be a secret \(advisory: this pack cannot see secret markers with the installed @pulumi\/policy: .+\): export it wrapped in pulumi\.secret\(\.\.\.\)$/);
            }
        });

        it("secret tracking: the pack's deserializer records secret paths that survive the unknown-checking proxy", () => {
            const props = policyProps({ props: { a: "x", b: { c: ["y", "z"] } }, secretPaths: [JSON.stringify(["b", "c", 1])] });
            const isSecret = secretPathsOf(props);
            assert.ok(isSecret);
            assert.deepEqual([isSecret(["a"]), isSecret(["b", "c", 0]), isSecret(["b", "c", 1]), isSecret(["b", "c", 1, "deeper"])], [false, false, true, true]);
            assert.equal((props.b as { c: string[] }).c[1], "z", "policies still read the plain value");
            assert.equal(secretPathsOf({ plain: "object" }), undefined);
            // the wrapper sits on the module object @pulumi/policy's analyzer server calls, and is installed once
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const serverSide = require("@pulumi/policy/deserialize") as { deserializeProperties: unknown };
            const installed = installSecretTracking().deserializeProperties;
            assert.equal(serverSide.deserializeProperties, installed);
            assert.equal(installSecretTracking().deserializeProperties, installed);
        });
    });

    describe("cloudfront-path-guard", () => {
        it("passes when every unsigned behaviour of a signed-content distribution has a viewer-request function", async () => {
            assert.deepEqual(messages(await runResourcePolicy(pathGuardPolicy, distribution())), []);
            const lambdaGuard = distribution({ defaultCacheBehavior: behaviour({ lambdaFunctionAssociations: [{ eventType: "viewer-request", lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:g:1" }] }) });
            assert.deepEqual(messages(await runResourcePolicy(pathGuardPolicy, lambdaGuard)), []);
            // nothing signed, nothing to guard
            assert.deepEqual(messages(await runResourcePolicy(pathGuardPolicy, distribution({ defaultCacheBehavior: behaviour(), orderedCacheBehaviors: [] }))), []);
        });

        it("flags an unsigned behaviour without a guard, or with the function on another event", async () => {
            assert.deepEqual(messages(await runResourcePolicy(pathGuardPolicy, distribution({ defaultCacheBehavior: behaviour() }))), [
                'default cache behaviour trusts no key group and has no viewer-request function association: associate the path guard function (eventType "viewer-request")',
            ]);
            const wrongEvent = distribution({ defaultCacheBehavior: behaviour({ functionAssociations: [{ eventType: "viewer-response", functionArn: "arn:f" }] }) });
            assert.equal((await runResourcePolicy(pathGuardPolicy, wrongEvent)).violations.length, 1);
        });

        it("can be turned off in the policy config", async () => {
            const run = await runResourcePolicy(pathGuardPolicy, distribution({ defaultCacheBehavior: behaviour() }), { "cloudfront-path-guard": { enabled: false } });
            assert.deepEqual(run.violations, []);
            assert.deepEqual(run.notApplicable, [{ policy: "cloudfront-path-guard", reason: "turned off by the policy config (enabled: false)" }]);
            assert.deepEqual(pathGuardPolicy.configSchema?.properties.enabled, {
                type: "boolean",
                description: "false turns the path-guard check off (for stacks that deliberately run without the viewer-request guard).",
                default: true,
            });
        });
    });
});
