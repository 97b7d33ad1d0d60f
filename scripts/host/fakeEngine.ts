// A loopback fake of the Pulumi engine, served on 127.0.0.1 with the pinned SDK's own gRPC service definitions:
// the ResourceMonitor a program (or a component provider's Construct) registers resources with, and the Engine it
// logs to. It creates nothing: it answers each registration the way the engine answers for a new resource (made-up
// ids and outputs in an update, UNKNOWN ids and computed outputs in a preview; see providerModel.ts), answers a
// table of invokes (anything else fails at once with a message naming the token), and records everything.
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import * as providerproto from "@pulumi/pulumi/proto/provider_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

import { answerRegistration } from "./providerModel";
import { PlainObject, WireObject, fromStruct, fromWireObject, structOf, toStruct } from "./wire";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Features a modern engine (pkg/resource/deploy/source_eval.go supportsFeatureID at v3.248.0) reports. */
const SUPPORTED_FEATURES = new Set([
    "secrets",
    "resourceReferences",
    "outputValues",
    "aliasSpecs",
    "replacementTrigger",
    "deletedWith",
    "replaceWith",
    "transforms",
    "invokeTransforms",
    "parameterization",
    "resourceHooks",
    "errorHooks",
    "sendsOptionsToHooks",
]);

export interface ResourceOptionsRecord {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    /** URNs of explicit dependsOn resources (and of resources the inputs depend on) */
    dependsOn: string[];
    /** input name -> URNs its value depends on */
    propertyDependencies: Record<string, string[]>;
    /** the Alias messages as sent (`{ urn }` or `{ spec: { name, type, parenturn, noparent, ... } }`) */
    aliases: unknown[];
    additionalSecretOutputs: string[];
    ignoreChanges: string[];
    replaceOnChanges: string[];
    deletedWith?: string;
    /** provider reference "urn::id" */
    provider?: string;
    /** package -> provider reference, for components */
    providers: Record<string, string>;
    version?: string;
    importId?: string;
}

export interface Registration {
    /** "register" (RegisterResource) or "read" (ReadResource, a `.get`) */
    kind: "register" | "read";
    type: string;
    name: string;
    urn: string;
    /** parent URN; undefined for the root stack resource */
    parent?: string;
    custom: boolean;
    /** the inputs as sent, with Secret / UNKNOWN / ResourceRef / AssetValue kept visible */
    inputs: PlainObject;
    /** what the engine answered ("" in preview for a new resource) */
    id: string;
    /** the state the engine answered (components: the outputs they registered, once they do) */
    outputs: PlainObject;
    options: ResourceOptionsRecord;
}

export type LogSeverity = "debug" | "info" | "warning" | "error";

export interface LogRecord {
    severity: LogSeverity;
    message: string;
    urn?: string;
    ephemeral: boolean;
}

export interface InvokeRecord {
    token: string;
    args: PlainObject;
    provider?: string;
    /** the error the engine answered with, if any */
    error?: string;
}

/** Answers one invoke; throw to fail it (the message reaches the program as the invoke's error). */
export type InvokeHandler = (args: PlainObject, engine: FakeEngine) => PlainObject;

export interface FakeEngineOptions {
    project: string;
    stack: string;
    /** default "organization" (what the diy backends use) */
    organization?: string;
    /** preview (true) or update (false) */
    dryRun: boolean;
    /** invoke token -> handler; any other token fails at once */
    invokes?: Record<string, InvokeHandler>;
}

const SEVERITIES: Record<number, LogSeverity> = {
    [engineproto.LogSeverity.DEBUG]: "debug",
    [engineproto.LogSeverity.INFO]: "info",
    [engineproto.LogSeverity.WARNING]: "warning",
    [engineproto.LogSeverity.ERROR]: "error",
};

/** gRPC's limit in the engine (rpcutil.GrpcChannelOptions: 400 MiB), so big programs are not refused here first. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

function failure(code: grpc.status, details: string): grpc.ServiceError {
    return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function unimplemented(what: string): grpc.handleUnaryCall<unknown, never> {
    return (_call, callback) => callback(failure(grpc.status.UNIMPLEMENTED, `fake engine: ${what} is not implemented by the test harness`));
}

/** The engine's URN: the parent's qualified type (unless it is the root stack) + "$" + type. */
export function urnFor(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2];
        if (parentType && parentType !== ROOT_STACK_TYPE) qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

