// examples/yaml/Pulumi.yaml cannot run here (no Pulumi CLI): check it against the package schema instead, so
// a renamed or removed input/output breaks this test rather than YAML users.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { SCHEMA_FILE } from "./helpers/componentSchema";

const EXAMPLE = path.resolve(__dirname, "..", "examples", "yaml", "Pulumi.yaml");

interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
}
interface Schema {
    name: string;
    resources: Record<string, { inputProperties: Record<string, SchemaProperty>; requiredInputs: string[]; properties: Record<string, SchemaProperty> }>;
    types: Record<string, { type: string; enum?: { value: string }[]; properties?: Record<string, SchemaProperty>; required?: string[] }>;
}
interface Project {
    name: string;
    runtime: string;
    packages?: Record<string, string>;
    resources: Record<string, { type: string; properties?: Record<string, unknown> }>;
    outputs?: Record<string, unknown>;
}

const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Schema;
const project = yaml.load(fs.readFileSync(EXAMPLE, "utf8")) as Project;

/** Checks a YAML value against a schema property, returning problems as "path: what" lines. */
function check(value: unknown, prop: SchemaProperty, where: string): string[] {
    if (typeof value === "string" && /^\$\{[^}]+\}$/.test(value)) return []; // an interpolation: typed at deploy time
    if (prop.$ref) {
        const type = schema.types[prop.$ref.replace("#/types/", "")];
        if (!type) return [`${where}: schema has no type ${prop.$ref}`];
        if (type.enum) {
            const values = type.enum.map((e) => e.value);
            return values.includes(value as string) ? [] : [`${where}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`];
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where}: expected an object`];
        return checkObject(value as Record<string, unknown>, type.properties ?? {}, type.required ?? [], where);
    }
    switch (prop.type) {
        case "string":
            return typeof value === "string" ? [] : [`${where}: expected a string`];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${where}: expected true or false`];
        case "number":
        case "integer":
            return typeof value === "number" ? [] : [`${where}: expected a number`];
        case "array":
            if (!Array.isArray(value)) return [`${where}: expected a list`];
            return value.flatMap((v, i) => check(v, prop.items!, `${where}[${i}]`));
        case "object":
            if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where}: expected a map`];
            return Object.entries(value).flatMap(([k, v]) => check(v, prop.additionalProperties ?? {}, `${where}.${k}`));
        default:
            return [`${where}: unsupported schema property ${JSON.stringify(prop)}`];
    }
}

function checkObject(value: Record<string, unknown>, props: Record<string, SchemaProperty>, required: string[], where: string): string[] {
    const problems: string[] = [];
    for (const name of required) if (!(name in value)) problems.push(`${where}.${name}: required`);
    for (const [name, v] of Object.entries(value)) {
        if (!props[name]) problems.push(`${where}.${name}: not an input of the package (known: ${Object.keys(props).join(", ")})`);
        else problems.push(...check(v, props[name], `${where}.${name}`));
    }
    return problems;
}

describe("examples/yaml/Pulumi.yaml against components/schema.json", () => {
    const componentTypes = Object.keys(schema.resources);

    it("references the package by its Pulumi package name", () => {
        assert.equal(project.runtime, "yaml");
        assert.ok(project.packages?.[schema.name], `packages.${schema.name} is missing`);
        const source = project.packages[schema.name];
        const local = path.resolve(path.dirname(EXAMPLE), source);
        assert.ok(fs.existsSync(path.join(local, "PulumiPlugin.yaml")), `${source} is the package folder`);
    });

    it("uses only inputs the schema has, with values of their types (enums included)", () => {
        const uses = Object.entries(project.resources).filter(([, r]) => componentTypes.includes(r.type));
        assert.ok(uses.length > 0, "the example uses the component");
        for (const [name, resource] of uses) {
            const def = schema.resources[resource.type];
            assert.deepEqual(checkObject(resource.properties ?? {}, def.inputProperties, def.requiredInputs, name), []);
        }
    });

    it("reads only outputs the schema has", () => {
        const components = new Map(Object.entries(project.resources).filter(([, r]) => componentTypes.includes(r.type)).map(([n, r]) => [n, r.type]));
        const text = JSON.stringify(project);
        const refs = [...text.matchAll(/\$\{([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)/g)].filter((m) => components.has(m[1]));
        assert.ok(refs.length >= 5, "the example reads the component's outputs");
        for (const [, resource, output] of refs) {
            const props = schema.resources[components.get(resource)!].properties;
            assert.ok(props[output], `\${${resource}.${output}} is not an output of the package (known: ${Object.keys(props).join(", ")})`);
        }
    });

    it("catches a misspelt input or a bad enum value (the check itself can fail)", () => {
        const def = schema.resources[componentTypes[0]];
        assert.notDeepEqual(checkObject({ storePrivateKeys: true }, def.inputProperties, [], "signing"), []);
        assert.notDeepEqual(checkObject({ keys: [{ id: "a", algorithm: "DSA" }] }, def.inputProperties, [], "signing"), []);
        assert.notDeepEqual(checkObject({ keys: [{ algorithm: "RSA" }] }, def.inputProperties, [], "signing"), []);
        assert.notDeepEqual(checkObject({ keys: [{ id: "a", source: "hsm" }] }, def.inputProperties, [], "signing"), []);
        assert.deepEqual(checkObject({ keys: [{ id: "a", source: "kms" }] }, def.inputProperties, [], "signing"), []);
    });
});
