import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { KeyGeneration, SigningKeyGroupArgs, SigningKeyGroupArgsError, validateSigningKeyGroupArgs } from "../components";

/** Asserts a one-line SigningKeyGroupArgsError (a RunError: printed without stack trace) matching `pattern`. */
function rejects(name: string, args: SigningKeyGroupArgs, pattern: RegExp): void {
    assert.throws(
        () => validateSigningKeyGroupArgs(name, args),
        (err: unknown) => {
            assert.ok(err instanceof SigningKeyGroupArgsError, `not a SigningKeyGroupArgsError: ${String(err)}`);
            assert.ok(pulumi.RunError.isInstance(err), "should be a RunError");
            assert.ok(!err.message.includes("\n"), `multi-line message: ${err.message}`);
            assert.match(err.message, new RegExp(`^SigningKeyGroup "${name.replace(/[^\w-]/g, ".")}": `));
            assert.match(err.message, pattern);
            return true;
        },
    );
}

const gens = (...ids: string[]): KeyGeneration[] => ids.map((id) => ({ id }));

describe("validateSigningKeyGroupArgs", () => {
    it("applies the defaults: one RSA generation \"default\", active, no storage", () => {
        assert.deepEqual(validateSigningKeyGroupArgs("signing", {}), {
            keys: [{ id: "default", algorithm: "RSA", source: "tls" }],
            activeKey: "default",
            comment: undefined,
            protectKeys: false,
            kmsSigningKeys: { deletionWindowInDays: 30 },
        });
        assert.deepEqual(validateSigningKeyGroupArgs("signing"), validateSigningKeyGroupArgs("signing", {}));
    });

    it("keeps generation order, defaults the active key to the newest, normalizes storage options", () => {
        const n = validateSigningKeyGroupArgs("signing", {
            keys: [{ id: "2026-01" }, { id: "2026_11", algorithm: "ECDSA" }],
            comment: "c".repeat(128),
            storePrivateKey: true,
        });
        assert.deepEqual(n.keys, [{ id: "2026-01", algorithm: "RSA", source: "tls" }, { id: "2026_11", algorithm: "ECDSA", source: "tls" }]);
        assert.equal(n.activeKey, "2026_11");
        assert.deepEqual(n.storePrivateKey, { kmsKeyId: undefined, recoveryWindowInDays: 30 });
        assert.equal(validateSigningKeyGroupArgs("s", { keys: gens("a", "b"), activeKey: "a" }).activeKey, "a");
        assert.equal(validateSigningKeyGroupArgs("s", { storePrivateKey: false }).storePrivateKey, undefined);
        assert.equal(validateSigningKeyGroupArgs("s", { storePrivateKey: true, storePrivateKeyOptions: { recoveryWindowInDays: 0 } }).storePrivateKey?.recoveryWindowInDays, 0);
        assert.equal(validateSigningKeyGroupArgs("s", { keys: gens("1", "2", "3", "4", "5") }).keys.length, 5);
    });

    it("rejects no keys", () => {
        rejects("signing", { keys: [] }, /keys is empty: list at least one generation/);
    });

    it("rejects more than 5 keys (CloudFront's public keys per key group)", () => {
        rejects("signing", { keys: gens("1", "2", "3", "4", "5", "6") }, /keys has 6 generations but a CloudFront key group holds at most 5 public keys/);
    });

    it("rejects duplicate generation ids", () => {
        rejects("signing", { keys: gens("a", "b", "a") }, /keys\[2\]\.id "a" is duplicated/);
    });

    it("rejects invalid generation ids", () => {
        rejects("signing", { keys: gens("2026.01") }, /keys\[0\]\.id "2026\.01" is invalid: use 1-64 letters, digits, "-" or "_"/);
        rejects("signing", { keys: gens("ok", "a b") }, /keys\[1\]\.id "a b" is invalid/);
        rejects("signing", { keys: gens("x".repeat(65)) }, /keys\[0\]\.id "x+" is invalid/);
        rejects("signing", { keys: [{ id: "" }] }, /keys\[0\]\.id is missing/);
        rejects("signing", { keys: [{} as KeyGeneration] }, /keys\[0\]\.id is missing/);
        rejects("signing", { keys: ["2026-01" as unknown as KeyGeneration] }, /keys\[0\] must be an object/);
        rejects("signing", { keys: "2026-01" as unknown as KeyGeneration[] }, /keys must be an array/);
    });

    it("rejects an activeKey that is not among the keys", () => {
        rejects("signing", { keys: gens("2026-01", "2026-11"), activeKey: "2027-01" }, /activeKey "2027-01" is not one of the keys' ids \(2026-01, 2026-11\)/);
    });

    it("rejects an unknown algorithm", () => {
        rejects("signing", { keys: [{ id: "a", algorithm: "DSA" as "RSA" }] }, /keys\[0\]\.algorithm "DSA" is not supported by CloudFront: use "RSA" or "ECDSA"/);
        rejects("signing", { keys: [{ id: "a", algorithm: "rsa" as "RSA" }] }, /keys\[0\]\.algorithm "rsa"/);
    });

    it("rejects a comment over 128 characters", () => {
        rejects("signing", { comment: "c".repeat(129) }, /comment is 129 characters but CloudFront allows at most 128/);
    });

    it("rejects a component name that would make an invalid CloudFront name", () => {
        rejects("my signing", {}, /name "my signing" cannot name CloudFront public keys and key groups: use only letters, digits, "-" and "_"/);
        rejects("signing.keys", {}, /name "signing\.keys" cannot name/);
        // 110 + "-" + 10 + "-xxxxxxx" = 129 characters
        rejects("n".repeat(110), { keys: gens("0123456789") }, /makes a 129-character CloudFront public key name \(max 128\): shorten the name or the id/);
        assert.doesNotThrow(() => validateSigningKeyGroupArgs("n".repeat(109), { keys: gens("0123456789") }));
    });

    it("rejects an invalid recovery window", () => {
        for (const days of [1, 6, 31, 7.5]) {
            rejects("signing", { storePrivateKey: true, storePrivateKeyOptions: { recoveryWindowInDays: days } }, new RegExp(`storePrivateKeyOptions\\.recoveryWindowInDays ${days} is invalid: use 0 \\(delete at once\\) or a whole number of days from 7 to 30`));
        }
    });

    it("refuses the pre-1.0 storePrivateKey object and options without storePrivateKey, naming the fix", () => {
        const legacy = { storePrivateKey: { kmsKeyId: "alias/x" } } as unknown as SigningKeyGroupArgs;
        rejects("signing", legacy, /storePrivateKey is an object: pass storePrivateKey: true and put the options in storePrivateKeyOptions/);
        rejects("signing", { storePrivateKeyOptions: { recoveryWindowInDays: 7 } }, /storePrivateKeyOptions is set but storePrivateKey is not true/);
        rejects("signing", { storePrivateKey: false, storePrivateKeyOptions: {} }, /storePrivateKeyOptions is set but storePrivateKey is not true/);
        rejects("signing", { storePrivateKey: true, storePrivateKeyOptions: { kmsKeyId: " " } }, /storePrivateKeyOptions\.kmsKeyId is empty/);
        rejects("signing", { storePrivateKey: "yes" } as unknown as SigningKeyGroupArgs, /storePrivateKey must be true or false/);
    });

    it("takes protectKeys as a boolean (default false) and passes tags through", () => {
        assert.equal(validateSigningKeyGroupArgs("s", { protectKeys: true }).protectKeys, true);
        rejects("signing", { protectKeys: "true" } as unknown as SigningKeyGroupArgs, /protectKeys must be true or false/);
        assert.deepEqual(validateSigningKeyGroupArgs("s", { tags: { team: "a" } }).tags, { team: "a" });
    });
});
