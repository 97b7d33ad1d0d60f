// The stack program's operational settings (CORS, private-key export, object versions, tags, access logs), checked on the real
// infra/index.ts under Pulumi mocks and on the pure parser/builders.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";

import { installMocks, MOCK_PROJECT, Recorder, resolve } from "./harness/mocks";
import { CONFIG_KEYS, ConfigError, RawConfig, parseStackConfig } from "../infra/config";
import { CORS_S3_ORIGIN_REQUEST_POLICY_ID, corsResponseHeadersConfig, s3CorsRules, withCors } from "../infra/cors";
import { buildCacheBehaviours } from "../infra/distribution";
import {
    ACCESS_LOG_RECORD_FIELDS,
    accessLogsBucketPolicyDocument,
    accessLogsDestinationArn,
    noncurrentVersionLifecycleRules,
    resourceTags,
} from "../infra/operations";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = require.resolve("../infra/index");
const FIXTURE_ASSETS = path.relative(ROOT, path.join(__dirname, "fixtures", "assets"));

const T = {
    bucket: "aws:s3/bucket:Bucket",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    bucketCors: "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    distribution: "aws:cloudfront/distribution:Distribution",
    responseHeadersPolicy: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
    keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
    secret: "aws:secretsmanager/secret:Secret",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    deliverySource: "aws:cloudwatch/logDeliverySource:LogDeliverySource",
    deliveryDestination: "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
    delivery: "aws:cloudwatch/logDelivery:LogDelivery",
};

interface Behaviour {
    pathPattern?: string;
    allowedMethods: string[];
    cachedMethods: string[];
    responseHeadersPolicyId?: string;
    originRequestPolicyId?: string;
    trustedKeyGroups?: string[];
}

interface ProgramRun {
    rec: Recorder;
    module: Record<string, unknown>;
}

