// Throwaway projects outside the repository, each set up the way its users get it: a clone of the stack project
// with its own dependencies, the component package installed as Pulumi installs a plugin, the policy pack with
// its own lockfile, and consumers made like `pulumi new aws-typescript`. Versions come from the lockfiles.
import * as fs from "node:fs";
import * as path from "node:path";

import { COMPONENT_PACKAGE_DIR, POLICY_PACK_DIR, REPO_ROOT, STACK_PROJECT_DIR, pinnedSpecs, pinnedVersion } from "../test/host/layout";
import { copyFromRepository, npm, npmPack, readJson, scratchDir, writeJson } from "../test/host/scratch";

interface PackageJson {
    name?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    [key: string]: unknown;
}

/**
 * The stack project as a clone has it, with its own dependencies installed from its lockfile (`npm ci`, which also
 * builds the workspace packages the program imports).
 */
export async function stackProjectClone(): Promise<string> {
    const dir = scratchDir("stack");
    copyFromRepository(REPO_ROOT, dir);
    await npm(["ci"], dir, "stack project clone");
    return path.join(dir, path.relative(REPO_ROOT, STACK_PROJECT_DIR));
}

/**
 * The stack project as a clone has it, but with ts-node removed from its dependencies (what a project made by
 * `pulumi new` has: typescript, no ts-node), so Pulumi falls back to the SDK's bundled ts-node 7.0.1. Versions
 * stay the lockfile's.
 */
export async function stackProjectWithoutTsNode(): Promise<string> {
    const dir = scratchDir("stack-no-ts-node");
    copyFromRepository(REPO_ROOT, dir);
    const manifestFile = path.join(dir, "package.json");
    const manifest = readJson<PackageJson>(manifestFile);
    const without = (deps: Record<string, string> | undefined) => Object.fromEntries(Object.entries(deps ?? {}).filter(([name]) => name !== "ts-node"));
    writeJson(manifestFile, { ...manifest, dependencies: without(manifest.dependencies), devDependencies: without(manifest.devDependencies) });
    await npm(["install"], dir, "stack project without ts-node");
    if (fs.existsSync(path.join(dir, "node_modules", "ts-node"))) throw new Error(`${dir}: ts-node is still installed`);
    return path.join(dir, path.relative(REPO_ROOT, STACK_PROJECT_DIR));
}

/**
 * The component package installed as Pulumi installs a source-based plugin it was pointed at (a folder or a git
 * URL's subfolder): the package folder on its own, `npm install` in it (its peer dependencies at the lockfile's
 * versions). No tsconfig or ts-node comes from anywhere else.
 */
export async function componentPluginInstall(): Promise<string> {
    const dir = path.join(scratchDir("plugin"), path.basename(COMPONENT_PACKAGE_DIR));
    copyFromRepository(COMPONENT_PACKAGE_DIR, dir);
    await npm(["install", "--no-save", ...componentPeerSpecs()], dir, "component plugin");
    return dir;
}

/**
 * A consumer's project folder for a plugin (Pulumi's working directory when it runs the plugin): a YAML program
 * whose `packages:` names the plugin folder, and nothing else (no tsconfig, no ts-node, no node_modules).
 */
export function pluginConsumerFolder(pluginDir: string): string {
    const dir = scratchDir("plugin-consumer");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), ["name: plugin-consumer", "runtime: yaml", "packages:", `  cloudfront-signed-content: ${pluginDir}`, ""].join("\n"));
    return dir;
}

/** The component package's peer dependencies at the lockfile's versions (what a consumer installs with it). */
export function componentPeerSpecs(): string[] {
    const manifest = readJson<PackageJson>(path.join(COMPONENT_PACKAGE_DIR, "package.json"));
    return pinnedSpecs(Object.keys(manifest.peerDependencies ?? {}));
}

/** The policy pack on its own with its lockfile installed (`cd policy && npm ci`). */
export async function policyPackInstall(): Promise<string> {
    const dir = path.join(scratchDir("policy"), path.basename(POLICY_PACK_DIR));
    copyFromRepository(POLICY_PACK_DIR, dir);
    await npm(["ci"], dir, "policy pack");
    return dir;
}

/** `npm pack` of the component package (its pack scripts run, as for a release). */
export async function packComponentPackage(): Promise<string> {
    return npmPack(COMPONENT_PACKAGE_DIR, scratchDir("tarballs"));
}

/** The tsconfig.json `pulumi new aws-typescript` writes (pulumi/templates aws-typescript). */
export const AWS_TYPESCRIPT_TSCONFIG = {
    compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module: "commonjs",
        moduleResolution: "node",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
    },
};

export interface ConsumerOptions {
    /** the project's name (and the scratch folder's label) */
    name: string;
    /** tarball paths or name@version to install besides @pulumi/pulumi and @pulumi/aws */
    packages: readonly string[];
    /** index.ts */
    program: string;
    /** a `typescript` devDependency (default true); without it the SDK falls back to its bundled TypeScript 3.8.3 */
    typescript?: boolean;
}

/**
 * A TypeScript stack made like `pulumi new aws-typescript` (Pulumi.yaml with runtime nodejs, the template's
 * tsconfig, @types/node and typescript, no ts-node) with `packages` installed and `program` as its index.ts.
 */
export async function typescriptConsumer(options: ConsumerOptions): Promise<string> {
    const { name } = options;
    const dir = scratchDir(name);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), [`name: ${name}`, "description: A consumer of the component package", "runtime: nodejs", ""].join("\n"));
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), ["config:", "  aws:region: us-east-1", ""].join("\n"));
    writeJson(path.join(dir, "tsconfig.json"), AWS_TYPESCRIPT_TSCONFIG);
    const devDependencies: Record<string, string> = { "@types/node": pinnedVersion("@types/node") };
    if (options.typescript !== false) devDependencies.typescript = pinnedVersion("typescript");
    writeJson(path.join(dir, "package.json"), {
        name,
        main: "index.ts",
        devDependencies,
        dependencies: Object.fromEntries(["@pulumi/pulumi", "@pulumi/aws"].map((n) => [n, pinnedVersion(n)])),
    });
    fs.writeFileSync(path.join(dir, "index.ts"), options.program);
    await npm(["install", ...options.packages], dir, name);
    for (const unwanted of ["ts-node", ...(options.typescript === false ? ["typescript"] : [])]) {
        if (fs.existsSync(path.join(dir, "node_modules", unwanted))) throw new Error(`${dir}: ${unwanted} got installed`);
    }
    return dir;
}
