// The supported Node.js range (package.json `engines`, as the README states it) is one every
// installed dependency accepts, at the lowest version of each supported major line.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

type Version = [number, number, number];

function parseVersion(text: string): Version {
    const m = /^(\d+)(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(text.trim());
    if (!m) throw new Error(`unsupported version "${text}"`);
    const part = (p: string | undefined): number => (p === undefined || p === "x" || p === "*" ? 0 : Number(p));
    return [Number(m[1]), part(m[2]), part(m[3])];
}

function compare(a: Version, b: Version): number {
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One comparator of an npm range (the forms dependencies' `engines.node` use); throws on anything else. */
function satisfiesComparator(v: Version, comparator: string): boolean {
    const m = /^(\^|~|>=|<=|>|<|=)?\s*v?([\dx*.]+)$/.exec(comparator);
    if (!m) throw new Error(`unsupported range "${comparator}"`);
    const [, op = "", text] = m;
    const parts = text.split(".").filter((p) => p !== "x" && p !== "*");
    const bound = parseVersion(text);
    const c = compare(v, bound);
    switch (op) {
        case ">=": return c >= 0;
        case ">": return c > 0;
        case "<=": return c <= 0;
        case "<": return c < 0;
        case "^": return c >= 0 && (bound[0] > 0 ? v[0] === bound[0] : v[1] === bound[1]);
        case "~": return c >= 0 && v[0] === bound[0] && (parts.length < 2 || v[1] === bound[1]);
        default:
            // "20", "6.*", "14.17.0": every part given must match
            return parts.every((p, i) => Number(p) === v[i]);
    }
}

/** Whether `version` satisfies an npm range made of `||` alternatives of space-separated comparators. */
export function satisfies(version: string, range: string): boolean {
    const v = parseVersion(version);
    return range.split("||").some((alternative) => {
        const comparators = alternative.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, "$1").split(/\s+/).filter((c) => c !== "");
        return comparators.length === 0 || comparators.every((c) => satisfiesComparator(v, c));
    });
}

/** The lowest version of each alternative of our own range (e.g. "^20.19.0 || ^22.12.0" → 20.19.0, 22.12.0). */
function lowestVersions(range: string): string[] {
    return range.split("||").map((alternative) => {
        const m = /^\s*(?:\^|>=)\s*(\d+\.\d+\.\d+)\s*$/.exec(alternative);
        assert.ok(m, `engines alternative "${alternative}" is not ^X.Y.Z or >=X.Y.Z`);
        return m[1];
    });
}

function installedPackages(dir: string): { name: string; version: string; node?: string }[] {
    const found: { name: string; version: string; node?: string }[] = [];
    if (!fs.existsSync(dir)) return found;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
        const full = path.join(dir, entry.name);
        if (entry.name.startsWith(".")) continue;
        if (entry.name.startsWith("@")) {
            found.push(...installedPackages(full));
            continue;
        }
        const manifest = path.join(full, "package.json");
        if (fs.existsSync(manifest) && !entry.isSymbolicLink()) {
            const json = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string; engines?: { node?: string } };
            found.push({ name: json.name ?? entry.name, version: json.version ?? "?", node: json.engines?.node });
        }
        found.push(...installedPackages(path.join(full, "node_modules")));
    }
    return found;
}

describe("supported Node.js versions", () => {
    const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

    it("the range evaluator reads the forms dependencies use", () => {
        assert.ok(satisfies("22.9.0", "^20.17.0 || >=22.9.0"));
        assert.ok(!satisfies("22.0.0", "^20.17.0 || >=22.9.0"));
        assert.ok(satisfies("20.19.0", "^18.18.0 || ^20.9.0 || >=21.1.0"));
        assert.ok(satisfies("24.0.0", "6.* || 8.* || >= 10.*"));
        assert.ok(!satisfies("19.0.0", "14 || 16 || >=18 <19"));
        assert.throws(() => satisfies("20.0.0", "node-lts"));
    });

    it("every installed dependency accepts the lowest version of each supported line", () => {
        const lowest = lowestVersions(engines);
        const refused: string[] = [];
        for (const pkg of installedPackages(path.join(ROOT, "node_modules"))) {
            if (pkg.node === undefined) continue;
            for (const version of lowest) if (!satisfies(version, pkg.node)) refused.push(`${pkg.name}@${pkg.version} (engines ${pkg.node}) refuses Node ${version}`);
        }
        assert.deepEqual([...new Set(refused)].slice(0, 5), [], `engines ${engines} promises versions dependencies refuse`);
    });

    it("the README, docs and the component package state the same range", () => {
        const lowest = lowestVersions(engines);
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const stated = /Supports Node\.js ([^(]+)\(`engines`/.exec(readme);
        assert.ok(stated, "README states the supported range");
        for (const version of lowest) {
            const [major, minor] = version.split(".");
            assert.match(stated[1], new RegExp(`\\b${major}${minor === "0" ? "" : `\\.${minor}`}\\b`), `README names ${version}`);
        }
        const component = JSON.parse(fs.readFileSync(path.join(ROOT, "components", "package.json"), "utf8")) as { engines?: { node?: string } };
        if (component.engines?.node !== undefined) assert.equal(component.engines.node, engines, "components/package.json engines");
    });
});
