// Generates the component package's Pulumi schema the way the nodejs language host does when it serves
// components/ as a source-based plugin (cmd/run-plugin of @pulumi/pulumi): load the package entry, serve every
// exported ComponentResource, name the provider after package.json's name (scope = namespace), and let the SDK's
// own Analyzer infer the schema. `npm run schema` writes components/schema.json; the schema test compares.
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";

export const PACKAGE_DIR = path.resolve(__dirname, "..", "..", "components");
export const SCHEMA_FILE = path.join(PACKAGE_DIR, "schema.json");

/** Provider name and namespace from the package.json name, exactly as run-plugin derives them. */
export function providerNameOf(packageName: string): { name: string; namespace?: string } {
    const matches = /(@.*?\/)?(.+)/.exec(packageName)!;
    return { name: matches[2].replace(/[^-a-zA-Z0-9_]/g, "-"), namespace: matches[1]?.slice(1, -1) };
}

/** A ComponentProvider for the package, set up as the language host sets it up. */
export function createComponentProvider(): ComponentProvider {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { name: string };
    const { name, namespace } = providerNameOf(manifest.name);
    const components = getPulumiComponents(require(PACKAGE_DIR));
    return new ComponentProvider({ name, namespace, dirname: PACKAGE_DIR, components });
}

/** The schema as pretty-printed JSON text (with a final newline), as committed in components/schema.json. */
export async function generateComponentSchema(provider: ComponentProvider = createComponentProvider()): Promise<string> {
    return JSON.stringify(JSON.parse(await provider.getSchema()), null, 2) + "\n";
}

if (require.main === module) {
    generateComponentSchema()
        .then((text) => {
            fs.writeFileSync(SCHEMA_FILE, text);
            process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
        })
        .catch((error: unknown) => {
            process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exitCode = 1;
        });
}
