// Stack configuration: parsing and validation, free of Pulumi so it can be tested directly and
// run before any resource is registered. Every error is one line naming the full config key
// (`cloudfront-signed-content:<key>`) and what is allowed.
import * as fs from "fs";
import * as path from "path";
import { pathPatternProblem, show } from "../signer/src/lib/pathPattern";

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
export { MAX_PATH_PATTERN_LENGTH } from "../signer/src/lib/pathPattern";
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
    "exportPrivateKey",
    "noncurrentVersionExpirationDays",
    "corsAllowedOrigins",
    "tags",
    "accessLogsBucket",
    "accessLogsPrefix",
    "pathGuard",
    "protectKeys",
] as const;

/**
 * Settings the parser reads but `Pulumi.yaml` cannot declare: project config types are only
 * string, integer, boolean and array, and `tags` is a map (`pulumi config set --path 'tags.team' x`).
 */
export const UNDECLARED_CONFIG_KEYS: readonly (typeof CONFIG_KEYS)[number][] = ["tags"];

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
    /** Export the active private key as the `privateKeyPem` stack output (secret). */
    exportPrivateKey: boolean;
    /** Days after which noncurrent object versions are deleted; 0 = keep them forever. */
    noncurrentVersionExpirationDays: number;
    /** Browser origins allowed to read with CORS (credentials included); [] = no CORS. */
    corsAllowedOrigins: string[];
    /** Tags for every taggable resource the stack program creates. */
    tags: Record<string, string>;
    /** Bucket name receiving CloudFront standard access logs; undefined = no logging. */
    accessLogsBucket?: string;
    /** Key prefix of the access log files, e.g. "cdn/"; undefined = none. */
    accessLogsPrefix?: string;
    /** Associate the path guard CloudFront Function with the behaviours that need no signature. */
    pathGuard: boolean;
    /**
     * Pulumi `protect` on the signing keys (private keys, KMS keys and aliases, public keys, key group): a change that
     * would replace or delete them fails at preview instead of breaking every outstanding URL and cookie.
     */
    protectKeys: boolean;
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

// CloudFront path patterns: one rule shared with the local edge and cf-sign inspect (scripts/lib/pathPattern.ts).
export function validatePathPattern(key: string, index: number, value: unknown): string {
    const problem = pathPatternProblem(value);
    if (problem !== undefined) fail(`${key}[${index}]`, problem);
    return value as string;
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

/**
 * `pulumi config set --path 'keys[1]' 2027` stores the number 2027 (integers become numbers with
 * --path): take a whole number as the id written in decimal, refuse any other number.
 */
export function numericKeyId(where: string, value: number): string {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    return fail(
        where,
        `is the number ${show(value)}; key ids are strings: set it with pulumi config set --type string --path '${where}' '<id>' (or quote it in the stack file)`,
    );
}

function parseKeyId(where: string, value: unknown): string {
    if (typeof value === "number") return parseKeyId(where, numericKeyId(where, value));
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
    if (typeof value === "number") value = numericKeyId(where, value);
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

/** S3 keeps noncurrent versions at most this long here (100 years): a larger value is a typo. */
export const MAX_NONCURRENT_VERSION_DAYS = 36500;
export const DEFAULT_NONCURRENT_VERSION_DAYS = 30;

function parseNoncurrentVersionExpirationDays(value: unknown): number {
    const key = "noncurrentVersionExpirationDays";
    if (isUnset(value) || value === "") return DEFAULT_NONCURRENT_VERSION_DAYS;
    const days = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof days !== "number" || !Number.isInteger(days) || days < 0 || days > MAX_NONCURRENT_VERSION_DAYS) {
        fail(key, `must be a whole number of days from 0 (keep old versions forever) to ${MAX_NONCURRENT_VERSION_DAYS}, got ${show(value)}`);
    }
    return days;
}

/** CloudFront response headers policy quota: origins per CORS configuration. */
export const MAX_CORS_ORIGINS = 50;
// A serialized browser origin: scheme, host (a leading "*." wildcard allowed), optional port; no path.
const CORS_ORIGIN = /^https?:\/\/(\*\.)?(localhost|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?|\d{1,3}(\.\d{1,3}){3})(:\d{1,5})?$/;

function parseCorsAllowedOrigins(value: unknown): string[] {
    const key = "corsAllowedOrigins";
    if (isUnset(value)) return [];
    const list = readList(key, value, `pulumi config set --path 'corsAllowedOrigins[0]' https://app.example.com`);
    if (list.length > MAX_CORS_ORIGINS) fail(key, `has ${list.length} origins; a CORS configuration allows at most ${MAX_CORS_ORIGINS}`);
    const origins = list.map((item, index) => {
        const where = `${key}[${index}]`;
        if (typeof item !== "string") fail(where, `must be an origin string such as "https://app.example.com", got ${show(item)}`);
        if (item === "*") {
            fail(where, `"*" cannot be used: responses carry Access-Control-Allow-Credentials (signed cookies), which browsers refuse with a wildcard origin; list each origin, e.g. "https://app.example.com"`);
        }
        const origin = item.toLowerCase();
        if (!CORS_ORIGIN.test(origin)) {
            fail(where, `${show(item)} is not an origin; write scheme and host (and port), no path or trailing "/", e.g. "https://app.example.com"`);
        }
        return origin;
    });
    const seen = new Set<string>();
    for (const origin of origins) {
        if (seen.has(origin)) fail(key, `lists ${show(origin)} twice; each origin may appear once`);
        seen.add(origin);
    }
    return origins;
}

/** AWS tag limits (S3 buckets, CloudFront distributions, Secrets Manager): 50 tags, key 128, value 256. */
export const MAX_TAGS = 50;
/** S3 object tagging allows only 10 tags per object (the uploaded assets get the tags too). */
export const MAX_OBJECT_TAGS = 10;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function parseTags(value: unknown): Record<string, string> {
    const key = "tags";
    if (isUnset(value) || value === "") return {};
    let decoded: unknown = value;
    if (typeof value === "string") {
        try {
            decoded = JSON.parse(value);
        } catch {
            fail(key, `must be a map of tag names to values, got ${show(value)}; set it with pulumi config set --path 'tags.team' platform`);
        }
    }
    if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
        fail(key, `must be a map of tag names to values, got ${show(value)}; set it with pulumi config set --path 'tags.team' platform`);
    }
    const entries = Object.entries(decoded as Record<string, unknown>);
    if (entries.length > MAX_TAGS) fail(key, `has ${entries.length} tags; AWS resources take at most ${MAX_TAGS}`);
    const tags: Record<string, string> = {};
    for (const [name, raw] of entries) {
        const where = `${key}.${name}`;
        if (name.length === 0 || name.length > 128 || !TAG_TEXT.test(name)) {
            fail(where, `tag name ${show(name)} is invalid; use 1-128 letters, digits, spaces and _ . : / = + - @`);
        }
        if (name.toLowerCase().startsWith("aws:")) fail(where, `tag names starting with "aws:" are reserved for AWS; choose another name`);
        // `pulumi config set --path 'tags.costCenter' 1234` stores a number: tag values are text.
        const text = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw;
        if (typeof text !== "string") fail(where, `must be a text value, got ${show(raw)}`);
        if (text.length > 256 || !TAG_TEXT.test(text)) {
            fail(where, `value ${show(text)} is invalid; use at most 256 letters, digits, spaces and _ . : / = + - @`);
        }
        tags[name] = text;
    }
    return tags;
}

