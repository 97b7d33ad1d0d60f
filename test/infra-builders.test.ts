// Pure builders of the stack program: cache behaviours, bucket policy, base URL, asset listing.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ConfigError } from "../infra/config";
import { MAX_ASSET_FILES, contentTypeFor, listAssetFiles } from "../infra/assets";
import {
    CACHING_OPTIMIZED_POLICY_ID,
    S3_ORIGIN_ID,
    baseUrlFor,
    bucketPolicyDocument,
    buildCacheBehaviours,
    limitText,
    protectedSelection,
} from "../infra/distribution";

const FIXTURES = path.join(__dirname, "fixtures", "assets");

describe("infra builders: cache behaviours", () => {
    it("builds one ordered behaviour per pattern, in order, none trusting a key group yet", () => {
        const { defaultCacheBehavior, orderedCacheBehaviors } = buildCacheBehaviours(["/private/*", "/reports/*.pdf", "*"]);
        assert.deepEqual(
            orderedCacheBehaviors.map((b) => b.pathPattern),
            ["/private/*", "/reports/*.pdf", "*"],
        );
        for (const behaviour of [defaultCacheBehavior, ...orderedCacheBehaviors]) {
            assert.equal(behaviour.targetOriginId, S3_ORIGIN_ID);
            assert.equal(behaviour.viewerProtocolPolicy, "redirect-to-https");
            assert.equal(behaviour.cachePolicyId, "658327ea-f89d-4fab-a63d-7e88639e58f6");
            assert.equal(behaviour.cachePolicyId, CACHING_OPTIMIZED_POLICY_ID);
            assert.equal(behaviour.compress, true);
            // OPTIONS only with CORS (infra/cors.ts): no preflight can succeed without a CORS configuration
            assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD"]);
            assert.deepEqual(behaviour.cachedMethods, ["GET", "HEAD"]);
            assert.equal(behaviour.trustedKeyGroups, undefined);
            assert.equal("forwardedValues" in behaviour, false, "legacy forwardedValues must not be combined with a cache policy");
        }
        // fresh arrays per behaviour: attaching to one cannot leak into another
        assert.notEqual(orderedCacheBehaviors[0].allowedMethods, orderedCacheBehaviors[1].allowedMethods);
    });

    it("builds no ordered behaviours for an empty list and honours a custom origin id", () => {
        const built = buildCacheBehaviours([], "other");
        assert.deepEqual(built.orderedCacheBehaviors, []);
        assert.equal(built.defaultCacheBehavior.targetOriginId, "other");
    });

    it("selects the protected patterns, plus the default behaviour only when asked", () => {
        assert.deepEqual(protectedSelection(["/a/*", "/b/*"], false), ["/a/*", "/b/*"]);
        assert.deepEqual(protectedSelection(["/a/*"], true), ["/a/*", "default"]);
        assert.deepEqual(protectedSelection([], true, "DEFAULT"), ["DEFAULT"]);
        assert.deepEqual(protectedSelection([], false), []);
    });
});

describe("infra builders: bucket policy", () => {
    it("lets only this distribution read objects through CloudFront", () => {
        const doc = bucketPolicyDocument("arn:aws:s3:::content-abc", "arn:aws:cloudfront::123456789012:distribution/E123");
        assert.deepEqual(doc, {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AllowCloudFrontReadViaOAC",
                    Effect: "Allow",
                    Principal: { Service: "cloudfront.amazonaws.com" },
                    Action: "s3:GetObject",
                    Resource: "arn:aws:s3:::content-abc/*",
                    Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E123" } },
                },
            ],
        });
    });
});

describe("infra builders: base URL", () => {
    it("uses the first alias, else the distribution domain", () => {
        assert.equal(baseUrlFor(["cdn.example.com", "static.example.com"], "d111.cloudfront.net"), "https://cdn.example.com");
        assert.equal(baseUrlFor([], "d111.cloudfront.net"), "https://d111.cloudfront.net");
    });
});

describe("infra builders: limitText", () => {
    it("keeps short text and cuts long text to exactly the limit", () => {
        assert.equal(limitText("abc", 3), "abc");
        assert.equal(limitText("abcd", 3 + 1), "abcd");
        const cut = limitText("x".repeat(200), 128);
        assert.equal(cut.length, 128);
        assert.ok(cut.endsWith("..."));
    });
});

describe("infra builders: assets", () => {
    it("lists every file with its S3 key and content type, sorted by key", () => {
        const files = listAssetFiles(FIXTURES);
        assert.deepEqual(
            files.map((f) => [f.key, f.contentType]),
            [
                ["css/site.css", "text/css; charset=utf-8"],
                ["downloads/archive.unknownext", "application/octet-stream"],
                ["images/logo.svg", "image/svg+xml"],
                ["index.html", "text/html; charset=utf-8"],
                ["js/app.js", "application/javascript; charset=utf-8"],
                ["private/data.json", "application/json; charset=utf-8"],
                ["private/report.html", "text/html; charset=utf-8"],
            ],
        );
        for (const f of files) {
            assert.equal(f.path, path.join(FIXTURES, ...f.key.split("/")));
            assert.ok(fs.statSync(f.path).isFile());
        }
    });

    it("maps content types by extension", () => {
        assert.equal(contentTypeFor("a.PNG"), "image/png");
        assert.equal(contentTypeFor("report.pdf"), "application/pdf");
        assert.equal(contentTypeFor("LICENSE"), "application/octet-stream");
        assert.equal(contentTypeFor("font.woff2"), "font/woff2");
    });

    describe("on a scratch folder", () => {
        let tmp: string;
        beforeEach(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "infra-assets-"));
        });
        afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

        it("returns nothing for an empty folder", () => {
            assert.deepEqual(listAssetFiles(tmp), []);
        });

        it("includes links to files, skips links to folders (no loops)", () => {
            fs.mkdirSync(path.join(tmp, "sub"));
            fs.writeFileSync(path.join(tmp, "sub", "a.txt"), "a");
            fs.symlinkSync(path.join(tmp, "sub", "a.txt"), path.join(tmp, "link.txt"));
            fs.symlinkSync(tmp, path.join(tmp, "sub", "loop"));
            fs.symlinkSync(path.join(tmp, "missing"), path.join(tmp, "dangling"));
            assert.deepEqual(
                listAssetFiles(tmp).map((f) => f.key),
                ["link.txt", "sub/a.txt"],
            );
        });

        it("refuses a folder with too many files, naming assetsDir", () => {
            for (let i = 0; i <= MAX_ASSET_FILES; i++) fs.writeFileSync(path.join(tmp, `f${i}.txt`), "");
            assert.throws(() => listAssetFiles(tmp), (error: unknown) => {
                assert.ok(error instanceof ConfigError);
                assert.match(error.message, /^cloudfront-signed-content:assetsDir holds more than 5000 files/);
                return true;
            });
        });
    });
});
