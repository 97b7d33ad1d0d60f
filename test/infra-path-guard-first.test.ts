// The stack program checks the path guard before it registers anything, like every other
// configuration error (a guard over CloudFront Functions' 10 KB limit used to fail after ten resources).
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MOCK_PROJECT } from "./harness/mocks";

const PROGRAM = require.resolve("../infra/index");

describe("stack: the path guard is checked before any resource is registered", () => {
    it("25 valid patterns whose guard would exceed 10 KB: one RunError line, no resource registered", async () => {
        // Each pattern is valid for the stack config (255 characters CloudFront allows), but every `"` doubles in the source.
        const patterns = Array.from({ length: 25 }, (_, i) => `/${String(i).padStart(2, "0")}${'"'.repeat(252)}`);
        const rec = installMocks();
        pulumi.runtime.setAllConfig({ [`${MOCK_PROJECT}:protectedPaths`]: JSON.stringify(patterns) });
        delete require.cache[PROGRAM];
        assert.throws(
            () => require(PROGRAM),
            (error: unknown) => {
                assert.ok(error instanceof pulumi.RunError, `expected RunError, got ${String(error)}`);
                assert.match(error.message, /protectedPaths: the path guard for 25 patterns is \d+ bytes, over CloudFront Functions' 10240-byte code limit/);
                assert.ok(!error.message.includes("\n"));
                return true;
            },
        );
        await rec.settled();
        assert.deepEqual(rec.resources.map((r) => r.type), [], "no resource may be registered");
    });
});
