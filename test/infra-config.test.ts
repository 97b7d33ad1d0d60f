// The pure stack-config module: defaults, both value forms, and every config error (one line, naming the key).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
    CONFIG_KEYS,
    ConfigError,
    MAX_KEYS,
    MAX_ORDERED_BEHAVIOURS,
    RawConfig,
    parseStackConfig,
} from "../infra/config";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

/** Asserts a one-line ConfigError whose message starts with the full key and matches `pattern`. */
function assertConfigError(raw: RawConfig, key: string, pattern: RegExp, baseDir?: string): void {
    assert.throws(
        () => parseStackConfig(raw, { baseDir }),
        (error: unknown) => {
            assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
            assert.ok(
                error.message.startsWith(`cloudfront-signed-content:${key}`),
                `message should name cloudfront-signed-content:${key}: ${error.message}`,
            );
            assert.ok(!error.message.includes("\n"), `message must be one line: ${JSON.stringify(error.message)}`);
            assert.match(error.message, pattern);
            return true;
        },
    );
}

describe("infra config: parseStackConfig", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "infra-config-"));
        fs.mkdirSync(path.join(tmp, "site"));
        fs.writeFileSync(path.join(tmp, "file.txt"), "not a folder");
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("applies the documented defaults when nothing is set", () => {
        const settings = parseStackConfig({});
        assert.deepEqual(settings, {
            protectedPaths: ["/private/*"],
            protectDefaultBehavior: false,
            keys: [{ id: "2026-01", algorithm: "RSA" }],
            activeKey: undefined,
            storePrivateKey: false,
            privateKeyKmsKeyId: undefined,
            aliases: [],
            certificateArn: undefined,
            priceClass: "PriceClass_100",
            ipv6: true,
            assetsDir: undefined,
            forceDestroy: false,
            exportPrivateKey: true,
            noncurrentVersionExpirationDays: 30,
            corsAllowedOrigins: [],
            tags: {},
            accessLogsBucket: undefined,
            accessLogsPrefix: undefined,
            pathGuard: true,
            protectKeys: true,
        });
    });

    it("protectKeys: on unless set to false (as Pulumi.dev.yaml does); anything but a boolean is one line", () => {
        assert.equal(parseStackConfig({}).protectKeys, true);
        assert.equal(parseStackConfig({ protectKeys: "false" }).protectKeys, false);
        assert.equal(parseStackConfig({ protectKeys: false }).protectKeys, false);
        assert.equal(parseStackConfig({ protectKeys: "true" }).protectKeys, true);
        assert.throws(() => parseStackConfig({ protectKeys: "no" }), /^ConfigError: cloudfront-signed-content:protectKeys must be true or false, got "no"$|cloudfront-signed-content:protectKeys must be true or false/);
    });

    it("treats the empty-string defaults of Pulumi.yaml as unset", () => {
        const settings = parseStackConfig({ activeKey: "", certificateArn: "", assetsDir: "", privateKeyKmsKeyId: "", priceClass: "" });
        assert.equal(settings.activeKey, undefined);
        assert.equal(settings.certificateArn, undefined);
        assert.equal(settings.assetsDir, undefined);
        assert.equal(settings.privateKeyKmsKeyId, undefined);
        assert.equal(settings.priceClass, "PriceClass_100");
    });

    it("reads values as pulumi.Config delivers them (JSON text, 'true'/'false')", () => {
        const settings = parseStackConfig(
            {
                protectedPaths: '["/private/*","/reports/*.pdf"]',
                protectDefaultBehavior: "true",
                keys: '["2026-01","2026-11:ECDSA"]',
                activeKey: "2026-11",
                storePrivateKey: "true",
                privateKeyKmsKeyId: "alias/cloudfront-signing",
                aliases: '["CDN.example.com","*.static.example.com"]',
                certificateArn: CERT,
                priceClass: "PriceClass_All",
                ipv6: "false",
                assetsDir: "site",
                forceDestroy: "true",
            },
            { baseDir: tmp },
        );
        assert.deepEqual(settings.protectedPaths, ["/private/*", "/reports/*.pdf"]);
        assert.equal(settings.protectDefaultBehavior, true);
        assert.deepEqual(settings.keys, [
            { id: "2026-01", algorithm: "RSA" },
            { id: "2026-11", algorithm: "ECDSA" },
        ]);
        assert.equal(settings.activeKey, "2026-11");
        assert.equal(settings.storePrivateKey, true);
        assert.equal(settings.privateKeyKmsKeyId, "alias/cloudfront-signing");
        assert.deepEqual(settings.aliases, ["cdn.example.com", "*.static.example.com"]);
        assert.equal(settings.certificateArn, CERT);
        assert.equal(settings.priceClass, "PriceClass_All");
        assert.equal(settings.ipv6, false);
        assert.equal(settings.assetsDir, path.join(tmp, "site"));
        assert.equal(settings.forceDestroy, true);
    });

    it("accepts structured keys ({ id, algorithm }) and plain decoded values", () => {
        const settings = parseStackConfig({
            keys: [{ id: "a" }, { id: "b", algorithm: "ecdsa" }, "c:rsa"],
            protectedPaths: ["*", "/x?/*"],
            ipv6: false,
        });
        assert.deepEqual(settings.keys, [
            { id: "a", algorithm: "RSA" },
            { id: "b", algorithm: "ECDSA" },
            { id: "c", algorithm: "RSA" },
        ]);
        assert.deepEqual(settings.protectedPaths, ["*", "/x?/*"]);
        assert.equal(settings.ipv6, false);
        // structured keys as JSON text, as Pulumi delivers an object list from the stack file
        assert.deepEqual(parseStackConfig({ keys: '[{"id":"k1","algorithm":"ECDSA"}]' }).keys, [{ id: "k1", algorithm: "ECDSA" }]);
    });

    it("keeps protected paths in the order given and allows an empty list", () => {
        const order = ["/z/*", "/a/*", "/m/*.js"];
        assert.deepEqual(parseStackConfig({ protectedPaths: order }).protectedPaths, order);
        assert.deepEqual(parseStackConfig({ protectedPaths: "[]", protectDefaultBehavior: true }).protectedPaths, []);
    });

    it("allows exactly the behaviour and key quotas", () => {
        const paths = Array.from({ length: MAX_ORDERED_BEHAVIOURS }, (_, i) => `/p${i}/*`);
        assert.equal(parseStackConfig({ protectedPaths: paths }).protectedPaths.length, MAX_ORDERED_BEHAVIOURS);
        const keys = Array.from({ length: MAX_KEYS }, (_, i) => `k${i}`);
        assert.equal(parseStackConfig({ keys }).keys.length, MAX_KEYS);
    });

    describe("errors", () => {
        it("protectedPaths: not a path pattern", () => {
            assertConfigError({ protectedPaths: ["private/*"] }, "protectedPaths[0]", /must start with "\/".*or be "\*"/);
            assertConfigError({ protectedPaths: ["/ok/*", ""] }, "protectedPaths[1]", /is empty/);
            assertConfigError({ protectedPaths: ["/has space/*"] }, "protectedPaths[0]", /character CloudFront does not allow/);
            assertConfigError({ protectedPaths: [42] }, "protectedPaths[0]", /must be a path pattern string/);
            assertConfigError({ protectedPaths: ["/" + "a".repeat(300)] }, "protectedPaths[0]", /at most 255/);
        });

        it("protectedPaths: not a list", () => {
            assertConfigError({ protectedPaths: "/private/*" }, "protectedPaths", /must be a list.*--path 'protectedPaths\[0\]'/);
            assertConfigError({ protectedPaths: "[/private/*]" }, "protectedPaths", /not a valid list/);
            assertConfigError({ protectedPaths: { a: 1 } }, "protectedPaths", /must be a list/);
        });

        it("protectedPaths: duplicates", () => {
            assertConfigError({ protectedPaths: ["/a/*", "/b/*", "/a/*"] }, "protectedPaths", /"\/a\/\*" twice \(items 0 and 2\)/);
        });

        it("protectedPaths: too many behaviours", () => {
            const paths = Array.from({ length: MAX_ORDERED_BEHAVIOURS + 1 }, (_, i) => `/p${i}/*`);
            assertConfigError({ protectedPaths: paths }, "protectedPaths", /26 path patterns, more than the 25 cache behaviours/);
        });

        it("priceClass: unknown price class", () => {
            assertConfigError({ priceClass: "PriceClass_300" }, "priceClass", /use one of PriceClass_100, PriceClass_200, PriceClass_All/);
            assertConfigError({ priceClass: "priceclass_100" }, "priceClass", /is not a price class/);
        });

        it("aliases without certificateArn, and the reverse", () => {
            assertConfigError({ aliases: ["cdn.example.com"] }, "aliases", /needs cloudfront-signed-content:certificateArn/);
            assertConfigError({ certificateArn: CERT }, "certificateArn", /aliases is empty/);
            assertConfigError({ certificateArn: CERT, aliases: "[]" }, "certificateArn", /aliases is empty/);
        });

        it("certificateArn: malformed ARN or wrong region", () => {
            assertConfigError({ certificateArn: "not-an-arn", aliases: ["cdn.example.com"] }, "certificateArn", /is not an ACM certificate ARN/);
            assertConfigError(
                { certificateArn: "arn:aws:iam::123456789012:server-certificate/x", aliases: ["cdn.example.com"] },
                "certificateArn",
                /is not an ACM certificate ARN/,
            );
            assertConfigError(
                { certificateArn: CERT.replace("us-east-1", "eu-west-1"), aliases: ["cdn.example.com"] },
                "certificateArn",
                /region eu-west-1.*us-east-1/,
            );
            assertConfigError({ certificateArn: ` ${CERT}`, aliases: ["cdn.example.com"] }, "certificateArn", /leading or trailing spaces/);
        });

        it("aliases: not a domain name, duplicates, wildcard first", () => {
            const base = { certificateArn: CERT };
            assertConfigError({ ...base, aliases: ["https://cdn.example.com"] }, "aliases[0]", /is not a domain name/);
            assertConfigError({ ...base, aliases: ["cdn.example.com", "cdn..example.com"] }, "aliases[1]", /is not a domain name/);
            assertConfigError({ ...base, aliases: ["cdn.example.com", "CDN.example.com"] }, "aliases", /twice/);
            assertConfigError({ ...base, aliases: ["*.example.com", "cdn.example.com"] }, "aliases[0]", /wildcard.*concrete name first/);
        });

        it("keys: malformed, duplicate, too many, empty, bad algorithm", () => {
            assertConfigError({ keys: ["2026 01"] }, "keys[0]", /key id "2026 01" is invalid/);
            assertConfigError({ keys: ["a:RSA:kms:x"] }, "keys[0]", /is not a key/);
            assertConfigError({ keys: ["k1:DSA"] }, "keys[0]", /algorithm "DSA" is not supported; use RSA.*or ECDSA/);
            assertConfigError({ keys: [{ id: "k1", bits: 4096 }] }, "keys[0]", /unknown field "bits"/);
            assertConfigError({ keys: [{ algorithm: "RSA" }] }, "keys[0]", /needs a key id/);
            assertConfigError({ keys: [true] }, "keys[0]", /must be "<id>"/);
            assertConfigError({ keys: ["k1", "k1:ECDSA"] }, "keys", /"k1" twice/);
            assertConfigError({ keys: [] }, "keys", /is empty/);
            assertConfigError({ keys: ["a", "b", "c", "d", "e", "f"] }, "keys", /6 keys; a key group holds at most 5/);
            assertConfigError({ keys: "2026-01" }, "keys", /must be a list/);
        });

        it("activeKey: not one of the keys", () => {
            assertConfigError({ keys: ["k1", "k2"], activeKey: "k3" }, "activeKey", /"k3" is not one of the configured keys \(k1, k2\)/);
            assertConfigError({ activeKey: 5 }, "activeKey", /must be a string/);
        });

        it("booleans: only true or false", () => {
            assertConfigError({ ipv6: "yes" }, "ipv6", /must be true or false/);
            assertConfigError({ protectDefaultBehavior: 1 }, "protectDefaultBehavior", /must be true or false/);
            assertConfigError({ storePrivateKey: "TRUE" }, "storePrivateKey", /must be true or false/);
            assertConfigError({ forceDestroy: "no" }, "forceDestroy", /must be true or false/);
        });

        it("privateKeyKmsKeyId: needs storePrivateKey, must look like a KMS key", () => {
            assertConfigError({ privateKeyKmsKeyId: "alias/x" }, "privateKeyKmsKeyId", /storePrivateKey is false/);
            assertConfigError({ privateKeyKmsKeyId: "alias/x y", storePrivateKey: true }, "privateKeyKmsKeyId", /is not a KMS key/);
        });

        it("assetsDir: missing folder, or not a folder", () => {
            assertConfigError({ assetsDir: "no-such-dir" }, "assetsDir", /folder "no-such-dir" does not exist \(resolved to .*no-such-dir\)/, tmp);
            assertConfigError({ assetsDir: "file.txt" }, "assetsDir", /is not a folder/, tmp);
        });

        it("unknown settings (typos) name the key and suggest the right one", () => {
            assertConfigError({ protectedPath: ["/x/*"] }, "protectedPath", /did you mean cloudfront-signed-content:protectedPaths\?/);
            assertConfigError({ colour: "blue" }, "colour", /known settings: protectedPaths, /);
        });
    });

    it("declares every setting it parses (CONFIG_KEYS) and nothing else", () => {
        const settingsKeys = Object.keys(parseStackConfig({})).sort();
        assert.deepEqual([...CONFIG_KEYS].sort(), settingsKeys);
    });
});
