// The real stack program (infra/index.ts) under Pulumi mocks, with the dev stack file, the prod stack
// file and the defaults, plus config errors raised before any resource is registered.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";

import { installMocks, MOCK_PROJECT, Recorder, RecordedResource, resolve } from "./harness/mocks";
import { listAssetFiles } from "../infra/assets";
import { UNDECLARED_CONFIG_KEYS, parseStackConfig } from "../infra/config";
import { pathGuardSource } from "../components/pathGuard";
import { runGuard } from "./helpers/guard";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = require.resolve("../infra/index");
const FIXTURE_ASSETS = path.relative(ROOT, path.join(__dirname, "fixtures", "assets"));

const T = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
    distribution: "aws:cloudfront/distribution:Distribution",
    keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
    publicKey: "aws:cloudfront/publicKey:PublicKey",
    tlsKey: "tls:index/privateKey:PrivateKey",
    secret: "aws:secretsmanager/secret:Secret",
    function: "aws:cloudfront/function:Function",
    pathGuard: "cloudfront-signed-content:index:PathGuard",
};

const OUTPUT_NAMES = [
    "bucketName",
    "distributionId",
    "distributionDomainName",
    "baseUrl",
    "keyGroupId",
    "keyPairId",
    "keyPairIds",
    "publicKeyPems",
    "privateKeyPem",
    "privateKeyPems",
    "privateKeySecretArn",
    "privateKeyReadPolicy",
    "protectedPaths",
    "protectDefaultBehavior",
    "ipv6Enabled",
    "pathGuardFunctionArn",
    "pathGuardCode",
] as const;
type OutputName = (typeof OUTPUT_NAMES)[number];
type ProgramModule = Record<OutputName, unknown>;

interface ProjectSetting {
    type: string;
    description?: string;
    default?: unknown;
    items?: { type: string };
}

function loadYaml(file: string): Record<string, unknown> {
    return yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, unknown>;
}

/** Pulumi hands structured values (lists, booleans) to the program as JSON text. */
function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function projectSettings(): Record<string, ProjectSetting> {
    return loadYaml("Pulumi.yaml").config as Record<string, ProjectSetting>;
}

/** What the CLI gives the program: Pulumi.yaml defaults, overridden by the stack file's values. */
function stackConfig(stackFile?: string): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [key, setting] of Object.entries(projectSettings())) {
        config[`${MOCK_PROJECT}:${key}`] = asConfigString(setting.default);
    }
    if (stackFile) {
        const values = (loadYaml(stackFile).config ?? {}) as Record<string, unknown>;
        for (const [key, value] of Object.entries(values)) config[key] = asConfigString(value);
    }
    return config;
}

interface ProgramRun {
    rec: Recorder;
    outputs: Record<OutputName, unknown>;
    module: ProgramModule;
}

/** Runs infra/index.ts afresh under new mocks with exactly this config. */
async function runProgram(config: Record<string, string>, stack = "test"): Promise<ProgramRun> {
    const rec = installMocks({ stack });
    pulumi.runtime.setAllConfig(config);
    delete require.cache[PROGRAM];
    const module = require(PROGRAM) as ProgramModule;
    await rec.settled();
    const outputs = {} as Record<OutputName, unknown>;
    for (const name of OUTPUT_NAMES) {
        const value = module[name];
        outputs[name] = pulumi.Output.isInstance(value) ? await resolve(value as pulumi.Output<unknown>) : value;
    }
    await rec.settled();
    return { rec, outputs, module };
}

function inputs<T = Record<string, unknown>>(resource: RecordedResource): T {
    return resource.inputs as T;
}

interface Behaviour {
    pathPattern?: string;
    targetOriginId: string;
    viewerProtocolPolicy: string;
    allowedMethods: string[];
    cachedMethods: string[];
    cachePolicyId: string;
    compress: boolean;
    trustedKeyGroups?: string[];
    trustedSigners?: string[];
    forwardedValues?: unknown;
    functionAssociations?: { eventType: string; functionArn: string }[];
}

interface DistributionInputs {
    enabled: boolean;
    isIpv6Enabled: boolean;
    httpVersion: string;
    priceClass: string;
    aliases?: string[];
    defaultRootObject: string;
    origins: { originId: string; domainName: string; originAccessControlId: string; s3OriginConfig?: unknown }[];
    defaultCacheBehavior: Behaviour;
    orderedCacheBehaviors?: Behaviour[];
    restrictions: { geoRestriction: { restrictionType: string; locations?: string[] } };
    viewerCertificate: {
        cloudfrontDefaultCertificate?: boolean;
        acmCertificateArn?: string;
        sslSupportMethod?: string;
        minimumProtocolVersion?: string;
    };
}