/** Runs infra/index.ts afresh under new mocks; keys without a namespace get the project's. */
async function runProgram(values: Record<string, unknown>, stack = "test"): Promise<ProgramRun> {
    const rec = installMocks({ stack });
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        config[key.includes(":") ? key : `${MOCK_PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(config);
    delete require.cache[PROGRAM];
    const module = require(PROGRAM) as Record<string, unknown>;
    await rec.settled();
    for (const value of Object.values(module)) if (pulumi.Output.isInstance(value)) await resolve(value as pulumi.Output<unknown>);
    await rec.settled();
    return { rec, module };
}

function behavioursOf(rec: Recorder): Behaviour[] {
    const d = rec.one(T.distribution).inputs as { defaultCacheBehavior: Behaviour; orderedCacheBehaviors?: Behaviour[] };
    return [d.defaultCacheBehavior, ...(d.orderedCacheBehaviors ?? [])];
}

function assertConfigError(raw: RawConfig, key: string, pattern: RegExp): void {
    assert.throws(
        () => parseStackConfig(raw),
        (error: unknown) => {
            assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
            assert.ok(error.message.startsWith(`cloudfront-signed-content:${key} `), error.message);
            assert.ok(!error.message.includes("\n"));
            assert.match(error.message, pattern);
            return true;
        },
    );
}

function loadYaml(file: string): Record<string, unknown> {
    return yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, unknown>;
}

/** Pulumi.yaml defaults overridden by a stack file, as the CLI hands them to the program. */
function stackFileConfig(stackFile: string): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    const declared = loadYaml("Pulumi.yaml").config as Record<string, { default: unknown }>;
    for (const [key, setting] of Object.entries(declared)) config[key] = setting.default;
    for (const [key, value] of Object.entries((loadYaml(stackFile).config ?? {}) as Record<string, unknown>)) config[key] = value;
    return config;
}

describe("stack settings: CORS", () => {
    it("without corsAllowedOrigins: GET/HEAD only, no response headers policy, no bucket CORS", async () => {
        const { rec } = await runProgram({});
        for (const behaviour of behavioursOf(rec)) {
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD"], "no OPTIONS: nothing would answer a preflight");
            assert.equal(behaviour.responseHeadersPolicyId, undefined);
            assert.equal(behaviour.originRequestPolicyId, undefined);
        }
        assert.equal(rec.byType(T.responseHeadersPolicy).length, 0);
        assert.equal(rec.byType(T.bucketCors).length, 0);
    });

    it("with corsAllowedOrigins: a credentialed CORS policy on every behaviour, S3 answers preflights, no invokes", async () => {
        const origins = ["https://app.example.com", "http://localhost:3000"];
        const { rec } = await runProgram({
            protectedPaths: ["/private/*", "/media/*"],
            corsAllowedOrigins: origins,
        });
        assert.deepEqual(rec.invokes, [], "managed policies are referenced by constant ids");
        const policy = rec.one(T.responseHeadersPolicy);
        const cors = policy.inputs.corsConfig as Record<string, unknown>;
        assert.equal(cors.accessControlAllowCredentials, true, "signed cookies are credentials");
        assert.deepEqual(cors.accessControlAllowOrigins, { items: origins }, "exact origins, never *");
        assert.deepEqual(cors.accessControlAllowMethods, { items: ["GET", "HEAD", "OPTIONS"] });
        assert.equal(cors.originOverride, true);
        assert.ok((policy.inputs.comment as string).length <= 128);
        assert.equal(policy.inputs.name, undefined, "autonamed: policy names are unique per account");
        assert.match(policy.id ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const keyGroupId = rec.one(T.keyGroup).id;
        const behaviours = behavioursOf(rec);
        assert.equal(behaviours.length, 3);
        for (const behaviour of behaviours) {
            const label = behaviour.pathPattern ?? "default";
            assert.equal(behaviour.responseHeadersPolicyId, policy.id, `${label}: CORS policy`);
            assert.equal(behaviour.originRequestPolicyId, CORS_S3_ORIGIN_REQUEST_POLICY_ID, `${label}: Origin forwarded to S3`);
            assert.equal(behaviour.originRequestPolicyId, "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf");
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD", "OPTIONS"], `${label}: preflights allowed`);
            assert.deepEqual(behaviour.cachedMethods, ["GET", "HEAD"], `${label}: preflight answers are not cached`);
        }
        // CORS does not loosen protection: the protected behaviours still trust the key group
        for (const behaviour of behaviours.slice(1)) assert.deepEqual(behaviour.trustedKeyGroups, [keyGroupId]);
        const bucket = rec.one(T.bucket);
        const bucketCors = rec.one(T.bucketCors);
        assert.equal(bucketCors.inputs.bucket, bucket.outputs.bucket);
        assert.equal(bucketCors.parentUrn, bucket.urn);
        const [rule] = bucketCors.inputs.corsRules as { allowedOrigins: string[]; allowedMethods: string[] }[];
        assert.deepEqual(rule.allowedOrigins, origins);
        assert.deepEqual(rule.allowedMethods, ["GET", "HEAD"]);
    });

    it("refuses a wildcard or malformed origin with one line", () => {
        assertConfigError({ corsAllowedOrigins: ["*"] }, "corsAllowedOrigins[0]", /"\*" cannot be used: .*Allow-Credentials/);
        assertConfigError({ corsAllowedOrigins: ["https://app.example.com/"] }, "corsAllowedOrigins[0]", /is not an origin; .*no path or trailing "\/"/);
        assertConfigError({ corsAllowedOrigins: ["app.example.com"] }, "corsAllowedOrigins[0]", /is not an origin/);
        assertConfigError({ corsAllowedOrigins: ["https://a.example.com", "https://A.example.com"] }, "corsAllowedOrigins", /twice/);
        assert.deepEqual(parseStackConfig({ corsAllowedOrigins: '["https://App.Example.com","https://*.example.org:8443"]' }).corsAllowedOrigins, [
            "https://app.example.com",
            "https://*.example.org:8443",
        ]);
    });
});

describe("stack settings: exportPrivateKey", () => {
    it("exportPrivateKey false with storePrivateKey: no privateKeyPem output, the secret ARN is an output", async () => {
        const { rec, module } = await runProgram({ storePrivateKey: "true", exportPrivateKey: "false" });
        assert.equal(module.privateKeyPem, undefined, "no privateKeyPem stack output");
        const secret = rec.one(T.secret);
        assert.equal(await resolve(module.privateKeySecretArn as pulumi.Output<string>), secret.outputs.arn);
        assert.equal(typeof (await resolve(module.privateKeyReadPolicy as pulumi.Output<string>)), "string");
    });

    it("exports the private key (secret) by default", async () => {
        const { module } = await runProgram({ storePrivateKey: "true" });
        assert.ok(pulumi.Output.isInstance(module.privateKeyPem));
        assert.equal(await pulumi.isSecret(module.privateKeyPem as pulumi.Output<string>), true);
    });

    it("refuses exportPrivateKey false without storePrivateKey (nothing could sign)", () => {
        assertConfigError({ exportPrivateKey: "false" }, "exportPrivateKey", /storePrivateKey is false too: nothing could sign; set storePrivateKey to true/);
        assert.equal(parseStackConfig({ exportPrivateKey: false, storePrivateKey: true }).exportPrivateKey, false);
    });
});

describe("stack settings: old versions and encryption", () => {
    it("expires noncurrent versions after 30 days by default, after versioning is enabled", async () => {
        const { rec } = await runProgram({});
        const bucket = rec.one(T.bucket);
        const lifecycle = rec.one(T.lifecycle);
        assert.equal(lifecycle.inputs.bucket, bucket.outputs.bucket);
        assert.equal(lifecycle.parentUrn, bucket.urn);
        const [rule] = lifecycle.inputs.rules as Record<string, unknown>[];
        assert.equal(rule.status, "Enabled");
        assert.deepEqual(rule.filter, { prefix: "" }, "the whole bucket");
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 30 });
        assert.deepEqual(rule.expiration, { expiredObjectDeleteMarker: true });
        assert.equal(rule.prefix, undefined);
    });

    it("honours the configured days, and 0 keeps every version (no lifecycle rule)", async () => {
        const seven = await runProgram({ noncurrentVersionExpirationDays: "7" });
        const [rule] = seven.rec.one(T.lifecycle).inputs.rules as { noncurrentVersionExpiration: unknown }[];
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 7 });
        const forever = await runProgram({ noncurrentVersionExpirationDays: "0" });
        assert.equal(forever.rec.byType(T.lifecycle).length, 0);
        assertConfigError({ noncurrentVersionExpirationDays: "30d" }, "noncurrentVersionExpirationDays", /whole number of days from 0/);
        assertConfigError({ noncurrentVersionExpirationDays: -1 }, "noncurrentVersionExpirationDays", /whole number of days/);
    });

    it("encrypts with SSE-S3 and no bucketKeyEnabled (it does nothing with AES256)", async () => {
        const { rec } = await runProgram({});
        assert.deepEqual(rec.one(T.encryption).inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });
});

describe("stack settings: Pulumi.prod.yaml is a worked example", () => {
    it("says at the top that it needs real values, naming the settings to replace", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        const header = text.split("\n").filter((line) => line.startsWith("#")).slice(0, 6).join("\n");
        assert.ok(text.startsWith("# WORKED EXAMPLE"), "first line marks the file as a worked example");
        for (const name of ["aliases", "certificateArn"]) assert.ok(header.includes(name), `header names ${name}`);
        assert.match(header, /pulumi up --stack prod.*fails|fails.*pulumi up --stack prod/s);
    });

    it("docs/stack.md does not offer `pulumi up --stack prod` without replacing the example values", () => {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "stack.md"), "utf8");
        // every command line that deploys prod comes right after the commands replacing the example values
        const commands = [...docs.matchAll(/^(?:.*&& )?pulumi up --stack prod\b/gm)];
        assert.ok(commands.length > 0, "docs show how to deploy prod");
        for (const command of commands) {
            const before = docs.slice(Math.max(0, (command.index ?? 0) - 400), command.index);
            assert.match(before, /pulumi config set --stack prod certificateArn/);
            assert.match(before, /pulumi config set --stack prod --path 'aliases\[0\]'/);
        }
        assert.match(docs, /worked example/i);
    });

    it("still deploys under the mocks with the example values, exporting no private key", async () => {
        const { rec, module } = await runProgram(stackFileConfig("Pulumi.prod.yaml"), "prod");
        assert.equal(module.privateKeyPem, undefined, "prod stores the key and does not export it");
        assert.equal(rec.byType(T.secret).length, 1);
        assert.equal(await resolve(module.baseUrl as pulumi.Output<string>), "https://cdn.example.com");
    });
});

describe("stack settings: numeric key ids", () => {
    it("accepts the number `pulumi config set --path 'keys[1]' 2027` stores, as the id \"2027\"", async () => {
        assert.deepEqual(parseStackConfig({ keys: '["2026-01",2027]', activeKey: "2027" }).keys, [
            { id: "2026-01", algorithm: "RSA" },
            { id: "2027", algorithm: "RSA" },
        ]);
        assert.deepEqual(parseStackConfig({ keys: [{ id: 2028, algorithm: "ECDSA" }] }).keys, [{ id: "2028", algorithm: "ECDSA" }]);
        const { rec, module } = await runProgram({ keys: '["2026-01",2027]', activeKey: "2027" });
        const ids = (await resolve(module.keyPairIds as pulumi.Output<Record<string, string>>)) as Record<string, string>;
        // (a record lists integer-like keys first: compare as a set; the key group keeps the configured order)
        assert.deepEqual(Object.keys(ids).sort(), ["2026-01", "2027"]);
        assert.deepEqual(rec.one(T.keyGroup).inputs.items, [ids["2026-01"], ids["2027"]]);
        assert.equal(await resolve(module.keyPairId as pulumi.Output<string>), ids["2027"]);
        assert.ok(rec.byName("signing-2027").length > 0);
    });

    it("a numeric id next to an \"<id>:ECDSA:kms\" spec: both generations deploy, the KMS one signs", async () => {
        assert.deepEqual(parseStackConfig({ keys: '[2026,"2027:ECDSA:kms"]', activeKey: "2027" }).keys, [
            { id: "2026", algorithm: "RSA" },
            { id: "2027", algorithm: "ECDSA", source: "kms" },
        ]);
        const { rec, module } = await runProgram({ keys: '[2026,"2027:ECDSA:kms"]', activeKey: "2027" });
        const ids = (await resolve(module.keyPairIds as pulumi.Output<Record<string, string>>)) as Record<string, string>;
        assert.deepEqual(Object.keys(ids).sort(), ["2026", "2027"]);
        assert.equal(await resolve(module.keyPairId as pulumi.Output<string>), ids["2027"]);
        assert.equal(module.signingKeySource, "kms");
        assert.equal(rec.byType("aws:kms/key:Key").length, 1);
    });

    it("refuses other numbers with the --type string fix", () => {
        assertConfigError({ keys: "[2026.5]" }, "keys[0]", /is the number 2026\.5; key ids are strings: set it with pulumi config set --type string --path 'keys\[0\]'/);
        assertConfigError({ keys: [-3] }, "keys[0]", /--type string/);
    });
});

describe("stack settings: tags and access logs", () => {
    it("tags the bucket, the distribution and every uploaded object", async () => {
        const tags = { team: "platform", "cost-center": "1234" };
        const { rec } = await runProgram({ tags: { team: "platform", "cost-center": 1234 }, assetsDir: FIXTURE_ASSETS });
        assert.deepEqual(rec.one(T.bucket).inputs.tags, tags, "numbers from --path become text");
        assert.deepEqual(rec.one(T.distribution).inputs.tags, tags);
        const objects = rec.byType(T.object);
        assert.ok(objects.length > 0);
        for (const object of objects) assert.deepEqual(object.inputs.tags, tags, `${String(object.inputs.key)} tagged`);
        // without tags nothing changes on existing stacks
        const untagged = await runProgram({});
        assert.equal(untagged.rec.one(T.bucket).inputs.tags, undefined);
        assert.equal(untagged.rec.one(T.distribution).inputs.tags, undefined);
    });

    it("refuses invalid tags with one line", () => {
        assertConfigError({ tags: '["team=platform"]' }, "tags", /must be a map .*--path 'tags\.team' platform/);
        assertConfigError({ tags: { "aws:owner": "x" } }, "tags.aws:owner", /reserved for AWS/);
        assertConfigError({ tags: { team: "a".repeat(257) } }, "tags.team", /at most 256/);
        assertConfigError({ tags: { "bad#name": "x" } }, "tags.bad#name", /tag name "bad#name" is invalid/);
        const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, "v"]));
        assert.equal(Object.keys(parseStackConfig({ tags: eleven }).tags).length, 11, "buckets take 50");
        assertConfigError({ tags: eleven, assetsDir: FIXTURE_ASSETS }, "tags", /S3 objects, which take at most 10/);
    });

    it("sends CloudFront standard logs (v2) to accessLogsBucket through us-east-1 log delivery, without ACLs or cookies", async () => {
        // The stack's region is eu-west-1: the delivery objects are in us-east-1 all the same.
        const { rec } = await runProgram({ "aws:region": "eu-west-1", accessLogsBucket: "my-cdn-logs", accessLogsPrefix: "cdn/" });
        const distribution = rec.one(T.distribution);
        assert.equal(distribution.inputs.loggingConfig, undefined, "no legacy logging (it needs bucket ACLs)");
        const provider = rec.resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "access-logs-us-east-1");
        assert.ok(provider, "an explicit aws provider for the log delivery");
        assert.equal(provider.inputs.region, "us-east-1");
        const onUsEast1 = (r: { provider?: string }) => r.provider?.startsWith(`${provider.urn}::`) === true;

        const source = rec.one(T.deliverySource);
        assert.ok(onUsEast1(source), "delivery source through the us-east-1 provider");
        assert.equal(source.inputs.logType, "ACCESS_LOGS");
        assert.equal(source.inputs.resourceArn, distribution.outputs.arn);
        const destination = rec.one(T.deliveryDestination);
        assert.ok(onUsEast1(destination));
        assert.deepEqual(destination.inputs.deliveryDestinationConfiguration, { destinationResourceArn: "arn:aws:s3:::my-cdn-logs/cdn" });
        const delivery = rec.one(T.delivery);
        assert.ok(onUsEast1(delivery));
        assert.equal(delivery.inputs.deliverySourceName, source.outputs.name);
        assert.equal(delivery.inputs.deliveryDestinationArn, destination.outputs.arn);
        assert.deepEqual(delivery.inputs.recordFields, [...ACCESS_LOG_RECORD_FIELDS]);
        assert.ok(!(delivery.inputs.recordFields as string[]).some((f) => /cookie/i.test(f)), "cookies are credentials: never logged");

        // The log bucket lets the delivery service write, for this account's deliveries only (AWS's documented policy).
        const policyResource = rec.resources.find((r) => r.type === T.bucketPolicy && r.name === "access-logs-policy");
        assert.ok(policyResource);
        assert.equal(policyResource.provider, undefined, "the bucket's policy through the stack's own provider");
        assert.equal(policyResource.inputs.bucket, "my-cdn-logs");
        const account = String(distribution.outputs.arn).split(":")[4];
        const doc = JSON.parse(policyResource.inputs.policy as string) as { Statement: { Principal: unknown; Action: unknown; Resource: string; Condition: Record<string, Record<string, string>> }[] };
        assert.deepEqual(doc, accessLogsBucketPolicyDocument("my-cdn-logs", "cdn/", account));
        for (const statement of doc.Statement) {
            assert.deepEqual(statement.Principal, { Service: "delivery.logs.amazonaws.com" });
            assert.equal(statement.Condition.StringEquals["aws:SourceAccount"], account);
            assert.equal(statement.Condition.ArnLike["aws:SourceArn"], `arn:aws:logs:us-east-1:${account}:*`);
        }
        assert.equal(doc.Statement[0].Action, "s3:PutObject");
        assert.equal(doc.Statement[0].Resource, "arn:aws:s3:::my-cdn-logs/cdn/*");
        assert.equal(doc.Statement[0].Condition.StringEquals["s3:x-amz-acl"], "bucket-owner-full-control");
        assert.deepEqual(doc.Statement[1].Action, ["s3:GetBucketAcl", "s3:ListBucket"]);
        assert.equal(doc.Statement[1].Resource, "arn:aws:s3:::my-cdn-logs");
        // No ACL is granted or needed anywhere.
        assert.equal(rec.resources.filter((r) => /BucketAcl|bucketAcl/.test(r.type)).length, 0);

        const none = await runProgram({});
        assert.equal(none.rec.one(T.distribution).inputs.loggingConfig, undefined);
        for (const type of [T.deliverySource, T.deliveryDestination, T.delivery]) assert.equal(none.rec.byType(type).length, 0);
        assert.equal(none.rec.resources.filter((r) => r.type === "pulumi:providers:aws").length, 0, "no extra provider without access logs");
        assert.equal(accessLogsDestinationArn("logs", undefined), "arn:aws:s3:::logs");
        assert.equal(parseStackConfig({ accessLogsBucket: "my-cdn-logs.s3.amazonaws.com" }).accessLogsBucket, "my-cdn-logs");
        assertConfigError({ accessLogsBucket: "My_Logs" }, "accessLogsBucket", /is not an S3 bucket name/);
        assertConfigError({ accessLogsPrefix: "cdn/" }, "accessLogsPrefix", /accessLogsBucket is empty/);
        assertConfigError({ accessLogsBucket: "logs-bucket", accessLogsPrefix: "/cdn/" }, "accessLogsPrefix", /must not start with "\/"/);
    });
});

describe("stack settings: documentation", () => {
    it("README's configuration table and docs/stack.md's reference list every setting", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const docs = fs.readFileSync(path.join(ROOT, "docs", "stack.md"), "utf8");
        for (const key of CONFIG_KEYS) {
            assert.match(readme, new RegExp(`^\\| \`${key}\` \\|`, "m"), `README.md configuration table: ${key}`);
            assert.match(docs, new RegExp(`^\\| \`${key}\` \\|`, "m"), `docs/stack.md configuration reference: ${key}`);
        }
    });
});

