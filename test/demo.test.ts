import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { runDemo } from "../scripts/demo/main";
import { CLI_PATH } from "./helpers/cli";

describe("npm run demo (the no-AWS main job)", function () {
  this.timeout(60_000);
  it("every row answers as CloudFront would, and the edge stops", async () => {
    let printed = "";
    const result = await runDemo({ log: (t) => (printed += t) });
    const byName = new Map(result.rows.map((r) => [r.name.replace(/ \(.*\)$/, ""), r]));
    const expected: [string, string][] = [
      ["public file", "200"],
      ["private file, unsigned", "403 MissingKey"],
      ["signed URL", "200"],
      ["signed cookie", "200"],
      ["expired URL", "403 AccessDenied"],
      ["tampered signature", "403 AccessDenied"],
      ["unknown key pair id", "403 InvalidKey"],
      ["wrong private key", "403 AccessDenied"],
      ["outside the cookie's wildcard", "403 AccessDenied"],
      ["encoded slash", "403 AccessDenied"],
    ];
    for (const [name, status] of expected) {
      const row = byName.get(name);
      assert.ok(row, `row ${name} is in the demo`);
      assert.equal(row.expected, status, name);
      assert.equal(row.actual, status, `${name}: ${row.detail ?? ""}`);
    }
    assert.ok(result.ok, printed);
    assert.ok(result.rows.every((r) => r.ok));
    assert.ok(printed.includes(`${result.rows.length}/${result.rows.length} as expected`), printed);
    assert.ok(!printed.includes("PRIVATE KEY"), "the table never shows key material");
    // With the CLI built (npm test builds it), one URL is signed by the real cf-sign child process.
    assert.equal(result.cliUsed, fs.existsSync(CLI_PATH));
  });
});
