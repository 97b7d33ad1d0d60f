// The start banner of `npm run edge` prints ready cf-sign commands; each one is run here exactly as printed
// (shell words, placeholders filled in) against the edge that printed it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { runCli, type CliResult } from "./helpers/cli";
import { startEdgeProcess } from "./helpers/edgeProcess";
import { testKeys } from "./helpers/verifyKeys";

/** Splits a command line as a POSIX shell would, for the forms the banner prints: words, '...' and \' (quote() in scripts/edge/main.ts). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      assert.ok(close > i, `unterminated quote in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, close);
      i = close;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else {
      assert.doesNotMatch(c, /["$`]/, `a shell character the banner should not need: ${line}`);
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The banner line `label: ...` as cf-sign arguments, with the environment assignments that precede `npm run`. */
function command(banner: string, label: string): { env: Record<string, string>; args: string[] } {
  const line = new RegExp(`^  ${label}: +(.*)$`, "m").exec(banner)?.[1];
  assert.ok(line, `the banner has a "${label}:" line:\n${banner}`);
  const words = shellWords(line);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = (words.shift() as string).split("=");
    env[name] = value.join("=");
  }
  assert.deepEqual(words.slice(0, 4), ["npm", "run", "-s", "sign"], line);
  assert.equal(words[4], "--", line);
  return { env, args: words.slice(5) };
}

function fill(args: string[], signedUrl: string): string[] {
  assert.ok(args.includes("<signed url>"), args.join(" "));
  return args.map((a) => (a === "<signed url>" ? signedUrl : a));
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what}: exit ${result.code}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe("npm run edge: the banner's ready commands, run as printed", function () {
  this.timeout(60_000);

  it("dev key: sign a URL, then probe, verify and inspect pass against this edge", async () => {
    const { child, banner } = await startEdgeProcess(["--port", "0", "--quiet"]);
    try {
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1];
      const probe = command(banner, "probe");
      assert.deepEqual(probe.env, {});
      assert.deepEqual(probe.args.slice(0, 7), ["probe", "--base-url", base, "--public", "/index.html", "--private", "/private/cat.jpeg"]);
      const probed = ok(await runCli(probe.args), "probe");
      assert.match(probed, /\n11\/11 as expected\n/);

      const sign = command(banner, "sign a URL");
      const signedUrl = ok(await runCli(sign.args), "sign a URL").trim();
      assert.ok(signedUrl.startsWith(`${base}/private/cat.jpeg?`), signedUrl);

      const verified = ok(await runCli(fill(command(banner, "verify").args, signedUrl)), "verify");
      assert.match(verified, /^OK/);

      const inspect = command(banner, "inspect");
      assert.deepEqual(inspect.args, ["inspect", "<signed url>", "--protected", "/private/*"]);
      const inspected = ok(await runCli(fill(inspect.args, signedUrl)), "inspect");
      assert.match(inspected, new RegExp(`resource +${base.replace(/\./g, "\\.")}/private/cat\\.jpeg\\n`));
      assert.match(inspected, /no problems found/);
      assert.ok(banner.trimEnd().split("\n").pop()!.startsWith("  inspect:"), "inspect is the banner's last line");
    } finally {
      await stop(child);
    }
  });

  it("--tls: the probe line tells cf-sign to trust the throwaway certificate, and passes", async () => {
    const { child, banner } = await startEdgeProcess(["--tls", "--port", "0", "--quiet"], /\n  tls .*\n/);
    try {
      const probe = command(banner, "probe");
      const certFile = /\n  tls .*\((\S+\.pem);/.exec(banner)?.[1];
      assert.ok(certFile, banner);
      assert.deepEqual(probe.env, { NODE_EXTRA_CA_CERTS: certFile });
      assert.match(probe.args[2], /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(ok(await runCli(probe.args, { env: probe.env }), "probe over https"), /\n11\/11 as expected\n/);
    } finally {
      await stop(child);
    }
  });

  it("--outputs-file: every command takes the key and the patterns from that file", async () => {
    const keys = testKeys();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-banner-"));
    const outputsFile = path.join(dir, "outputs.json");
    fs.writeFileSync(
      outputsFile,
      JSON.stringify({
        baseUrl: "https://d111111abcdef8.cloudfront.net",
        keyPairId: keys.rsa.keyPairId,
        privateKeyPem: keys.rsa.privateKeyPem,
        keyPairIds: { "2026-01": keys.rsa.keyPairId },
        publicKeyPems: { "2026-01": keys.rsa.publicKeyPem },
        protectedPaths: ["/private/*"],
        pathGuardFunctionArn: "arn:aws:cloudfront::123456789012:function/site-guard",
      }),
      { mode: 0o600 },
    );
    const { child, banner } = await startEdgeProcess(["--port", "0", "--quiet", "--outputs-file", outputsFile]);
    try {
      assert.doesNotMatch(banner, /private key /);
      const probe = command(banner, "probe");
      assert.deepEqual(probe.args.slice(-2), ["--outputs-file", outputsFile]);
      assert.match(ok(await runCli(probe.args), "probe"), /\n11\/11 as expected\n/);
      const signedUrl = ok(await runCli(command(banner, "sign a URL").args), "sign a URL").trim();
      assert.match(ok(await runCli(fill(command(banner, "verify").args, signedUrl)), "verify"), /^OK/);
      const inspect = command(banner, "inspect");
      assert.deepEqual(inspect.args, ["inspect", "<signed url>", "--outputs-file", outputsFile]);
      ok(await runCli(fill(inspect.args, signedUrl)), "inspect");
    } finally {
      await stop(child);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the banner's quoting like a shell", () => {
    assert.deepEqual(shellWords("a 'b c' d'e'f 'it'\\''s'"), ["a", "b c", "def", "it's"]);
    assert.deepEqual(shellWords("npm run -s sign -- cookies 'http://x/private/*' --x"), ["npm", "run", "-s", "sign", "--", "cookies", "http://x/private/*", "--x"]);
  });
});
