// Runs the policy pack's rules without the engine, the way @pulumi/policy's analyzer server does: properties go
// through the same wire form (secret markers, unknown sentinels), the pack's own deserializer and the
// unknown-checking proxy; each validation of a policy runs on its own, "not applicable" is not a violation, and
// a value unknown during preview turns into an advisory "can't run" note instead of a violation.
import * as pulumi from "@pulumi/pulumi";
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
    unknownCheckingProxy,
} from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): { toJavaScript(): Record<string, unknown> } };
};

import { installSecretTracking } from "../../policy/secrets";
import type { RecordedResource, Recorder } from "./mocks";

/** What the engine sends for a value that is not known during preview (plugin.UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export type Policy = ResourceValidationPolicy | StackValidationPolicy;
/** Policy config by policy name, as in a `--policy-pack-config` file (enforcementLevel aside). */
export type PackConfig = Record<string, Record<string, unknown>>;

export interface Violation {
    policy: string;
    message: string;
    urn?: string;
}

export interface PolicyRun {
    violations: Violation[];
    /** "can't run during preview" notes (the engine reports them as advisory) */
    previewNotes: Violation[];
    notApplicable: { policy: string; reason?: string }[];
}

export interface ResourceSpec {
    type: string;
    name: string;
    urn?: string;
    /** inputs (resource policies) or outputs (stack policies), plain JSON; UNKNOWN for preview values */
    props: Record<string, unknown>;
    /** property paths (JSON-encoded arrays of keys) whose values are secrets */
    secretPaths?: string[];
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

function urnFor(spec: ResourceSpec): string {
    return spec.urn ?? `urn:pulumi:test::cloudfront-signed-content::${spec.type}::${spec.name}`;
}

function withSecretMarkers(value: unknown, path: (string | number)[], secret: Set<string>): unknown {
    const inner = Array.isArray(value)
        ? value.map((item, i) => withSecretMarkers(item, [...path, i], secret))
        : typeof value === "object" && value !== null
          ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withSecretMarkers(v, [...path, k], secret)]))
          : value;
    return secret.has(JSON.stringify(path)) ? { [specialSigKey]: specialSecretSig, value: inner } : inner;
}

/** Props as a policy receives them: wire form -> the pack's (secret-tracking) deserializer -> unknown-checking proxy. */
export function policyProps(spec: Pick<ResourceSpec, "props" | "secretPaths">): Record<string, unknown> {
    const wire = withSecretMarkers(spec.props, [], new Set(spec.secretPaths ?? [])) as Record<string, unknown>;
    // Struct cannot carry undefined: the engine drops such properties too.
    const struct = Struct.fromJavaScript(JSON.parse(JSON.stringify(wire)) as Record<string, unknown>);
    const deserialized = installSecretTracking().deserializeProperties(struct, false);
    return unknownCheckingProxy(deserialized) as Record<string, unknown>;
}

