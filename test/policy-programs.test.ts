// The policy pack over real programs: each program runs under the Pulumi mocks with its stack files, every rule
// runs over what it registers (inputs for resource policies, outputs and stack exports for stack policies) and
// finds nothing; then each rule's target is broken, through the program's config where a setting can break it,
// otherwise on the recorded resources, and exactly that rule must fire. Add a program with one PROGRAMS entry.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";

import { packRules } from "../policy/rules";
import { startSecretTracking } from "../policy/secrets";
import { generateTlsKey } from "../scripts/host/tlsKeys";
import { installMocks } from "./harness/mocks";
import { PackConfig, PolicyRun, ResourceSpec, ROOT_STACK_TYPE, StackSnapshot, Violation, runRules, snapshotOf } from "./harness/policy";

const ROOT = path.resolve(__dirname, "..");
const rules = packRules(startSecretTracking());

const T = {
    distribution: "aws:cloudfront/distribution:Distribution",
    publicKey: "aws:cloudfront/publicKey:PublicKey",
    keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    tlsKey: "tls:index/privateKey:PrivateKey",
};

/** One way to break a program so that exactly `rule` fires. */
interface Break {
    rule: string;
    what: string;
    /** config values (full keys) laid over the stack's config: the program itself produces the violation */
    config?: Record<string, string>;
    /** no setting can produce it: the violation is constructed on the recorded resources */
    construct?: (snapshot: StackSnapshot) => void;
}

interface ProgramUnderPolicy {
    /** label, e.g. "infra" */
    name: string;
    /** the project folder holding Pulumi.yaml and the stack files */
    dir: string;
    /** the program's entry module, relative to the repository root */
    main: string;
    /** stack name -> stack file in `dir` */
    stacks: Record<string, string>;
    /** further stacks: a stack file of `stacks` with settings laid over it (e.g. KMS key generations) */
    variants?: { stack: string; file: string; label: string; config: Record<string, string>; shows?: (snapshot: StackSnapshot) => void; breaks?: Break[] }[];
    /** policy config the program is checked with, per stack file (default: none, i.e. the schemas' defaults) */
    policyConfig?: (stackFile: string) => PackConfig;
    breaks: Break[];
}

function specsOf(specs: ResourceSpec[], type: string): ResourceSpec[] {
    const found = specs.filter((s) => s.type === type);
    assert.ok(found.length > 0, `the program registers no ${type}`);
    return found;
}

type Behaviour = Record<string, unknown>;

