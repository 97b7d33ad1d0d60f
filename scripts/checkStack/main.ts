// `npm run check-stack -- --stack NAME`: what `pulumi preview` would say about a stack, without the Pulumi CLI or AWS.
// Reads Pulumi.NAME.yaml over the defaults of Pulumi.yaml's config schema, runs the stack program the way
// `pulumi preview` runs it (the SDK's @pulumi/pulumi/cmd/run, dry run, against the loopback fake engine of
// scripts/host), then prints what `pulumi up` would create, or the program's one-line config error.
import * as fs from "node:fs";
import * as path from "node:path";

import { PULUMI_POLICY_NAMES, StackReport, policyConfigFor, renderReport, reportOf } from "./report";
import { listStacks, readProject, readStackConfig, stackFile } from "../host/project";
import { runProgram } from "../host/program";

const USAGE = `Usage: npm run check-stack -- --stack NAME [--cwd DIR] [--write-policy-config FILE] [--timeout SECONDS]

Runs the stack program as \`pulumi preview\` does (the SDK's cmd/run against a local fake engine: no Pulumi CLI,
no AWS) with Pulumi.NAME.yaml over the defaults of Pulumi.yaml, and prints what \`pulumi up\` would create: the
resources, the distribution's cache behaviours (signed or not, path guard or not) and the stack outputs. A bad
setting exits 1 with the program's one-line error. Encrypted (secure:) values cannot be decrypted here: a
placeholder stands in for each, and the output says so.

Options:
  --stack NAME                  the stack (Pulumi.NAME.yaml); required
  --cwd DIR                     the project folder (Pulumi.yaml); default: the current folder
  --write-policy-config FILE    also write the policy pack config for this stack (its protected patterns and
                                whether the path guard is on) to FILE, for
                                \`pulumi preview --policy-pack policy --policy-pack-config FILE\`
  --timeout SECONDS             give up on the program after this long; default 180
  --help                        this text`;

class UsageError extends Error {}

interface Options {
    stack: string;
    cwd: string;
    writePolicyConfig?: string;
    timeoutSeconds: number;
}

function parseArgs(argv: readonly string[]): Options | "help" {
    const values: Record<string, string> = {};
    const names = ["--stack", "--cwd", "--write-policy-config", "--timeout"];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") return "help";
        const eq = arg.indexOf("=");
        const name = eq > 0 ? arg.slice(0, eq) : arg;
        if (!names.includes(name)) throw new UsageError(`unknown argument ${JSON.stringify(arg)}; options: ${names.join(", ")} (--help)`);
        if (name in values) throw new UsageError(`${name} is given twice; give it once`);
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${name} needs a value`);
        values[name] = value;
    }
    if (values["--stack"] === undefined) throw new UsageError("--stack NAME is required (the stack whose Pulumi.NAME.yaml to check)");
    const timeoutSeconds = values["--timeout"] === undefined ? 180 : Number(values["--timeout"]);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 3600) throw new UsageError("--timeout must be a whole number of seconds from 1 to 3600");
    return { stack: values["--stack"], cwd: path.resolve(values["--cwd"] ?? "."), writePolicyConfig: values["--write-policy-config"], timeoutSeconds };
}

/** Control characters out of anything echoed from files or the program. */
function printable(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The program's own error: the first line of the first error it logged (RunError: just the message). */
function programError(messages: readonly string[], stderr: string, timedOut: boolean, timeoutSeconds: number): string {
    if (timedOut) return `the stack program did not finish within ${timeoutSeconds} s (--timeout)`;
    const first = messages.map((m) => m.trim()).find((m) => m !== "");
    if (first !== undefined) return first.split("\n")[0];
    const lastLine = stderr.trim().split("\n").filter((l) => l.trim() !== "").pop();
    return lastLine ? `the stack program failed: ${lastLine.trim()}` : "the stack program failed without a message";
}

function writeFileAtomically(file: string, text: string): void {
    const target = path.resolve(file);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, target);
}

async function main(argv: readonly string[]): Promise<number> {
    const options = parseArgs(argv);
    if (options === "help") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (!fs.existsSync(path.join(options.cwd, "Pulumi.yaml"))) throw new UsageError(`${options.cwd} has no Pulumi.yaml; run from the project folder or give --cwd DIR`);
    if (options.writePolicyConfig !== undefined && !fs.existsSync(path.dirname(path.resolve(options.writePolicyConfig)))) {
        throw new UsageError(`--write-policy-config: the folder of ${options.writePolicyConfig} does not exist`);
    }
    const project = readProject(options.cwd);
    if (stackFile(project.root, options.stack) === undefined) {
        const stacks = listStacks(project.root);
        throw new UsageError(
            `no stack ${JSON.stringify(options.stack)}: there is no Pulumi.${options.stack}.yaml in ${project.root}; ` +
                (stacks.length > 0 ? `stacks: ${stacks.join(", ")}` : "it has no stack files (pulumi stack init NAME)"),
        );
    }
    const stackConfig = readStackConfig(project, options.stack, { placeholders: true });
    const run = await runProgram({
        projectDir: project.root,
        stack: options.stack,
        dryRun: true,
        config: stackConfig.config,
        configSecretKeys: stackConfig.secretKeys,
        timeoutMs: options.timeoutSeconds * 1000,
    });
    const errors = run.engine.messages("error");
    if (run.exitCode !== 0 || errors.length > 0) {
        for (const key of stackConfig.placeholders) process.stderr.write(`note: ${key} is encrypted (secure:) and cannot be decrypted here; a placeholder stood in for it\n`);
        process.stderr.write(`error: ${printable(programError(errors, run.stderr, run.timedOut, options.timeoutSeconds))}\n`);
        return 1;
    }
    const report: StackReport = reportOf(run.engine, options.stack);
    process.stdout.write(printable(renderReport(report, stackConfig.placeholders)));
    if (options.writePolicyConfig !== undefined) {
        const config = policyConfigFor(report);
        writeFileAtomically(options.writePolicyConfig, `${JSON.stringify(config, null, 2)}\n`);
        process.stdout.write(
            `\nwrote the policy config for stack ${options.stack} to ${options.writePolicyConfig} (${PULUMI_POLICY_NAMES.protectedPaths}, ${PULUMI_POLICY_NAMES.pathGuard}): ` +
                `pulumi preview --stack ${options.stack} --policy-pack policy --policy-pack-config ${options.writePolicyConfig}\n`,
        );
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`error: ${printable(message.split("\n")[0])}\n`);
        process.exitCode = error instanceof UsageError ? 2 : 1;
    },
);
