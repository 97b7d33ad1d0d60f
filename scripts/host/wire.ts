// Pulumi's property wire format (google.protobuf.Struct values with the SDK's special signatures), read into plain
// JavaScript with the special values kept visible: a secret stays a `Secret`, a preview-unknown value is `UNKNOWN`,
// resource references, assets and output values get their own classes. The signatures come from the SDK itself
// (@pulumi/pulumi/runtime/rpc), so the harness speaks exactly the format the launched programs speak.
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
    specialArchiveSig,
    specialAssetSig,
    specialOutputValueSig,
    specialResourceSig,
    specialSecretSig,
    specialSigKey,
    unknownValue,
} from "@pulumi/pulumi/runtime/rpc";

/** A JSON value as google.protobuf.Struct carries it. */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };
export type WireObject = { [key: string]: WireValue };

/** A value the engine does not know yet (preview); on the wire the string "04da6b54-…". */
export const UNKNOWN: unique symbol = Symbol("unknown (preview)");
export type Unknown = typeof UNKNOWN;

/** A secret value: on the wire `{ [sig]: secret sig, value }`. */
export class Secret {
    constructor(readonly value: Plain) {}
}

/** A reference to a resource (urn, and id for custom resources). */
export class ResourceRef {
    constructor(
        readonly urn: string,
        readonly id: Plain | undefined,
        readonly packageVersion: string | undefined,
    ) {}
}

/** An asset or archive as the program serialized it (path, text, uri or assets). */
export class AssetValue {
    constructor(
        readonly kind: "asset" | "archive",
        readonly fields: WireObject,
    ) {}
}

/** An Output passed as a value (only to remote components): known or not, secret or not, with its dependencies. */
export class OutputValue {
    constructor(
        readonly value: Plain | Unknown,
        readonly secret: boolean,
        readonly dependencies: readonly string[],
    ) {}
}

export type Plain =
    | null
    | boolean
    | number
    | string
    | Unknown
    | Secret
    | ResourceRef
    | AssetValue
    | OutputValue
    | Plain[]
    | { [key: string]: Plain };
export type PlainObject = { [key: string]: Plain };

function isWireObject(value: WireValue): value is WireObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(object: WireObject, key: string): string | undefined {
    const value = object[key];
    return typeof value === "string" ? value : undefined;
}

/** One wire value as plain JavaScript with its special values made visible. */
export function fromWire(value: WireValue): Plain {
    if (value === unknownValue) return UNKNOWN;
    if (Array.isArray(value)) return value.map(fromWire);
    if (!isWireObject(value)) return value;
    const sig = value[specialSigKey];
    if (sig === undefined) {
        const out: PlainObject = {};
        for (const [key, item] of Object.entries(value)) out[key] = fromWire(item);
        return out;
    }
    switch (sig) {
        case specialSecretSig:
            return new Secret(fromWire(value.value ?? null));
        case specialResourceSig:
            return new ResourceRef(stringField(value, "urn") ?? "", value.id === undefined ? undefined : fromWire(value.id), stringField(value, "packageVersion"));
        case specialAssetSig:
            return new AssetValue("asset", value);
        case specialArchiveSig:
            return new AssetValue("archive", value);
        case specialOutputValueSig: {
            const dependencies = Array.isArray(value.dependencies) ? value.dependencies.filter((d): d is string => typeof d === "string") : [];
            return new OutputValue("value" in value ? fromWire(value.value) : UNKNOWN, value.secret === true, dependencies);
        }
        default:
            throw new Error(`unknown special signature ${JSON.stringify(sig)} in a property value`);
    }
}

/** A wire property bag (a Struct's JavaScript form) as plain JavaScript. */
export function fromWireObject(object: WireObject): PlainObject {
    const out: PlainObject = {};
    for (const [key, value] of Object.entries(object)) out[key] = fromWire(value);
    return out;
}

/** A google.protobuf.Struct (or none) as plain JavaScript. */
export function fromStruct(struct: Struct | undefined): PlainObject {
    return struct ? fromWireObject(struct.toJavaScript() as WireObject) : {};
}

/** Plain JavaScript (with Secret / UNKNOWN / ResourceRef / AssetValue / OutputValue) back to the wire form. */
export function toWire(value: Plain): WireValue {
    if (value === UNKNOWN) return unknownValue;
    if (value instanceof Secret) return { [specialSigKey]: specialSecretSig, value: toWire(value.value) };
    if (value instanceof ResourceRef) {
        const ref: WireObject = { [specialSigKey]: specialResourceSig, urn: value.urn };
        if (value.id !== undefined) ref.id = toWire(value.id);
        if (value.packageVersion !== undefined) ref.packageVersion = value.packageVersion;
        return ref;
    }
    if (value instanceof AssetValue) return value.fields;
    if (value instanceof OutputValue) {
        const out: WireObject = { [specialSigKey]: specialOutputValueSig };
        if (value.value !== UNKNOWN) out.value = toWire(value.value);
        if (value.secret) out.secret = true;
        if (value.dependencies.length > 0) out.dependencies = [...value.dependencies];
        return out;
    }
    if (Array.isArray(value)) return value.map(toWire);
    if (typeof value === "object" && value !== null) {
        const out: WireObject = {};
        for (const [key, item] of Object.entries(value)) out[key] = toWire(item);
        return out;
    }
    return value;
}

/** A wire property bag as a google.protobuf.Struct. */
export function structOf(object: WireObject): Struct {
    return Struct.fromJavaScript(object);
}

/** A plain property bag as a google.protobuf.Struct. */
export function toStruct(object: PlainObject): Struct {
    return Struct.fromJavaScript(toWire(object) as WireObject);
}

/** The value with every Secret unwrapped (UNKNOWN and the other special values are kept). */
export function reveal(value: Plain): Plain {
    if (value instanceof Secret) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
        const out: PlainObject = {};
        for (const [key, item] of Object.entries(value as PlainObject)) out[key] = reveal(item);
        return out;
    }
    return value;
}