const INFRA_BREAKS: Break[] = [
    {
        rule: "cloudfront-protected-paths-signed",
        what: "protectedPaths no longer lists /private/*, so the unsigned default behaviour serves it",
        config: { "cloudfront-signed-content:protectedPaths": JSON.stringify(["/downloads/*"]) },
    },
    {
        rule: "cloudfront-path-guard",
        what: "pathGuard false: the default behaviour loses its viewer-request guard",
        config: { "cloudfront-signed-content:pathGuard": "false" },
    },
    {
        rule: "cloudfront-public-key-autonamed-spki",
        what: "constructed (the component never names keys): a public key with a fixed name",
        construct: (s) => {
            specsOf(s.inputs, T.publicKey)[0].props.name = "signing-key";
        },
    },
    {
        rule: "cloudfront-key-group-quotas",
        what: "constructed (config refuses more than 5 keys): a key group with 6 keys",
        construct: (s) => {
            const group = specsOf(s.inputs, T.keyGroup)[0];
            const items = group.props.items as string[];
            group.props.items = [...items, ...["K1", "K2", "K3", "K4", "K5", "K6"].slice(0, 6 - items.length)];
        },
    },
    {
        rule: "cloudfront-https-only",
        what: "constructed (viewer protocol policy is not a setting): the default behaviour allows plain HTTP",
        construct: (s) => {
            (specsOf(s.inputs, T.distribution)[0].props.defaultCacheBehavior as Behaviour).viewerProtocolPolicy = "allow-all";
        },
    },
    {
        rule: "cloudfront-s3-origin-access-control",
        what: "constructed (the origin always uses OAC): the S3 origin uses a legacy origin access identity",
        construct: (s) => {
            const origin = (specsOf(s.inputs, T.distribution)[0].props.origins as Record<string, unknown>[])[0];
            delete origin.originAccessControlId;
            origin.s3OriginConfig = { originAccessIdentity: "origin-access-identity/cloudfront/E2QWRUHAPOMQZL" };
        },
    },
    {
        rule: "cloudfront-s3-origin-bucket-private",
        what: "constructed (the block is not configurable): the origin bucket's public access block allows public policies",
        construct: (s) => {
            specsOf(s.outputs, T.publicAccessBlock)[0].props.blockPublicPolicy = false;
        },
    },
    {
        rule: "cloudfront-signing-keys",
        what: "constructed (keys are always RSA 2048 or P-256): a signing key on the provider's default curve P224",
        construct: (s) => {
            const key = specsOf(s.outputs, T.tlsKey)[0];
            Object.assign(key.props, { algorithm: "ECDSA", ecdsaCurve: "P224" });
        },
    },
    {
        rule: "cloudfront-private-key-outputs-secret",
        what: "constructed (the program always wraps it in pulumi.secret): the privateKeyPem stack output exported in plain text",
        construct: (s) => {
            const stack = specsOf(s.outputs, ROOT_STACK_TYPE)[0];
            const secretPaths = stack.secretPaths ?? [];
            const path = JSON.stringify(["privateKeyPem"]);
            if (stack.props.privateKeyPem === undefined) {
                // exportPrivateKey: false (prod) exports no key at all: export one in plain text.
                stack.props.privateKeyPem = generateTlsKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
            } else {
                assert.ok(secretPaths.includes(path), "privateKeyPem is exported as a secret");
            }
            stack.secretPaths = secretPaths.filter((p) => p !== path);
        },
    },
];

/** Only where a tls generation is exported next to a KMS one (the variant below); prod exports no keys at all. */
const PRIVATE_KEY_PEMS_BREAK: Break = {
    rule: "cloudfront-private-key-outputs-secret",
    what: "constructed (the component always wraps it in pulumi.secret): the privateKeyPems map exported in plain text",
    construct: (s) => {
        const stack = specsOf(s.outputs, ROOT_STACK_TYPE)[0];
        const path = JSON.stringify(["privateKeyPems"]);
        assert.ok((stack.secretPaths ?? []).includes(path), "privateKeyPems is exported as a secret");
        assert.ok(Object.keys(stack.props.privateKeyPems as object).length > 0, "privateKeyPems holds a tls generation's key");
        stack.secretPaths = (stack.secretPaths ?? []).filter((p) => p !== path);
    },
};

const KMS_KEY_SPEC_BREAK: Break = {
    rule: "cloudfront-signing-keys",
    what: "constructed (the component only makes RSA_2048 / ECC_NIST_P256 keys; the mocks record no property dependencies, the engine sends encodedKey's dependency on the KMS key): a KMS key of spec ECC_NIST_P384",
    construct: (s) => {
        const kmsKey = specsOf(s.outputs, "aws:kms/key:Key")[0];
        Object.assign(kmsKey.props, { customerMasterKeySpec: "ECC_NIST_P384", keySpec: "ECC_NIST_P384" });
        const publicKey = specsOf(s.outputs, T.publicKey).find((k) => k.name === kmsKey.name)!;
        publicKey.propertyDependencies = { encodedKey: [kmsKey.urn!] };
    },
};

