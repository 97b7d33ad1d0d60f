import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { installMocks, Recorder, resolve } from "./harness/mocks";
import { AttachKeyGroupError, attachKeyGroup, CacheBehaviours, DEFAULT_BEHAVIOUR, SigningKeyGroup } from "../components";

type DefaultBehaviour = aws.types.input.cloudfront.DistributionDefaultCacheBehavior;

const base = {
    targetOriginId: "s3",
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
    cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
};

function behaviours(): CacheBehaviours<DefaultBehaviour> {
    return {
        defaultCacheBehavior: { ...base },
        orderedCacheBehaviors: [
            { ...base, pathPattern: "/private/*" },
            { ...base, pathPattern: "/public/*" },
            { ...base, pathPattern: "/partner/*", trustedKeyGroups: ["kg-existing"] },
        ],
    };
}

describe("attachKeyGroup", () => {
    it("adds the key group to exactly the selected ordered behaviours", () => {
        const input = behaviours();
        const out = attachKeyGroup(input, "kg-1", ["/private/*"]);
        assert.deepEqual(out.orderedCacheBehaviors![0].trustedKeyGroups, ["kg-1"]);
        assert.equal(out.orderedCacheBehaviors![1].trustedKeyGroups, undefined);
        assert.deepEqual(out.orderedCacheBehaviors![2].trustedKeyGroups, ["kg-existing"]);
        assert.equal(out.defaultCacheBehavior.trustedKeyGroups, undefined);
        // every other field survives, order is kept
        assert.deepEqual(out.orderedCacheBehaviors!.map((b) => b.pathPattern), ["/private/*", "/public/*", "/partner/*"]);
        assert.deepEqual({ ...out.orderedCacheBehaviors![0], trustedKeyGroups: undefined }, { ...base, pathPattern: "/private/*", trustedKeyGroups: undefined });
    });

    it("leaves unselected behaviours and the input untouched", () => {
        const input = behaviours();
        const snapshot = JSON.parse(JSON.stringify(input)) as unknown;
        const out = attachKeyGroup(input, "kg-1", ["/private/*", "/partner/*"]);
        assert.deepEqual(JSON.parse(JSON.stringify(input)), snapshot, "input mutated");
        assert.equal(out.orderedCacheBehaviors![1], input.orderedCacheBehaviors![1]);
        assert.equal(out.defaultCacheBehavior, input.defaultCacheBehavior);
    });

    it("selects the default behaviour by name and keeps key groups already there", () => {
        const out = attachKeyGroup(behaviours(), "kg-1", [DEFAULT_BEHAVIOUR, "/partner/*"]);
        assert.equal(DEFAULT_BEHAVIOUR, "default");
        assert.deepEqual(out.defaultCacheBehavior.trustedKeyGroups, ["kg-1"]);
        assert.deepEqual(out.orderedCacheBehaviors![2].trustedKeyGroups, ["kg-existing", "kg-1"]);
        assert.equal(out.orderedCacheBehaviors![0].trustedKeyGroups, undefined);
    });

    it("works without ordered behaviours and does not add the same key group twice", () => {
        const once = attachKeyGroup({ defaultCacheBehavior: { ...base } }, "kg-1", ["default"]);
        const twice = attachKeyGroup(once, "kg-1", ["default", "default"]);
        assert.deepEqual(twice.defaultCacheBehavior.trustedKeyGroups, ["kg-1"]);
        assert.equal("orderedCacheBehaviors" in twice, false);
        assert.deepEqual(attachKeyGroup(behaviours(), "kg-1", []), behaviours());
    });

    it("rejects a selected pattern that matches no behaviour, listing the known ones", () => {
        assert.throws(
            () => attachKeyGroup(behaviours(), "kg-1", ["/private/*", "/privat/*"]),
            (err: unknown) =>
                err instanceof AttachKeyGroupError &&
                err.message ===
                    'attachKeyGroup: path pattern "/privat/*" matches no cache behaviour (ordered: "/private/*", "/public/*", "/partner/*"; use "default" for the default behaviour)',
        );
        // exact and case-sensitive, like CloudFront's path patterns
        assert.throws(() => attachKeyGroup(behaviours(), "kg-1", ["/PRIVATE/*"]), /"\/PRIVATE\/\*" matches no cache behaviour/);
        assert.throws(() => attachKeyGroup({ defaultCacheBehavior: { ...base } }, "kg-1", ["/x/*"]), /\(ordered: none;/);
        assert.throws(() => attachKeyGroup(behaviours(), "kg-1", [""]), /select contains "": use path patterns or "default"/);
    });

    it("rejects a behaviour that would trust more than 4 key groups", () => {
        const full = behaviours();
        full.orderedCacheBehaviors![0].trustedKeyGroups = ["a", "b", "c", "d"];
        assert.throws(
            () => attachKeyGroup(full, "kg-1", ["/private/*"]),
            /^AttachKeyGroupError: attachKeyGroup: cache behaviour "\/private\/\*" would trust 5 key groups but CloudFront allows at most 4: remove one from its trustedKeyGroups$/,
        );
        full.orderedCacheBehaviors![0].trustedKeyGroups = ["a", "b", "c"];
        assert.deepEqual(attachKeyGroup(full, "kg-1", ["/private/*"]).orderedCacheBehaviors![0].trustedKeyGroups, ["a", "b", "c", "kg-1"]);
    });

    it("rejects an ordered behaviour literally named like the default selector", () => {
        const odd = { defaultCacheBehavior: { ...base }, orderedCacheBehaviors: [{ ...base, pathPattern: "default" }] };
        assert.throws(() => attachKeyGroup(odd, "kg-1", ["default"]), /"default" is both the default behaviour's name and an ordered behaviour's path pattern/);
    });

    describe("with Outputs (under mocks)", () => {
        beforeEach(() => {
            installMocks();
        });

        it("combines an Output trustedKeyGroups list with the key group when it resolves", async () => {
            const b = { defaultCacheBehavior: { ...base, trustedKeyGroups: pulumi.output(["kg-a"]) } };
            const out = attachKeyGroup(b, pulumi.output("kg-1"), ["default"]);
            assert.deepEqual(await resolve(pulumi.output(out.defaultCacheBehavior.trustedKeyGroups!)), ["kg-a", "kg-1"]);
        });

        it("checks the limit of an Output list once it resolves", async () => {
            const b = { defaultCacheBehavior: { ...base, trustedKeyGroups: pulumi.output(["a", "b", "c", "d"]) } };
            const out = attachKeyGroup(b, "kg-1", ["default"]);
            await assert.rejects(resolve(pulumi.output(out.defaultCacheBehavior.trustedKeyGroups!)), /cache behaviour default would trust 5 key groups/);
        });
    });
});

describe("SigningKeyGroup.attachTo with a Distribution", () => {
    let rec: Recorder;
    beforeEach(() => {
        rec = installMocks();
    });

    it("feeds aws.cloudfront.Distribution behaviours straight through (compile-time and recorded inputs)", async () => {
        const signing = new SigningKeyGroup("signing", { keys: [{ id: "2026-01" }] });
        // Typed as the provider's own input types: this must compile without casts.
        const defaultCacheBehavior: aws.types.input.cloudfront.DistributionDefaultCacheBehavior = { ...base };
        const privatePath = { ...base, pathPattern: "/private/*" };
        const { defaultCacheBehavior: protectedDefault, orderedCacheBehaviors } = signing.attachTo(
            { defaultCacheBehavior, orderedCacheBehaviors: [privatePath, { ...base, pathPattern: "/public/*" }] },
            ["/private/*"],
        );
        const ordered: aws.types.input.cloudfront.DistributionOrderedCacheBehavior[] | undefined = orderedCacheBehaviors;
        // A behaviour whose trustedKeyGroups has the wrong type is refused at compile time.
        // @ts-expect-error trustedKeyGroups must be a list of key group ids
        assert.throws(() => signing.attachTo({ defaultCacheBehavior: { ...base, trustedKeyGroups: 5 } }, ["/nope"]), /matches no cache behaviour/);
        const distribution = new aws.cloudfront.Distribution("cdn", {
            enabled: true,
            origins: [{ originId: "s3", domainName: "bucket.s3.us-east-1.amazonaws.com" }],
            defaultCacheBehavior: protectedDefault,
            orderedCacheBehaviors: ordered,
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true },
        });
        await resolve(distribution.id);
        await rec.settled();
        const keyGroupId = rec.one("aws:cloudfront/keyGroup:KeyGroup").id;
        const inputs = rec.one("aws:cloudfront/distribution:Distribution").inputs as {
            defaultCacheBehavior: { trustedKeyGroups?: string[] };
            orderedCacheBehaviors: { pathPattern: string; trustedKeyGroups?: string[] }[];
        };
        assert.deepEqual(inputs.orderedCacheBehaviors[0].trustedKeyGroups, [keyGroupId]);
        assert.equal(inputs.orderedCacheBehaviors[1].trustedKeyGroups, undefined);
        assert.equal(inputs.defaultCacheBehavior.trustedKeyGroups, undefined);
    });
});
