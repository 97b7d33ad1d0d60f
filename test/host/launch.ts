// Starts this project's deliverables the way Pulumi's Node.js language host (pulumi-language-nodejs,
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go at v3.248.0) starts them: the SDK's own entry points as child
// processes, with the same arguments, environment variables and working directory, talking to a FakeEngine.
//
// - a program: Run -> `node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor A --engine A --sync DIR --organization O
//   --project P --root-directory R --stack S --pwd PWD [--dry-run] --parallel N <entry point>`, in PWD, with
//   PULUMI_CONFIG ("ns:config:key" form), PULUMI_CONFIG_SECRET_KEYS and PULUMI_NODEJS_TYPESCRIPT / _TSCONFIG_PATH;
// - a source-based provider plugin (a component package): RunPlugin -> `node <cmd/run-plugin> [nodeargs]
//   <plugin dir> <engine address>`, in the *consumer's* folder (the engine's pwd), then the port on stdout;
// - a policy pack: RunPlugin(kind analyzer) -> `node <cmd/run-policy-pack> [nodeargs] <engine address> <pack dir>`,
//   in the pack's folder, with the stack's PULUMI_NODEJS_* and PULUMI_CONFIG, then the port on stdout.
// The SDK entry points are found as the host finds them: require.resolve from the program's / plugin's folder.
import * as grpc from "@grpc/grpc-js";
import * as fs from "node:fs";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as yaml from "js-yaml";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";

import { describeLaunch } from "./assertions";
import { StartedProcess, baseEnv, locateModule, readPort, splitArgs, startProcess } from "../../scripts/host/child";
import { FakeAwsAccount, FakeEngine, InvokeHandler, awsAccountInvokes } from "../../scripts/host/fakeEngine";
import { LaunchResult, RunProgramOptions, awsAccountFor, defaultParallel, launchDir, runProgram as runLaunchedProgram, typescriptEnv } from "../../scripts/host/program";
import { recordTiming } from "./scratch";
import { PlainObject, fromStruct, toStruct } from "../../scripts/host/wire";

export { DEFAULT_ACCOUNT_ID, LaunchResult, RunProgramOptions, languageHostConfig } from "../../scripts/host/program";

/** A plugin that did not come up; `result` holds its output and what the engine recorded. */
export class LaunchError extends Error {
    constructor(
        message: string,
        readonly result: LaunchResult,
    ) {
        super(message);
        this.name = "LaunchError";
    }
}

/** runProgram of scripts/host/program.ts, timed for the launch report (label: default "<project> <stack>"). */
export async function runProgram(options: RunProgramOptions & { label?: string }): Promise<LaunchResult> {
    const result = await runLaunchedProgram(options);
    const label = options.label ?? `${path.basename(options.projectDir)} ${options.stack}`;
    recordTiming(`cmd/run ${label} ${options.dryRun ? "preview" : "update"}`, result.durationMs);
    return result;
}

// ---- gRPC calls ------------------------------------------------------------------------------------------

