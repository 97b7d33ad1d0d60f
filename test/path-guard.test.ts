// The path guard: the generated CloudFront Function source (limits, a fresh context, its decisions), the
// PathGuard component under Pulumi mocks, and the stack's pure association helper.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { installMocks, resolve } from "./harness/mocks";
import {
    MAX_FUNCTION_CODE_BYTES,
    PATH_GUARD_DENIED_BODY,
    PATH_GUARD_TYPE,
    PathGuard,
    PathGuardError,
    pathGuardSource,
    validatePathGuardPatterns,
} from "../components";
import { pathPatternMatches } from "../signer/src/lib/behaviors";
import { associatePathGuard, needsPathGuard } from "../infra/pathGuard";
import { runGuard } from "./helpers/guard";
import { seededRandom } from "./helpers/random";

const denied = (source: string, uri: string): boolean => runGuard(source, uri).statusCode === 403;

describe("path guard: generated CloudFront Function source", () => {
    it("stays within CloudFront Functions limits: 10 KB even for 25 long patterns, ES5 syntax, no network, no eval", () => {
        const small = pathGuardSource(["/private/*"]);
        assert.ok(Buffer.byteLength(small) < 3000, `${Buffer.byteLength(small)} bytes`);
        const many = Array.from({ length: 25 }, (_, i) => `/section-${i}/${"x".repeat(180)}/*.pdf`);
        assert.ok(Buffer.byteLength(pathGuardSource(many)) <= MAX_FUNCTION_CODE_BYTES);
        const tooMany = Array.from({ length: 50 }, (_, i) => `/section-${i}/${"x".repeat(230)}/*`);
        assert.throws(() => pathGuardSource(tooMany), (e: unknown) => e instanceof PathGuardError && /10240-byte code limit/.test(e.message));
        // ES5.1 only (a subset of what cloudfront-js-2.0 runs): no let/const, arrows, template literals, classes
        for (const forbidden of [/\blet\b/, /\bconst\b/, /=>/, /`/, /\bclass\b/, /\brequire\b/, /\bfetch\b/, /\beval\b/, /\bimport\b/]) {
            assert.doesNotMatch(small, forbidden);
        }
        assert.match(small, /^function handler\(event\) \{$/m);
    });

    it("runs in a fresh, empty context (no require, no process, no code generation from strings)", () => {
        const source = pathGuardSource(["/private/*"]);
        const result = runGuard(source, "/private%2Fcat.jpeg");
        assert.equal(result.statusCode, 403);
        assert.equal(result.statusDescription, "Forbidden");
        assert.deepEqual(result.body, { encoding: "text", data: PATH_GUARD_DENIED_BODY });
        assert.deepEqual(result.headers, { "content-type": { value: "text/xml" }, "cache-control": { value: "no-store" } });
        const passed = runGuard(source, "/index.html", { querystring: { a: { value: "1" } }, headers: { host: { value: "cdn.example.com" } } });
        assert.deepEqual(passed, {
            method: "GET",
            uri: "/index.html",
            querystring: { a: { value: "1" } },
            headers: { host: { value: "cdn.example.com" } },
            cookies: {},
        }, "the request passes through unchanged");
    });

    it("refuses every path whose S3 key falls under a protected pattern, and encoded slashes or backslashes", () => {
        const source = pathGuardSource(["/private/*", "/downloads/*.pdf", "/img/??.png", "/a+b/*"]);
        for (const uri of [
            "/private%2Fcat.jpeg",
            "/private%2fcat.jpeg",
            "/%70rivate%2Fcat.jpeg",
            "/%70rivate/cat.jpeg",
            "/private/cat.jpeg",
            "/downloads%2Freport.pdf",
            "/downloads/sub/x.pdf",
            "/img/ab.png",
            "/a%2Bb/x",
            "/a+b/x",
            "/x%5Cy",
            "/x%5cy",
            "/x\\y",
            "/%zz",
            "/%ff",
            "/private/../index.html",
            "no-leading-slash",
        ]) {
            assert.ok(denied(source, uri), `${uri} must be refused`);
        }
        for (const uri of ["/", "/index.html", "/downloads/readme.txt", "/img/abc.png", "/Private/cat.jpeg", "/%2570rivate/cat.jpeg", "/a%20b/x", "/privates.txt", "/x/private/cat.jpeg"]) {
            assert.ok(!denied(source, uri), `${uri} must pass`);
        }
    });

    it("matches exactly like the edge's behaviour patterns (seeded property over random keys)", () => {
        const patterns = ["/private/*", "*.pdf", "/img/??.png", "docs/*"];
        const source = pathGuardSource(patterns);
        const random = seededRandom(8_8_8);
        const pieces = ["private", "img", "docs", "a", "ab", "x.pdf", ".png", "/", "/", "?", "*", "~", "-"];
        for (let i = 0; i < 300; i++) {
            let key = "";
            const n = 1 + Math.floor(random() * 5);
            for (let j = 0; j < n; j++) key += pieces[Math.floor(random() * pieces.length)];
            const uri = `/${key}`.replace(/\?/g, "%3F");
            const decoded = `/${key}`;
            const expected = patterns.some((p) => pathPatternMatches(p, decoded));
            assert.equal(denied(source, uri), expected, `${uri}: guard and edge behaviours disagree`);
        }
    });

    it("rejects patterns CloudFront would not accept, with one line naming the item", () => {
        for (const [value, message] of [
            [[], /is empty/],
            ["/private/*", /must be a list/],
            [["/ok/*", ""], /protectedPaths\[1\] must be a non-empty/],
            [["/a b/*"], /protectedPaths\[0\] .* not allow/],
            [[`/${"x".repeat(300)}`], /at most 255/],
        ] as const) {
            assert.throws(() => validatePathGuardPatterns(value), (e: unknown) => e instanceof PathGuardError && message.test(e.message) && !e.message.includes("\n"));
        }
    });
});

describe("PathGuard component (mocks)", () => {
    it("creates one published cloudfront-js-2.0 function with the generated code, and the association to use", async () => {
        const rec = installMocks();
        const guard = new PathGuard("site-guard", { protectedPaths: ["/private/*"] });
        const [arn, name, association] = await Promise.all([resolve(guard.functionArn), resolve(guard.functionName), resolve(guard.functionAssociation)]);
        await rec.settled();
        const component = rec.one(PATH_GUARD_TYPE);
        const fn = rec.one("aws:cloudfront/function:Function");
        assert.equal(fn.parentUrn, component.urn);
        assert.equal(fn.name, "site-guard");
        assert.deepEqual(
            { runtime: fn.inputs.runtime, publish: fn.inputs.publish, code: fn.inputs.code, name: fn.inputs.name },
            { runtime: "cloudfront-js-2.0", publish: true, code: pathGuardSource(["/private/*"]), name: undefined },
        );
        assert.equal(await resolve(guard.code), fn.inputs.code);
        assert.equal(arn, fn.outputs.arn);
        assert.equal(name, fn.outputs.name);
        assert.deepEqual(association, { eventType: "viewer-request", functionArn: arn });
        assert.deepEqual(Object.keys(component.registeredOutputs ?? {}).sort(), ["code", "functionArn", "functionAssociation", "functionName"]);

        // what a user writes: their own public behaviour gets the association
        new aws.cloudfront.Distribution("cdn", {
            enabled: true,
            origins: [{ originId: "s3", domainName: "b.s3.amazonaws.com" }],
            defaultCacheBehavior: {
                targetOriginId: "s3",
                viewerProtocolPolicy: "redirect-to-https",
                allowedMethods: ["GET", "HEAD"],
                cachedMethods: ["GET", "HEAD"],
                cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
                functionAssociations: [guard.functionAssociation],
            },
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
        });
        await rec.settled();
        const distribution = rec.one("aws:cloudfront/distribution:Distribution");
        assert.deepEqual((distribution.inputs.defaultCacheBehavior as { functionAssociations: unknown }).functionAssociations, [
            { eventType: "viewer-request", functionArn: arn },
        ]);
    });

    it("refuses bad patterns and names that cannot name a CloudFront Function before registering anything", () => {
        const rec = installMocks();
        assert.throws(() => new PathGuard("guard", { protectedPaths: [] }), (e: unknown) => pulumi.RunError.isInstance(e) && /PathGuard guard: protectedPaths is empty/.test((e as Error).message));
        assert.throws(() => new PathGuard("bad name!", { protectedPaths: ["/private/*"] }), /cannot name a CloudFront Function/);
        assert.throws(() => new PathGuard("x".repeat(57), { protectedPaths: ["/private/*"] }), /cannot name a CloudFront Function/);
        assert.throws(() => new PathGuard("guard", { protectedPaths: ["/private/*"], comment: "c".repeat(129) }), /at most 128/);
        assert.equal(rec.resources.length, 0);
    });
});

describe("stack: which behaviours get the path guard", () => {
    const association = { eventType: "viewer-request", functionArn: "arn:aws:cloudfront::123456789012:function/g" };
    it("every behaviour outside the protected selection, none inside; inputs untouched", () => {
        const input = {
            defaultCacheBehavior: { targetOriginId: "s3" },
            orderedCacheBehaviors: [
                { targetOriginId: "s3", pathPattern: "/private/*" },
                { targetOriginId: "s3", pathPattern: "/public/*" },
            ],
        };
        const out = associatePathGuard(input, association, ["/private/*"]);
        assert.deepEqual(out.defaultCacheBehavior.functionAssociations, [association]);
        assert.equal(out.orderedCacheBehaviors?.[0].functionAssociations, undefined);
        assert.deepEqual(out.orderedCacheBehaviors?.[1].functionAssociations, [association]);
        assert.equal((input.defaultCacheBehavior as { functionAssociations?: unknown }).functionAssociations, undefined);
        const protectedDefault = associatePathGuard(input, association, ["/private/*", "default"]);
        assert.equal(protectedDefault.defaultCacheBehavior.functionAssociations, undefined);
    });
    it("is needed only when enabled, something is protected and the default behaviour is public", () => {
        assert.equal(needsPathGuard({ pathGuard: true, protectedPaths: ["/private/*"], protectDefaultBehavior: false }), true);
        assert.equal(needsPathGuard({ pathGuard: false, protectedPaths: ["/private/*"], protectDefaultBehavior: false }), false);
        assert.equal(needsPathGuard({ pathGuard: true, protectedPaths: [], protectDefaultBehavior: false }), false);
        assert.equal(needsPathGuard({ pathGuard: true, protectedPaths: ["/private/*"], protectDefaultBehavior: true }), false);
    });
});