function mapToRecord<T>(map: { forEach(fn: (value: T, key: string) => void): void }): Record<string, T> {
    const out: Record<string, T> = {};
    map.forEach((value, key) => (out[key] = value));
    return out;
}

export class FakeEngine {
    readonly registrations: Registration[] = [];
    readonly logs: LogRecord[] = [];
    readonly invokes: InvokeRecord[] = [];
    /** URN -> outputs registered with RegisterResourceOutputs */
    readonly registeredOutputs = new Map<string, PlainObject>();
    /** feature ids the program asked about */
    readonly featureQueries: string[] = [];
    rootUrn: string | undefined;
    readonly organization: string;
    private readonly invokeTable: Record<string, InvokeHandler>;
    private mode: boolean;

    private constructor(
        private readonly server: grpc.Server,
        readonly port: number,
        readonly options: FakeEngineOptions,
    ) {
        this.organization = options.organization ?? "organization";
        this.invokeTable = { ...(options.invokes ?? {}) };
        this.mode = options.dryRun;
    }

    /** Starts the engine on 127.0.0.1 (a free port). Stop it with stop(). */
    static async start(options: FakeEngineOptions): Promise<FakeEngine> {
        const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES });
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
        );
        const engine = new FakeEngine(server, port, options);
        server.addService(resrpc.ResourceMonitorService, engine.monitorService());
        server.addService(enginerpc.EngineService, engine.engineService());
        return engine;
    }

    /** host:port of both services (the `--monitor` and `--engine` addresses). */
    get address(): string {
        return `127.0.0.1:${this.port}`;
    }

    /** Preview (true) or update (false): how registrations are answered from now on. */
    get dryRun(): boolean {
        return this.mode;
    }

    set dryRun(value: boolean) {
        this.mode = value;
    }

    /** The URN of the root stack resource as the SDK names it (`<project>-<stack>`). */
    get stackUrn(): string {
        return urnFor(this.options.stack, this.options.project, undefined, ROOT_STACK_TYPE, `${this.options.project}-${this.options.stack}`);
    }

    /** Stops serving (in-flight calls are cancelled). Idempotent. */
    stop(): Promise<void> {
        return new Promise((resolve) => {
            this.server.tryShutdown(() => resolve());
            // A program still holding a stream open must not keep the test waiting.
            setTimeout(() => {
                this.server.forceShutdown();
                resolve();
            }, 2_000).unref();
        });
    }

    /** Adds or replaces invoke answers. */
    answerInvokes(table: Record<string, InvokeHandler>): void {
        Object.assign(this.invokeTable, table);
    }

    /** Registers the root stack resource as the CLI's engine would before a Construct (the program does it itself). */
    registerRootStack(): string {
        const urn = this.stackUrn;
        if (!this.registrations.some((r) => r.urn === urn)) {
            this.registrations.push({
                kind: "register",
                type: ROOT_STACK_TYPE,
                name: `${this.options.project}-${this.options.stack}`,
                urn,
                custom: false,
                inputs: {},
                id: "",
                outputs: {},
                options: emptyOptions(),
            });
        }
        this.rootUrn = urn;
        return urn;
    }

    // ---- queries over the records -------------------------------------------------------------------------

    byType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }

    /** Exactly one registration of this type (throws naming the count otherwise). */
    one(type: string): Registration {
        const found = this.byType(type);
        if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
        return found[0];
    }

    byUrn(urn: string): Registration | undefined {
        return this.registrations.find((r) => r.urn === urn);
    }

    childrenOf(urn: string): Registration[] {
        return this.registrations.filter((r) => r.parent === urn);
    }

    /** Every registration below this URN (children, their children, ...). */
    descendantsOf(urn: string): Registration[] {
        const out: Registration[] = [];
        const queue = [urn];
        while (queue.length > 0) {
            const next = queue.shift()!;
            for (const child of this.childrenOf(next)) {
                out.push(child);
                queue.push(child.urn);
            }
        }
        return out;
    }

    /** The stack outputs (what the root stack resource registered), or undefined if it registered none. */
    get stackOutputs(): PlainObject | undefined {
        return this.registeredOutputs.get(this.rootUrn ?? this.stackUrn);
    }

    /** Messages logged at this severity. */
    messages(severity: LogSeverity): string[] {
        return this.logs.filter((l) => l.severity === severity).map((l) => l.message);
    }

    // ---- the services -----------------------------------------------------------------------------------

    private monitorService(): resrpc.IResourceMonitorServer {
        return {
            supportsFeature: (call, callback) => {
                const id = call.request.getId();
                this.featureQueries.push(id);
                callback(null, new resproto.SupportsFeatureResponse().setHassupport(SUPPORTED_FEATURES.has(id)));
            },
            getDeploymentInfo: (_call, callback) => {
                const info = new resproto.DeploymentInfo()
                    .setProject(this.options.project)
                    .setStack(this.options.stack)
                    .setOrganization(this.organization)
                    .setDryrun(this.mode);
                callback(null, info);
            },
            registerResource: (call, callback) => {
                try {
                    callback(null, this.registerResource(call.request));
                } catch (error) {
                    callback(failure(grpc.status.INVALID_ARGUMENT, (error as Error).message));
                }
            },
            readResource: (call, callback) => {
                try {
                    callback(null, this.readResource(call.request));
                } catch (error) {
                    callback(failure(grpc.status.INVALID_ARGUMENT, (error as Error).message));
                }
            },
            registerResourceOutputs: (call, callback) => {
                const urn = call.request.getUrn();
                const outputs = fromStruct(call.request.getOutputs());
                this.registeredOutputs.set(urn, outputs);
                const registration = this.byUrn(urn);
                if (registration && !registration.custom) registration.outputs = outputs;
                callback(null, new Empty());
            },
            invoke: (call, callback) => {
                const token = call.request.getTok();
                const args = fromStruct(call.request.getArgs());
                const record: InvokeRecord = { token, args, provider: call.request.getProvider() || undefined };
                this.invokes.push(record);
                const handler = this.invokeTable[token];
                if (!handler) {
                    record.error = `fake engine: no answer for invoke ${token} (known: ${Object.keys(this.invokeTable).sort().join(", ") || "none"}); add it to the harness's invokes`;
                    callback(failure(grpc.status.UNKNOWN, record.error));
                    return;
                }
                try {
                    const result = handler(args, this);
                    callback(null, new providerproto.InvokeResponse().setReturn(toStruct(result)));
                } catch (error) {
                    record.error = (error as Error).message;
                    callback(failure(grpc.status.UNKNOWN, `invoke ${token}: ${record.error}`));
                }
            },
            call: unimplemented("Call (methods of remote components)"),
            registerStackTransform: unimplemented("RegisterStackTransform"),
            registerStackInvokeTransform: unimplemented("RegisterStackInvokeTransform"),
            registerResourceHook: unimplemented("RegisterResourceHook"),
            registerErrorHook: unimplemented("RegisterErrorHook"),
            registerPackage: (call, callback) => {
                const ref = `${call.request.getName()}@${call.request.getVersion()}`;
                callback(null, new resproto.RegisterPackageResponse().setRef(ref));
            },
            signalAndWaitForShutdown: (_call, callback) => callback(null, new Empty()),
        };
    }

    private engineService(): enginerpc.IEngineServer {
        return {
            log: (call, callback) => {
                const req = call.request;
                this.logs.push({
                    severity: SEVERITIES[req.getSeverity()] ?? "info",
                    message: req.getMessage(),
                    urn: req.getUrn() || undefined,
                    ephemeral: req.getEphemeral(),
                });
                callback(null, new Empty());
            },
            getRootResource: (_call, callback) => callback(null, new engineproto.GetRootResourceResponse().setUrn(this.rootUrn ?? "")),
            setRootResource: (call, callback) => {
                this.rootUrn = call.request.getUrn();
                callback(null, new engineproto.SetRootResourceResponse());
            },
            startDebugging: unimplemented("StartDebugging"),
            requirePulumiVersion: (_call, callback) => callback(null, new engineproto.RequirePulumiVersionResponse()),
        };
    }

    private urnFor(parent: string | undefined, type: string, name: string): string {
        return urnFor(this.options.stack, this.options.project, parent, type, name);
    }

    private registerResource(req: resproto.RegisterResourceRequest): resproto.RegisterResourceResponse {
        const type = req.getType();
        const name = req.getName();
        if (req.getRemote()) {
            throw new Error(`fake engine: ${type} "${name}" is a remote component; construct it through its provider (runPlugin) instead`);
        }
        const parent = req.getParent() || undefined;
        const urn = this.urnFor(parent, type, name);
        if (this.byUrn(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
        const custom = req.getCustom();
        const wireInputs = (req.getObject()?.toJavaScript() ?? {}) as WireObject;
        const options: ResourceOptionsRecord = {
            protect: req.hasProtect() ? req.getProtect() : undefined,
            retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
            deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
            dependsOn: req.getDependenciesList(),
            propertyDependencies: Object.fromEntries(
                Object.entries(mapToRecord(req.getPropertydependenciesMap())).map(([key, deps]) => [key, deps.getUrnsList()]),
            ),
            aliases: req.getAliasesList().map((alias) => alias.toObject()),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            deletedWith: req.getDeletedwith() || undefined,
            provider: req.getProvider() || undefined,
            providers: mapToRecord(req.getProvidersMap()),
            version: req.getVersion() || undefined,
            importId: req.getImportid() || undefined,
        };
        const registration: Registration = { kind: "register", type, name, urn, parent, custom, inputs: fromWireObject(wireInputs), id: "", outputs: {}, options };
        this.registrations.push(registration);
        if (!parent && type === ROOT_STACK_TYPE) this.rootUrn = urn;

        const resp = new resproto.RegisterResourceResponse().setUrn(urn);
        if (custom) {
            const answer = answerRegistration({
                type,
                name,
                urn,
                inputs: wireInputs,
                dryRun: this.mode,
                additionalSecretOutputs: options.additionalSecretOutputs,
            });
            registration.id = answer.id;
            registration.outputs = fromWireObject(answer.outputs);
            resp.setId(answer.id).setObject(structOf(answer.outputs));
        } else {
            resp.setObject(toStruct({}));
        }
        return resp;
    }

    private readResource(req: resproto.ReadResourceRequest): resproto.ReadResourceResponse {
        const type = req.getType();
        const name = req.getName();
        const parent = req.getParent() || undefined;
        const urn = this.urnFor(parent, type, name);
        const wire = (req.getProperties()?.toJavaScript() ?? {}) as WireObject;
        const inputs = fromWireObject(wire);
        this.registrations.push({
            kind: "read",
            type,
            name,
            urn,
            parent,
            custom: true,
            inputs,
            id: req.getId(),
            outputs: inputs,
            options: { ...emptyOptions(), dependsOn: req.getDependenciesList(), provider: req.getProvider() || undefined, additionalSecretOutputs: req.getAdditionalsecretoutputsList() },
        });
        return new resproto.ReadResourceResponse().setUrn(urn).setProperties(structOf(wire));
    }
}

function emptyOptions(): ResourceOptionsRecord {
    return { dependsOn: [], propertyDependencies: {}, aliases: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], providers: {} };
}


/** An AWS account as the invokes describe it. */
export interface FakeAwsAccount {
    accountId: string;
    region: string;
    partition?: string;
}

/** Answers for the account/region/partition lookups (getCallerIdentity, getRegion, getPartition). */
export function awsAccountInvokes(account: FakeAwsAccount): Record<string, InvokeHandler> {
    const partition = account.partition ?? "aws";
    const dnsSuffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    const identity: PlainObject = {
        accountId: account.accountId,
        arn: `arn:${partition}:iam::${account.accountId}:user/harness`,
        userId: "AIDAHARNESSUSER",
        id: account.accountId,
    };
    return {
        "aws:index/getCallerIdentity:getCallerIdentity": () => identity,
        "aws:index/getRegion:getRegion": (args) => {
            const region = typeof args.region === "string" ? args.region : typeof args.name === "string" ? args.name : account.region;
            return { name: region, region, id: region, endpoint: `ec2.${region}.${dnsSuffix}`, description: region };
        },
        "aws:index/getPartition:getPartition": () => ({ partition, id: partition, dnsSuffix, reverseDnsPrefix: dnsSuffix.split(".").reverse().join(".") }),
    };
}