/** examples/existing-distribution has no setting to break: every violation is constructed on its resources. */
const EXAMPLE_BREAKS: Break[] = [
    ...INFRA_BREAKS.filter((b) => b.config === undefined && b.rule !== "cloudfront-s3-origin-access-control"),
    {
        rule: "cloudfront-protected-paths-signed",
        what: "constructed: the /reports/* behaviour also trusts legacy trusted signers (the account's CloudFront key pairs)",
        construct: (s) => {
            const ordered = specsOf(s.inputs, T.distribution)[0].props.orderedCacheBehaviors as Behaviour[];
            ordered.find((b) => b.pathPattern === "/reports/*")!.trustedSigners = ["self"];
        },
    },
    {
        rule: "cloudfront-path-guard",
        what: "constructed: the unsigned /static/* behaviour (it reads the files bucket) loses its path guard",
        construct: (s) => {
            const ordered = specsOf(s.inputs, T.distribution)[0].props.orderedCacheBehaviors as Behaviour[];
            delete ordered.find((b) => b.pathPattern === "/static/*")!.functionAssociations;
        },
    },
    {
        rule: "cloudfront-s3-origin-access-control",
        what: "constructed: the files bucket origin uses a legacy origin access identity",
        construct: (s) => {
            const origins = specsOf(s.inputs, T.distribution)[0].props.origins as Record<string, unknown>[];
            const files = origins.find((o) => o.originAccessControlId !== undefined)!;
            delete files.originAccessControlId;
            files.s3OriginConfig = { originAccessIdentity: "origin-access-identity/cloudfront/E2QWRUHAPOMQZL" };
        },
    },
];

/** The programs the pack must accept as they are. */
const PROGRAMS: ProgramUnderPolicy[] = [
    {
        name: "infra",
        dir: ".",
        main: "infra/index.ts",
        stacks: { dev: "Pulumi.dev.yaml", prod: "Pulumi.prod.yaml" },
        // KMS key generations: the active key never leaves KMS (kmsKeyArn and kmsSigningPolicy outputs, its
        // CloudFront public key from kms:GetPublicKey, no tls key behind it); the older tls key is still trusted
        // and exported in the secret privateKeyPems map.
        variants: [
            {
                stack: "dev",
                file: "Pulumi.dev.yaml",
                label: "with KMS key generations (keys 2026-01, 2026-07:ECDSA:kms, 2026-09:RSA:kms)",
                config: { "cloudfront-signed-content:keys": JSON.stringify(["2026-01", "2026-07:ECDSA:kms", "2026-09:RSA:kms"]) },
                shows: (s) => {
                    const exports = specsOf(s.outputs, ROOT_STACK_TYPE)[0];
                    assert.equal(exports.props.privateKeyPem, undefined, "the active key is in KMS: no privateKeyPem");
                    assert.match(String(exports.props.kmsKeyArn), /^arn:aws:kms:/);
                    assert.match(String(exports.props.kmsSigningPolicy), /kms:Sign/);
                    assert.deepEqual(Object.keys(exports.props.privateKeyPems as object), ["2026-01"]);
                    assert.equal(specsOf(s.inputs, "aws:kms/key:Key").length, 2);
                    const tlsPems = new Set(specsOf(s.outputs, T.tlsKey).map((k) => k.props.publicKeyPem));
                    const fromKms = specsOf(s.inputs, T.publicKey).filter((k) => !tlsPems.has(k.props.encodedKey));
                    assert.equal(fromKms.length, 2, "two CloudFront public keys fed by kms:GetPublicKey, no tls key");
                },
                breaks: [PRIVATE_KEY_PEMS_BREAK, KMS_KEY_SPEC_BREAK],
            },
        ],
        // The pack checks exactly the patterns the stack file protects (prod: also /downloads/*.pdf).
        policyConfig: (stackFile) => ({
            "cloudfront-protected-paths-signed": { protectedPatterns: (loadYaml(path.join(ROOT, stackFile)).config as Record<string, unknown>)["cloudfront-signed-content:protectedPaths"] },
        }),
        breaks: INFRA_BREAKS,
    },
    {
        name: "examples/existing-distribution",
        dir: "examples/existing-distribution",
        main: "examples/existing-distribution/index.ts",
        // No stack file: the project's defaults are the whole configuration.
        stacks: { dev: "" },
        policyConfig: () => ({ "cloudfront-protected-paths-signed": { protectedPatterns: ["/downloads/*", "/reports/*"] } }),
        breaks: EXAMPLE_BREAKS,
    },
];

function loadYaml(file: string): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
}

