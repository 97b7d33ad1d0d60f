// Which property values were secrets. @pulumi/policy 1.21.0 unwraps secrets before a stack policy sees them
// (pulumi/pulumi-policy#241: a policy cannot tell a secret from a plain value), although the engine sends the
// secret markers on the wire. The private-key-output check needs exactly that bit, so this module wraps the
// pack's deserializer once: it records the paths of the secret values of every property bag it deserializes,
// keyed by the bag, and `secretPathsOf` finds them again from the (proxied) props a policy receives.
// That depends on @pulumi/policy internals (the module `@pulumi/policy/deserialize`, and its analyzer server calling
// it through the module object): `startSecretTracking` checks at start-up that it all still works, and says why not.
import * as fs from "fs";
import { unknownCheckingProxy } from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** The subset of google.protobuf.Struct the deserializer is given. */
interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
type Deserialize = (struct: StructLike, proxySecrets: boolean) => Record<string, unknown>;
export interface DeserializeModule {
    deserializeProperties: Deserialize & { [WRAPPED]?: true };
}

const WRAPPED = Symbol.for("cloudfront-signed-content-policy:secret-paths");
/** @pulumi/policy's proxies hand out their target for this key (proxy.js getSpecialProxyTarget). */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** A property path: keys and array indexes from the top of the property bag. */
export type PropertyPath = readonly (string | number)[];

const registry = new WeakMap<object, string[]>();

function pathKey(path: PropertyPath): string {
    return JSON.stringify(path);
}

/** Paths of the values wrapped in a secret marker (outermost only: everything below them is secret too). */
export function secretPathsInWire(wire: unknown, path: (string | number)[] = [], out: string[] = []): string[] {
    if (Array.isArray(wire)) {
        wire.forEach((item, index) => secretPathsInWire(item, [...path, index], out));
    } else if (typeof wire === "object" && wire !== null) {
        const record = wire as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            out.push(pathKey(path));
            return out;
        }
        for (const [key, value] of Object.entries(record)) secretPathsInWire(value, [...path, key], out);
    }
    return out;
}

/** Remembers, for a deserialized property bag, which of its paths were secrets on the wire. */
export function rememberSecretPaths(props: object, wire: unknown): void {
    registry.set(props, secretPathsInWire(wire));
}

/**
 * Whether the value at `path` of these props was a secret: true/false, or undefined when nothing was recorded
 * for them (props not deserialized through the wrapped deserializer).
 */
export function secretPathsOf(props: object): ((path: PropertyPath) => boolean) | undefined {
    const target = ((props as Record<string, unknown>)[PROXY_TARGET] as object | undefined) ?? props;
    const paths = registry.get(target);
    if (paths === undefined) return undefined;
    const set = new Set(paths);
    return (path) => {
        for (let i = 0; i <= path.length; i++) if (set.has(pathKey(path.slice(0, i)))) return true;
        return false;
    };
}

/** Wraps @pulumi/policy's deserializer (idempotent). Returns the module so tests can drive the real thing. */
export function installSecretTracking(): DeserializeModule {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/policy/deserialize") as DeserializeModule;
    const original = mod.deserializeProperties;
    if (original[WRAPPED]) return mod;
    const wrapped: Deserialize & { [WRAPPED]?: true } = (struct, proxySecrets) => {
        const props = original(struct, proxySecrets);
        if (!proxySecrets && typeof props === "object" && props !== null) rememberSecretPaths(props, struct.toJavaScript());
        return props;
    };
    wrapped[WRAPPED] = true;
    mod.deserializeProperties = wrapped;
    return mod;
}

/** Whether the pack can tell secret stack outputs from plain ones, and why not. */
export type SecretTracking = { working: true } | { working: false; reason: string };

/**
 * Checks that secret tracking works end to end, as the analyzer will use it: the module's deserializeProperties is
 * the wrapper, a property bag with a secret marker deserializes to the plain value with its secret path recorded,
 * that path is found again through @pulumi/policy's unknown-checking proxy, and the analyzer server (its source,
 * `serverSource`) calls deserializeProperties through the module object, where the wrapper sits. Never throws.
 */
export function checkSecretTracking(mod: DeserializeModule, serverSource: string | undefined): SecretTracking {
    try {
        if (typeof mod.deserializeProperties !== "function" || mod.deserializeProperties[WRAPPED] !== true) {
            return { working: false, reason: "@pulumi/policy/deserialize no longer exports a deserializeProperties function that can be wrapped" };
        }
        const wire = { plain: "probe", nested: { secret: { [specialSigKey]: specialSecretSig, value: "probe-secret" } } };
        const props = mod.deserializeProperties({ toJavaScript: () => wire }, false);
        const proxied = unknownCheckingProxy(props) as Record<string, unknown>;
        const isSecret = secretPathsOf(proxied);
        if (isSecret === undefined) return { working: false, reason: "its deserializer's results can no longer be recognised behind the policy proxy" };
        const nested = proxied.nested as Record<string, unknown> | undefined;
        if (nested?.secret !== "probe-secret" || proxied.plain !== "probe") {
            return { working: false, reason: "its deserializer no longer unwraps secret values as this pack expects" };
        }
        if (!isSecret(["nested", "secret"]) || isSecret(["plain"])) {
            return { working: false, reason: "its deserializer no longer receives the secret markers the engine sends" };
        }
        if (serverSource === undefined || !/\b\w+\.deserializeProperties\(\s*\w+\.getProperties\(\),\s*false\s*\)/.test(serverSource)) {
            return { working: false, reason: "its analyzer server no longer calls deserializeProperties through the module, where this pack's wrapper sits" };
        }
        return { working: true };
    } catch (error) {
        return { working: false, reason: `the check of its deserializer failed (${error instanceof Error ? error.message.split("\n")[0] : String(error)})` };
    }
}

/**
 * Installs the wrapper and checks it (checkSecretTracking) against the installed @pulumi/policy. Call once at
 * start-up, before the pack serves; never throws: a failure is reported as { working: false, reason }.
 */
export function startSecretTracking(): SecretTracking {
    let mod: DeserializeModule;
    try {
        mod = installSecretTracking();
    } catch (error) {
        return { working: false, reason: `@pulumi/policy/deserialize cannot be loaded (${error instanceof Error ? error.message.split("\n")[0] : String(error)})` };
    }
    let serverSource: string | undefined;
    try {
        serverSource = fs.readFileSync(require.resolve("@pulumi/policy/server"), "utf8");
    } catch {
        serverSource = undefined;
    }
    return checkSecretTracking(mod, serverSource);
}
