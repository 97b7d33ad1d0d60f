// Where each deliverable lives in this repository, and the exact versions the lockfile pins. The host harness and
// the package tests read every path from here, so a change of layout is one edit in this file.
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root (this file is test/host/layout.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The stack program's project folder: Pulumi.yaml, Pulumi.<stack>.yaml and the folder its `main` names. */
export const STACK_PROJECT_DIR = REPO_ROOT;

/** The Pulumi component package (PulumiPlugin.yaml, package.json, schema.json). */
export const COMPONENT_PACKAGE_DIR = path.join(REPO_ROOT, "components");

/** The schema the component package commits; a source-based plugin's GetSchema must return it. */
export const COMPONENT_SCHEMA_FILE = path.join(COMPONENT_PACKAGE_DIR, "schema.json");

/** The CrossGuard policy pack (PulumiPolicy.yaml; its own package.json and lockfile). */
export const POLICY_PACK_DIR = path.join(REPO_ROOT, "policy");

/** The lockfile whose versions throwaway projects install. */
export const ROOT_LOCKFILE = path.join(REPO_ROOT, "package-lock.json");

interface Lockfile {
    packages: Record<string, { version?: string; link?: boolean } | undefined>;
}

const lockfiles = new Map<string, Lockfile>();

function readLockfile(file: string): Lockfile {
    let lock = lockfiles.get(file);
    if (!lock) {
        lock = JSON.parse(fs.readFileSync(file, "utf8")) as Lockfile;
        lockfiles.set(file, lock);
    }
    return lock;
}

/** The exact version of a top-level (hoisted) package in a lockfile; throws naming the package when absent. */
export function pinnedVersion(name: string, lockfile: string = ROOT_LOCKFILE): string {
    const entry = readLockfile(lockfile).packages[`node_modules/${name}`];
    if (!entry?.version || entry.link) {
        throw new Error(`${path.relative(REPO_ROOT, lockfile)} pins no version of ${name}: add it to the project's dependencies`);
    }
    return entry.version;
}

/** `name@version` for each package, at the lockfile's exact versions (what `npm install` is given). */
export function pinnedSpecs(names: readonly string[], lockfile: string = ROOT_LOCKFILE): string[] {
    return names.map((name) => `${name}@${pinnedVersion(name, lockfile)}`);
}
