// Pure validation of SigningKeyGroup arguments: every rule is a one-line error naming the argument and the fix.
import * as pulumi from "@pulumi/pulumi";
import { generationResourceName } from "./naming";
import { KeyAlgorithm, KeyGeneration, KeySource, SigningKeyGroupArgs } from "./types";

/** CloudFront quota: public keys per key group. */
export const MAX_KEYS_PER_KEY_GROUP = 5;
/** CloudFront limit for names (public keys, key groups) and comments. */
export const MAX_CLOUDFRONT_NAME_LENGTH = 128;
export const MAX_COMMENT_LENGTH = 128;
export const MAX_GENERATION_ID_LENGTH = 64;
/** Generation id used when `keys` is omitted. */
export const DEFAULT_GENERATION_ID = "default";
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = Object.values(KeyAlgorithm);
export const KEY_SOURCES: readonly KeySource[] = Object.values(KeySource);
/** KMS: a key scheduled for deletion waits 7 to 30 days (default 30). */
export const DEFAULT_KMS_DELETION_WINDOW_DAYS = 30;
/** KMS alias names: "alias/" then letters, digits, "/", "_", "-"; at most 256 characters; "alias/aws/" is reserved. */
export const MAX_KMS_ALIAS_LENGTH = 256;
const KMS_ALIAS_PREFIX = /^alias\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/;
/** The engine autonames "<logical name>-<7 hex chars>". */
const AUTONAME_SUFFIX_LENGTH = 8;
const NAME_CHARS = /^[A-Za-z0-9_-]+$/;

/** Thrown for invalid arguments. A RunError, so `pulumi up` prints the one-line message without a stack trace. */
export class SigningKeyGroupArgsError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "SigningKeyGroupArgsError";
    }
}

/** Arguments with every default applied, as the component uses them. */
export interface NormalizedSigningKeyGroupArgs {
    keys: Required<KeyGeneration>[];
    activeKey: string;
    comment?: string;
    /** undefined when the private key is not stored in Secrets Manager */
    storePrivateKey?: { kmsKeyId?: pulumi.Input<string>; recoveryWindowInDays: number };
    protectKeys: boolean;
    tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** KMS key settings; aliasPrefix undefined = the component's default (it needs the project and stack names). */
    kmsSigningKeys: { deletionWindowInDays: number; aliasPrefix?: string };
}

function fail(name: string, message: string): never {
    throw new SigningKeyGroupArgsError(`SigningKeyGroup "${name}": ${message}`);
}

/**
 * Validates and normalizes SigningKeyGroup arguments. Throws SigningKeyGroupArgsError (one line, naming the
 * argument) on: an invalid component name, no keys, more than 5 keys, a duplicate or invalid generation id,
 * an unknown algorithm, an activeKey that is not a generation id, a comment over 128 characters, or invalid
 * storePrivateKey / storePrivateKeyOptions / protectKeys values.
 */
