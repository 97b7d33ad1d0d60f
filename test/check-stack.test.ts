// `npm run check-stack`: a stack's config checked the way `pulumi preview` checks it (the stack program under the
// SDK's cmd/run against the fake engine), what it prints, the policy config it writes, and its one-line errors.
// Two launches of the program in all (a good stack and a stack with a mistyped key), shared by the assertions.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { PolicyConfigSchema } from "@pulumi/policy";

import { packRules } from "../policy/rules";
import { startSecretTracking } from "../policy/secrets";
import { policyConfigFor, renderReport, showValue, StackReport } from "../scripts/checkStack/report";
import { Secret, UNKNOWN } from "../scripts/host/wire";

const ROOT = path.resolve(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "scripts", "checkStack", "main.js");
const PROJECT = "cloudfront-signed-content";
const rules = packRules(startSecretTracking());

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

function checkStack(args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** The subset of JSON schema the policy config schemas use; returns the problems (none = valid). */
function schemaProblems(schema: PolicyConfigSchema, value: unknown, where: string): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where} is not an object`];
    const problems: string[] = [];
    for (const [key, v] of Object.entries(value)) {
        if (key === "enforcementLevel") continue;
        const property = schema.properties[key] as { type?: string; items?: { type?: string; pattern?: string }; uniqueItems?: boolean } | undefined;
        if (!property) {
            problems.push(`${where}.${key} is not in the schema`);
            continue;
        }
        if (property.type === "boolean" && typeof v !== "boolean") problems.push(`${where}.${key} is not a boolean`);
        if (property.type === "array") {
            if (!Array.isArray(v)) {
                problems.push(`${where}.${key} is not an array`);
                continue;
            }
            if (property.uniqueItems && new Set(v).size !== v.length) problems.push(`${where}.${key} repeats an item`);
            for (const item of v) {
                if (property.items?.type === "string" && typeof item !== "string") problems.push(`${where}.${key} has a non-string item`);
                else if (property.items?.pattern && !new RegExp(property.items.pattern).test(String(item))) problems.push(`${where}.${key} item ${JSON.stringify(item)} does not match ${property.items.pattern}`);
            }
        }
    }
    return problems;
}

/** A policy pack config file checked as the engine checks it: known policies, levels, each against its schema. */
function policyConfigProblems(config: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(config)) {
        const policy = rules.find((r) => r.name === name);
        if (!policy) {
            problems.push(`${name} is not a policy of the pack`);
            continue;
        }
        if (typeof entry === "string") {
            if (!["advisory", "mandatory", "remediate", "disabled"].includes(entry)) problems.push(`${name}: ${entry} is not an enforcement level`);
            continue;
        }
        if (!policy.configSchema) problems.push(`${name} takes no configuration`);
        else problems.push(...schemaProblems(policy.configSchema, entry, name));
    }
    return problems;
}

function stackProtectedPaths(file: string): string[] {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return doc.config[`${PROJECT}:protectedPaths`] as string[];
}

describe("check-stack: a stack previewed without the Pulumi CLI", function () {
    this.timeout(240_000);
    let dir: string;
    let policyFile: string;
    let good: Run;
    let typo: Run;

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-check-stack-"));
        // The project file, its program where it is: the stack files are copies in a folder of their own.
        const project = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").replace(/^main: infra\/$/m, `main: ${path.join(ROOT, "infra")}/`);
        assert.notEqual(project, fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"), "Pulumi.yaml names main: infra/");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project);
        fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.typo.yaml"),
            [
                "config:",
                "  aws:region: us-east-1",
                `  ${PROJECT}:protectedPath:`,
                "    - /private/*",
                `  ${PROJECT}:accessLogsPrefix:`,
                "    secure: AAABAGV4YW1wbGU=",
                "",
            ].join("\n"),
        );
        policyFile = path.join(dir, "policy-config.json");
        [good, typo] = await Promise.all([
            checkStack(["--stack", "prod", "--cwd", dir, "--write-policy-config", policyFile]),
            checkStack(["--stack", "typo", "--cwd", dir]),
        ]);
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("prints the resources pulumi up would create", () => {
        assert.equal(good.code, 0, good.stderr);
        const resources = good.stdout.split("\n").filter((line) => line.startsWith("  + ")).map((line) => line.slice(4).trim().split(/\s+/).join(" "));
        for (const expected of [
            "aws:cloudfront/distribution:Distribution cdn",
            "aws:cloudfront/keyGroup:KeyGroup signing",
            "aws:cloudfront/publicKey:PublicKey signing-2026-05",
            "aws:cloudfront/publicKey:PublicKey signing-2026-11",
            "aws:cloudfront/function:Function path-guard",
            "aws:secretsmanager/secret:Secret signing-private-key",
            "aws:s3/bucket:Bucket content",
        ]) {
            assert.ok(resources.some((r) => r === expected || r.startsWith(`${expected.split(" ")[0]} `) && r.endsWith(expected.split(" ")[1])), `${expected} in:\n${resources.join("\n")}`);
        }
        assert.match(good.stdout, new RegExp(`would create ${resources.length} resources`));
    });

    it("prints which behaviours are signed and which carry the path guard, in CloudFront's order", () => {
        const behaviours = good.stdout.split("Cache behaviours of cdn")[1]?.split("\n\n")[0].split("\n").slice(1).map((l) => l.trim().replace(/\s+/g, " "));
        assert.deepEqual(behaviours, [
            "/private/* signed (trusted key groups)",
            "/downloads/*.pdf signed (trusted key groups)",
            "default (*) public (no signature), path guard (viewer request)",
        ]);
    });

    it("prints the outputs, unknown ones as such", () => {
        assert.match(good.stdout, /^ {2}protectedPaths: \["\/private\/\*", "\/downloads\/\*\.pdf"\]$/m);
        assert.match(good.stdout, /^ {2}distributionDomainName: \(known after pulumi up\)$/m);
        assert.match(good.stdout, /^ {2}signingKeySource: "tls"$/m);
        assert.doesNotMatch(good.stdout, /^ {2}privateKeyPem:/m, "exportPrivateKey: false");
        assert.doesNotMatch(good.stdout, /BEGIN [A-Z ]*PRIVATE KEY/);
    });

    it("writes the policy config of the stack: valid, with its protectedPaths and the path guard on", () => {
        const written = JSON.parse(fs.readFileSync(policyFile, "utf8")) as Record<string, unknown>;
        assert.deepEqual(policyConfigProblems(written), []);
        assert.deepEqual(written, {
            "cloudfront-protected-paths-signed": { protectedPatterns: stackProtectedPaths(path.join(ROOT, "Pulumi.prod.yaml")) },
            "cloudfront-path-guard": { enabled: true },
        });
        assert.match(good.stdout, new RegExp(`--policy-pack-config ${policyFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    });

    it("exits non-zero with the program's one-line error for a mistyped key, saying a secure value was not decrypted", () => {
        assert.equal(typo.code, 1, typo.stdout + typo.stderr);
        const errors = typo.stderr.split("\n").filter((l) => l.startsWith("error:"));
        assert.deepEqual(errors, [`error: ${PROJECT}:protectedPath is not a setting of this project; did you mean ${PROJECT}:protectedPaths?`]);
        assert.match(typo.stderr, new RegExp(`^note: ${PROJECT}:accessLogsPrefix is encrypted \\(secure:\\) and cannot be decrypted here`, "m"));
        assert.doesNotMatch(typo.stderr, /^\s+at /m);
        assert.equal(typo.stdout, "");
    });

    it("names the stacks that exist when the stack is unknown", async () => {
        const run = await checkStack(["--stack", "staging", "--cwd", dir]);
        assert.equal(run.code, 2);
        assert.equal(run.stderr, `error: no stack "staging": there is no Pulumi.staging.yaml in ${dir}; stacks: prod, typo\n`);
        assert.equal(run.stdout, "");
    });

    it("ships an example policy config that the pack's schemas accept", () => {
        const example = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "policy-config.example.json"), "utf8")) as Record<string, unknown>;
        assert.deepEqual(policyConfigProblems(example), []);
        assert.deepEqual(policyConfigProblems({ "cloudfront-protected-paths-signed": { protectedPattern: ["/private/*"] } }), [
            "cloudfront-protected-paths-signed.protectedPattern is not in the schema",
        ]);
    });
});

