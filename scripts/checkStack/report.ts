// What a preview of the stack program registered, as check-stack prints it: the resources, the distribution's
// cache behaviours (which trust a key group, which carry the path guard), the stack outputs; and the policy pack
// config that matches the stack. Pure functions over what the fake engine recorded.
import type { FakeEngine, Registration } from "../host/fakeEngine";
import { ROOT_STACK_TYPE } from "../host/fakeEngine";
import { AssetValue, OutputValue, Plain, PlainObject, ResourceRef, Secret, UNKNOWN } from "../host/wire";

export const DISTRIBUTION_TYPE = "aws:cloudfront/distribution:Distribution";
/** The policies of policy/ whose config depends on the stack (policy/config.ts). */
export const PULUMI_POLICY_NAMES = { protectedPaths: "cloudfront-protected-paths-signed", pathGuard: "cloudfront-path-guard" } as const;
/** In the policy config, "*" names the default cache behaviour (policy/config.ts DEFAULT_BEHAVIOUR_PATTERN). */
const DEFAULT_BEHAVIOUR_PATTERN = "*";

export interface BehaviourReport {
    /** the path pattern; "*" for the default behaviour */
    pathPattern: string;
    isDefault: boolean;
    /** trusts a key group: needs a signed URL or cookie */
    signed: boolean;
    /** has a viewer-request function association (the path guard) */
    pathGuard: boolean;
}

export interface DistributionReport {
    name: string;
    behaviours: BehaviourReport[];
}

export interface StackReport {
    stack: string;
    resources: { type: string; name: string }[];
    distributions: DistributionReport[];
    outputs: PlainObject;
}

function isObject(value: Plain | undefined): value is { [key: string]: Plain } {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Secret) && !(value instanceof ResourceRef) && !(value instanceof AssetValue) && !(value instanceof OutputValue);
}

/** Secrets and output values unwrapped: only the shape matters here. */
function plain(value: Plain | undefined): Plain | undefined {
    if (value instanceof Secret) return plain(value.value);
    if (value instanceof OutputValue) return value.value === UNKNOWN ? UNKNOWN : plain(value.value);
    return value;
}

function listOf(value: Plain | undefined): Plain[] {
    const v = plain(value);
    return Array.isArray(v) ? v : [];
}

function behaviourReport(raw: Plain | undefined, isDefault: boolean): BehaviourReport {
    const behaviour = plain(raw);
    const fields = isObject(behaviour) ? behaviour : {};
    const trusted = plain(fields.trustedKeyGroups);
    // A key group id not known before it is created still counts: the list itself is set.
    const signed = trusted === UNKNOWN || listOf(trusted).length > 0;
    // In a preview an association whose function is new is unknown as a whole (its ARN is); the stack program
    // associates no function but the path guard, so an unknown association is the guard.
    const pathGuard = listOf(fields.functionAssociations).some((association) => {
        const a = plain(association);
        return a === UNKNOWN || (isObject(a) && plain(a.eventType) === "viewer-request");
    });
    const pattern = plain(fields.pathPattern);
    return { pathPattern: isDefault ? DEFAULT_BEHAVIOUR_PATTERN : typeof pattern === "string" ? pattern : "(unknown)", isDefault, signed, pathGuard };
}

export function distributionReport(registration: Pick<Registration, "name" | "inputs">): DistributionReport {
    const ordered = listOf(registration.inputs.orderedCacheBehaviors).map((b) => behaviourReport(b, false));
    return { name: registration.name, behaviours: [...ordered, behaviourReport(registration.inputs.defaultCacheBehavior, true)] };
}

export function reportOf(engine: Pick<FakeEngine, "registrations" | "stackOutputs">, stack: string): StackReport {
    const registered = engine.registrations.filter((r) => r.kind === "register" && r.type !== ROOT_STACK_TYPE && !r.type.startsWith("pulumi:providers:"));
    return {
        stack,
        resources: registered.map((r) => ({ type: r.type, name: r.name })),
        distributions: registered.filter((r) => r.type === DISTRIBUTION_TYPE).map(distributionReport),
        outputs: engine.stackOutputs ?? {},
    };
}

/** Strings longer than this (or of several lines) are shown by their start and length. */
const LONG_TEXT = 100;

/** One output value for people: unknown values and secrets named as such. */
export function showValue(value: Plain | undefined): string {
    if (value === undefined) return "(none)";
    if (value === UNKNOWN) return "(known after pulumi up)";
    if (value instanceof Secret) return "[secret]";
    if (value instanceof OutputValue) return value.secret ? "[secret]" : showValue(value.value);
    if (value instanceof ResourceRef) return `(resource ${value.urn})`;
    if (value instanceof AssetValue) return `(${value.kind})`;
    if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
    if (isObject(value)) return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${showValue(v)}`).join(", ")} }`;
    if (typeof value !== "string") return String(value);
    const firstLine = value.split("\n")[0];
    return value.length <= LONG_TEXT && firstLine === value ? JSON.stringify(value) : `${JSON.stringify(firstLine.slice(0, LONG_TEXT))}... (${value.length} characters)`;
}

function describeBehaviour(b: BehaviourReport): string {
    const name = b.isDefault ? "default (*)" : b.pathPattern;
    const signature = b.signed ? "signed (trusted key groups)" : "public (no signature)";
    return `${name.padEnd(24)} ${signature}${b.pathGuard ? ", path guard (viewer request)" : ""}`;
}

export function renderReport(report: StackReport, placeholders: readonly string[]): string {
    const lines: string[] = [`Stack ${report.stack}: pulumi up would create ${report.resources.length} resources (preview, nothing created)`, ""];
    const width = Math.max(0, ...report.resources.map((r) => r.type.length));
    for (const r of report.resources) lines.push(`  + ${r.type.padEnd(width)}  ${r.name}`);
    for (const d of report.distributions) {
        lines.push("", `Cache behaviours of ${d.name} (in CloudFront's order; first match wins):`);
        for (const b of d.behaviours) lines.push(`  ${describeBehaviour(b)}`);
    }
    lines.push("", "Outputs:");
    for (const [name, value] of Object.entries(report.outputs)) lines.push(`  ${name}: ${showValue(value)}`);
    if (placeholders.length > 0) {
        lines.push("", `Not decrypted (secure: values; a placeholder stood in): ${placeholders.join(", ")}`);
    }
    return `${lines.join("\n")}\n`;
}

export interface PolicyPackConfig {
    [PULUMI_POLICY_NAMES.protectedPaths]: { protectedPatterns: string[] };
    [PULUMI_POLICY_NAMES.pathGuard]: { enabled: boolean };
}

/**
 * The policy pack config matching the stack as previewed: the signed behaviours' patterns ("*" for the default
 * behaviour), and the path-guard check on unless some unsigned behaviour runs without the guard (pathGuard: false).
 */
export function policyConfigFor(report: StackReport): PolicyPackConfig {
    const behaviours = report.distributions.flatMap((d) => d.behaviours);
    const protectedPatterns = [...new Set(behaviours.filter((b) => b.signed).map((b) => b.pathPattern))];
    const unsigned = behaviours.filter((b) => !b.signed);
    const guardOn = protectedPatterns.length === 0 || unsigned.length === 0 || unsigned.every((b) => b.pathGuard);
    return {
        [PULUMI_POLICY_NAMES.protectedPaths]: { protectedPatterns },
        [PULUMI_POLICY_NAMES.pathGuard]: { enabled: guardOn },
    };
}
