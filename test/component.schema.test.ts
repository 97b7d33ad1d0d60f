// The component package's schema, inferred by the SDK's own Analyzer (what `pulumi package add` turns into
// Python, Go, .NET, Java and YAML SDKs), against the committed components/schema.json.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { createComponentProvider, generateComponentSchema, PACKAGE_DIR, providerNameOf, SCHEMA_FILE } from "./helpers/componentSchema";
import { installMocks, isSecretOutput, resolve } from "./harness/mocks";
import { PATH_GUARD_TYPE, pathGuardSource, SIGNING_KEY_GROUP_TYPE } from "../components";

interface Property {
    type?: string;
    $ref?: string;
    description?: string;
    items?: Property;
    additionalProperties?: Property;
    plain?: boolean;
}
interface Schema {
    name: string;
    version: string;
    namespace?: string;
    description?: string;
    resources: Record<string, { isComponent: boolean; description?: string; inputProperties: Record<string, Property>; properties: Record<string, Property>; required: string[]; requiredInputs: string[] }>;
    types: Record<string, { type: string; enum?: { name: string; value: string; description?: string }[]; properties?: Record<string, Property>; required?: string[] }>;
}

describe("component package schema (components/schema.json)", function () {
    // Type-checking the package with @pulumi/aws's declarations takes a while on a busy machine; not a speed test.
    this.timeout(10 * 60 * 1000);
    let provider: ComponentProvider;
    let generated: string;
    let schema: Schema;
    before(async () => {
        provider = createComponentProvider();
        generated = await generateComponentSchema(provider);
        schema = JSON.parse(generated) as Schema;
    });

    it("matches the committed schema.json (regenerate with `npm run schema`)", () => {
        const committed = fs.readFileSync(SCHEMA_FILE, "utf8");
        assert.ok(committed === generated, "components/schema.json is out of date: run `npm run schema` and commit it");
    });

    it("keeps the package name, so the type token cloudfront-signed-content:index:SigningKeyGroup does not change", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as Record<string, unknown>;
        assert.equal(providerNameOf(manifest.name as string).name, "cloudfront-signed-content");
        assert.equal(schema.name, "cloudfront-signed-content");
        assert.equal(schema.version, manifest.version);
        assert.match(String(manifest.version), /^\d+\.\d+\.\d+$/, "semver");
        assert.deepEqual(Object.keys(schema.resources), [SIGNING_KEY_GROUP_TYPE, PATH_GUARD_TYPE]);
        assert.equal(SIGNING_KEY_GROUP_TYPE, "cloudfront-signed-content:index:SigningKeyGroup");
        assert.equal(schema.resources[SIGNING_KEY_GROUP_TYPE].isComponent, true);
    });

    it("is a package the nodejs language host can serve: PulumiPlugin.yaml runtime nodejs, entry, peer dependencies", () => {
        assert.match(fs.readFileSync(path.join(PACKAGE_DIR, "PulumiPlugin.yaml"), "utf8"), /^runtime: nodejs$/m);
        const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { main: string; peerDependencies: Record<string, string>; description: string };
        assert.ok(fs.existsSync(path.join(PACKAGE_DIR, manifest.main)), `main ${manifest.main} exists`);
        assert.ok(fs.existsSync(path.join(PACKAGE_DIR, "tsconfig.json")), "the Analyzer reads the package's own tsconfig.json");
        assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ["@pulumi/aws", "@pulumi/pulumi", "@pulumi/random", "@pulumi/tls"]);
        assert.match(manifest.peerDependencies["@pulumi/pulumi"], /^\^3\./);
        assert.match(manifest.peerDependencies["@pulumi/aws"], /^\^7\./);
        assert.match(manifest.peerDependencies["@pulumi/tls"], /^\^5\./);
        assert.match(manifest.peerDependencies["@pulumi/random"], /^\^4\./);
        assert.ok(manifest.description.length > 0);
    });

    it("has every input, with a description", () => {
        const inputs = schema.resources[SIGNING_KEY_GROUP_TYPE].inputProperties;
        assert.deepEqual(Object.keys(inputs).sort(), ["activeKey", "comment", "keys", "kmsSigningKeys", "protectKeys", "storePrivateKey", "storePrivateKeyOptions", "tags"]);
        for (const [name, prop] of Object.entries(inputs)) assert.ok(prop.description && prop.description.length > 10, `input ${name} has no description`);
        assert.deepEqual(schema.resources[SIGNING_KEY_GROUP_TYPE].requiredInputs, []);
        const options = schema.types["cloudfront-signed-content:index:StorePrivateKeyOptions"];
        assert.deepEqual(Object.keys(options.properties ?? {}).sort(), ["kmsKeyId", "recoveryWindowInDays"]);
        const generation = schema.types["cloudfront-signed-content:index:KeyGeneration"];
        assert.deepEqual(Object.keys(generation.properties ?? {}).sort(), ["algorithm", "id", "source"]);
        assert.deepEqual(generation.required, ["id"]);
        const kms = schema.types["cloudfront-signed-content:index:KmsSigningKeyOptions"];
        assert.deepEqual(Object.keys(kms.properties ?? {}).sort(), ["aliasPrefix", "deletionWindowInDays"]);
        for (const type of [options, generation, kms]) {
            for (const [name, prop] of Object.entries(type.properties ?? {})) assert.ok(prop.description, `${name} has no description`);
        }
        assert.equal(inputs.keys.items?.$ref, "#/types/cloudfront-signed-content:index:KeyGeneration");
        assert.equal(inputs.tags.additionalProperties?.type, "string");
    });

    it("has the algorithm as an enum whose values are the strings RSA and ECDSA", () => {
        const algorithm = schema.types["cloudfront-signed-content:index:KeyAlgorithm"];
        assert.equal(algorithm.type, "string");
        assert.deepEqual(algorithm.enum?.map((e) => [e.name, e.value]), [["RSA", "RSA"], ["ECDSA", "ECDSA"]]);
        for (const e of algorithm.enum ?? []) assert.ok(e.description, `enum ${e.name} has no description`);
        const source = schema.types["cloudfront-signed-content:index:KeySource"];
        assert.deepEqual(source.enum?.map((e) => [e.name, e.value]), [["Tls", "tls"], ["Kms", "kms"]]);
        for (const e of source.enum ?? []) assert.ok(e.description && e.description.length > 10, `enum ${e.name} has no description`);
    });

    it("has every output, with a description", () => {
        const resource = schema.resources[SIGNING_KEY_GROUP_TYPE];
        assert.deepEqual(Object.keys(resource.properties).sort(), [
            "activeKey", "activeKeyAlgorithm", "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "keys",
            "kmsKeyArn", "kmsKeyArns", "kmsSigningPolicy",
            "privateKeyPem", "privateKeyPems", "privateKeyReadPolicy", "privateKeySecretArn", "publicKeyPems",
        ]);
        for (const [name, prop] of Object.entries(resource.properties)) assert.ok(prop.description && prop.description.length > 10, `output ${name} has no description`);
        // present whatever the key source and whether or not the key is stored in Secrets Manager
        // (privateKeyPem is absent for a KMS active key, kmsKeyArn/kmsSigningPolicy for a tls one)
        assert.deepEqual(resource.required, ["activeKey", "activeKeyAlgorithm", "activeKeyPairId", "activeKeySource", "keyGroupId", "keyPairIds", "keys", "kmsKeyArns", "privateKeyPems", "publicKeyPems"]);
        assert.equal(resource.properties.keyPairIds.additionalProperties?.type, "string");
        assert.ok(resource.description, "component description");
    });

    it("constructs the component from another language's plain inputs, returning every schema output (construct under mocks)", async () => {
        const rec = installMocks();
        const inputs = {
            keys: [{ id: "2026-01" }, { id: "2026-11", algorithm: "ECDSA" }],
            activeKey: "2026-11",
            storePrivateKey: true,
            storePrivateKeyOptions: { kmsKeyId: "alias/cloudfront-signing", recoveryWindowInDays: 7 },
            protectKeys: true,
            tags: { team: "platform" },
        };
        const result = await provider.construct("signing", SIGNING_KEY_GROUP_TYPE, inputs, {});
        const state = result.state as Record<string, unknown>;
        // every output but those of a KMS active key
        const outputNames = Object.keys(schema.resources[SIGNING_KEY_GROUP_TYPE].properties).filter((n) => n !== "kmsKeyArn" && n !== "kmsSigningPolicy").sort();
        assert.deepEqual(Object.keys(state).filter((n) => state[n] !== undefined).sort(), outputNames);
        const values: Record<string, unknown> = {};
        for (const name of outputNames) {
            assert.ok(pulumi.Output.isInstance(state[name]), `${name} is an Output`);
            values[name] = await resolve(state[name] as pulumi.Output<unknown>);
        }
        await rec.settled();
        assert.equal(values.activeKey, "2026-11");
        assert.equal(values.activeKeyAlgorithm, "ECDSA");
        assert.deepEqual(values.keys, [{ id: "2026-01", algorithm: "RSA", source: "tls" }, { id: "2026-11", algorithm: "ECDSA", source: "tls" }]);
        assert.equal(values.activeKeyPairId, (values.keyPairIds as Record<string, string>)["2026-11"]);
        assert.equal(await isSecretOutput(state.privateKeyPem as pulumi.Output<string>), true);
        assert.match(values.privateKeyReadPolicy as string, /kms:Decrypt/);
        assert.equal(await resolve(pulumi.output(result.urn)), rec.one(SIGNING_KEY_GROUP_TYPE).urn);
    });

    it("constructs KMS generations from another language's plain inputs (source \"kms\"): the KMS outputs, no private key output", async () => {
        const rec = installMocks();
        const inputs = { keys: [{ id: "2026-01" }, { id: "2026-12", algorithm: "ECDSA", source: "kms" }], kmsSigningKeys: { deletionWindowInDays: 7 }, protectKeys: true };
        const result = await provider.construct("signing", SIGNING_KEY_GROUP_TYPE, inputs, {});
        const state = result.state as Record<string, unknown>;
        assert.equal(state.privateKeyPem, undefined, "the active key is in KMS");
        assert.equal(await resolve(state.activeKeySource as pulumi.Output<string>), "kms");
        const arn = await resolve(state.kmsKeyArn as pulumi.Output<string>);
        assert.deepEqual(await resolve(state.kmsKeyArns as pulumi.Output<Record<string, string>>), { "2026-12": arn });
        assert.match(await resolve(state.kmsSigningPolicy as pulumi.Output<string>), /kms:Sign/);
        assert.deepEqual(Object.keys(await resolve(state.privateKeyPems as pulumi.Output<Record<string, string>>)), ["2026-01"]);
        await rec.settled();
        const key = rec.one("aws:kms/key:Key");
        assert.equal(key.inputs.customerMasterKeySpec, "ECC_NIST_P256");
        assert.equal(key.inputs.deletionWindowInDays, 7);
        assert.equal(key.protect, true);
    });

    it("serves PathGuard too: every input and output described, constructed from plain inputs", async () => {
        const guard = schema.resources[PATH_GUARD_TYPE];
        assert.equal(guard.isComponent, true);
        assert.ok(guard.description, "component description");
        assert.deepEqual(guard.requiredInputs, ["protectedPaths"]);
        for (const [name, prop] of Object.entries({ ...guard.inputProperties, ...guard.properties })) {
            assert.ok(prop.description && prop.description.length > 10, `${name} has no description`);
        }
        const association = schema.types["cloudfront-signed-content:index:PathGuardAssociation"];
        for (const [name, prop] of Object.entries(association.properties ?? {})) assert.ok(prop.description, `${name} has no description`);

        const rec = installMocks();
        const result = await provider.construct("guard", PATH_GUARD_TYPE, { protectedPaths: ["/private/*"] }, {});
        const state = result.state as Record<string, unknown>;
        assert.deepEqual(Object.keys(state).sort(), Object.keys(guard.properties).sort());
        assert.equal(await resolve(state.code as pulumi.Output<string>), pathGuardSource(["/private/*"]));
        const assoc = (await resolve(state.functionAssociation as pulumi.Output<unknown>)) as { eventType: string; functionArn: string };
        assert.equal(assoc.eventType, "viewer-request");
        assert.equal(assoc.functionArn, await resolve(state.functionArn as pulumi.Output<string>));
        await rec.settled();
    });
});
