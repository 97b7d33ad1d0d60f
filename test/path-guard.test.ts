// The path guard's generated CloudFront Function: its rule (docs/protocol.md, "The path guard's rule") on crafted
// paths for every pattern character class and every normalisation step, each expectation written out here and
// checked against the independent model (test/helpers/pathModel.ts) as well as the guard; its limits (10 KB, ES5,
// the step budget, the static cost rule); its handler. Every run goes through node:vm and njs (test/helpers/guard.ts)
// and fails on any difference between the two.
import * as assert from "node:assert/strict";
import {
    MAX_FUNCTION_CODE_BYTES,
    MAX_GUARDED_PATTERNS,
    MAX_PATTERN_QUESTION_MARKS,
    MAX_PATTERN_STARS,
    PATH_GUARD_DENIED_BODY,
    PATH_GUARD_STEP_BUDGET,
    PathGuardError,
    combinePathGuardSource,
    pathGuardCheckSource,
    pathGuardSource,
    validatePathGuardPatterns,
} from "../components";
import type { IncomingMessage } from "node:http";
import { compactLine } from "../components/pathGuard";
import { CloudFrontFunction, MIN_WALL_CLOCK_LIMIT_MS, viewerRequestEvent } from "../signer/src/lib/cloudfrontFunction";
import { PATH_GUARD_RUNTIME_LINES } from "../components/pathGuardRuntime";
import { TYPICAL_PATTERNS } from "../scripts/bench/pathGuard";
import { evaluate, guardResults, guardVerdicts } from "./helpers/guard";
import { PathModel } from "./helpers/pathModel";

type Expected = "pass" | "protected" | "undecodable";