export function validateSigningKeyGroupArgs(name: string, args: SigningKeyGroupArgs = {}): NormalizedSigningKeyGroupArgs {
    if (typeof name !== "string" || name.length === 0) fail(String(name), "name must be a non-empty string");
    if (!NAME_CHARS.test(name)) {
        fail(name, `name "${name}" cannot name CloudFront public keys and key groups: use only letters, digits, "-" and "_"`);
    }
    if (typeof args !== "object" || args === null) fail(name, "args must be an object");

    const rawKeys: unknown = args.keys ?? [{ id: DEFAULT_GENERATION_ID }];
    if (!Array.isArray(rawKeys)) fail(name, `keys must be an array of generations, e.g. [{ id: "2026-01" }]`);
    if (rawKeys.length === 0) fail(name, `keys is empty: list at least one generation, e.g. [{ id: "2026-01" }]`);
    if (rawKeys.length > MAX_KEYS_PER_KEY_GROUP) {
        fail(name, `keys has ${rawKeys.length} generations but a CloudFront key group holds at most ${MAX_KEYS_PER_KEY_GROUP} public keys: drop the oldest`);
    }

    const keys: Required<KeyGeneration>[] = [];
    const seen = new Set<string>();
    rawKeys.forEach((raw: unknown, i: number) => {
        const where = `keys[${i}]`;
        if (typeof raw !== "object" || raw === null) fail(name, `${where} must be an object like { id: "2026-01" }`);
        const gen = raw as Partial<Record<keyof KeyGeneration, unknown>>;
        const id = gen.id;
        if (typeof id !== "string" || id.length === 0) fail(name, `${where}.id is missing: give each generation an id like "2026-01"`);
        if (!NAME_CHARS.test(id) || id.length > MAX_GENERATION_ID_LENGTH) {
            fail(name, `${where}.id "${id}" is invalid: use 1-${MAX_GENERATION_ID_LENGTH} letters, digits, "-" or "_"`);
        }
        if (seen.has(id)) fail(name, `${where}.id "${id}" is duplicated: each generation needs its own id`);
        seen.add(id);
        const algorithm = gen.algorithm ?? KeyAlgorithm.RSA;
        if (!KEY_ALGORITHMS.includes(algorithm as KeyAlgorithm)) {
            fail(name, `${where}.algorithm "${String(algorithm)}" is not supported by CloudFront: use "RSA" or "ECDSA"`);
        }
        // The engine appends "-xxxxxxx" to the logical name; CloudFront caps names at 128 characters.
        const longest = generationResourceName(name, id).length + AUTONAME_SUFFIX_LENGTH;
        if (longest > MAX_CLOUDFRONT_NAME_LENGTH) {
            fail(name, `name "${name}" with ${where}.id "${id}" makes a ${longest}-character CloudFront public key name (max ${MAX_CLOUDFRONT_NAME_LENGTH}): shorten the name or the id`);
        }
        const source = gen.source ?? KeySource.Tls;
        if (!KEY_SOURCES.includes(source as KeySource)) {
            fail(name, `${where}.source "${String(source)}" is not a key source: use "tls" (key in Pulumi state) or "kms" (key in AWS KMS)`);
        }
        keys.push({ id, algorithm: algorithm as KeyAlgorithm, source: source as KeySource });
    });

    const activeKey = args.activeKey ?? keys[keys.length - 1].id;
    if (typeof activeKey !== "string" || !seen.has(activeKey)) {
        fail(name, `activeKey "${String(activeKey)}" is not one of the keys' ids (${keys.map((k) => k.id).join(", ")}): add that generation first or pick an existing id`);
    }

    const comment = args.comment;
    if (comment !== undefined) {
        if (typeof comment !== "string") fail(name, "comment must be a string");
        if (comment.length > MAX_COMMENT_LENGTH) {
            fail(name, `comment is ${comment.length} characters but CloudFront allows at most ${MAX_COMMENT_LENGTH}: shorten it`);
        }
    }

    const protectKeys = args.protectKeys ?? false;
    if (typeof protectKeys !== "boolean") fail(name, "protectKeys must be true or false");

    const kmsSigningKeys = validateKmsSigningKeys(name, args.kmsSigningKeys, keys);
    const normalized: NormalizedSigningKeyGroupArgs = { keys, activeKey, comment, protectKeys, kmsSigningKeys };
    if (args.tags !== undefined) normalized.tags = args.tags;
    const store: unknown = args.storePrivateKey ?? false;
    if (typeof store === "object" && store !== null) {
        // The pre-1.0 form `storePrivateKey: { kmsKeyId, recoveryWindowInDays }` (JavaScript callers).
        fail(name, "storePrivateKey is an object: pass storePrivateKey: true and put the options in storePrivateKeyOptions");
    }
    if (typeof store !== "boolean") fail(name, "storePrivateKey must be true or false");
    const options: unknown = args.storePrivateKeyOptions;
    if (options !== undefined) {
        if (typeof options !== "object" || options === null || Array.isArray(options)) {
            fail(name, "storePrivateKeyOptions must be an object like { kmsKeyId?, recoveryWindowInDays? }");
        }
        if (!store) fail(name, "storePrivateKeyOptions is set but storePrivateKey is not true: set storePrivateKey: true or drop the options");
    }
    if (store) {
        if (keys.find((k) => k.id === activeKey)?.source === KeySource.Kms) {
            fail(name, `storePrivateKey is set but the active key "${activeKey}" is a KMS key, whose private key never leaves KMS: remove storePrivateKey and grant kms:Sign with kmsSigningPolicy instead`);
        }
        const opts = (options ?? {}) as { kmsKeyId?: pulumi.Input<string>; recoveryWindowInDays?: unknown };
        const days = opts.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
        if (typeof days !== "number" || !Number.isInteger(days) || (days !== 0 && (days < 7 || days > 30))) {
            fail(name, `storePrivateKeyOptions.recoveryWindowInDays ${String(days)} is invalid: use 0 (delete at once) or a whole number of days from 7 to 30`);
        }
        if (typeof opts.kmsKeyId === "string" && opts.kmsKeyId.trim() === "") {
            fail(name, "storePrivateKeyOptions.kmsKeyId is empty: give a KMS key id, key ARN or alias, or leave it out for the aws/secretsmanager key");
        }
        normalized.storePrivateKey = { kmsKeyId: opts.kmsKeyId, recoveryWindowInDays: days };
    }
    return normalized;
}

/** Checks kmsSigningKeys: deletion window 7..30 days, alias prefix shape and the resulting alias lengths. */
function validateKmsSigningKeys(
    name: string,
    options: unknown,
    keys: Required<KeyGeneration>[],
): NormalizedSigningKeyGroupArgs["kmsSigningKeys"] {
    if (options === undefined) return { deletionWindowInDays: DEFAULT_KMS_DELETION_WINDOW_DAYS };
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
        fail(name, "kmsSigningKeys must be an object like { deletionWindowInDays: 7 }");
    }
    const { deletionWindowInDays = DEFAULT_KMS_DELETION_WINDOW_DAYS, aliasPrefix } = options as { deletionWindowInDays?: unknown; aliasPrefix?: unknown };
    if (typeof deletionWindowInDays !== "number" || !Number.isInteger(deletionWindowInDays) || deletionWindowInDays < 7 || deletionWindowInDays > 30) {
        fail(name, `kmsSigningKeys.deletionWindowInDays ${String(deletionWindowInDays)} is invalid: KMS waits a whole number of days from 7 to 30`);
    }
    if (aliasPrefix !== undefined) {
        if (typeof aliasPrefix !== "string" || !KMS_ALIAS_PREFIX.test(aliasPrefix) || aliasPrefix.startsWith("alias/aws/")) {
            fail(name, `kmsSigningKeys.aliasPrefix ${JSON.stringify(aliasPrefix)} is invalid: start with "alias/", use letters, digits, "/", "_" or "-", no trailing "/" and not "alias/aws/"`);
        }
        for (const key of keys) {
            const alias = `${aliasPrefix}/${key.id}`;
            if (key.source === KeySource.Kms && alias.length > MAX_KMS_ALIAS_LENGTH) {
                fail(name, `kmsSigningKeys.aliasPrefix makes the alias of "${key.id}" ${alias.length} characters (max ${MAX_KMS_ALIAS_LENGTH}): shorten it`);
            }
        }
    }
    // (explicit types: without strictNullChecks the narrowing through fail() is not applied)
    return { deletionWindowInDays: deletionWindowInDays as number, aliasPrefix: aliasPrefix as string | undefined };
}