describe("stack settings: pure builders", () => {
    it("withCors leaves behaviours alone without a policy, and adds policy, origin request policy and OPTIONS with one", () => {
        const built = buildCacheBehaviours(["/private/*"]);
        assert.equal(withCors(built, undefined), built);
        const cors = withCors(built, "policy-id");
        for (const behaviour of [cors.defaultCacheBehavior, ...cors.orderedCacheBehaviors]) {
            assert.equal(behaviour.responseHeadersPolicyId, "policy-id");
            assert.equal(behaviour.originRequestPolicyId, CORS_S3_ORIGIN_REQUEST_POLICY_ID);
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD", "OPTIONS"]);
            assert.deepEqual(behaviour.cachedMethods, ["GET", "HEAD"]);
        }
        assert.equal(cors.orderedCacheBehaviors[0].pathPattern, "/private/*");
        assert.deepEqual(built.defaultCacheBehavior.allowedMethods, ["GET", "HEAD"], "the input is not modified");
        assert.notEqual(cors.defaultCacheBehavior.allowedMethods, cors.orderedCacheBehaviors[0].allowedMethods, "fresh arrays per behaviour");
    });

    it("CORS configs list exactly the origins, with credentials, for CloudFront and S3 alike", () => {
        const config = corsResponseHeadersConfig(["https://a.example.com"]);
        assert.equal(config.accessControlAllowCredentials, true);
        assert.deepEqual(config.accessControlAllowOrigins.items, ["https://a.example.com"]);
        assert.ok(!config.accessControlAllowHeaders.items.includes("*"), "a wildcard is literal on credentialed requests");
        const [rule] = s3CorsRules(["https://a.example.com"]);
        assert.deepEqual(rule.allowedOrigins, ["https://a.example.com"]);
        assert.deepEqual(rule.allowedHeaders, config.accessControlAllowHeaders.items);
        assert.equal(rule.maxAgeSeconds, config.accessControlMaxAgeSec);
    });

    it("lifecycle rules, tags and logging config", () => {
        assert.deepEqual(noncurrentVersionLifecycleRules(0), []);
        assert.equal(noncurrentVersionLifecycleRules(45)[0].noncurrentVersionExpiration.noncurrentDays, 45);
        assert.equal(resourceTags({}), undefined);
        const tags = { team: "x" };
        assert.deepEqual(resourceTags(tags), tags);
        assert.notEqual(resourceTags(tags), tags, "a copy per resource");
        assert.equal(accessLogsDestinationArn("logs", "a/b/"), "arn:aws:s3:::logs/a/b");
        assert.equal(accessLogsBucketPolicyDocument("logs", undefined, "111122223333").Statement[0].Resource, "arn:aws:s3:::logs/*");
    });
});