interface Expectations {
    protectedPaths: string[];
    protectDefaultBehavior: boolean;
    keys: { id: string; algorithm: "RSA" | "ECDSA" }[];
    activeKey: string;
    storePrivateKey: boolean;
    aliases: string[];
    certificateArn?: string;
    priceClass: string;
    ipv6: boolean;
    forceDestroy: boolean;
    /** config pathGuard (default true) */
    pathGuard?: boolean;
    /** keys of uploaded objects with their content types */
    assets: [string, string][];
    /** default true: the privateKeyPem output exists (secret) */
    exportPrivateKey?: boolean;
    /** default []: with origins every behaviour also allows OPTIONS (preflights) */
    corsAllowedOrigins?: string[];
    /** default true: Pulumi protect on every signing key resource, and on nothing else */
    protectKeys?: boolean;
}

/** What the program deploys with no stack config at all (the Pulumi.yaml defaults). */
const DEFAULT_EXPECTATIONS: Expectations = {
    protectedPaths: ["/private/*"],
    protectDefaultBehavior: false,
    keys: [{ id: "2026-01", algorithm: "RSA" }],
    activeKey: "2026-01",
    storePrivateKey: false,
    aliases: [],
    priceClass: "PriceClass_100",
    ipv6: true,
    forceDestroy: false,
    assets: [],
};