describe("check-stack report", () => {
    const report = (behaviours: StackReport["distributions"][number]["behaviours"]): StackReport => ({ stack: "s", resources: [], distributions: [{ name: "cdn", behaviours }], outputs: {} });

    it("shows secrets as [secret] and unknown values as such", () => {
        assert.equal(showValue(new Secret("-----BEGIN PRIVATE KEY-----")), "[secret]");
        assert.equal(showValue(UNKNOWN), "(known after pulumi up)");
        assert.equal(showValue(["/a/*", UNKNOWN]), '["/a/*", (known after pulumi up)]');
    });

    it("turns the path-guard policy off when an unsigned behaviour runs without the guard (pathGuard: false)", () => {
        const config = policyConfigFor(
            report([
                { pathPattern: "/private/*", isDefault: false, signed: true, pathGuard: false },
                { pathPattern: "*", isDefault: true, signed: false, pathGuard: false },
            ]),
        );
        assert.deepEqual(config, { "cloudfront-protected-paths-signed": { protectedPatterns: ["/private/*"] }, "cloudfront-path-guard": { enabled: false } });
        assert.deepEqual(policyConfigFor(report([{ pathPattern: "*", isDefault: true, signed: true, pathGuard: false }]))["cloudfront-protected-paths-signed"], { protectedPatterns: ["*"] });
    });

    it("says which secure values a placeholder stood in for", () => {
        assert.match(renderReport(report([]), [`${PROJECT}:accessLogsPrefix`]), /Not decrypted \(secure: values; a placeholder stood in\): cloudfront-signed-content:accessLogsPrefix/);
    });
});