/** [patterns, [uri, expected verdict, why]...] */
const RULE: [string[], [string, Expected, string][]][] = [
    [
        ["/private/*"],
        [
            ["/private/cat.jpeg", "protected", "the pattern as it is"],
            ["/private%2Fcat.jpeg", "protected", "%2F stays encoded for CloudFront (default behaviour), S3 decodes it: key private/cat.jpeg"],
            ["/private%2fcat.jpeg", "protected", "escapes in either hex case"],
            ["/%70rivate/cat.jpeg", "protected", "an unreserved character's escape is decoded before matching"],
            ["/%70rivate%2Fcat.jpeg", "protected", "both"],
            ["/x/../private/cat.jpeg", "protected", "dot segments are removed before matching; S3 keeps them in the key"],
            ["/x/..%2Fprivate/cat.jpeg", "protected", "the same key x/../private/cat.jpeg, spelled so that CloudFront keeps it"],
            ["/x%2F..%2Fprivate%2Fcat.jpeg", "protected", "the same key again"],
            ["/./private/a", "protected", "a '.' segment is removed"],
            ["//private/cat.jpeg", "protected", "runs of slashes are merged: key /private/cat.jpeg"],
            ["/%2Fprivate/cat.jpeg", "protected", "the key /private/cat.jpeg, which //private/cat.jpeg reaches through /private/*"],
            ["/private/../index.html", "protected", "key private/../index.html: /private/..%2Findex.html reaches it through /private/*"],
            ["/private/..", "protected", "key private/..: /private/%2E%2E keeps the segment when dot segments go before decoding"],
            ["/private/x/..", "protected", "key private/x/..: /private/x/.. normalises to /private/"],
            ["/private", "pass", "the pattern needs the slash"],
            ["/privateer/x", "pass", "a longer name"],
            ["/Private/cat.jpeg", "pass", "matching is case-sensitive"],
            ["/public%2Fcat.jpeg", "pass", "an encoded slash alone is no reason to refuse"],
            ["/..%5Cx", "pass", "nor is an encoded backslash"],
            ["/%2570rivate/cat.jpeg", "pass", "decoded once: the key is %70rivate/cat.jpeg"],
            ["/a/..", "pass", "normalises to / or keeps a/.."],
            ["/%zz", "undecodable", "bad percent-encoding"],
            ["/%C0%AF", "undecodable", "an overlong UTF-8 sequence"],
            ["/%FF", "undecodable", "not UTF-8"],
            ["private/cat.jpeg", "undecodable", "a path starts with /"],
        ],
    ],
    [
        ["/a+b/*", "/c++/*"],
        [
            ["/a+b/x", "protected", "as written"],
            ["/a%20b/x", "protected", "S3 reads + as a space: key a b/x, which /a+b/x reaches"],
            ["/a b/x", "protected", "a raw space is that byte too"],
            ["/a%2Bb/x", "protected", "if S3 reads + as itself, %2B names the same key as /a+b/x"],
            ["/c%20%20/x", "protected", "two spaces"],
            ["/c+%20/x", "protected", "mixed spellings"],
            ["/ab/x", "pass", "no space"],
            ["/a%2520b/x", "pass", "decoded once: key a%20b/x"],
        ],
    ],
    [
        ["/r/?????.pdf", "/r/???.pdf"],
        [
            ["/r/a%20b.pdf", "protected", "? counts characters of the normalised path: %20 is three"],
            ["/r/a+b.pdf", "protected", "the same key a b.pdf, three characters"],
            ["/r/a$b.pdf", "protected", "$ as it is: three"],
            ["/r/a%24b.pdf", "protected", "the same key, five"],
            ["/r/ab%20.pdf", "protected", "five, or three as ab+"],
            ["/r/abcd.pdf", "pass", "four unreserved characters are four in every spelling"],
            ["/r/%C3%A9.pdf", "pass", "a non-ASCII byte is always %XY: six"],
            ["/r/%F0%9F%98%80.pdf", "pass", "an emoji is twelve, in both engines"],
        ],
    ],
    [
        ["/r/?.pdf"],
        [
            ["/r/%24.pdf", "protected", "$ can be written as itself"],
            ["/r/%20.pdf", "protected", "a space as +"],
            ["/r/%2B.pdf", "protected", "+ as itself (the reading where S3 keeps it)"],
            ["/r/%22.pdf", "protected", "\" as itself"],
            ["/r/%25.pdf", "pass", "% only as %25"],
            ["/r/%3F.pdf", "pass", "? only as %3F"],
            ["/r/%23.pdf", "pass", "# only as %23"],
            ["/r/%2F.pdf", "pass", "the key r//.pdf: its literal slashes merge, so ? never meets a slash there"],
            ["/r/%F0%9F%98%80.pdf", "pass", "njs would count the decoded emoji as one character, V8 as two"],
            ["/r/\u00e9.pdf", "pass", "a raw non-ASCII character is its UTF-8 bytes, always escaped in a spelling"],
        ],
    ],
    [
        ["/x/*20*", "/h/*2f*"],
        [
            ["/x/a+b", "protected", "key x/a b: spelled x/a%20b, whose escape holds 20"],
            ["/x/a%20b", "protected", "as written"],
            ["/x/a2b", "pass", "no 20 in any spelling"],
            ["/x/a%2Fb", "pass", "key x/a/b: %2F holds 2F, not 20"],
            ["/h/a%2Fb", "protected", "hex digits match in either case"],
            ["/h/a/b", "protected", "the same key"],
            ["/h/a2fb", "protected", "literally"],
            ["/h/a2Fb", "pass", "a literal F is not f"],
        ],
    ],
    [
        ["*$*", '/q/"*', "/m/*@*", "/n/*:*&*", "/o/*'*", "/t/-._~"],
        [
            ["/a$b", "protected", "$ as it is"],
            ["/a%24b", "protected", "or escaped"],
            ["/ab", "pass", "no $"],
            ['/q/"x', "protected", "\" as it is"],
            ["/q/%22x", "protected", "or escaped"],
            ["/q/x", "pass", "no \""],
            ["/m/a%40b", "protected", "@"],
            ["/n/a%3Ab&c", "protected", ": and &"],
            ["/o/a%27b", "protected", "'"],
            ["/t/%2D%2E%5F%7E", "protected", "unreserved characters escaped"],
            ["/t/-._%7e", "protected", "hex case of an unreserved escape"],
        ],
    ],
    [
        ["/a/../b", "*/..", "/./*", "/?/?/*"],
        [
            ["/a/../b", "protected", "kept as /a/../b when dot segments go before %2E%2E is decoded"],
            ["/b", "pass", "another key"],
            ["/x/..", "protected", "*/.. the same way"],
            ["/./x", "protected", "/./* likewise"],
            ["/a/b/c", "protected", "?/? over single characters"],
            ["/a//b/c", "protected", "key a//b/c: its two slashes merge into one"],
            ["/ab/c", "pass", "? is one character"],
        ],
    ],
];