/** Every security-relevant input of every resource, and every output, for one configuration. */
async function checkStack(run: ProgramRun, expected: Expectations): Promise<void> {
    const { rec, outputs, module } = run;

    // no invokes: the managed cache policy is referenced by its constant id, the policy JSON is built locally
    assert.deepEqual(rec.invokes, [], "the program must not call invokes");
    const urns = rec.resources.map((r) => r.urn);
    assert.equal(new Set(urns).size, urns.length, "every resource URN must be unique");

    // --- bucket and its settings
    const bucket = rec.one(T.bucket);
    assert.equal(bucket.parentUrn, undefined);
    assert.equal(inputs(bucket).forceDestroy, expected.forceDestroy);
    assert.equal(inputs(bucket).acl, undefined, "no ACLs on an owner-enforced bucket");
    assert.equal(inputs(bucket).policy, undefined, "the policy is its own resource");
    const bucketName = bucket.outputs.bucket as string;
    const bucketArn = bucket.outputs.arn as string;

    const pab = rec.one(T.publicAccessBlock);
    assert.deepEqual(inputs(pab), {
        bucket: bucketName,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    const ownership = rec.one(T.ownership);
    assert.deepEqual(inputs(ownership), { bucket: bucketName, rule: { objectOwnership: "BucketOwnerEnforced" } });
    const encryption = rec.one(T.encryption);
    assert.equal(inputs(encryption).bucket, bucketName);
    assert.deepEqual(inputs(encryption).rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    const versioning = rec.one(T.versioning);
    assert.deepEqual(inputs(versioning), { bucket: bucketName, versioningConfiguration: { status: "Enabled" } });
    for (const child of [pab, ownership, encryption, versioning]) assert.equal(child.parentUrn, bucket.urn);

    // --- origin access control
    const oac = rec.one(T.oac);
    assert.equal(inputs(oac).originAccessControlOriginType, "s3");
    assert.equal(inputs(oac).signingBehavior, "always");
    assert.equal(inputs(oac).signingProtocol, "sigv4");

    // --- key group (from the component)
    const keyGroup = rec.one(T.keyGroup);
    const keyGroupId = keyGroup.id as string;
    assert.equal(rec.byType(T.publicKey).length, expected.keys.length);
    const tlsKeys = rec.byType(T.tlsKey);
    assert.deepEqual(
        tlsKeys.map((k) => inputs(k).algorithm),
        expected.keys.map((k) => k.algorithm),
    );
    for (const key of tlsKeys) {
        if (inputs(key).algorithm === "ECDSA") assert.equal(inputs(key).ecdsaCurve, "P256");
        else assert.equal(inputs(key).rsaBits, 2048);
    }

    // --- protect: the signing keys (config protectKeys, default true), and nothing else of the stack
    const keyTypes = [T.tlsKey, T.publicKey, T.keyGroup, "aws:kms/key:Key", "aws:kms/alias:Alias"];
    const keyResources = rec.resources.filter((r) => keyTypes.includes(r.type));
    assert.ok(keyResources.length >= 3);
    for (const resource of rec.resources) {
        const expectedProtect = keyTypes.includes(resource.type) ? (expected.protectKeys ?? true) : false;
        assert.equal(resource.protect === true, expectedProtect, `${resource.type} ${resource.name}: protect`);
    }

    // --- distribution
    const distribution = rec.one(T.distribution);
    const d = inputs<DistributionInputs>(distribution);
    assert.equal(d.enabled, true);
    assert.equal(d.isIpv6Enabled, expected.ipv6);
    assert.equal(d.httpVersion, "http2and3");
    assert.equal(d.priceClass, expected.priceClass);
    assert.deepEqual(d.aliases ?? [], expected.aliases);
    assert.equal(d.defaultRootObject, "index.html");
    assert.deepEqual(d.restrictions, { geoRestriction: { restrictionType: "none" } });
    assert.equal(d.origins.length, 1);
    const [origin] = d.origins;
    assert.equal(origin.domainName, bucket.outputs.bucketRegionalDomainName);
    assert.equal(origin.originAccessControlId, oac.id);
    assert.equal(origin.s3OriginConfig, undefined, "no legacy origin access identity");
    if (expected.certificateArn) {
        assert.deepEqual(d.viewerCertificate, {
            acmCertificateArn: expected.certificateArn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
        });
    } else {
        assert.deepEqual(d.viewerCertificate, { cloudfrontDefaultCertificate: true });
    }

    const ordered = d.orderedCacheBehaviors ?? [];
    assert.deepEqual(
        ordered.map((b) => b.pathPattern),
        expected.protectedPaths,
        "one ordered behaviour per protected pattern, in the configured order",
    );
    for (const behaviour of [d.defaultCacheBehavior, ...ordered]) {
        const label = behaviour.pathPattern ?? "default";
        assert.equal(behaviour.viewerProtocolPolicy, "redirect-to-https", `${label}: viewer protocol`);
        assert.equal(behaviour.cachePolicyId, "658327ea-f89d-4fab-a63d-7e88639e58f6", `${label}: CachingOptimized`);
        assert.equal(behaviour.compress, true, `${label}: compression`);
        assert.equal(behaviour.targetOriginId, origin.originId, `${label}: origin`);
        if ((expected.corsAllowedOrigins ?? []).length > 0) {
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD", "OPTIONS"], `${label}: OPTIONS for CORS preflights`);
        } else {
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD"], `${label}: no OPTIONS without CORS`);
        }
        assert.deepEqual(behaviour.cachedMethods, ["GET", "HEAD"]);
        assert.equal(behaviour.forwardedValues, undefined);
        assert.equal(behaviour.trustedSigners, undefined, `${label}: no legacy trusted signers`);
    }
    // exactly the protected behaviours trust the key group, nothing else does
    for (const behaviour of ordered) {
        assert.deepEqual(behaviour.trustedKeyGroups, [keyGroupId], `${behaviour.pathPattern} must trust the key group`);
    }
    if (expected.protectDefaultBehavior) {
        assert.deepEqual(d.defaultCacheBehavior.trustedKeyGroups, [keyGroupId]);
    } else {
        assert.ok(
            d.defaultCacheBehavior.trustedKeyGroups === undefined || d.defaultCacheBehavior.trustedKeyGroups.length === 0,
            "the default behaviour must stay public",
        );
    }

    // --- path guard: a published cloudfront-js-2.0 function on every behaviour that needs no signature
    const guarded = expected.pathGuard !== false && expected.protectedPaths.length > 0 && !expected.protectDefaultBehavior;
    if (guarded) {
        const fn = rec.one(T.function);
        const component = rec.one(T.pathGuard);
        assert.equal(fn.parentUrn, component.urn, "the function is a child of the PathGuard component");
        assert.equal(inputs(fn).runtime, "cloudfront-js-2.0");
        assert.equal(inputs(fn).publish, true, "associations run the LIVE stage: the function must be published");
        assert.equal(inputs(fn).name, undefined, "autonamed");
        assert.equal(inputs(fn).code, pathGuardSource(expected.protectedPaths), "the code is generated from the protected patterns");
        assert.ok((inputs(fn).comment as string).length <= 128);
        // the deployed source refuses the encoded-slash way into a protected object and passes the rest
        const code = inputs(fn).code as string;
        const probe = expected.protectedPaths[0].replace(/\*/g, "x").replace(/\?/g, "y");
        const slash = probe.indexOf("/", 1);
        if (slash > 0) assert.equal(runGuard(code, `${probe.slice(0, slash)}%2F${probe.slice(slash + 1)}`).statusCode, 403);
        assert.equal(runGuard(code, probe).statusCode, 403);
        assert.equal(runGuard(code, "/index-public.html").statusCode, undefined);
        assert.deepEqual(d.defaultCacheBehavior.functionAssociations, [{ eventType: "viewer-request", functionArn: fn.outputs.arn }]);
        assert.match(fn.outputs.arn as string, /^arn:aws:cloudfront::\d{12}:function\/path-guard-/);
        assert.equal(outputs.pathGuardFunctionArn, fn.outputs.arn);
        assert.equal(outputs.pathGuardCode, code, "the stack outputs the code CloudFront runs (cf-sign verify runs it)");
    } else {
        assert.equal(rec.byType(T.function).length, 0, "no path guard function");
        assert.equal(d.defaultCacheBehavior.functionAssociations, undefined);
        assert.equal(outputs.pathGuardFunctionArn, undefined);
        assert.equal(outputs.pathGuardCode, undefined);
    }
    for (const behaviour of ordered) assert.equal(behaviour.functionAssociations, undefined, `${behaviour.pathPattern}: protected, no guard`);

    // --- bucket policy: only this distribution, via CloudFront, may read objects
    const policyResource = rec.one(T.policy);
    assert.equal(policyResource.parentUrn, bucket.urn);
    assert.equal(inputs(policyResource).bucket, bucketName);
    const policy = JSON.parse(inputs(policyResource).policy as string) as {
        Version: string;
        Statement: { Effect: string; Principal: unknown; Action: unknown; Resource: unknown; Condition: unknown }[];
    };
    assert.equal(policy.Version, "2012-10-17");
    assert.equal(policy.Statement.length, 1);
    const [statement] = policy.Statement;
    assert.equal(statement.Effect, "Allow");
    assert.deepEqual(statement.Principal, { Service: "cloudfront.amazonaws.com" });
    assert.equal(statement.Action, "s3:GetObject");
    assert.equal(statement.Resource, `${bucketArn}/*`);
    assert.deepEqual(statement.Condition, { StringEquals: { "AWS:SourceArn": distribution.outputs.arn } });

    // --- assets
    const objects = rec.byType(T.object);
    assert.deepEqual(
        objects.map((o) => [inputs(o).key, inputs(o).contentType]),
        expected.assets,
    );
    for (const object of objects) {
        assert.equal(inputs(object).bucket, bucketName);
        assert.equal(object.parentUrn, bucket.urn);
        assert.equal(inputs(object).acl, undefined);
    }

    // --- outputs: names, values, secrecy
    const keyPairIds = Object.fromEntries(
        expected.keys.map((k) => [k.id, rec.byType(T.publicKey).find((p) => p.name === `signing-${k.id}`)?.id]),
    );
    assert.equal(outputs.bucketName, bucketName);
    assert.equal(outputs.distributionId, distribution.id);
    assert.equal(outputs.distributionDomainName, distribution.outputs.domainName);
    assert.equal(
        outputs.baseUrl,
        `https://${expected.aliases.length > 0 ? expected.aliases[0] : (distribution.outputs.domainName as string)}`,
    );
    assert.equal(outputs.keyGroupId, keyGroupId);
    assert.deepEqual(outputs.keyPairIds, keyPairIds);
    assert.equal(outputs.keyPairId, keyPairIds[expected.activeKey]);
    const pems = outputs.publicKeyPems as Record<string, string>;
    assert.deepEqual(Object.keys(pems), expected.keys.map((k) => k.id));
    for (const pem of Object.values(pems)) assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    if (expected.exportPrivateKey === false) {
        assert.equal(module.privateKeyPem, undefined, "exportPrivateKey false: no privateKeyPem stack output");
        assert.equal(module.privateKeyPems, undefined, "exportPrivateKey false: no privateKeyPems stack output");
    } else {
        assert.match(outputs.privateKeyPem as string, /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\n/);
        assert.equal(await pulumi.isSecret(module.privateKeyPem as pulumi.Output<string>), true, "privateKeyPem must be a secret output");
        // The rotation canary: every generation's private key, one secret map, matching its public key.
        const privatePems = outputs.privateKeyPems as Record<string, string>;
        assert.deepEqual(Object.keys(privatePems), expected.keys.map((k) => k.id));
        assert.equal(privatePems[expected.activeKey], outputs.privateKeyPem);
        for (const [generation, pem] of Object.entries(privatePems)) {
            const derived = crypto.createPublicKey(crypto.createPrivateKey(pem)).export({ type: "spki", format: "pem" });
            assert.equal(derived, pems[generation], `privateKeyPems["${generation}"] belongs to publicKeyPems["${generation}"]`);
        }
        assert.equal(await pulumi.isSecret(module.privateKeyPems as pulumi.Output<unknown>), true, "privateKeyPems must be a secret output");
    }
    for (const name of ["bucketName", "keyPairId", "baseUrl"] as const) {
        assert.equal(await pulumi.isSecret(module[name] as pulumi.Output<string>), false, `${name} must not be secret`);
    }
    assert.deepEqual(outputs.protectedPaths, expected.protectedPaths);
    assert.equal(outputs.protectDefaultBehavior, expected.protectDefaultBehavior);
    assert.equal(outputs.ipv6Enabled, expected.ipv6);
    if (expected.storePrivateKey) {
        const secret = rec.one(T.secret);
        assert.equal(outputs.privateKeySecretArn, secret.outputs.arn);
        const readPolicy = JSON.parse(outputs.privateKeyReadPolicy as string) as { Statement: { Resource: unknown }[] };
        assert.ok(JSON.stringify(readPolicy.Statement).includes(secret.outputs.arn as string), "read policy names the secret");
    } else {
        assert.equal(outputs.privateKeySecretArn, undefined);
        assert.equal(outputs.privateKeyReadPolicy, undefined);
        assert.equal(rec.byType(T.secret).length, 0);
    }
}

function assetsOf(dir: string): [string, string][] {
    return listAssetFiles(path.resolve(ROOT, dir)).map((a) => [a.key, a.contentType]);
}

describe("infra program (mocks)", function () {
    it("Pulumi.yaml declares every setting with type, description and default, matching the program's defaults", () => {
        const settings = projectSettings();
        const declared = Object.keys(settings).sort();
        const known = Object.keys(parseStackConfig({}))
            .filter((key) => !(UNDECLARED_CONFIG_KEYS as readonly string[]).includes(key))
            .sort();
        assert.deepEqual(declared, known);
        for (const [key, setting] of Object.entries(settings)) {
            assert.ok(["string", "integer", "boolean", "array"].includes(setting.type), `${key}: type ${setting.type}`);
            assert.ok(typeof setting.description === "string" && setting.description.length > 10, `${key}: description`);
            assert.ok("default" in setting, `${key}: default (a declared setting without default is required by the CLI)`);
            if (setting.type === "array") {
                assert.deepEqual(setting.items, { type: "string" }, `${key}: items`);
                assert.ok(Array.isArray(setting.default) && setting.default.every((v) => typeof v === "string"), `${key}: default type`);
            } else {
                assert.equal(typeof setting.default, setting.type === "integer" ? "number" : setting.type, `${key}: default type`);
            }
        }
        // the Pulumi.yaml defaults and the parser's built-in defaults agree
        const fromYaml: Record<string, unknown> = {};
        // `tags` (a map) cannot be declared; its default is {} in both places
        for (const [key, setting] of Object.entries(settings)) fromYaml[key] = setting.default;
        assert.deepEqual(parseStackConfig(fromYaml, { baseDir: ROOT }), parseStackConfig({}));
    });

    for (const stackFile of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
        it(`${stackFile} only sets declared settings, with values of the declared types`, () => {
            const settings = projectSettings();
            const values = (loadYaml(stackFile).config ?? {}) as Record<string, unknown>;
            for (const [fullKey, value] of Object.entries(values)) {
                if (!fullKey.startsWith(`${MOCK_PROJECT}:`)) continue;
                const key = fullKey.slice(MOCK_PROJECT.length + 1);
                const setting = settings[key];
                if ((UNDECLARED_CONFIG_KEYS as readonly string[]).includes(key)) {
                    // a map, which project config cannot declare (tags)
                    assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), `${stackFile}: ${fullKey} must be a map`);
                    assert.ok(Object.values(value).every((v) => typeof v === "string"), `${stackFile}: ${fullKey} values must be strings`);
                    continue;
                }
                assert.ok(setting, `${stackFile}: ${fullKey} is not declared in Pulumi.yaml`);
                if (setting.type === "array") {
                    assert.ok(Array.isArray(value) && value.every((v) => typeof v === "string"), `${stackFile}: ${fullKey} must be a list of strings`);
                } else {
                    assert.equal(typeof value, setting.type === "integer" ? "number" : setting.type, `${stackFile}: ${fullKey}`);
                }
            }
        });
    }

    it("deploys the defaults (no stack config at all)", async () => {
        const run = await runProgram({});
        await checkStack(run, DEFAULT_EXPECTATIONS);
    });

    it("deploys the same stack from the Pulumi.yaml defaults", async () => {
        const fromDefaults = await runProgram(stackConfig());
        const fromNothing = await runProgram({});
        // Sorted by URN: registration order follows async timing (key generation), which the engine ignores.
        const shape = (run: ProgramRun) => run.rec.resources.map((r) => [r.type, r.name, r.urn]).sort((a, b) => a[2].localeCompare(b[2]));
        assert.deepEqual(shape(fromDefaults), shape(fromNothing));
    });

    it("deploys Pulumi.dev.yaml", async () => {
        const devAssets = (loadYaml("Pulumi.dev.yaml").config as Record<string, string>)[`${MOCK_PROJECT}:assetsDir`];
        assert.equal(devAssets, "sample/site");
        const run = await runProgram(stackConfig("Pulumi.dev.yaml"), "dev");
        const expectedAssets = assetsOf(devAssets);
        assert.ok(expectedAssets.length > 0, `${devAssets} should hold sample files`);
        await checkStack(run, {
            protectedPaths: ["/private/*"],
            protectDefaultBehavior: false,
            keys: [{ id: "2026-01", algorithm: "RSA" }],
            activeKey: "2026-01",
            storePrivateKey: false,
            aliases: [],
            priceClass: "PriceClass_100",
            ipv6: true,
            forceDestroy: true,
            assets: expectedAssets,
            protectKeys: false,
        });
    });

    it("deploys Pulumi.prod.yaml", async () => {
        const config = stackConfig("Pulumi.prod.yaml");
        const prod = loadYaml("Pulumi.prod.yaml").config as Record<string, unknown>;
        const run = await runProgram(config, "prod");
        await checkStack(run, {
            protectedPaths: ["/private/*", "/downloads/*.pdf"],
            protectDefaultBehavior: false,
            keys: [
                { id: "2026-05", algorithm: "ECDSA" },
                { id: "2026-11", algorithm: "ECDSA" },
            ],
            activeKey: "2026-11",
            storePrivateKey: true,
            aliases: ["cdn.example.com"],
            certificateArn: prod[`${MOCK_PROJECT}:certificateArn`] as string,
            priceClass: "PriceClass_All",
            ipv6: true,
            forceDestroy: false,
            assets: [],
            exportPrivateKey: false,
            corsAllowedOrigins: ["https://app.example.com"],
        });
        assert.equal(run.outputs.baseUrl, "https://cdn.example.com");
    });

    it("uploads assetsDir files with content types, protects the default behaviour, honours ipv6 false", async () => {
        const run = await runProgram({
            ...stackConfig(),
            [`${MOCK_PROJECT}:assetsDir`]: FIXTURE_ASSETS,
            [`${MOCK_PROJECT}:protectedPaths`]: JSON.stringify(["/private/*", "/js/*", "/images/*.svg"]),
            [`${MOCK_PROJECT}:protectDefaultBehavior`]: "true",
            [`${MOCK_PROJECT}:keys`]: JSON.stringify(["old", "new:ECDSA", "newest"]),
            [`${MOCK_PROJECT}:activeKey`]: "new",
            [`${MOCK_PROJECT}:ipv6`]: "false",
            [`${MOCK_PROJECT}:priceClass`]: "PriceClass_200",
        });
        await checkStack(run, {
            protectedPaths: ["/private/*", "/js/*", "/images/*.svg"],
            protectDefaultBehavior: true,
            keys: [
                { id: "old", algorithm: "RSA" },
                { id: "new", algorithm: "ECDSA" },
                { id: "newest", algorithm: "RSA" },
            ],
            activeKey: "new",
            storePrivateKey: false,
            aliases: [],
            priceClass: "PriceClass_200",
            ipv6: false,
            forceDestroy: false,
            assets: [
                ["css/site.css", "text/css; charset=utf-8"],
                ["downloads/archive.unknownext", "application/octet-stream"],
                ["images/logo.svg", "image/svg+xml"],
                ["index.html", "text/html; charset=utf-8"],
                ["js/app.js", "application/javascript; charset=utf-8"],
                ["private/data.json", "application/json; charset=utf-8"],
                ["private/report.html", "text/html; charset=utf-8"],
            ],
        });
        // each object's source is the file itself
        const index = run.rec.byType(T.object).find((o) => o.inputs.key === "index.html");
        assert.ok(index);
        // the mock monitor hands over the FileAsset itself; its path is a promise
        const source = index.inputs.source as { path?: Promise<string> | string };
        assert.ok(source instanceof pulumi.asset.FileAsset, "source must be a FileAsset");
        assert.equal(await source.path, path.join(ROOT, FIXTURE_ASSETS, "index.html"));
    });

    it("accepts structured keys ({ id, algorithm }) from a stack file", async () => {
        const run = await runProgram({
            [`${MOCK_PROJECT}:keys`]: JSON.stringify([{ id: "a", algorithm: "ECDSA" }, { id: "b" }]),
        });
        assert.deepEqual(
            run.rec.byType(T.tlsKey).map((k) => [k.name, k.inputs.algorithm]),
            [
                ["signing-a", "ECDSA"],
                ["signing-b", "RSA"],
            ],
        );
        assert.equal(run.outputs.keyPairId, (run.outputs.keyPairIds as Record<string, string>).b);
    });

    it("pathGuard false, or nothing unprotected: no path guard function and no association", async () => {
        const base = DEFAULT_EXPECTATIONS;
        const off = await runProgram({ ...stackConfig(), [`${MOCK_PROJECT}:pathGuard`]: "false" });
        await checkStack(off, { ...base, pathGuard: false });
        assert.equal(off.rec.byType(T.pathGuard).length, 0);
        const noPatterns = await runProgram({ ...stackConfig(), [`${MOCK_PROJECT}:protectedPaths`]: "[]" });
        await checkStack(noPatterns, { ...base, protectedPaths: [] });
        assert.equal(noPatterns.rec.byType(T.function).length, 0, "nothing is protected: nothing to guard");
    });

    it("the path guard follows the protected patterns (two patterns, one function on the default behaviour)", async () => {
        const run = await runProgram({ ...stackConfig(), [`${MOCK_PROJECT}:protectedPaths`]: JSON.stringify(["/private/*", "/downloads/*.pdf"]) });
        const code = run.rec.one(T.function).inputs.code as string;
        assert.equal(runGuard(code, "/downloads%2Freport.pdf").statusCode, 403);
        assert.equal(runGuard(code, "/%64ownloads/report.pdf").statusCode, 403, "S3 decodes it to a protected key");
        assert.equal(runGuard(code, "/downloads/readme.txt").statusCode, undefined, "public files under the folder pass");
        assert.equal(runGuard(code, "/downloads/readme.txt").uri, "/downloads/readme.txt", "passed through unchanged");
    });

    it("stores the private key with the configured KMS key", async () => {
        const run = await runProgram({
            ...stackConfig(),
            [`${MOCK_PROJECT}:storePrivateKey`]: "true",
            [`${MOCK_PROJECT}:privateKeyKmsKeyId`]: "alias/cloudfront-signing",
        });
        const secret = run.rec.one(T.secret);
        assert.equal(secret.inputs.kmsKeyId, "alias/cloudfront-signing");
        assert.equal(run.outputs.privateKeySecretArn, secret.outputs.arn);
        // the alias is resolved to its key ARN, so readers may decrypt (through Secrets Manager only)
        const policy = JSON.parse(run.outputs.privateKeyReadPolicy as string) as { Statement: { Action: string; Resource: string; Condition?: { StringEquals?: Record<string, string> } }[] };
        const decrypt = policy.Statement.find((st) => st.Action === "kms:Decrypt");
        assert.match(decrypt?.Resource ?? "", /^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
        assert.equal(decrypt?.Condition?.StringEquals?.["kms:ViaService"], "secretsmanager.us-east-1.amazonaws.com");
        // without a KMS key the AWS managed key is used
        const managed = await runProgram({ ...stackConfig(), [`${MOCK_PROJECT}:storePrivateKey`]: "true" });
        assert.equal(managed.rec.one(T.secret).inputs.kmsKeyId, undefined);
    });

    it("rotates as docs/stack.md describes: add (pinned), switch, remove", async () => {
        const withKeys = (keys: string[], activeKey: string) => ({
            ...stackConfig("Pulumi.dev.yaml"),
            [`${MOCK_PROJECT}:keys`]: JSON.stringify(keys),
            [`${MOCK_PROJECT}:activeKey`]: activeKey,
        });
        // A FileAsset's path is a promise, and promises compare by identity (Node 24 also compares their own
        // debug properties): compare an asset by the file it names.
        const plain = async (value: unknown): Promise<unknown> => {
            if (value instanceof pulumi.asset.FileAsset) return { fileAsset: await value.path };
            if (Array.isArray(value)) return Promise.all(value.map(plain));
            if (value !== null && typeof value === "object") {
                return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await plain(v)])));
            }
            return value;
        };
        const shape = async (run: ProgramRun) =>
            (await Promise.all(run.rec.resources.map(async (r) => ({ type: r.type, urn: r.urn, inputs: await plain(r.inputs) })))).sort((a, b) =>
                a.urn.localeCompare(b.urn),
            );
        const publicKeyUrn = (run: ProgramRun, id: string) => run.rec.byType(T.publicKey).find((k) => k.name === `signing-${id}`)?.urn;

        const before = await runProgram(withKeys(["2026-01"], ""), "dev");
        const oldId = (before.outputs.keyPairIds as Record<string, string>)["2026-01"];
        assert.equal(before.outputs.keyPairId, oldId);

        // 1. add the new key, signer pinned to the old one
        const added = await runProgram(withKeys(["2026-01", "2026-11:ECDSA"], "2026-01"), "dev");
        const addedIds = added.outputs.keyPairIds as Record<string, string>;
        assert.equal(addedIds["2026-01"], oldId, "the old key is kept as it is");
        assert.equal(publicKeyUrn(added, "2026-01"), publicKeyUrn(before, "2026-01"));
        assert.equal(added.outputs.keyPairId, oldId, "still signing with the old key");
        assert.deepEqual(added.rec.one(T.keyGroup).inputs.items, [oldId, addedIds["2026-11"]]);
        assert.equal(added.outputs.keyGroupId, before.outputs.keyGroupId, "key group updated in place");

        // 2. switch the signer: only outputs change
        const switched = await runProgram(withKeys(["2026-01", "2026-11:ECDSA"], "2026-11"), "dev");
        assert.equal(switched.outputs.keyPairId, addedIds["2026-11"]);
        assert.match(switched.outputs.privateKeyPem as string, /^-----BEGIN EC PRIVATE KEY-----/);
        assert.deepEqual(await shape(switched), await shape(added), "switching activeKey changes no resource input");

        // 3. remove the old key once its signatures have expired
        const removed = await runProgram(withKeys(["2026-11:ECDSA"], "2026-11"), "dev");
        assert.deepEqual(removed.outputs.keyPairIds, { "2026-11": addedIds["2026-11"] });
        assert.equal(removed.outputs.keyPairId, addedIds["2026-11"]);
        assert.equal(publicKeyUrn(removed, "2026-01"), undefined);
        assert.equal(publicKeyUrn(removed, "2026-11"), publicKeyUrn(added, "2026-11"));
        assert.deepEqual(removed.rec.one(T.keyGroup).inputs.items, [addedIds["2026-11"]]);
    });

    it("keeps CloudFront comments within their limits for a long stack name", async () => {
        const longStack = "s".repeat(100);
        const run = await runProgram({}, longStack);
        const comments = [
            run.rec.one(T.distribution).inputs.comment,
            run.rec.one(T.keyGroup).inputs.comment,
            ...run.rec.byType(T.publicKey).map((k) => k.inputs.comment),
        ];
        for (const comment of comments) {
            assert.equal(typeof comment, "string");
            assert.ok((comment as string).length <= 128, `comment too long: ${String(comment).length}`);
        }
        assert.ok((run.rec.one(T.oac).inputs.description as string).length <= 256);
        assert.ok((run.rec.one(T.distribution).inputs.comment as string).startsWith(`cloudfront-signed-content/${longStack}`));
    });

    describe("config errors stop the program before any resource is registered", () => {
        const cases: [string, Record<string, string>, RegExp][] = [
            ["not a path pattern", { protectedPaths: '["private/*"]' }, /^cloudfront-signed-content:protectedPaths\[0\] "private\/\*" is not a path pattern/],
            ["duplicate pattern", { protectedPaths: '["/a/*","/a/*"]' }, /^cloudfront-signed-content:protectedPaths lists "\/a\/\*" twice/],
            [
                "too many behaviours",
                { protectedPaths: JSON.stringify(Array.from({ length: 26 }, (_, i) => `/p${i}/*`)) },
                /^cloudfront-signed-content:protectedPaths has 26 path patterns/,
            ],
            ["unknown price class", { priceClass: "PriceClass_Cheap" }, /^cloudfront-signed-content:priceClass "PriceClass_Cheap" is not a price class/],
            ["alias without certificate", { aliases: '["cdn.example.com"]' }, /^cloudfront-signed-content:aliases needs cloudfront-signed-content:certificateArn/],
            [
                "certificate without alias",
                { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" },
                /^cloudfront-signed-content:certificateArn is set but cloudfront-signed-content:aliases is empty/,
            ],
            ["malformed ARN", { aliases: '["cdn.example.com"]', certificateArn: "arn:aws:acm:certificate" }, /^cloudfront-signed-content:certificateArn "arn:aws:acm:certificate" is not an ACM certificate ARN/],
            ["missing assets folder", { assetsDir: "no/such/folder" }, /^cloudfront-signed-content:assetsDir folder "no\/such\/folder" does not exist/],
            ["unknown active key", { activeKey: "2030-01" }, /^cloudfront-signed-content:activeKey "2030-01" is not one of the configured keys/],
            ["typo in a key", { protectedPath: '["/x/*"]' }, /^cloudfront-signed-content:protectedPath is not a setting of this project; did you mean/],
        ];
        for (const [label, values, pattern] of cases) {
            it(label, async () => {
                const config = stackConfig();
                for (const [key, value] of Object.entries(values)) config[`${MOCK_PROJECT}:${key}`] = value;
                const rec = installMocks();
                pulumi.runtime.setAllConfig(config);
                delete require.cache[PROGRAM];
                assert.throws(
                    () => require(PROGRAM),
                    (error: unknown) => {
                        // a RunError: the CLI prints only the message, no stack trace
                        assert.ok(error instanceof pulumi.RunError, `expected RunError, got ${String(error)}`);
                        assert.match(error.message, pattern);
                        assert.ok(!error.message.includes("\n"));
                        return true;
                    },
                );
                await rec.settled();
                assert.deepEqual(rec.resources, [], "no resource may be registered");
            });
        }
    });
});
