// Where the path guard goes and how it composes: the PathGuard component under Pulumi mocks, attachTo() on
// behaviours that already run functions (added, never replacing; a clash is one line naming the behaviour), only the
// unsigned behaviours of the bucket's origin, the association's shape known during preview (so the policy pack's
// cloudfront-path-guard rule runs then), and the stack program's use of it.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { installMocks, resolve } from "./harness/mocks";
import { runResourcePolicy, UNKNOWN, type ResourceSpec } from "./harness/policy";
import { pathGuardPolicy } from "../policy/rules";
import {
    PATH_GUARD_TYPE,
    PathGuard,
    PathGuardAttachError,
    attachPathGuard,
    pathGuardCheckSource,
    pathGuardSource,
} from "../components";
import type { CacheBehaviours } from "../components";
import { needsPathGuard } from "../infra/pathGuard";
import { buildCacheBehaviours } from "../infra/distribution";

const ARN = "arn:aws:cloudfront::123456789012:function/guard";
const GUARD = { eventType: "viewer-request", functionArn: ARN };

interface Behaviour {
    targetOriginId: string;
    trustedKeyGroups?: string[];
    functionAssociations?: { eventType: string; functionArn: string }[];
    lambdaFunctionAssociations?: { eventType: string; lambdaArn: string }[];
}

const b = (extra: Partial<Behaviour> = {}): Behaviour => ({ targetOriginId: "files", ...extra });
const o = (pathPattern: string, extra: Partial<Behaviour> = {}): Behaviour & { pathPattern: string } => ({ targetOriginId: "files", pathPattern, ...extra });

describe("PathGuard component (mocks)", () => {
    it("creates one published cloudfront-js-2.0 function; eventType is known before the function exists", async () => {
        const rec = installMocks();
        const guard = new PathGuard("site-guard", { protectedPaths: ["/private/*"] });
        const [arn, eventType, association, code, checkCode] = await Promise.all([
            resolve(guard.functionArn),
            resolve(guard.eventType),
            resolve(guard.functionAssociation),
            resolve(guard.code),
            resolve(guard.checkCode),
        ]);
        await rec.settled();
        const component = rec.one(PATH_GUARD_TYPE);
        const fn = rec.one("aws:cloudfront/function:Function");
        assert.equal(fn.parentUrn, component.urn);
        assert.deepEqual(
            { runtime: fn.inputs.runtime, publish: fn.inputs.publish, code: fn.inputs.code, name: fn.inputs.name },
            { runtime: "cloudfront-js-2.0", publish: true, code: pathGuardSource(["/private/*"]), name: undefined },
        );
        assert.equal(code, fn.inputs.code);
        assert.equal(checkCode, pathGuardCheckSource(["/private/*"]));
        assert.equal(eventType, "viewer-request");
        assert.deepEqual(association, { eventType: "viewer-request", functionArn: arn });
        assert.deepEqual(Object.keys(component.registeredOutputs ?? {}).sort(), ["checkCode", "code", "eventType", "functionArn", "functionAssociation", "functionName"]);
        // during preview the function's ARN is unknown, the event type is not
        assert.equal(await (guard.eventType as unknown as { isKnown: Promise<boolean> }).isKnown, true);
    });

    it("refuses bad patterns and names that cannot name a CloudFront Function before registering anything", () => {
        const rec = installMocks();
        assert.throws(() => new PathGuard("guard", { protectedPaths: [] }), (e: unknown) => pulumi.RunError.isInstance(e) && /PathGuard guard: protectedPaths is empty/.test((e as Error).message));
        assert.throws(() => new PathGuard("guard", { protectedPaths: [`/${"*a".repeat(9)}`] }), /PathGuard guard: protectedPaths\[0\] .* has 9 "\*" wildcards/);
        assert.throws(() => new PathGuard("bad name!", { protectedPaths: ["/private/*"] }), /cannot name a CloudFront Function/);
        assert.throws(() => new PathGuard("x".repeat(57), { protectedPaths: ["/private/*"] }), /cannot name a CloudFront Function/);
        assert.throws(() => new PathGuard("guard", { protectedPaths: ["/private/*"], comment: "c".repeat(129) }), /at most 128/);
        assert.equal(rec.resources.length, 0);
    });

    it("attachTo: the association goes into a distribution with eventType as a plain value and the ARN as an output", async () => {
        const rec = installMocks();
        const guard = new PathGuard("site-guard", { protectedPaths: ["/private/*"] });
        const behaviours = guard.attachTo(
            { defaultCacheBehavior: { targetOriginId: "s3", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] } },
            { originId: "s3" },
        );
        const association = (behaviours.defaultCacheBehavior as unknown as { functionAssociations: { eventType: unknown; functionArn: unknown }[] }).functionAssociations[0];
        assert.equal(association.eventType, "viewer-request");
        assert.ok(pulumi.Output.isInstance(association.functionArn));
        new aws.cloudfront.Distribution("cdn", {
            enabled: true,
            origins: [{ originId: "s3", domainName: "b.s3.amazonaws.com" }],
            defaultCacheBehavior: { ...behaviours.defaultCacheBehavior, cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" },
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
        });
        await rec.settled();
        const distribution = rec.one("aws:cloudfront/distribution:Distribution");
        assert.deepEqual((distribution.inputs.defaultCacheBehavior as Behaviour).functionAssociations, [{ eventType: "viewer-request", functionArn: await resolve(guard.functionArn) }]);
    });
});

