// The component package as other languages use it (`pulumi package add <folder or git URL>`, a `packages:` entry):
// Pulumi installs the package folder on its own and starts @pulumi/pulumi's cmd/run-plugin on it with the
// consumer's project folder as working directory, so neither the package's tsconfig nor any ts-node of the
// repository is in play. The engine then talks to it over the Provider protocol: GetSchema, Construct.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { PluginSession, runPlugin } from "../test/host/launch";
import { COMPONENT_SCHEMA_FILE } from "../test/host/layout";
import { Secret, UNKNOWN } from "../scripts/host/wire";
import { componentPluginInstall, pluginConsumerFolder } from "./projects";

const SIGNING_KEY_GROUP = "cloudfront-signed-content:index:SigningKeyGroup";
const KEY_GROUP = "aws:cloudfront/keyGroup:KeyGroup";
const PUBLIC_KEY = "aws:cloudfront/publicKey:PublicKey";
const TLS_KEY = "tls:index/privateKey:PrivateKey";

describe("component package as a source-based plugin (cmd/run-plugin, consumer folder without tsconfig or ts-node)", function () {
    this.timeout(20 * 60_000);
    let session: PluginSession | undefined;
    let startFailure: Error | undefined;

    before(async function () {
        const pluginDir = await componentPluginInstall();
        try {
            session = await runPlugin({ pluginDir, cwd: pluginConsumerFolder(pluginDir), label: "cmd/run-plugin components" });
        } catch (error) {
            startFailure = error as Error;
        }
    });

    after(async () => {
        await session?.close();
    });

    function started(): PluginSession {
        // The first test shows why; the others say only that.
        if (!session) assert.fail(`the plugin did not start${startFailure ? "" : " (no error recorded)"}; see the first test`);
        return session;
    }

    it("starts and answers the port handshake", () => {
        if (!session) assert.fail(`the plugin did not start: ${startFailure?.message ?? "no error recorded"}`);
    });

    it("GetSchema returns the committed schema.json", async () => {
        const schema = await started().getSchema();
        assert.deepEqual(schema, JSON.parse(fs.readFileSync(COMPONENT_SCHEMA_FILE, "utf8")));
    });

    it("Construct (update) registers the key group tree with the engine and returns known outputs", async () => {
        const plugin = started();
        const result = await plugin.construct(SIGNING_KEY_GROUP, "signing", { keys: [{ id: "2026-01" }, { id: "2026-02", algorithm: "ECDSA" }], comment: "harness" }, { dryRun: false });
        const engine = plugin.engine;
        const component = engine.byUrn(result.urn);
        assert.ok(component, `the component registered itself (${result.urn})`);
        assert.equal(component.type, SIGNING_KEY_GROUP);
        assert.equal(component.parent, engine.stackUrn);
        const tree = engine.descendantsOf(result.urn);
        assert.equal(tree.filter((r) => r.type === KEY_GROUP).length, 1);
        assert.equal(tree.filter((r) => r.type === PUBLIC_KEY).length, 2);
        assert.equal(tree.filter((r) => r.type === TLS_KEY).length, 2);
        const keyGroup = tree.find((r) => r.type === KEY_GROUP)!;
        assert.equal(result.state.keyGroupId, keyGroup.id);
        assert.ok(result.state.privateKeyPem instanceof Secret, "the active private key comes back as a secret");
    });

    it("Construct (preview) leaves ids unknown", async () => {
        const plugin = started();
        const result = await plugin.construct(SIGNING_KEY_GROUP, "signing-preview", { keys: [{ id: "2026-01" }] }, { dryRun: true });
        assert.equal(result.state.keyGroupId, UNKNOWN);
        assert.equal(plugin.engine.descendantsOf(result.urn).filter((r) => r.type === KEY_GROUP).length, 1);
    });
});