describe("stack settings: tags on every taggable resource (provider schema)", () => {
    /** Whether @pulumi/aws's args for this type token (e.g. aws:cloudfront/function:Function) take `tags`. */
    function taggable(type: string): boolean {
        const [, module, name] = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type) ?? [];
        assert.ok(module && name, `not an aws resource type: ${type}`);
        const dts = fs.readFileSync(require.resolve(`@pulumi/aws/${module}/${name}.d.ts`.replace(/\.d\.ts$/, ".js")).replace(/\.js$/, ".d.ts"), "utf8");
        const args = new RegExp(`export interface ${name[0].toUpperCase()}${name.slice(1)}Args \\{([\\s\\S]*?)\\n\\}`).exec(dts);
        assert.ok(args, `${type}: no Args interface found`);
        return /\n {4}tags\?: /.test(args[1]);
    }

    it("every AWS resource whose provider schema takes tags gets the stack's tags, and no other gets any", async () => {
        const tags = { team: "platform", "cost-center": "cdn-1234" };
        const { rec } = await runProgram({
            tags,
            keys: '["2026-01:ECDSA:kms","2026-07:ECDSA"]',
            activeKey: "2026-07",
            storePrivateKey: true,
            exportPrivateKey: false,
            corsAllowedOrigins: '["https://app.example.com"]',
            accessLogsBucket: "my-cdn-logs",
            assetsDir: FIXTURE_ASSETS,
        });
        const aws = rec.resources.filter((r) => r.type.startsWith("aws:"));
        const types = new Set(aws.map((r) => r.type));
        // The run covers the resources tags matter for: KMS key, secret, path guard function, CORS policy.
        for (const type of ["aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:cloudfront/function:Function", T.responseHeadersPolicy, T.distribution, T.bucket]) {
            assert.ok(types.has(type), `the run creates a ${type} (got ${[...types].join(", ")})`);
        }
        const missing: string[] = [];
        for (const resource of aws) {
            if (taggable(resource.type)) {
                if (!isDeepStrictEqual(resource.inputs.tags, tags)) missing.push(`${resource.type} ${resource.name}: ${JSON.stringify(resource.inputs.tags)}`);
            } else {
                assert.equal(resource.inputs.tags, undefined, `${resource.type} takes no tags`);
            }
        }
        assert.deepEqual(missing, [], "taggable resources without the stack's tags");
    });
});