/** What the CLI hands the program: Pulumi.yaml defaults (namespaced by the project), then the stack file. */
function stackConfig(program: ProgramUnderPolicy, stackFile: string): Record<string, string> {
    const project = loadYaml(path.join(ROOT, program.dir, "Pulumi.yaml"));
    const asString = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
    const config: Record<string, string> = {};
    for (const [key, setting] of Object.entries((project.config ?? {}) as Record<string, { default?: unknown }>)) {
        if (setting && typeof setting === "object" && "default" in setting) config[`${String(project.name)}:${key}`] = asString(setting.default);
    }
    const stackSettings = stackFile === "" ? {} : (loadYaml(path.join(ROOT, program.dir, stackFile)).config ?? {});
    for (const [key, value] of Object.entries(stackSettings as Record<string, unknown>)) {
        config[key] = asString(value);
    }
    return config;
}

/** Runs the program afresh under new mocks and returns what the engine would show the pack. */
async function snapshotProgram(program: ProgramUnderPolicy, stack: string, config: Record<string, string>): Promise<StackSnapshot> {
    const rec = installMocks({ stack });
    pulumi.runtime.setAllConfig(config);
    const entry = require.resolve(path.join(ROOT, program.main));
    delete require.cache[entry];
    const stackExports = require(entry) as Record<string, unknown>;
    await rec.settled();
    const snapshot = await snapshotOf(rec, stackExports);
    await rec.settled();
    return snapshot;
}

const key = (v: Violation) => JSON.stringify([v.policy, v.urn ?? "", v.message]);
const describeViolations = (run: PolicyRun) => run.violations.map((v) => `${v.policy}: ${v.message}`).join("\n") || "(none)";

describe("policy pack over the programs (Pulumi mocks)", function () {
    this.timeout(120000);

    for (const program of PROGRAMS) {
        const stacks: NonNullable<ProgramUnderPolicy["variants"]> = [
            ...Object.entries(program.stacks).map(([stack, file]) => ({ stack, file, label: "", config: {} })),
            ...(program.variants ?? []),
        ];
        for (const { stack, file: stackFile, label, config: overlay, shows, breaks: more } of stacks) {
            const breaks = [...program.breaks, ...(more ?? [])];
            describe(`${program.name} ${stackFile || "(project defaults)"}${label ? ` ${label}` : ""}`, () => {
                const policyConfig = program.policyConfig?.(path.join(program.dir, stackFile)) ?? {};
                let baseline: PolicyRun;
                let config: Record<string, string>;
                let unbroken: StackSnapshot;

                before(async () => {
                    config = { ...stackConfig(program, stackFile), ...overlay };
                    unbroken = await snapshotProgram(program, stack, config);
                    baseline = await runRules(rules, unbroken, policyConfig);
                });

                if (shows) it("registers what the configuration is about", () => shows(unbroken));

                it("every rule passes", () => {
                    assert.equal(baseline.violations.length, 0, `violations:\n${describeViolations(baseline)}`);
                    assert.deepEqual(baseline.previewNotes, [], "every value is known outside preview");
                });

                for (const broken of breaks) {
                    it(`${broken.rule} fires, and only it: ${broken.what}`, async () => {
                        const snapshot = await snapshotProgram(program, stack, { ...config, ...(broken.config ?? {}) });
                        broken.construct?.(snapshot);
                        const run = await runRules(rules, snapshot, policyConfig);
                        // Compared with the unbroken program, so a rule that already fires there cannot pass for it.
                        const before = new Set(baseline.violations.map(key));
                        const added = run.violations.filter((v) => !before.has(key(v)));
                        assert.ok(added.length > 0, `${broken.rule} did not fire; violations:\n${describeViolations(run)}`);
                        assert.deepEqual([...new Set(added.map((v) => v.policy))], [broken.rule], `violations:\n${describeViolations(run)}`);
                        assert.ok(!baseline.violations.some((v) => v.policy === broken.rule), `${broken.rule} already fires on the unbroken program`);
                    });
                }
            });
        }
    }
});
