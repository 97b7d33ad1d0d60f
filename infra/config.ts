// Stack configuration: parsing and validation, free of Pulumi so it can be tested directly and
// run before any resource is registered. Every error is one line naming the full config key
// (`cloudfront-signed-content:<key>`) and what is allowed.
import * as fs from "fs";
import * as path from "path";

export const PROJECT = "cloudfront-signed-content";

export type KeyAlgorithm = "RSA" | "ECDSA";
export type PriceClass = "PriceClass_100" | "PriceClass_200" | "PriceClass_All";

export const PRICE_CLASSES: readonly PriceClass[] = ["PriceClass_100", "PriceClass_200", "PriceClass_All"];
/** Default quota "cache behaviours per distribution" (older table; the default behaviour is extra). */
export const MAX_ORDERED_BEHAVIOURS = 25;
/** Default quota "public keys per key group". */
export const MAX_KEYS = 5;
/** Default quota "alternate domain names per distribution". */
export const MAX_ALIASES = 100;
/** CloudFront limit on the length of a path pattern. */
export const MAX_PATH_PATTERN_LENGTH = 255;
/** Key ids become part of resource names: CloudFront names allow only [A-Za-z0-9_-]. */
export const MAX_KEY_ID_LENGTH = 64;

/** Every setting of the project, as declared in Pulumi.yaml (same names, same defaults). */
export const CONFIG_KEYS = [
    "protectedPaths",
    "protectDefaultBehavior",
    "keys",
    "activeKey",
    "storePrivateKey",
    "privateKeyKmsKeyId",
    "aliases",
    "certificateArn",
    "priceClass",
    "ipv6",
    "assetsDir",
    "forceDestroy",
] as const;

/**
 * Values as Pulumi hands them over (`pulumi.Config#get`: strings, JSON text for lists and
 * structured values) or already-decoded plain values (lists, booleans). Missing or `undefined`
 * means "use the default"; an empty string does too for optional string settings, because
 * Pulumi.yaml declares them with the default "".
 */
export type RawConfig = { readonly [key: string]: unknown };

export interface KeySpec {
    id: string;
    algorithm: KeyAlgorithm;
    /** "kms": the key is an AWS KMS key (signs with SHA-256 only); absent for a tls key in Pulumi state. */
    source?: "kms";
}

export interface StackSettings {
    /** Ordered path patterns protected by the key group, in the order given. */
    protectedPaths: string[];
    protectDefaultBehavior: boolean;
    keys: KeySpec[];
    /** Key id the signer uses; undefined = the component's choice. */
    activeKey?: string;
    storePrivateKey: boolean;
    /** KMS key for the stored private key; undefined = the AWS managed key. */
    privateKeyKmsKeyId?: string;
    /** Lower-case alternate domain names; the first one is the base URL's host. */
    aliases: string[];
    certificateArn?: string;
    priceClass: PriceClass;
    ipv6: boolean;
    /** Absolute path of an existing directory, or undefined (nothing uploaded). */
    assetsDir?: string;
    /** Delete every object version on `pulumi destroy` (the bucket is versioned). */
    forceDestroy: boolean;
}

export const DEFAULT_PROTECTED_PATHS: readonly string[] = ["/private/*"];
export const DEFAULT_KEY_ID = "2026-01";

export interface ParseOptions {
    /** Directory a relative `assetsDir` is resolved against (the project directory). */
    baseDir?: string;
}

export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

export function configKey(key: string): string {
    return `${PROJECT}:${key}`;
}

function fail(key: string, message: string): never {
    throw new ConfigError(`${configKey(key)} ${message}`);
}

