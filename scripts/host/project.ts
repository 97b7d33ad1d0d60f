// Reads a Pulumi project the way the CLI does before it starts a program: Pulumi.yaml (name, runtime options,
// main, config defaults) and Pulumi.<stack>.yaml (stack config), merged into the config map the engine hands
// the language host ("<namespace>:<key>" -> string; structured values as JSON, as `pulumi config --path` stores them).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

export interface ProjectRuntime {
    name: string;
    /** runtime.options: typescript (default true), tsconfig, nodeargs, packagemanager */
    options: Record<string, unknown>;
}

export interface PulumiProject {
    /** folder of Pulumi.yaml */
    root: string;
    name: string;
    runtime: ProjectRuntime;
    /** the program folder (`main`, resolved), which becomes the program's working directory */
    pwd: string;
    /** the entry point passed to the language host: "." for a folder `main`, else the file name */
    entryPoint: string;
    /** config defaults declared in Pulumi.yaml, by full key */
    configDefaults: Record<string, string>;
}

function readYaml(file: string): Record<string, unknown> {
    const parsed = yaml.load(fs.readFileSync(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: not a YAML mapping`);
    return parsed as Record<string, unknown>;
}

/** A config value as the engine passes it on: strings as they are, anything else as JSON. */
export function configValueString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** "key" -> "<project>:key"; keys that already name a namespace stay as they are. */
function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** pkg/engine/project.go getPwdMain: a folder `main` becomes the working directory with entry point ".". */
function pwdAndEntryPoint(root: string, main: string | undefined): { pwd: string; entryPoint: string } {
    if (!main) return { pwd: root, entryPoint: "." };
    const target = path.resolve(root, main);
    if (fs.statSync(target).isDirectory()) return { pwd: target, entryPoint: "." };
    return { pwd: path.dirname(target), entryPoint: path.basename(target) };
}

export function readProject(root: string): PulumiProject {
    const doc = readYaml(path.join(root, "Pulumi.yaml"));
    const name = doc.name;
    if (typeof name !== "string") throw new Error(`${root}/Pulumi.yaml has no name`);
    const runtimeDoc = doc.runtime;
    const runtime: ProjectRuntime =
        typeof runtimeDoc === "string"
            ? { name: runtimeDoc, options: {} }
            : { name: String((runtimeDoc as { name?: unknown }).name), options: ((runtimeDoc as { options?: Record<string, unknown> }).options ?? {}) };
    const configDefaults: Record<string, string> = {};
    const config = (doc.config ?? {}) as Record<string, unknown>;
    for (const [key, declared] of Object.entries(config)) {
        const value = typeof declared === "object" && declared !== null && !Array.isArray(declared) ? (declared as { default?: unknown; value?: unknown }) : { value: declared };
        const defaultValue = "value" in value ? value.value : value.default;
        if (defaultValue !== undefined) configDefaults[fullKey(name, key)] = configValueString(defaultValue);
    }
    return { root, name, runtime, ...pwdAndEntryPoint(root, typeof doc.main === "string" ? doc.main : undefined), configDefaults };
}

export interface StackConfig {
    /** full key -> value, defaults of Pulumi.yaml overridden by Pulumi.<stack>.yaml */
    config: Record<string, string>;
    /** full keys whose values are secrets */
    secretKeys: string[];
    /** full keys of `secure:` values that stand in as SECURE_PLACEHOLDER (readStackConfig with placeholders) */
    placeholders: string[];
}

/** What an encrypted (`secure:`) value of a stack file becomes when it cannot be decrypted. */
export const SECURE_PLACEHOLDER = "[secure value: not decrypted]";

/** The stacks of a project: the NAME of every Pulumi.NAME.yaml next to Pulumi.yaml, sorted. */
export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/** The stack file of a stack: Pulumi.<stack>.yaml (or .yml), or undefined when there is none. */
export function stackFile(root: string, stack: string): string | undefined {
    return [".yaml", ".yml"].map((ext) => path.join(root, `Pulumi.${stack}${ext}`)).find((file) => fs.existsSync(file));
}

/**
 * The config of a stack: Pulumi.yaml's defaults with Pulumi.<stack>.yaml over them. Encrypted (`secure:`) values
 * cannot be decrypted without the stack's secrets provider: refused, unless `placeholders` is set, in which case
 * each stands in as SECURE_PLACEHOLDER (a secret) and is listed in `placeholders`.
 */
export function readStackConfig(project: PulumiProject, stack: string, options: { placeholders?: boolean } = {}): StackConfig {
    const file = stackFile(project.root, stack) ?? path.join(project.root, `Pulumi.${stack}.yaml`);
    const config: Record<string, string> = { ...project.configDefaults };
    const stackDoc = fs.existsSync(file) ? readYaml(file) : {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const values = stackDoc.config ?? {};
    if (typeof values !== "object" || values === null || Array.isArray(values)) throw new Error(`${file}: config is not a YAML mapping`);
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        const full = fullKey(project.name, key);
        if (typeof value === "object" && value !== null && "secure" in value) {
            if (!options.placeholders) throw new Error(`${file}: ${key} is an encrypted secret; the harness cannot decrypt it (pass the value in config)`);
            config[full] = SECURE_PLACEHOLDER;
            secretKeys.push(full);
            placeholders.push(full);
            continue;
        }
        config[full] = configValueString(value);
    }
    return { config, secretKeys, placeholders };
}