describe("path guard: the rule (crafted paths, expectations written out, checked against the model and both engines)", () => {
    for (const [patterns, rows] of RULE) {
        it(`${patterns.join(" ")}`, () => {
            const model = new PathModel(patterns);
            const verdicts = guardVerdicts(pathGuardSource(patterns), rows.map(([uri]) => uri));
            rows.forEach(([uri, expected, why], i) => {
                assert.equal(model.verdict(uri), expected, `model: ${uri} (${why})`);
                assert.equal(verdicts[i], expected, `guard: ${uri} (${why})`);
            });
        });
    }
});

describe("path guard: generated CloudFront Function source", () => {
    it("fits CloudFront Functions' 10 KB with 25 patterns and room for a function of your own; refuses more in one line", () => {
        const typical = pathGuardSource(TYPICAL_PATTERNS);
        const bytes = Buffer.byteLength(typical);
        assert.ok(bytes <= MAX_FUNCTION_CODE_BYTES - 2048, `${bytes} bytes`);
        const tooLong = Array.from({ length: 25 }, (_, i) => `/section-${i}/${"x".repeat(230)}/*`);
        assert.throws(
            () => pathGuardSource(tooLong),
            (e: unknown) => e instanceof PathGuardError && /is \d+ bytes, over CloudFront Functions' 10240-byte code limit/.test(e.message) && !e.message.includes("\n"),
        );
    });

    it("is ES5 (a subset of what cloudfront-js-2.0 runs) without network, eval or modules", () => {
        const source = pathGuardSource(["/private/*"]);
        for (const forbidden of [/\blet\b/, /\bconst\b/, /=>/, /`/, /\bclass\b/, /\brequire\b/, /\bfetch\b/, /\beval\b/, /\bimport\b/, /\bFunction\(/]) {
            assert.doesNotMatch(source, forbidden);
        }
        assert.match(source, /^var pathGuard=\(function\(\)\{$/m);
        assert.match(source, /^function handler\(event\) \{$/m);
    });

    it("is compacted safely: spaces go only where no token or string changes", () => {
        assert.equal(compactLine("  if (a - -b) return x + 'a b';"), "if(a- -b)return x+'a b';");
        assert.equal(compactLine(`var s = "it's", t = 'say "hi"';`), `var s="it's",t='say "hi"';`);
        assert.throws(() => compactLine("x = a / b;"), /"\/" outside a string literal/);
        for (const line of PATH_GUARD_RUNTIME_LINES) assert.doesNotThrow(() => compactLine(line), line);
    });

    it("answers CloudFront's AccessDenied XML for a refusal and passes anything else through unchanged, in both engines", () => {
        const source = pathGuardSource(["/private/*"]);
        const [refused, passed] = guardResults(source, ["/private%2Fcat.jpeg", "/index.html"], {
            querystring: { a: { value: "1" } },
            headers: { host: { value: "cdn.example.com" } },
        });
        assert.deepEqual(refused, {
            statusCode: 403,
            statusDescription: "Forbidden",
            headers: { "content-type": { value: "text/xml" }, "cache-control": { value: "no-store" } },
            body: { encoding: "text", data: PATH_GUARD_DENIED_BODY },
        });
        assert.deepEqual(passed, { method: "GET", uri: "/index.html", querystring: { a: { value: "1" } }, headers: { host: { value: "cdn.example.com" } }, cookies: {} });
    });

    it("ends any failure inside in a refusal, never an error: no request, a uri that is no string", () => {
        const source = pathGuardSource(["/private/*"]);
        const statuses = evaluate(source, "handler(__in).statusCode", [{}, { request: null }, { request: { uri: 42 } }, { request: { uri: "/a" } }]);
        assert.deepEqual(statuses, [403, 403, 403, null]);
        assert.deepEqual(guardVerdicts(source, [42, null, undefined]), ["undecodable", "undecodable", "undecodable"]);
    });

    it("spends a step budget, the same in both engines, and refuses when it runs out", () => {
        const source = pathGuardSource(["/private/*", "*?z?*"]);
        let doubled = "/";
        while (doubled.length < 8190) doubled += "//";
        const verdicts = guardVerdicts(source, [doubled, `/${"a/".repeat(4000)}x`, "/private/x"]);
        assert.deepEqual(verdicts, ["budget", "pass", "protected"]);
        assert.equal(guardResults(source, [doubled])[0].statusCode, 403);
        const spent = evaluate(source, "(pathGuard.verdict(__in), pathGuard.spent())", [doubled, "/private/x"]) as number[];
        assert.ok(spent[0] > PATH_GUARD_STEP_BUDGET && spent[1] < 100, String(spent));
    });

    it("has the check alone for your own viewer-request function; combined, it must call the check and fit 10 KB", () => {
        const check = pathGuardCheckSource(["/private/*"]);
        assert.doesNotMatch(check, /function handler/);
        const own = "function handler(event) {\n  if (!pathGuard.allows(event.request.uri)) return pathGuard.denied();\n  event.request.headers['x-seen'] = { value: '1' };\n  return event.request;\n}\n";
        const combined = combinePathGuardSource(["/private/*"], own);
        const [refused, passed] = guardResults(combined, ["/private%2Fa", "/a"]);
        assert.equal(refused.statusCode, 403);
        assert.deepEqual((passed as { headers: unknown }).headers, { "x-seen": { value: "1" } });
        assert.throws(() => combinePathGuardSource(["/private/*"], "function handler(e) { return e.request; }"), /must call the check first/);
        assert.throws(() => combinePathGuardSource(["/private/*"], `${own}//${"x".repeat(6000)}`), /your function with the path guard check for 1 patterns is \d+ bytes, over/);
    });
});

describe("path guard: static cost rule (what pulumi preview refuses)", () => {
    it("refuses a pattern over the wildcard limits, or too many patterns, in one line naming it", () => {
        const cases: [unknown, RegExp][] = [
            [[`/${"*a".repeat(MAX_PATTERN_STARS + 1)}`], /^protectedPaths\[0\] "\/\*a\*a.*" has 9 "\*" wildcards; the path guard allows at most 8 per pattern: split it into simpler patterns$/],
            [["/ok/*", `/${"?".repeat(MAX_PATTERN_QUESTION_MARKS + 1)}`], /^protectedPaths\[1\] "\/\?{17}" has 17 "\?" wildcards; the path guard allows at most 16 per pattern/],
            [Array.from({ length: MAX_GUARDED_PATTERNS + 1 }, (_, i) => `/p${i}/*`), /^protectedPaths has 26 patterns; the path guard checks at most 25/],
            [[], /is empty/],
            ["/private/*", /must be a list/],
            [["/ok/*", ""], /protectedPaths\[1\] must be a non-empty/],
            [["/a b/*"], /protectedPaths\[0\] .* not allow/],
            [[`/${"x".repeat(300)}`], /at most 255/],
        ];
        for (const [value, message] of cases) {
            assert.throws(() => validatePathGuardPatterns(value), (e: unknown) => e instanceof PathGuardError && message.test(e.message) && !e.message.includes("\n"), String(message));
        }
        assert.deepEqual(validatePathGuardPatterns([`/${"*a".repeat(MAX_PATTERN_STARS)}`, `/${"?".repeat(MAX_PATTERN_QUESTION_MARKS)}`]).length, 2);
    });
});

describe("path guard in the local edge", () => {
    it("a run without a watchdog thread is held to a wall-clock limit of at least 50 ms: over it, an error (the edge answers 503)", () => {
        const req = { method: "GET", rawHeaders: [], socket: {} } as unknown as IncomingMessage;
        const event = viewerRequestEvent(req, "/x", "h", "r");
        const slow = new CloudFrontFunction("function handler(e) { var t = Date.now(); while (Date.now() - t < 80) {} return e.request; }", "slow.js", { timeoutMs: 0, wallClockLimitMs: 10 });
        const outcome = slow.run(event);
        assert.equal(outcome.kind, "error");
        assert.match((outcome as { reason: string }).reason, /^the function ran \d+ ms, over the 50 ms limit$/);
        const guard = new CloudFrontFunction(pathGuardSource(["/private/*"]), "path-guard.js", { timeoutMs: 0, wallClockLimitMs: MIN_WALL_CLOCK_LIMIT_MS });
        assert.deepEqual(guard.run(event), { kind: "request", uri: "/x" });
    });
});