function isType(type: string, resourceClass: unknown): boolean {
    return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

function emptyRun(): PolicyRun {
    return { violations: [], previewNotes: [], notApplicable: [] };
}

function merge(into: PolicyRun, from: PolicyRun): PolicyRun {
    into.violations.push(...from.violations);
    into.previewNotes.push(...from.previewNotes);
    into.notApplicable.push(...from.notApplicable);
    return into;
}

async function guarded(policy: Policy, run: PolicyRun, body: () => unknown): Promise<void> {
    try {
        await body();
    } catch (error) {
        if (error instanceof UnknownValueError) run.previewNotes.push({ policy: policy.name, message: (error as Error).message });
        else if (error instanceof NotApplicable) run.notApplicable.push({ policy: policy.name, reason: error.reason });
        else throw error;
    }
}

/** One resource policy over one resource's inputs. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, spec: ResourceSpec, config: PackConfig = {}): Promise<PolicyRun> {
    const run = emptyRun();
    const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    const urn = urnFor(spec);
    for (const validate of validations) {
        const props = policyProps(spec);
        const args: ResourceValidationArgs = {
            type: spec.type,
            props,
            urn,
            name: spec.name,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            stackTags: new Map(),
            isType: (resourceClass) => isType(spec.type, resourceClass),
            asType: ((resourceClass: unknown) => (isType(spec.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
            getConfig: <T extends object>() => ({ ...(config[policy.name] ?? {}) }) as T,
            notApplicable: (reason?: string): never => {
                throw new NotApplicable(reason);
            },
        };
        await guarded(policy, run, () => validate(args, (message) => run.violations.push({ policy: policy.name, message, urn })));
    }
    return run;
}

/** The stack's resources as a stack policy receives them (parents and dependencies linked). */
export function policyResources(specs: readonly ResourceSpec[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const resources = specs.map((spec) => {
        const urn = urnFor(spec);
        const props = policyProps(spec);
        const resource: PolicyResource = {
            type: spec.type,
            props,
            urn,
            name: spec.name,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            dependencies: [],
            propertyDependencies: {},
            isType: (resourceClass) => isType(spec.type, resourceClass),
            // as the analyzer server does: the (proxied) props
            asType: ((resourceClass: unknown) => (isType(spec.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(urn, resource);
        return resource;
    });
    specs.forEach((spec, i) => {
        const resolve = (urns: readonly string[] | undefined) => (urns ?? []).map((u) => byUrn.get(u)).filter((r): r is PolicyResource => r !== undefined);
        const resource = resources[i];
        if (spec.parent) resource.parent = byUrn.get(spec.parent);
        resource.dependencies = resolve(spec.dependencies);
        for (const [key, urns] of Object.entries(spec.propertyDependencies ?? {})) resource.propertyDependencies[key] = resolve(urns);
    });
    return resources;
}

export async function runStackPolicy(policy: StackValidationPolicy, specs: readonly ResourceSpec[], config: PackConfig = {}): Promise<PolicyRun> {
    const run = emptyRun();
    const args: StackValidationArgs = {
        resources: policyResources(specs),
        stackTags: new Map(),
        getConfig: <T extends object>() => ({ ...(config[policy.name] ?? {}) }) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    await guarded(policy, run, () => policy.validateStack(args, (message, urn) => run.violations.push({ policy: policy.name, message, urn })));
    return run;
}

export function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return "validateStack" in policy && typeof policy.validateStack === "function";
}

/** A stack as the engine shows it to the pack: inputs per resource (Analyze) and outputs of all (AnalyzeStack). */
export interface StackSnapshot {
    /** custom resources with their inputs, in registration order */
    inputs: ResourceSpec[];
    /** every resource with its outputs, including the root stack resource with the stack outputs */
    outputs: ResourceSpec[];
}

/** Every rule over a stack, the engine's way: resource policies per resource's inputs, stack policies once. */
export async function runRules(rules: readonly Policy[], stack: StackSnapshot, config: PackConfig = {}): Promise<PolicyRun> {
    const run = emptyRun();
    for (const policy of rules) {
        if (isStackPolicy(policy)) {
            merge(run, await runStackPolicy(policy, stack.outputs, config));
        } else {
            for (const spec of stack.inputs) merge(run, await runResourcePolicy(policy, spec, config));
        }
    }
    return run;
}

/**
 * What the mock run recorded, as the engine would hand it to the pack: custom resources' inputs for resource
 * policies; every resource's outputs (components: their registered outputs) plus a root stack resource carrying
 * the program's exports, secret where the exported Output is secret. The mocks do not record property
 * dependencies, so lineage checks run on values here.
 */
export async function snapshotOf(rec: Recorder, stackExports: Record<string, unknown>): Promise<StackSnapshot> {
    const stackUrn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${ROOT_STACK_TYPE}::${pulumi.getProject()}-${pulumi.getStack()}`;
    const toSpec = (r: RecordedResource, props: Record<string, unknown>): ResourceSpec => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: JSON.parse(JSON.stringify(props)) as Record<string, unknown>,
        parent: r.parentUrn ?? stackUrn,
    });
    const custom = rec.resources.filter((r) => r.custom && !r.read);
    const stackOutputs: Record<string, unknown> = {};
    const secretPaths: string[] = [];
    for (const [name, value] of Object.entries(stackExports)) {
        if (pulumi.Output.isInstance(value)) {
            const output = value as pulumi.Output<unknown>;
            const resolved = await new Promise<unknown>((resolve) => output.apply((v) => resolve(v)));
            if (resolved === undefined) continue;
            stackOutputs[name] = resolved;
            if (await pulumi.isSecret(output)) secretPaths.push(JSON.stringify([name]));
        } else if (value !== undefined) {
            stackOutputs[name] = value;
        }
    }
    return {
        inputs: custom.map((r) => toSpec(r, r.inputs)),
        outputs: [
            { type: ROOT_STACK_TYPE, name: `${pulumi.getProject()}-${pulumi.getStack()}`, urn: stackUrn, props: stackOutputs, secretPaths },
            ...rec.resources.filter((r) => !r.read).map((r) => toSpec(r, r.custom ? r.outputs : (r.registeredOutputs ?? {}))),
        ],
    };
}
