// What the fake engine answers for a resource registration: the state a provider would return for a new resource.
// Outputs echo the inputs (secrets stay secrets) plus made-up computed fields (computed.ts computedFor:
// ids, ARNs, domain names, real tls key material). In preview the engine does not know a new resource's id or its
// computed outputs yet: those come back UNKNOWN, except for values the provider fills in at Check (defaults and
// autonames of input properties). Which properties a type computes is read from the resource class the provider's
// Node.js SDK generated (`resourceInputs["arn"] = undefined /*out*/`), so every type is covered, not only those
// the table knows.
import * as fs from "node:fs";
import * as path from "node:path";

import { computedFor } from "./computed";
import { UNKNOWN, WireObject, WireValue, toWire } from "./wire";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** Input and output property names of a resource type, from its generated SDK class. */
export interface TypeProperties {
    inputs: ReadonlySet<string>;
    /** properties only the provider sets (`/*out*\/`) */
    outputs: ReadonlySet<string>;
}

const typeCache = new Map<string, TypeProperties | undefined>();

/** The generated SDK module of a type token: "aws:cloudfront/keyGroup:KeyGroup" -> @pulumi/aws/cloudfront/keyGroup. */
function moduleOf(type: string): string | undefined {
    const [pkg, mod] = type.split(":");
    if (!pkg || !mod || pkg === "pulumi") return undefined;
    const file = mod.startsWith("index/") ? mod.slice("index/".length) : mod;
    return `@pulumi/${pkg}/${file}`;
}

/** The properties a provider's SDK declares for a type, or undefined when no SDK module describes it. */
export function typeProperties(type: string): TypeProperties | undefined {
    if (typeCache.has(type)) return typeCache.get(type);
    let found: TypeProperties | undefined;
    const mod = moduleOf(type);
    if (mod) {
        let file: string | undefined;
        try {
            file = require.resolve(mod);
        } catch {
            file = undefined;
        }
        if (file && path.extname(file) === ".js") {
            const source = fs.readFileSync(file, "utf8");
            const inputs = new Set<string>();
            const outputs = new Set<string>();
            for (const match of source.matchAll(/resourceInputs\["([A-Za-z0-9_]+)"\] = [^;\n]*\bargs\b/g)) inputs.add(match[1]);
            for (const match of source.matchAll(/resourceInputs\["([A-Za-z0-9_]+)"\] = undefined \/\*out\*\//g)) outputs.add(match[1]);
            found = { inputs, outputs };
        }
    }
    typeCache.set(type, found);
    return found;
}

export interface ProviderAnswer {
    /** "" in preview (the engine does not know a new resource's id yet) */
    id: string;
    outputs: WireObject;
}

function isSecretWire(value: WireValue | undefined): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && value[specialSigKey] === specialSecretSig;
}

function asWire(value: unknown): WireValue {
    // computedFor returns JSON-shaped values; round-trip to drop undefined fields the way a Struct would.
    return JSON.parse(JSON.stringify(value ?? null)) as WireValue;
}

/**
 * The provider's answer for a new custom resource: inputs echoed, computed fields added (update) or UNKNOWN
 * (preview), outputs named in additionalSecretOutputs made secret as the engine does.
 */
export function answerRegistration(args: {
    type: string;
    name: string;
    urn: string;
    inputs: WireObject;
    dryRun: boolean;
    additionalSecretOutputs: readonly string[];
}): ProviderAnswer {
    const declared = typeProperties(args.type);
    const { id, computed } = computedFor(args.type, args.name, args.urn, args.inputs);
    const outputs: WireObject = { ...args.inputs };
    for (const [key, value] of Object.entries(computed)) {
        if (key in args.inputs) continue;
        // Check fills input properties (defaults, autonames) before preview; everything else is computed at create.
        const knownAtCheck = declared?.inputs.has(key) ?? false;
        outputs[key] = args.dryRun && !knownAtCheck ? toWire(UNKNOWN) : asWire(value);
    }
    if (args.dryRun) {
        for (const key of declared?.outputs ?? []) {
            if (!(key in outputs)) outputs[key] = toWire(UNKNOWN);
        }
    }
    for (const key of args.additionalSecretOutputs) {
        const value = outputs[key];
        if (value !== undefined && !isSecretWire(value)) outputs[key] = { [specialSigKey]: specialSecretSig, value };
    }
    return { id: args.dryRun ? "" : id, outputs };
}