// S3 bucket names (general purpose): 3-63 lower-case letters, digits, dots, hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseAccessLogsBucket(value: unknown): string | undefined {
    const key = "accessLogsBucket";
    const text = readOptionalString(key, value);
    if (text === undefined) return undefined;
    // CloudFront's own field takes the bucket's domain name; accept that spelling too.
    const name = text.endsWith(".s3.amazonaws.com") ? text.slice(0, -".s3.amazonaws.com".length) : text;
    if (!BUCKET_NAME.test(name) || name.includes("..")) {
        fail(key, `${show(text)} is not an S3 bucket name; give the name of an existing bucket, e.g. "my-cdn-logs"`);
    }
    return name;
}

function parseAccessLogsPrefix(value: unknown): string | undefined {
    const key = "accessLogsPrefix";
    const prefix = readOptionalString(key, value);
    if (prefix === undefined) return undefined;
    if (prefix.startsWith("/")) fail(key, `${show(prefix)} must not start with "/"; S3 keys have no leading slash, e.g. "cdn/"`);
    if (prefix.length > 512) fail(key, `is ${prefix.length} characters long; keep it under 512`);
    return prefix;
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
        pathGuard: readBoolean("pathGuard", raw.pathGuard, true),
        protectKeys: readBoolean("protectKeys", raw.protectKeys, true),
        // A KMS active key is never exported either: it signs through KMS.
        ...parseOperationsSettings(raw, storePrivateKey || activeSpec?.source === "kms", assetsDirSet(raw)),
    };
}

function assetsDirSet(raw: RawConfig): boolean {
    return !isUnset(raw.assetsDir) && raw.assetsDir !== "";
}

/** Private-key export, object-version expiry, CORS, tags and access logging. */
function parseOperationsSettings(
    raw: RawConfig,
    storePrivateKey: boolean,
    uploadsAssets: boolean,
): Pick<StackSettings, "exportPrivateKey" | "noncurrentVersionExpirationDays" | "corsAllowedOrigins" | "tags" | "accessLogsBucket" | "accessLogsPrefix"> {
    const exportPrivateKey = readBoolean("exportPrivateKey", raw.exportPrivateKey, true);
    if (!exportPrivateKey && !storePrivateKey) {
        fail("exportPrivateKey", `is false but ${configKey("storePrivateKey")} is false too: nothing could sign; set storePrivateKey to true (signers read the key from Secrets Manager)`);
    }
    const tags = parseTags(raw.tags);
    if (uploadsAssets && Object.keys(tags).length > MAX_OBJECT_TAGS) {
        fail("tags", `has ${Object.keys(tags).length} tags, but the files of ${configKey("assetsDir")} are S3 objects, which take at most ${MAX_OBJECT_TAGS}; remove some tags`);
    }
    const accessLogsBucket = parseAccessLogsBucket(raw.accessLogsBucket);
    const accessLogsPrefix = parseAccessLogsPrefix(raw.accessLogsPrefix);
    if (accessLogsPrefix !== undefined && accessLogsBucket === undefined) {
        fail("accessLogsPrefix", `is set but ${configKey("accessLogsBucket")} is empty; name the bucket that receives the logs, or remove the prefix`);
    }
    return {
        exportPrivateKey,
        noncurrentVersionExpirationDays: parseNoncurrentVersionExpirationDays(raw.noncurrentVersionExpirationDays),
        corsAllowedOrigins: parseCorsAllowedOrigins(raw.corsAllowedOrigins),
        tags,
        accessLogsBucket,
        accessLogsPrefix,
    };
}
