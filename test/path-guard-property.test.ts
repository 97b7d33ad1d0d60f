// The path guard's rule as a property, checked by seeded random search against the independent model of CloudFront
// and S3 (test/helpers/pathModel.ts), in node:vm and njs at once:
// - exhaustive: random short keys; the model enumerates every spelling of each under every reading, so its verdict
//   is exact; requests are random spellings of the key and their normalised forms. The guard must answer exactly
//   the model's verdict: never pass a protected key (soundness), never refuse another one (precision; the budget
//   never runs out on paths this short).
// - forward: longer random raw paths, each read by CloudFront and S3 under every reading; whenever a reading routes
//   one through a protected pattern, its key is protected, and the guard must refuse the path and random
//   respellings of that key.
import * as assert from "node:assert/strict";
import { pathGuardSource } from "../components";
import { guardVerdicts } from "./helpers/guard";
import { byteSpellings, NORMALISATION_READINGS, normalise, PathModel, patternRegExp, s3Key, spellings } from "./helpers/pathModel";
import { seededRandom } from "./helpers/random";

/** Pattern sets with every character class CloudFront allows, `+`, `?`, `$`, `"`, dots and slashes. */
export const PATTERN_SETS: string[][] = [
    ["/private/*", "/downloads/*.pdf"],
    ["/a+b/*", "/c++/*", "*+*?"],
    ["/r/?????.pdf", "/r/???.pdf", "/x/*20*", "/h/*2f*"],
    ["/r/?.pdf", "*$*", '/q/"*', "/e/*'*@*:&"],
    ["/a/b", "/a/", "*/./*", "/p?q/*", "*a?2F*", "/*.*"],
    ["/d/*/e", "??", "/?/?*", "/?", "/*f"],
    ["/a/../b", "/./*", "*/..", "/a/*/b", "/..*", "/?/..", "/.?/x"],
    ["/*a*b*c", "*?a?*", "/?*?/", "*a/b", "*//*"],
];

/** Key pieces: letters and hex digits of the patterns, dots, slashes, reserved and non-ASCII characters. */
const PIECES = ["a", "b", "c", "d", "e", "f", "p", "q", "r", "x", "2", "0", "F", "pdf", "20", ".", "..", "/", "/", "/", " ", "+", "$", '"', "'", "@", "\u00e9", "\u{1F600}", "%", "?", "#"];

/** Raw path pieces for the forward search: literal and escaped spellings of the same characters. */
const RAW = ["a", "b", "d", "e", "f", "p", "r", "x", "2", "F", "/", "/", ".", "..", "%2F", "%2f", "%2E", "%20", "+", "$", "%24", "%22", '"', "%70", "%C3%A9", "%2B", "pdf", "20"];

function pick<T>(random: () => number, list: readonly T[]): T {
    return list[Math.floor(random() * list.length)];
}

/** A random raw path S3 reads as `key` with this reading of `+`. */
function respell(random: () => number, key: string, plusIsSpace: boolean): string {
    return `/${[...Buffer.from(key, "utf8")].map((byte) => pick(random, byteSpellings(byte, plusIsSpace))).join("")}`;
}

describe("path guard: soundness and precision against the model (seeded random search, node:vm and njs)", function () {
    this.timeout(120_000);

    it("exhaustive model: the guard's verdict is the model's for random short keys, their spellings and normalised forms", () => {
        const random = seededRandom(17_2026);
        let checked = 0;
        let protectedSeen = 0;
        for (const patterns of PATTERN_SETS) {
            const model = new PathModel(patterns, 1500);
            const uris: string[] = [];
            for (let i = 0; i < 200; i++) {
                let key = "";
                const pieces = 1 + Math.floor(random() * 6);
                for (let j = 0; j < pieces; j++) key += pick(random, PIECES);
                for (const plusIsSpace of [true, false]) {
                    const all = spellings(key, plusIsSpace, 1500);
                    if (!all) continue;
                    const raw = pick(random, all);
                    uris.push(raw, normalise(raw, pick(random, NORMALISATION_READINGS)));
                }
            }
            const verdicts = guardVerdicts(pathGuardSource(patterns), uris);
            uris.forEach((uri, i) => {
                const expected = model.verdict(uri);
                if (expected === undefined) return;
                checked++;
                if (expected === "protected") protectedSeen++;
                const where = `${JSON.stringify(patterns)} ${JSON.stringify(uri)}`;
                assert.notEqual(verdicts[i], "budget", `${where}: the budget ran out on a short path`);
                assert.equal(verdicts[i], expected, `${where}: model ${expected}, guard ${verdicts[i]}`);
            });
        }
        assert.ok(checked > 2000 && protectedSeen > 300, `checked ${checked}, protected ${protectedSeen}`);
        if (process.env.GUARD_COUNTS) console.log(`exhaustive: ${checked} requests, ${protectedSeen} protected`);
    });

    it("forward: every longer random path that some reading routes through a protected pattern is refused, and so is every respelling of its key", () => {
        const random = seededRandom(4_1_7);
        let protectedKeys = 0;
        let paths = 0;
        let refusals = 0;
        for (const patterns of PATTERN_SETS) {
            const regexps = patterns.map(patternRegExp);
            const mustRefuse: string[] = [];
            for (let i = 0; i < 600; i++) {
                let raw = "/";
                const pieces = 4 + Math.floor(random() * 14);
                for (let j = 0; j < pieces; j++) raw += pick(random, RAW);
                paths++;
                const routed = NORMALISATION_READINGS.some((reading) => {
                    const normalised = normalise(raw, reading);
                    return regexps.some((re) => re.test(normalised));
                });
                if (!routed) continue;
                mustRefuse.push(raw);
                for (const plusIsSpace of [true, false]) {
                    const key = s3Key(raw, plusIsSpace);
                    if (key === undefined) continue;
                    protectedKeys++;
                    for (let k = 0; k < 3; k++) mustRefuse.push(respell(random, key, plusIsSpace));
                }
            }
            refusals += mustRefuse.length;
            const verdicts = guardVerdicts(pathGuardSource(patterns), mustRefuse);
            mustRefuse.forEach((uri, i) => assert.equal(verdicts[i], "protected", `${JSON.stringify(patterns)} ${JSON.stringify(uri)}: a protected key passed`));
        }
        assert.ok(protectedKeys > 300, `protected keys found: ${protectedKeys}`);
        if (process.env.GUARD_COUNTS) console.log(`forward: ${paths} random paths, ${protectedKeys} protected keys, ${refusals} requests that must be refused`);
    });
});