describe("attachPathGuard: added, never replacing; only unsigned behaviours of the bucket's origin", () => {
    it("appends to a behaviour's functions and keeps its Lambda@Edge on origin events; inputs untouched", () => {
        const own = { eventType: "viewer-response", functionArn: "arn:aws:cloudfront::123456789012:function/headers" };
        const origin = { eventType: "origin-request", lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:rewrite:3" };
        const input = { defaultCacheBehavior: b({ functionAssociations: [own], lambdaFunctionAssociations: [origin] }) };
        const out = attachPathGuard(input, GUARD, { originId: "files" });
        assert.deepEqual(out.defaultCacheBehavior.functionAssociations, [own, GUARD]);
        assert.deepEqual(out.defaultCacheBehavior.lambdaFunctionAssociations, [origin]);
        assert.deepEqual(input.defaultCacheBehavior.functionAssociations, [own], "the input is not modified");
    });

    it("guards only unsigned behaviours that read the bucket's origin (one id or several)", () => {
        const input = {
            defaultCacheBehavior: b({ targetOriginId: "app" }),
            orderedCacheBehaviors: [
                o("/downloads/*", { trustedKeyGroups: ["kg"] }),
                o("/static/*"),
                o("/mirror/*", { targetOriginId: "files-2" }),
                o("/api/*", { targetOriginId: "app" }),
            ],
        };
        const out = attachPathGuard(input, GUARD, { originId: "files" });
        assert.equal(out.defaultCacheBehavior.functionAssociations, undefined, "another origin holds no protected key");
        assert.deepEqual(out.orderedCacheBehaviors?.map((o) => o.functionAssociations), [undefined, [GUARD], undefined, undefined]);
        const both = attachPathGuard(input, GUARD, { originId: ["files", "files-2"] });
        assert.deepEqual(both.orderedCacheBehaviors?.map((o) => o.functionAssociations), [undefined, [GUARD], [GUARD], undefined]);
    });

    it("refuses, in one line naming the behaviour and what to do, a viewer-request function or Lambda@Edge on a viewer event", () => {
        const cases: [Partial<Behaviour>, RegExp][] = [
            [{ functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:f" }] }, /^PathGuard\.attachTo: cache behaviour "\/static\/\*" already runs a CloudFront Function on viewer-request .*paste the guard's check .* pathGuard\.allows\(event\.request\.uri\) first/],
            [{ lambdaFunctionAssociations: [{ eventType: "viewer-request", lambdaArn: "arn:l" }] }, /^PathGuard\.attachTo: cache behaviour "\/static\/\*" runs Lambda@Edge on viewer-request .*move that Lambda@Edge function to an origin event, or run the guard's check/],
            [{ lambdaFunctionAssociations: [{ eventType: "viewer-response", lambdaArn: "arn:l" }] }, /runs Lambda@Edge on viewer-response and CloudFront does not run a CloudFront Function next to Lambda@Edge on viewer events/],
        ];
        for (const [extra, message] of cases) {
            const input = { defaultCacheBehavior: b({ targetOriginId: "app" }), orderedCacheBehaviors: [o("/static/*", extra)] };
            assert.throws(() => attachPathGuard(input, GUARD, { originId: "files" }), (e: unknown) => e instanceof PathGuardAttachError && message.test(e.message) && !e.message.includes("\n"), String(message));
        }
        // the same clash on a signed behaviour, or on another origin, is none of the guard's business
        const elsewhere = { defaultCacheBehavior: b({ targetOriginId: "app", functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:f" }] }) };
        assert.doesNotThrow(() => attachPathGuard(elsewhere, GUARD, { originId: "files" }));
    });

    it("needs plain values where it must decide: targetOriginId, the association lists and their eventType, the origin id", () => {
        const outputs: CacheBehaviours<{ targetOriginId?: unknown }>[] = [
            { defaultCacheBehavior: { targetOriginId: pulumi.output("files") } },
            { defaultCacheBehavior: b({ functionAssociations: pulumi.output([]) as unknown as Behaviour["functionAssociations"] }) },
            { defaultCacheBehavior: b({ functionAssociations: [{ eventType: pulumi.output("viewer-response") as unknown as string, functionArn: "arn:f" }] }) },
        ];
        installMocks();
        for (const input of outputs) {
            assert.throws(() => attachPathGuard(input, GUARD, { originId: "files" }), (e: unknown) => e instanceof PathGuardAttachError && !e.message.includes("\n") && /plain/.test(e.message));
        }
        assert.throws(() => attachPathGuard({ defaultCacheBehavior: b() }, GUARD, { originId: "" }), /options\.originId must name the origin/);
    });

    it("the stack's behaviours: the guard on the public default behaviour, none on the protected ones", () => {
        const out = attachPathGuard(buildCacheBehaviours(["/private/*"]), GUARD, { originId: "s3-content" });
        assert.deepEqual((out.defaultCacheBehavior as Partial<Behaviour>).functionAssociations, [GUARD]);
        // buildCacheBehaviours alone signs nothing: the key group comes from SigningKeyGroup.attachTo
        assert.ok(needsPathGuard({ pathGuard: true, protectedPaths: ["/private/*"], protectDefaultBehavior: false }));
        assert.equal(needsPathGuard({ pathGuard: false, protectedPaths: ["/private/*"], protectDefaultBehavior: false }), false);
        assert.equal(needsPathGuard({ pathGuard: true, protectedPaths: [], protectDefaultBehavior: false }), false);
        assert.equal(needsPathGuard({ pathGuard: true, protectedPaths: ["/private/*"], protectDefaultBehavior: true }), false);
    });
});

describe("policy pack cloudfront-path-guard: the bucket's unsigned behaviours, checked during preview", () => {
    const behaviour = (extra: Record<string, unknown>) => ({
        targetOriginId: "files",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        ...extra,
    });
    const distribution = (defaultCacheBehavior: Record<string, unknown>, ordered: Record<string, unknown>[] = []): ResourceSpec => ({
        type: "aws:cloudfront/distribution:Distribution",
        name: "cdn",
        props: {
            enabled: true,
            origins: [
                { originId: "files", domainName: "files-abc.s3.us-east-1.amazonaws.com", originAccessControlId: "E2OAC" },
                { originId: "app", domainName: "app.example.com" },
            ],
            defaultCacheBehavior,
            orderedCacheBehaviors: [behaviour({ pathPattern: "/downloads/*", trustedKeyGroups: ["kg-1"] }), ...ordered],
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
        },
    });
    const messages = async (spec: ResourceSpec) => (await runResourcePolicy(pathGuardPolicy, spec)).violations.map((v) => v.message);

    it("asks for the guard only on unsigned behaviours reading the signed behaviours' origin", async () => {
        assert.deepEqual(await messages(distribution(behaviour({ targetOriginId: "app" }))), [], "the application's origin holds no protected key");
        assert.deepEqual(await messages(distribution(behaviour({ targetOriginId: "app" }), [behaviour({ pathPattern: "/static/*" })])), [
            'cache behaviour "/static/*" trusts no key group and has no viewer-request function association: associate the path guard function (eventType "viewer-request")',
        ]);
    });

    it("runs during preview: a known eventType with an unknown function ARN satisfies it; an unknown association cannot be checked yet", async () => {
        const preview = distribution(behaviour({ functionAssociations: [{ eventType: "viewer-request", functionArn: UNKNOWN }] }));
        const run = await runResourcePolicy(pathGuardPolicy, preview);
        assert.deepEqual({ violations: run.violations, notes: run.previewNotes }, { violations: [], notes: [] });
        const whole = await runResourcePolicy(pathGuardPolicy, distribution(behaviour({ functionAssociations: [UNKNOWN] })));
        assert.deepEqual(whole.violations, []);
        assert.equal(whole.previewNotes.length, 1, "the engine reports that the rule could not run");
    });
});
