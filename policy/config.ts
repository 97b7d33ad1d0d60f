// Policy configuration: the JSON schemas the engine validates a policy config file against, and readers
// that apply the same defaults (the engine may hand over {} when no config file is given).
import type { PolicyConfigSchema } from "@pulumi/policy";

/** Path patterns that need a signed URL or cookie unless configured otherwise. */
export const DEFAULT_PROTECTED_PATTERNS: readonly string[] = ["/private/*"];
/** In `protectedPatterns`, "*" names the distribution's default cache behaviour. */
export const DEFAULT_BEHAVIOUR_PATTERN = "*";

// CloudFront path patterns: "/" first (or "*" alone), at most 255 characters of the allowed set.
const PATH_PATTERN = "^(\\*|/[A-Za-z0-9_\\-.*?$/~\"'@:+&]{0,254})$";

export const protectedPathsConfigSchema: PolicyConfigSchema = {
    properties: {
        protectedPatterns: {
            type: "array",
            description:
                'CloudFront path patterns (exactly as in the cache behaviours, case-sensitive) that must require a signed URL or cookie; "*" is the default behaviour.',
            items: { type: "string", pattern: PATH_PATTERN },
            uniqueItems: true,
            default: [...DEFAULT_PROTECTED_PATTERNS],
        },
    },
};

export const pathGuardConfigSchema: PolicyConfigSchema = {
    properties: {
        enabled: {
            type: "boolean",
            description: "false turns the path-guard check off (for stacks that deliberately run without the viewer-request guard).",
            default: true,
        },
    },
};

export interface ProtectedPathsConfig {
    protectedPatterns: string[];
}

export interface PathGuardConfig {
    enabled: boolean;
}

/** Defaults applied; a value of the wrong shape is a policy bug to report, not something to guess around. */
export function readProtectedPathsConfig(raw: object): ProtectedPathsConfig {
    const value = (raw as { protectedPatterns?: unknown }).protectedPatterns;
    if (value === undefined) return { protectedPatterns: [...DEFAULT_PROTECTED_PATTERNS] };
    if (!Array.isArray(value) || !value.every((p): p is string => typeof p === "string" && new RegExp(PATH_PATTERN).test(p))) {
        throw new Error(`protectedPatterns must be a list of CloudFront path patterns such as "/private/*", got ${JSON.stringify(value)}`);
    }
    return { protectedPatterns: [...value] };
}

export function readPathGuardConfig(raw: object): PathGuardConfig {
    const value = (raw as { enabled?: unknown }).enabled;
    if (value === undefined) return { enabled: true };
    if (typeof value !== "boolean") throw new Error(`enabled must be true or false, got ${JSON.stringify(value)}`);
    return { enabled: value };
}
