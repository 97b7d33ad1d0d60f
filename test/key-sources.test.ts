// The key sources of cf-sign url, cookies and probe are one ordered table (signer/src/cli/keySources.ts): --help,
// the docs and the "no signing key found" error are written from it, and resolution takes its first entry that applies.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { KEY_SOURCE_HELP, keySourceMarkdown } from "../signer/src/cli/keySourceHelp";
import { KEY_SOURCE_ARGS, KEY_SOURCES } from "../signer/src/cli/keySources";
import { assertRefused, runCli } from "./helpers/cli";

const ROOT = path.resolve(__dirname, "..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The block between the key-source markers of a doc. */
function keySourceBlock(file: string): string {
  const text = read(file);
  const begin = text.indexOf("<!-- key sources:");
  const end = text.indexOf("<!-- end of key sources -->");
  assert.ok(begin >= 0 && end > begin, `${file} has the key-source table between its markers`);
  return text.slice(text.indexOf("\n", begin) + 1, end).trim();
}

describe("key sources: one ordered table", function () {
  this.timeout(60_000);

  it("every key-source flag belongs to an entry, and every entry's usage appears in --help in table order", () => {
    const used = new Set(KEY_SOURCES.flatMap((source) => source.flags));
    assert.deepEqual([...used].sort(), Object.keys(KEY_SOURCE_ARGS).sort());
    let at = -1;
    for (const [i, source] of KEY_SOURCES.entries()) {
      const next = KEY_SOURCE_HELP.indexOf(source.usage, at + 1);
      assert.ok(next > at, `entry ${i + 1} (${source.usage}) follows entry ${i} in --help`);
      assert.ok(KEY_SOURCE_HELP.includes(`${i + 1}. ${source.description.split(" ").slice(0, 3).join(" ")}`), `entry ${i + 1} is numbered`);
      at = next;
    }
    for (const flag of Object.keys(KEY_SOURCE_ARGS)) assert.match(KEY_SOURCE_HELP, new RegExp(`--${flag}\\b`), `--help names --${flag}`);
  });

  it("url, cookies and probe --help show the section written from the table", async () => {
    for (const command of ["url", "cookies", "probe"]) {
      const help = await runCli([command, "--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.ok(help.stdout.includes(KEY_SOURCE_HELP), `${command} --help holds the key-source section`);
    }
  });

  it("README.md and docs/signing.md hold the table written from the same entries", () => {
    const expected = keySourceMarkdown();
    for (const file of ["README.md", "docs/signing.md"]) {
      assert.equal(keySourceBlock(file), expected, `${file}: replace the key-source table with:\n${expected}\n`);
    }
  });

  it("with no key source, the error names every key source, numbered in the table's order, on one line", async () => {
    for (const command of [["url", "https://d111111abcdef8.cloudfront.net/a"], ["cookies", "https://d111111abcdef8.cloudfront.net/*"]]) {
      const r = await runCli(command);
      assertRefused(r, /^error: no signing key found: /);
      let at = -1;
      for (const [i, source] of KEY_SOURCES.entries()) {
        const next = r.stderr.indexOf(`${i + 1}. ${source.usage}`, at + 1);
        assert.ok(next > at, `${command[0]}: "${i + 1}. ${source.usage}" after the previous source in: ${r.stderr}`);
        at = next;
      }
      for (const option of ["--outputs-file F", "--stack S"]) assert.ok(r.stderr.includes(option), `${command[0]}: names ${option}`);
    }
  });
});