type Unary<Req, Res> = (
    request: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** One unary call with a deadline. */
export function call<Req, Res>(method: Unary<Req, Res>, request: Req, timeoutMs = 60_000): Promise<Res> {
    return new Promise((resolve, reject) => {
        method(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

function isUnimplemented(error: unknown): boolean {
    return (error as grpc.ServiceError | undefined)?.code === grpc.status.UNIMPLEMENTED;
}

function readPluginRuntimeOptions(file: string): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { runtime?: string | { options?: Record<string, unknown> } } | undefined;
    const runtime = doc?.runtime;
    return typeof runtime === "object" && runtime !== null ? (runtime.options ?? {}) : {};
}

interface PluginProcess {
    proc: StartedProcess;
    port: number;
    engine: FakeEngine;
    command: LaunchResult["command"];
    started: number;
}

async function startPluginProcess(args: {
    runPath: string;
    pluginDir: string;
    cwd: string;
    argsBefore: string[];
    argsAfter: string[];
    added: Record<string, string>;
    engine: FakeEngine;
    timeoutMs: number;
    startTimeoutMs: number;
    label: string;
}): Promise<PluginProcess> {
    const started = Date.now();
    const command = [args.runPath, ...args.argsBefore, ...args.argsAfter];
    const own = launchDir();
    const proc = startProcess(process.execPath, command, { cwd: args.cwd, env: { ...baseEnv(), ...own.env, ...args.added }, timeoutMs: args.timeoutMs });
    void proc.exited.then(() => own.remove());
    try {
        const port = await readPort(proc, args.startTimeoutMs, args.label);
        recordTiming(`${args.label} start (port handshake)`, Date.now() - started);
        return { proc, port, engine: args.engine, command: { args: command, cwd: args.cwd, env: args.added }, started };
    } catch (error) {
        const stopped = await proc.stop();
        recordTiming(`${args.label} start (failed)`, stopped.durationMs);
        await args.engine.stop();
        const result: LaunchResult = { ...stopped, engine: args.engine, command: { args: command, cwd: args.cwd, env: args.added } };
        throw new LaunchError(`${(error as Error).message}\n${describeLaunch(result)}`, result);
    }
}

// ---- component package (source-based provider plugin) ------------------------------------------------------

export interface RunPluginOptions {
    /** the plugin folder (PulumiPlugin.yaml, package.json, installed node_modules) */
    pluginDir: string;
    /** the consumer's project folder: Pulumi's working directory, so the plugin runs there */
    cwd: string;
    /** the consumer's project and stack (the Construct request carries them) */
    project?: string;
    stack?: string;
    dryRun?: boolean;
    /** config of the consumer's stack ("ns:key" -> value), passed on in Construct */
    config?: Record<string, string>;
    invokes?: Record<string, InvokeHandler>;
    account?: Partial<FakeAwsAccount>;
    env?: Record<string, string>;
    /** deadline for the port handshake (type-checking the package happens before it); default 4 minutes */
    startTimeoutMs?: number;
    /** hard deadline for the whole plugin process; default 10 minutes */
    timeoutMs?: number;
    label?: string;
}

export interface ConstructResult {
    urn: string;
    state: PlainObject;
    stateDependencies: Record<string, string[]>;
}

export interface PluginSession {
    readonly provider: provrpc.ResourceProviderClient;
    readonly engine: FakeEngine;
    readonly port: number;
    readonly command: LaunchResult["command"];
    output(): { stdout: string; stderr: string };
    /** GetSchema, parsed */
    getSchema(): Promise<unknown>;
    /** Construct a component as the engine does for a consumer's `new Component(...)` (children register with the engine). */
    construct(type: string, name: string, inputs: PlainObject, options?: { dryRun?: boolean; protect?: boolean; timeoutMs?: number }): Promise<ConstructResult>;
    /** kills the plugin and stops the engine */
    close(): Promise<LaunchResult>;
}

/**
 * Starts a source-based component plugin as Pulumi does for `pulumi package add <folder>` / a packages: entry:
 * cmd/run-plugin from the plugin's node_modules, working directory = the consumer's folder. Resolves after the port
 * handshake and the engine's Configure; rejects with the plugin's output if it fails to start.
 */
export async function runPlugin(options: RunPluginOptions): Promise<PluginSession> {
    const project = options.project ?? "consumer";
    const stack = options.stack ?? "dev";
    const dryRun = options.dryRun ?? false;
    const config = options.config ?? {};
    const runtimeOptions = readPluginRuntimeOptions(path.join(options.pluginDir, "PulumiPlugin.yaml"));
    const runPath = locateModule("@pulumi/pulumi/cmd/run-plugin", options.pluginDir, true);
    const engine = await FakeEngine.start({
        project,
        stack,
        dryRun,
        invokes: { ...awsAccountInvokes(awsAccountFor(config, options.account)), ...options.invokes },
    });
    const label = options.label ?? `cmd/run-plugin ${path.basename(options.pluginDir)}`;
    const plugin = await startPluginProcess({
        runPath,
        pluginDir: options.pluginDir,
        cwd: options.cwd,
        argsBefore: splitArgs(runtimeOptions.nodeargs as string | undefined),
        argsAfter: [options.pluginDir, engine.address],
        // provider_plugin.go NewProvider: PULUMI_PROJECT (and PULUMI_CONFIG with provider config, none here)
        added: { PULUMI_PROJECT: project, ...typescriptEnv(runtimeOptions), ...options.env },
        engine,
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
        startTimeoutMs: options.startTimeoutMs ?? 4 * 60_000,
        label,
    });
    const provider = new provrpc.ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    const close = async (): Promise<LaunchResult> => {
        provider.close();
        const result = await plugin.proc.stop();
        await engine.stop();
        recordTiming(`${label} total`, result.durationMs);
        return { ...result, engine, command: plugin.command };
    };
    try {
        // The engine's order: Handshake (this SDK does not implement it), GetPluginInfo, Configure.
        const dir = options.pluginDir;
        const handshake = new provproto.ProviderHandshakeRequest().setEngineAddress(engine.address).setRootDirectory(dir).setProgramDirectory(dir).setConfigureWithUrn(true).setSupportsViews(true).setInvokeWithPreview(true);
        await call(provider.handshake.bind(provider), handshake).catch((error: unknown) => {
            if (!isUnimplemented(error)) throw error;
        });
        await call(provider.getPluginInfo.bind(provider), new Empty());
        await call(provider.configure.bind(provider), new provproto.ConfigureRequest().setAcceptsecrets(true).setAcceptresources(true).setArgs(toStruct({})));
    } catch (error) {
        const result = await close();
        throw new LaunchError(`${label}: ${(error as Error).message}\n${describeLaunch(result)}`, result);
    }
    return {
        provider,
        engine,
        port: plugin.port,
        command: plugin.command,
        output: () => plugin.proc.output(),
        async getSchema() {
            const response = await call(provider.getSchema.bind(provider), new provproto.GetSchemaRequest().setVersion(0));
            return JSON.parse(response.getSchema()) as unknown;
        },
        async construct(type, name, inputs, constructOptions) {
            const parent = engine.registerRootStack();
            const constructDryRun = constructOptions?.dryRun ?? dryRun;
            engine.dryRun = constructDryRun;
            const req = new provproto.ConstructRequest()
                .setProject(project)
                .setStack(stack)
                .setOrganization(engine.organization)
                .setDryrun(constructDryRun)
                .setParallel(defaultParallel())
                .setMonitorendpoint(engine.address)
                .setType(type)
                .setName(name)
                .setParent(parent)
                .setInputs(toStruct(inputs))
                .setAcceptsOutputValues(true)
                .setConfigsecretkeysList([]);
            if (constructOptions?.protect !== undefined) req.setProtect(constructOptions.protect);
            for (const [key, value] of Object.entries(config)) req.getConfigMap().set(key, value);
            const response = await call(provider.construct.bind(provider), req, constructOptions?.timeoutMs ?? 120_000);
            const stateDependencies: Record<string, string[]> = {};
            response.getStatedependenciesMap().forEach((deps, key) => (stateDependencies[key] = deps.getUrnsList()));
            return { urn: response.getUrn(), state: fromStruct(response.getState()), stateDependencies };
        },
        close,
    };
}

// ---- policy pack (analyzer plugin) -------------------------------------------------------------------------

/** A resource as the engine shows it to a policy pack. */
export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    /** inputs (Analyze) or outputs (AnalyzeStack); Secret and UNKNOWN go on the wire as the engine sends them */
    properties: PlainObject;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
}

export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    /** as sent: @pulumi/policy puts the policy's description first, then a newline and the violation */
    message: string;
    /** the violation alone (the message without the leading description) */
    violation: string;
    description: string;
    enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
    urn: string;
}

export interface AnalyzeResult {
    diagnostics: Diagnostic[];
    notApplicable: { policyName: string; reason: string }[];
}

export interface RunPolicyPackOptions {
    packDir: string;
    /** the stack the pack is configured for (env PULUMI_NODEJS_* and ConfigureStack) */
    project: string;
    stack: string;
    organization?: string;
    dryRun: boolean;
    /** stack config ("ns:key" -> value) */
    config?: Record<string, string>;
    env?: Record<string, string>;
    startTimeoutMs?: number;
    timeoutMs?: number;
    label?: string;
}

export interface PolicyPackSession {
    readonly analyzer: analyzerrpc.AnalyzerClient;
    readonly engine: FakeEngine;
    readonly command: LaunchResult["command"];
    output(): { stdout: string; stderr: string };
    getAnalyzerInfo(): Promise<analyzerproto.AnalyzerInfo.AsObject>;
    /** one resource's inputs, as during preview/update */
    analyze(resource: AnalyzedResource): Promise<AnalyzeResult>;
    /** every resource's outputs at the end of an update */
    analyzeStack(resources: readonly AnalyzedResource[]): Promise<AnalyzeResult>;
    close(): Promise<LaunchResult>;
}

const ENFORCEMENT_LEVELS: Record<number, Diagnostic["enforcementLevel"]> = {
    [analyzerproto.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerproto.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerproto.EnforcementLevel.DISABLED]: "disabled",
    [analyzerproto.EnforcementLevel.REMEDIATE]: "remediate",
};

function analyzeResult(response: analyzerproto.AnalyzeResponse): AnalyzeResult {
    return {
        diagnostics: response.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            message: d.getMessage(),
            violation: d.getDescription() && d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage(),
            description: d.getDescription(),
            enforcementLevel: ENFORCEMENT_LEVELS[d.getEnforcementlevel()] ?? "advisory",
            urn: d.getUrn(),
        })),
        notApplicable: response.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

function resourceOptions(resource: AnalyzedResource): analyzerproto.AnalyzerResourceOptions {
    return new analyzerproto.AnalyzerResourceOptions().setProtect(resource.protect ?? false).setParent(resource.parent ?? "");
}

/**
 * Starts a policy pack as Pulumi does for `pulumi preview --policy-pack <dir>` with the nodejs language host:
 * cmd/run-policy-pack from the pack's node_modules, working directory = the pack, the stack's identity and config
 * in the environment (what the host's policy proxy sets once the engine has configured the stack), then the
 * engine's ConfigureStack.
 */
export async function runPolicyPack(options: RunPolicyPackOptions): Promise<PolicyPackSession> {
    const runtimeOptions = readPluginRuntimeOptions(path.join(options.packDir, "PulumiPolicy.yaml"));
    const runPath = locateModule("@pulumi/pulumi/cmd/run-policy-pack", options.packDir, true);
    const engine = await FakeEngine.start({ project: options.project, stack: options.stack, organization: options.organization, dryRun: options.dryRun });
    const config = options.config ?? {};
    const label = options.label ?? `cmd/run-policy-pack ${path.basename(options.packDir)}`;
    const added: Record<string, string> = {
        ...typescriptEnv(runtimeOptions),
        PULUMI_NODEJS_ORGANIZATION: engine.organization,
        PULUMI_NODEJS_PROJECT: options.project,
        PULUMI_NODEJS_STACK: options.stack,
        PULUMI_NODEJS_DRY_RUN: String(options.dryRun),
        PULUMI_CONFIG: JSON.stringify(config),
        ...options.env,
    };
    const plugin = await startPluginProcess({
        runPath,
        pluginDir: options.packDir,
        cwd: options.packDir,
        argsBefore: splitArgs(runtimeOptions.nodeargs as string | undefined),
        argsAfter: [engine.address, options.packDir],
        added,
        engine,
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
        startTimeoutMs: options.startTimeoutMs ?? 4 * 60_000,
        label,
    });
    const analyzer = new analyzerrpc.AnalyzerClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    const close = async (): Promise<LaunchResult> => {
        analyzer.close();
        const result = await plugin.proc.stop();
        await engine.stop();
        recordTiming(`${label} total`, result.durationMs);
        return { ...result, engine, command: plugin.command };
    };
    try {
        // policy_proxy.go Attach: forward the stack configuration (older packs do not implement it).
        const configure = new analyzerproto.AnalyzerStackConfigureRequest()
            .setStack(options.stack)
            .setProject(options.project)
            .setOrganization(engine.organization)
            .setDryRun(options.dryRun)
            .setConfigSecretKeysList([]);
        for (const [key, value] of Object.entries(config)) configure.getConfigMap().set(key, value);
        await call(analyzer.configureStack.bind(analyzer), configure).catch((error: unknown) => {
            if (!isUnimplemented(error)) throw error;
        });
    } catch (error) {
        const result = await close();
        throw new LaunchError(`${label}: ${(error as Error).message}\n${describeLaunch(result)}`, result);
    }
    return {
        analyzer,
        engine,
        command: plugin.command,
        output: () => plugin.proc.output(),
        async getAnalyzerInfo() {
            return (await call(analyzer.getAnalyzerInfo.bind(analyzer), new Empty())).toObject();
        },
        async analyze(resource) {
            const req = new analyzerproto.AnalyzeRequest()
                .setType(resource.type)
                .setName(resource.name)
                .setUrn(resource.urn)
                .setProperties(toStruct(resource.properties))
                .setOptions(resourceOptions(resource));
            return analyzeResult(await call(analyzer.analyze.bind(analyzer), req));
        },
        async analyzeStack(resources) {
            const list = resources.map((resource) => {
                const r = new analyzerproto.AnalyzerResource()
                    .setType(resource.type)
                    .setName(resource.name)
                    .setUrn(resource.urn)
                    .setProperties(toStruct(resource.properties))
                    .setOptions(resourceOptions(resource))
                    .setParent(resource.parent ?? "")
                    .setDependenciesList(resource.dependencies ?? []);
                for (const [key, urns] of Object.entries(resource.propertyDependencies ?? {})) {
                    r.getPropertydependenciesMap().set(key, new analyzerproto.AnalyzerPropertyDependencies().setUrnsList(urns));
                }
                return r;
            });
            return analyzeResult(await call(analyzer.analyzeStack.bind(analyzer), new analyzerproto.AnalyzeStackRequest().setResourcesList(list)));
        },
        close,
    };
}