/** A short, single-line rendering of a bad value for error messages. */
function show(value: unknown): string {
    let text: string;
    try {
        text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    } catch {
        text = String(value);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isUnset(value: unknown): boolean {
    return value === undefined || value === null;
}

/** Lists arrive as JSON text from `pulumi.Config#get`; accept them decoded as well. */
function readList(key: string, value: unknown, example: string): unknown[] {
    let decoded: unknown = value;
    if (typeof value === "string") {
        const text = value.trim();
        if (!text.startsWith("[")) {
            fail(key, `must be a list, got ${show(value)}; set it in the stack file as a YAML list or with ${example}`);
        }
        try {
            decoded = JSON.parse(text);
        } catch {
            fail(key, `is not a valid list (bad JSON: ${show(value)}); set it with ${example}`);
        }
    }
    if (!Array.isArray(decoded)) {
        fail(key, `must be a list, got ${show(value)}; set it with ${example}`);
    }
    return decoded;
}

function readBoolean(key: string, value: unknown, fallback: boolean): boolean {
    if (isUnset(value)) return fallback;
    if (typeof value === "boolean") return value;
    if (value === "true") return true;
    if (value === "false") return false;
    return fail(key, `must be true or false, got ${show(value)}`);
}

function readOptionalString(key: string, value: unknown): string | undefined {
    if (isUnset(value)) return undefined;
    if (typeof value !== "string") fail(key, `must be a string, got ${show(value)}`);
    const trimmed = value.trim();
    if (trimmed !== value) fail(key, `must not have leading or trailing spaces, got ${show(value)}`);
    return value === "" ? undefined : value;
}

// CloudFront path patterns: case-sensitive, `*` and `?` wildcards, and only these characters.
const PATH_PATTERN_CHARS = /^[A-Za-z0-9_\-.*?$/~"'@:+&]+$/;

export function validatePathPattern(key: string, index: number, value: unknown): string {
    const where = `${key}[${index}]`;
    if (typeof value !== "string") fail(where, `must be a path pattern string, got ${show(value)}`);
    if (value === "") fail(where, `is empty; a path pattern must start with "/" (e.g. "/private/*") or be "*"`);
    if (value !== "*" && !value.startsWith("/")) {
        fail(where, `${show(value)} is not a path pattern: it must start with "/" (e.g. "/private/*") or be "*"`);
    }
    if (value.length > MAX_PATH_PATTERN_LENGTH) {
        fail(where, `is ${value.length} characters long; CloudFront allows at most ${MAX_PATH_PATTERN_LENGTH}`);
    }
    if (!PATH_PATTERN_CHARS.test(value)) {
        fail(
            where,
            `${show(value)} has a character CloudFront does not allow in a path pattern; allowed: A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`,
        );
    }
    return value;
}

function parseProtectedPaths(value: unknown): string[] {
    const key = "protectedPaths";
    if (isUnset(value)) return [...DEFAULT_PROTECTED_PATHS];
    const list = readList(key, value, `pulumi config set --path 'protectedPaths[0]' '/private/*'`);
    const patterns = list.map((item, index) => validatePathPattern(key, index, item));
    const seen = new Map<string, number>();
    patterns.forEach((pattern, index) => {
        const first = seen.get(pattern);
        if (first !== undefined) {
            fail(key, `lists ${show(pattern)} twice (items ${first} and ${index}); each path pattern may appear once`);
        }
        seen.set(pattern, index);
    });
    if (patterns.length > MAX_ORDERED_BEHAVIOURS) {
        fail(
            key,
            `has ${patterns.length} path patterns, more than the ${MAX_ORDERED_BEHAVIOURS} cache behaviours a distribution allows by default; combine patterns with wildcards`,
        );
    }
    return patterns;
}

const KEY_ID = /^[A-Za-z0-9_-]+$/;

function parseAlgorithm(where: string, value: unknown): KeyAlgorithm {
    if (isUnset(value)) return "RSA";
    const upper = typeof value === "string" ? value.toUpperCase() : value;
    if (upper === "RSA" || upper === "ECDSA") return upper;
    return fail(where, `algorithm ${show(value)} is not supported; use RSA (2048-bit) or ECDSA (P-256)`);
}

function parseKeyId(where: string, value: unknown): string {
    if (typeof value !== "string" || value === "") {
        fail(where, `needs a key id such as "2026-01", got ${show(value)}`);
    }
    if (!KEY_ID.test(value) || value.length > MAX_KEY_ID_LENGTH) {
        fail(where, `key id ${show(value)} is invalid; use 1-${MAX_KEY_ID_LENGTH} characters of A-Z a-z 0-9 _ -`);
    }
    return value;
}

/** "kms" for a KMS key; undefined for the default tls key (written "tls" or left out). */
function parseKeySource(where: string, value: unknown): "kms" | undefined {
    if (isUnset(value)) return undefined;
    const lower = typeof value === "string" ? value.toLowerCase() : value;
    if (lower === "tls") return undefined;
    if (lower === "kms") return "kms";
    return fail(where, `key source ${show(value)} is not supported; use tls (key in Pulumi state) or kms (key in AWS KMS), e.g. "2026-11:ECDSA:kms"`);
}

/** A KeySpec; `source` only for KMS keys, so tls keys look as they always did. */
function keySpec(id: string, algorithm: KeyAlgorithm, source: "kms" | undefined): KeySpec {
    return source === undefined ? { id, algorithm } : { id, algorithm, source };
}

/** One key: `"2026-01"`, `"2026-11:ECDSA"`, `"2026-12:RSA:kms"`, or structured `{ id, algorithm?, source? }`. */
export function parseKeySpec(index: number, value: unknown): KeySpec {
    const where = `keys[${index}]`;
    if (typeof value === "string") {
        const parts = value.split(":");
        if (parts.length > 3) {
            fail(where, `${show(value)} is not a key; write "<id>", "<id>:RSA" / "<id>:ECDSA", or "<id>:RSA:kms" / "<id>:ECDSA:kms" for a KMS key`);
        }
        if (parts.length === 2 && /^(kms|tls)$/i.test(parts[1])) {
            fail(where, `${show(value)} names no algorithm; write "${parts[0]}:RSA:${parts[1]}" or "${parts[0]}:ECDSA:${parts[1]}"`);
        }
        return keySpec(parseKeyId(where, parts[0]), parseAlgorithm(where, parts[1]), parseKeySource(where, parts[2]));
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        const record = value as Record<string, unknown>;
        const extra = Object.keys(record).filter((name) => name !== "id" && name !== "algorithm" && name !== "source");
        if (extra.length > 0) {
            fail(where, `has unknown field ${show(extra[0])}; a key has only "id", "algorithm" and "source"`);
        }
        return keySpec(parseKeyId(where, record.id), parseAlgorithm(where, record.algorithm), parseKeySource(where, record.source));
    }
    return fail(where, `must be "<id>", "<id>:ECDSA" or "<id>:ECDSA:kms" (or { id, algorithm, source }), got ${show(value)}`);
}

function parseKeys(value: unknown): KeySpec[] {
    const key = "keys";
    if (isUnset(value)) return [{ id: DEFAULT_KEY_ID, algorithm: "RSA" }];
    const list = readList(key, value, `pulumi config set --path 'keys[0]' '2026-01'`);
    if (list.length === 0) fail(key, `is empty; list at least one key, e.g. ["2026-01"]`);
    if (list.length > MAX_KEYS) {
        fail(key, `has ${list.length} keys; a key group holds at most ${MAX_KEYS}: remove retired keys first`);
    }
    const keys = list.map((item, index) => parseKeySpec(index, item));
    const seen = new Set<string>();
    for (const spec of keys) {
        if (seen.has(spec.id)) fail(key, `lists key id ${show(spec.id)} twice; key ids must be unique`);
        seen.add(spec.id);
    }
    return keys;
}

// Hostnames CloudFront accepts as alternate domain names; a wildcard only as the whole first label.
const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

function parseAliases(value: unknown): string[] {
    const key = "aliases";
    if (isUnset(value)) return [];
    const list = readList(key, value, `pulumi config set --path 'aliases[0]' cdn.example.com`);
    if (list.length > MAX_ALIASES) {
        fail(key, `has ${list.length} names; a distribution allows at most ${MAX_ALIASES} by default`);
    }
    const aliases = list.map((item, index) => {
        const where = `${key}[${index}]`;
        if (typeof item !== "string") fail(where, `must be a domain name string, got ${show(item)}`);
        const host = item.toLowerCase();
        if (host.length > 253 || !HOSTNAME.test(host)) {
            fail(where, `${show(item)} is not a domain name; use a name like "cdn.example.com" (or "*.example.com"), without scheme or path`);
        }
        return host;
    });
    const seen = new Set<string>();
    for (const host of aliases) {
        if (seen.has(host)) fail(key, `lists ${show(host)} twice; each alternate domain name may appear once`);
        seen.add(host);
    }
    if (aliases.length > 0 && aliases[0].startsWith("*.")) {
        fail(`${key}[0]`, `${show(aliases[0])} is a wildcard, but the first alias is the base URL's host; put a concrete name first`);
    }
    return aliases;
}

const ACM_ARN = /^arn:aws(-[a-z]+)*:acm:([a-z0-9-]+):(\d{12}):certificate\/[A-Za-z0-9-]+$/;

function parseCertificateArn(value: unknown): string | undefined {
    const key = "certificateArn";
    const arn = readOptionalString(key, value);
    if (arn === undefined) return undefined;
    const match = ACM_ARN.exec(arn);
    if (!match) {
        fail(key, `${show(arn)} is not an ACM certificate ARN; expected arn:aws:acm:us-east-1:<account id>:certificate/<id>`);
    }
    if (match[2] !== "us-east-1") {
        fail(key, `is in region ${match[2]}; CloudFront only uses ACM certificates from us-east-1`);
    }
    return arn;
}

function parsePriceClass(value: unknown): PriceClass {
    const key = "priceClass";
    if (isUnset(value) || value === "") return "PriceClass_100";
    const found = PRICE_CLASSES.find((priceClass) => priceClass === value);
    if (found === undefined) fail(key, `${show(value)} is not a price class; use one of ${PRICE_CLASSES.join(", ")}`);
    return found;
}

function parseKmsKeyId(value: unknown): string | undefined {
    const key = "privateKeyKmsKeyId";
    const id = readOptionalString(key, value);
    if (id === undefined) return undefined;
    // A key id (uuid or mrk-...), a key ARN, an alias name or an alias ARN.
    if (!/^(arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|(mrk-)?[A-Za-z0-9-]+)$/.test(id)) {
        fail(key, `${show(id)} is not a KMS key id, key ARN or alias ("alias/<name>")`);
    }
    return id;
}

function parseAssetsDir(value: unknown, options: ParseOptions): string | undefined {
    const key = "assetsDir";
    const dir = readOptionalString(key, value);
    if (dir === undefined) return undefined;
    const resolved = path.resolve(options.baseDir ?? process.cwd(), dir);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(resolved);
    } catch {
        return fail(key, `folder ${show(dir)} does not exist (resolved to ${resolved}); create it or remove the setting`);
    }
    if (!stat.isDirectory()) fail(key, `${show(dir)} is not a folder (resolved to ${resolved}); point it at a folder of files to upload`);
    return resolved;
}

function suggest(unknownKey: string): string {
    const lower = unknownKey.toLowerCase();
    const close = CONFIG_KEYS.find((known) => known.toLowerCase() === lower || known.toLowerCase().startsWith(lower) || lower.startsWith(known.toLowerCase()));
    return close ? `did you mean ${configKey(close)}?` : `known settings: ${CONFIG_KEYS.join(", ")}`;
}

/** Parse and validate every setting; throws a one-line ConfigError on the first problem. */
export function parseStackConfig(raw: RawConfig, options: ParseOptions = {}): StackSettings {
    for (const name of Object.keys(raw)) {
        if (!(CONFIG_KEYS as readonly string[]).includes(name)) {
            fail(name, `is not a setting of this project; ${suggest(name)}`);
        }
    }

    const protectedPaths = parseProtectedPaths(raw.protectedPaths);
    const protectDefaultBehavior = readBoolean("protectDefaultBehavior", raw.protectDefaultBehavior, false);
    const keys = parseKeys(raw.keys);

    const activeKey = readOptionalString("activeKey", raw.activeKey);
    if (activeKey !== undefined && !keys.some((spec) => spec.id === activeKey)) {
        fail("activeKey", `${show(activeKey)} is not one of the configured keys (${keys.map((spec) => spec.id).join(", ")})`);
    }

    const storePrivateKey = readBoolean("storePrivateKey", raw.storePrivateKey, false);
    const activeSpec = activeKey !== undefined ? keys.find((spec) => spec.id === activeKey) : keys[keys.length - 1];
    if (storePrivateKey && activeSpec?.source === "kms") {
        fail("storePrivateKey", `is true but the active key ${show(activeSpec.id)} is a KMS key, whose private key never leaves KMS; set storePrivateKey to false (grant kms:Sign with the kmsSigningPolicy output)`);
    }
    const privateKeyKmsKeyId = parseKmsKeyId(raw.privateKeyKmsKeyId);
    if (privateKeyKmsKeyId !== undefined && !storePrivateKey) {
        fail("privateKeyKmsKeyId", `is set but ${configKey("storePrivateKey")} is false; set storePrivateKey to true or remove the KMS key`);
    }

    const aliases = parseAliases(raw.aliases);
    const certificateArn = parseCertificateArn(raw.certificateArn);
    if (aliases.length > 0 && certificateArn === undefined) {
        fail("aliases", `needs ${configKey("certificateArn")}: alternate domain names require an ACM certificate (us-east-1) covering them`);
    }
    if (certificateArn !== undefined && aliases.length === 0) {
        fail("certificateArn", `is set but ${configKey("aliases")} is empty; list the domain names the certificate covers, or remove the certificate`);
    }

    return {
        protectedPaths,
        protectDefaultBehavior,
        keys,
        activeKey,
        storePrivateKey,
        privateKeyKmsKeyId,
        aliases,
        certificateArn,
        priceClass: parsePriceClass(raw.priceClass),
        ipv6: readBoolean("ipv6", raw.ipv6, true),
        assetsDir: parseAssetsDir(raw.assetsDir, options),
        forceDestroy: readBoolean("forceDestroy", raw.forceDestroy, false),
    };
}
