import * as assert from "node:assert/strict";
import { matchResource } from "../signer/src/lib/wildcard";

// Spec §4: four sections (protocol://domain/path?query); a wildcard stays in its section, except a
// trailing * in the path (also any query), a trailing * in the domain (any path and query), "*" alone,
// and "*://".
const D = "https://d111111abcdef8.cloudfront.net";
const CASES: [pattern: string, url: string, matches: boolean][] = [
  // path wildcards
  [`${D}/private/*`, `${D}/private/cat.jpeg`, true],
  [`${D}/private/*`, `${D}/private/reports/2026/q3.pdf`, true],
  [`${D}/private/*`, `${D}/private/`, true],
  [`${D}/private/*`, `${D}/private`, false],
  [`${D}/private/*`, `${D}/privatex/cat.jpeg`, false],
  [`${D}/private/*`, `${D}/PRIVATE/cat.jpeg`, false],
  [`${D}/*/cat.jpeg`, `${D}/a/b/cat.jpeg`, true],
  [`${D}/*.jpeg`, `${D}/x/y.jpeg`, true],
  // trailing * in the path also matches any query; a non-trailing one does not reach the query
  [`${D}/private/*`, `${D}/private/cat.jpeg?size=large`, true],
  [`${D}/private*`, `${D}/private?x=1`, true],
  [`${D}/*.jpeg`, `${D}/cat.jpeg?size=large`, false],
  [`${D}/a*b`, `${D}/a?b`, false],
  [`${D}/cat.jpeg`, `${D}/cat.jpeg?x=1`, false],
  // query section
  [`${D}/cat.jpeg?size=*`, `${D}/cat.jpeg?size=large`, true],
  [`${D}/cat.jpeg?size=large`, `${D}/cat.jpeg?size=large`, true],
  [`${D}/cat.jpeg?size=large`, `${D}/cat.jpeg?size=small`, false],
  [`${D}/cat.jpeg?size=large`, `${D}/cat.jpeg`, false],
  // ? = exactly one character
  [`${D}/cat?.jpeg`, `${D}/cat1.jpeg`, true],
  [`${D}/cat?.jpeg`, `${D}/cat12.jpeg`, false],
  [`${D}/cat?.jpeg`, `${D}/cat.jpeg`, false],
  [`${D}/q?.pdf`, `${D}/q/.pdf`, true],
  // domain wildcards stay in the domain...
  ["https://*.example.com/private/*", "https://cdn.example.com/private/a", true],
  ["https://*.example.com/private/*", "https://a.b.example.com/private/a", true],
  ["https://*.example.com/private/*", "https://evil.com/x.example.com/private/a", false],
  ["https://cdn?.example.com/a", "https://cdn1.example.com/a", true],
  // ...except a trailing * in the domain, which matches any path and query
  [`${D}*`, `${D}/any/path?and=query`, true],
  ["https://d111*", `${D}/x`, true],
  ["https://*", "https://anything.example/p?q", true],
  ["https://*", "http://anything.example/p", false],
  // the whole resource, and the scheme
  ["*", `${D}/anything?at=all`, true],
  ["*://d111111abcdef8.cloudfront.net/a", `${D}/a`, true],
  ["*://d111111abcdef8.cloudfront.net/a", "http://d111111abcdef8.cloudfront.net/a", true],
  ["http*://d111111abcdef8.cloudfront.net/a", `${D}/a`, true],
  ["http://d111111abcdef8.cloudfront.net/a", `${D}/a`, false],
  // section boundaries: a * never crosses :// / or ?
  ["*s://d111111abcdef8.cloudfront.net/a", `${D}/a`, true],
  ["https://d111111abcdef8*/a", `${D}/b/a`, false],
  [`${D}/a/*/c`, `${D}/a/b?/c`, false],
  // many stars: linear-time matcher, no blow-up
  [`${D}/${"*a".repeat(30)}`, `${D}/${"a".repeat(200)}b`, false],
];

describe("wildcard Resource matching (spec §4)", () => {
  for (const [pattern, url, expected] of CASES) {
    it(`${expected ? "matches" : "refuses"} ${url.replace(D, "<D>")} with ${pattern.replace(D, "<D>")}`, () => {
      const r = matchResource(pattern, url);
      assert.equal(r.matches, expected);
      if (!expected) {
        assert.ok(r.reason && r.reason.length > 0 && !r.reason.includes("\n"), "a one-line reason");
      } else {
        assert.equal(r.reason, undefined);
      }
    });
  }
  it("explains which section failed", () => {
    assert.match(matchResource(`${D}/*.jpeg`, `${D}/a.jpeg?x=1`).reason ?? "", /query string/);
    assert.match(matchResource("https://*.example.com/p", "https://example.org/p").reason ?? "", /domain/);
    assert.match(matchResource(`${D}/private/*`, `${D}/public/a`).reason ?? "", /path/);
    assert.match(matchResource(`http://x/a`, `https://x/a`).reason ?? "", /scheme/);
    assert.match(matchResource(`${D}/a`, "not a url").reason ?? "", /absolute URL/);
  });
});
