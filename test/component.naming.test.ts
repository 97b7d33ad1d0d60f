import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, Recorder, resolve } from "./harness/mocks";
import { generationResourceAliases, generationResourceName, legacyGenerationResourceName, SigningKeyGroup } from "../components";

const TLS = "tls:index/privateKey:PrivateKey";
const PUBLIC_KEY = "aws:cloudfront/publicKey:PublicKey";
const KMS_KEY = "aws:kms/key:Key";
const KMS_ALIAS = "aws:kms/alias:Alias";

async function deploy(rec: Recorder, name: string, ids: string[], opts?: pulumi.ComponentResourceOptions): Promise<SigningKeyGroup> {
    const group = new SigningKeyGroup(name, { keys: ids.map((id) => ({ id })) }, opts);
    await resolve(group.keyPairIds);
    await rec.settled();
    return group;
}

/** Alias names as sent to the engine (alias specs carry a name; the parent stays the component). */
function aliasNames(aliases: unknown[] | undefined): string[] {
    return (aliases ?? []).map((a) => (a as { spec?: { name?: string } }).spec?.name ?? JSON.stringify(a));
}

describe("generation child names", () => {
    it("keeps the pre-1.0 name `${name}-${id}` for component names without \"-\" (no existing child is renamed)", () => {
        assert.equal(generationResourceName("signing", "2026-01"), "signing-2026-01");
        assert.equal(generationResourceName("a", "b-c"), "a-b-c");
        assert.deepEqual(generationResourceAliases("signing", "2026-01"), []);
    });

    it("gives component names with \"-\" an escaped name and an alias to the pre-1.0 name", () => {
        assert.equal(generationResourceName("a-b", "c"), "a_db_sc");
        assert.deepEqual(generationResourceAliases("a-b", "c"), ["a-b-c"]);
        assert.equal(legacyGenerationResourceName("a-b", "c"), "a-b-c");
        assert.equal(generationResourceName("cdn_keys-x", "2026-01"), "cdn__keys_dx_s2026_d01");
    });

    it("is collision-free over every pair of valid names and ids built from the characters that matter", () => {
        // Every string of 1..3 characters over the alphabet, as component name and as generation id.
        const alphabet = ["a", "-", "_", "s", "d"];
        let parts = [""];
        const all: string[] = [];
        for (let len = 1; len <= 3; len++) {
            parts = parts.flatMap((p) => alphabet.map((c) => p + c));
            all.push(...parts);
        }
        const seen = new Map<string, string>();
        for (const name of all) {
            for (const id of all) {
                const child = generationResourceName(name, id);
                const pair = `${JSON.stringify(name)}/${JSON.stringify(id)}`;
                const other = seen.get(child);
                assert.equal(other, undefined, `${pair} and ${other} both name their children ${child}`);
                seen.set(child, pair);
            }
        }
        assert.equal(seen.size, all.length * all.length);
    });

    it("adds the children's names under the component's previous names (its aliases)", () => {
        assert.deepEqual(generationResourceAliases("cdn", "g1", ["signing"]), ["signing-g1"]);
        assert.deepEqual(generationResourceAliases("cdn", "g1", ["cdn-keys"]), ["cdn_dkeys_sg1", "cdn-keys-g1"]);
        assert.deepEqual(generationResourceAliases("new-keys", "g1", ["old-keys"]), ["new-keys-g1", "old_dkeys_sg1", "old-keys-g1"]);
    });

    describe("under the mocks", () => {
        let rec: Recorder;
        beforeEach(() => {
            rec = installMocks();
        });

        it("registers distinct URNs for component a with generation b-c and component a-b with generation c", async () => {
            await deploy(rec, "a", ["b-c"]);
            await deploy(rec, "a-b", ["c"]);
            const urns = rec.resources.map((r) => r.urn);
            // the mock monitor does not detect duplicate URNs (the engine does, at `pulumi up`): check here
            assert.equal(new Set(urns).size, urns.length, `duplicate URNs:\n${urns.join("\n")}`);
            assert.deepEqual(rec.byType(TLS).map((r) => [r.parentName, r.name]), [["a", "a-b-c"], ["a-b", "a_db_sc"]]);
            assert.deepEqual(rec.byType(PUBLIC_KEY).map((r) => r.name), ["a-b-c", "a_db_sc"]);
        });

        it("aliases renamed children to their pre-1.0 name so existing stacks keep their keys, and leaves the others alone", async () => {
            await deploy(rec, "cdn-keys", ["2026-01"]);
            await deploy(rec, "signing", ["2026-01"]);
            for (const type of [TLS, PUBLIC_KEY]) {
                const [renamed, kept] = rec.byType(type);
                assert.equal(renamed.name, "cdn_dkeys_s2026_d01");
                assert.deepEqual(aliasNames(renamed.aliases), ["cdn-keys-2026-01"], type);
                assert.equal(kept.name, "signing-2026-01");
                assert.deepEqual(kept.aliases, [], type);
            }
        });

        it("keeps every child of a renamed component through its aliases (name alias or URN alias)", async () => {
            await deploy(rec, "new-keys", ["2026-01"], { aliases: [{ name: "old-keys" }] });
            await deploy(rec, "cdn", ["2026-01"], { aliases: ["urn:pulumi:test::cloudfront-signed-content::cloudfront-signed-content:index:SigningKeyGroup::signing"] });
            const [renamed, plain] = rec.byType(PUBLIC_KEY);
            assert.deepEqual(aliasNames(renamed.aliases), ["new-keys-2026-01", "old_dkeys_s2026_d01", "old-keys-2026-01"]);
            assert.deepEqual(aliasNames(plain.aliases), ["signing-2026-01"]);
        });

        it("keeps a renamed component's KMS keys and aliases (KMS generations came after 1.0: no pre-1.0 alias)", async () => {
            const kms = async (name: string, opts?: pulumi.ComponentResourceOptions) => {
                const group = new SigningKeyGroup(name, { keys: [{ id: "2026-01", source: "kms" }], kmsSigningKeys: { aliasPrefix: `alias/cdn/${name}` } }, opts);
                await resolve(group.keyPairIds);
                await rec.settled();
            };
            await kms("new-keys", { aliases: [{ name: "old-keys" }] });
            await kms("cdn", { aliases: ["urn:pulumi:test::cloudfront-signed-content::cloudfront-signed-content:index:SigningKeyGroup::signing"] });
            await kms("plain-keys");
            for (const type of [KMS_KEY, KMS_ALIAS]) {
                const [renamed, renamedByUrn, plain] = rec.byType(type);
                assert.equal(renamed.name, "new_dkeys_s2026_d01", type);
                // without them a rename replaces the KMS key: a new key pair id, the old key scheduled for deletion
                assert.deepEqual(aliasNames(renamed.aliases), ["old_dkeys_s2026_d01"], type);
                assert.deepEqual(aliasNames(renamedByUrn.aliases), ["signing-2026-01"], type);
                assert.deepEqual(plain.aliases, [], type);
            }
        });
    });
});
