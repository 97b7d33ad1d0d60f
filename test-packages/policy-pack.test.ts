// The policy pack as `pulumi preview --policy-pack policy` runs it: installed on its own from its lockfile, started
// through @pulumi/pulumi's cmd/run-policy-pack in its folder with the stack's identity and config, then called
// over the Analyzer protocol with engine-shaped requests: secret markers and preview-unknown values on the wire.
import * as assert from "node:assert/strict";

import { generateTlsKey } from "../scripts/host/tlsKeys";
import { urnFor } from "../scripts/host/fakeEngine";
import { AnalyzeResult, AnalyzedResource, PolicyPackSession, runPolicyPack } from "../test/host/launch";
import { PlainObject, Secret, UNKNOWN } from "../scripts/host/wire";
import { packRules } from "../policy/rules";
import { policyPackInstall } from "./projects";

const PROJECT = "cloudfront-signed-content";
const STACK = "dev";
const urn = (type: string, name: string, parent?: string) => urnFor(STACK, PROJECT, parent, type, name);

const key = generateTlsKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
const STACK_URN = urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`);
const SIGNING_URN = urn("cloudfront-signed-content:index:SigningKeyGroup", "signing", STACK_URN);
const BUCKET_URN = urn("aws:s3/bucket:Bucket", "content", STACK_URN);
const TLS_URN = urn("tls:index/privateKey:PrivateKey", "signing-2026-01", SIGNING_URN);
const PUBLIC_KEY_URN = urn("aws:cloudfront/publicKey:PublicKey", "signing-2026-01", SIGNING_URN);

const GUARD = { functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:aws:cloudfront::123456789012:function/path-guard-1a2b3c4" }] };

function behaviour(extra: PlainObject = {}): PlainObject {
    return { targetOriginId: "s3-content", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"], ...extra };
}

/** The distribution infra/ builds, as its inputs reach the pack during preview (bucket and key group not created yet). */
function previewDistribution(defaultBehaviour: PlainObject = behaviour(GUARD)): AnalyzedResource {
    return {
        type: "aws:cloudfront/distribution:Distribution",
        name: "cdn",
        urn: urn("aws:cloudfront/distribution:Distribution", "cdn", STACK_URN),
        parent: STACK_URN,
        properties: {
            enabled: true,
            origins: [{ originId: "s3-content", domainName: UNKNOWN, originAccessControlId: UNKNOWN }],
            defaultCacheBehavior: defaultBehaviour,
            orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: [UNKNOWN] })],
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
        },
    };
}

/** A small stack as the engine hands it to AnalyzeStack after an update: every resource's outputs. */
function updatedStack(privateKeyOutput: Secret | string): AnalyzedResource[] {
    const bucketName = "content-1a2b3c4";
    const domain = `${bucketName}.s3.us-east-1.amazonaws.com`;
    return [
        { type: "pulumi:pulumi:Stack", name: `${PROJECT}-${STACK}`, urn: STACK_URN, properties: { privateKeyPem: privateKeyOutput, keyPairId: "K2JCJMDEHXQW5F" } },
        { type: "aws:s3/bucket:Bucket", name: "content", urn: BUCKET_URN, parent: STACK_URN, properties: { bucket: bucketName, bucketRegionalDomainName: domain, arn: `arn:aws:s3:::${bucketName}` } },
        {
            type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            name: "content-public-access",
            urn: urn("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "content-public-access", BUCKET_URN),
            parent: BUCKET_URN,
            properties: { bucket: bucketName, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            propertyDependencies: { bucket: [BUCKET_URN] },
        },
        { type: "cloudfront-signed-content:index:SigningKeyGroup", name: "signing", urn: SIGNING_URN, parent: STACK_URN, properties: {} },
        {
            type: "tls:index/privateKey:PrivateKey",
            name: "signing-2026-01",
            urn: TLS_URN,
            parent: SIGNING_URN,
            // the engine keeps the tls provider's private outputs secret (additionalSecretOutputs)
            properties: { algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048, publicKeyPem: key.publicKeyPem, privateKeyPem: new Secret(key.privateKeyPem), privateKeyPemPkcs8: new Secret(key.privateKeyPemPkcs8) },
        },
        {
            type: "aws:cloudfront/publicKey:PublicKey",
            name: "signing-2026-01",
            urn: PUBLIC_KEY_URN,
            parent: SIGNING_URN,
            properties: { encodedKey: key.publicKeyPem, name: "signing-2026-01-5d6e7f8" },
            propertyDependencies: { encodedKey: [TLS_URN] },
        },
        {
            ...previewDistribution(),
            properties: {
                ...previewDistribution().properties,
                origins: [{ originId: "s3-content", domainName: domain, originAccessControlId: "E2QWRUHAPOMQZL" }],
                orderedCacheBehaviors: [behaviour({ pathPattern: "/private/*", trustedKeyGroups: ["0d5c2a4e-3c8f-4b7a-9c1e-2f6a8b0d4e21"] })],
            },
            propertyDependencies: { origins: [BUCKET_URN] },
        },
    ];
}

function summary(result: AnalyzeResult): string[] {
    return result.diagnostics.map((d) => `${d.enforcementLevel} ${d.policyName}: ${d.violation}`);
}

describe("policy pack under cmd/run-policy-pack (installed on its own)", function () {
    this.timeout(20 * 60_000);
    let session: PolicyPackSession | undefined;
    let startFailure: Error | undefined;

    before(async function () {
        const packDir = await policyPackInstall();
        try {
            session = await runPolicyPack({ packDir, project: PROJECT, stack: STACK, dryRun: true, label: "cmd/run-policy-pack policy" });
        } catch (error) {
            startFailure = error as Error;
        }
    });

    after(async () => {
        await session?.close();
    });

    function started(): PolicyPackSession {
        // The first test shows why; the others say only that.
        if (!session) assert.fail(`the policy pack did not start${startFailure ? "" : " (no error recorded)"}; see the first test`);
        return session;
    }

    it("starts and answers the port handshake", () => {
        if (!session) assert.fail(`the policy pack did not start: ${startFailure?.message ?? "no error recorded"}`);
    });

    it("describes itself: the pack's name and every rule", async () => {
        const info = await started().getAnalyzerInfo();
        assert.equal(info.name, PROJECT);
        assert.deepEqual(
            info.policiesList.map((p) => p.name),
            packRules({ working: true }).map((r) => r.name),
        );
    });

    it("Analyze (preview): a distribution whose ids are still unknown passes; plain HTTP on the default behaviour is the one violation", async () => {
        const pack = started();
        assert.deepEqual(summary(await pack.analyze(previewDistribution())), []);
        const bad = await pack.analyze(previewDistribution(behaviour({ ...GUARD, viewerProtocolPolicy: "allow-all" })));
        assert.deepEqual(summary(bad), [
            'mandatory cloudfront-https-only: default cache behaviour has viewerProtocolPolicy "allow-all": use "redirect-to-https" or "https-only"',
        ]);
    });

    it("AnalyzeStack: a private key exported as a secret passes; the same output in plain text is the one violation", async () => {
        const pack = started();
        assert.deepEqual(summary(await pack.analyzeStack(updatedStack(new Secret(key.privateKeyPem)))), []);
        const bad = await pack.analyzeStack(updatedStack(key.privateKeyPem));
        assert.deepEqual(summary(bad), [
            "mandatory cloudfront-signing-keys: stack output privateKeyPem holds a private key and is not a secret: export it wrapped in pulumi.secret(...)",
        ]);
        assert.equal(bad.diagnostics[0].urn, STACK_URN);
    });
});
