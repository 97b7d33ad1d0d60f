// The local edge's request log keeps what helps debugging and never a working signature.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { startEdge, type RunningEdge } from "../scripts/edge/server";
import { cloudFrontCookiesForLog, redactSignatures } from "../scripts/edge/logRedaction";
import { CloudFrontSigner } from "../signer/src/lib/signer";
import { get } from "./helpers/http";

describe("local edge log: signatures redacted, the rest kept", function () {
  this.timeout(30_000);
  const lines: string[] = [];
  let edge: RunningEdge;
  let signer: CloudFrontSigner;

  before(async () => {
    edge = await startEdge({ port: 0, log: (line) => lines.push(line) });
    signer = new CloudFrontSigner({ keyPairId: edge.keyPairId as string, privateKey: fs.readFileSync(edge.privateKeyFile as string) });
  });
  after(async () => {
    await edge?.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  /** The one log line of the last request (the edge logs after answering). */
  async function logged(url: string, headers: Record<string, string> = {}): Promise<{ status: number; line: string }> {
    const r = await get(url, { headers });
    // The edge writes the line once its side of the response is done, which can be after the client has it.
    for (let i = 0; i < 500 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(lines.length, 1, lines.join("\n"));
    return { status: r.status, line: lines.pop() as string };
  }

  it("a signed URL: path, Expires and Key-Pair-Id logged; the Signature value is not", async () => {
    const signed = signer.signUrl(`${edge.url}/private/cat.jpeg`, { expires: "10m" });
    const signature = new URL(signed.url).searchParams.get("Signature") as string;
    const { status, line } = await logged(signed.url);
    assert.equal(status, 200);
    assert.match(line, new RegExp(`^GET /private/cat\\.jpeg\\?Expires=${signed.expires}&Signature=\\[redacted\\]&Key-Pair-Id=${edge.keyPairId} -> 200 signed url ${edge.keyPairId}$`));
    assert.ok(!line.includes(signature.slice(0, 16)), line);
  });

  it("a custom-policy URL refused (tampered): the Policy stays for debugging, the signature goes", async () => {
    const signed = signer.signUrl(`${edge.url}/private/cat.jpeg`, { expires: "10m", policyResource: `${edge.url}/private/*` });
    const params = new URL(signed.url).searchParams;
    const signature = params.get("Signature") as string;
    const tampered = signed.url.replace(`Signature=${signature}`, `Signature=${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`);
    const { status, line } = await logged(tampered);
    assert.equal(status, 403);
    assert.ok(line.includes(`Policy=${params.get("Policy")}`), line);
    assert.match(line, /&Signature=\[redacted\]&/);
    assert.ok(!line.includes(signature.slice(1, 17)), line);
    assert.match(line, / -> 403 AccessDenied /);
  });

  it("signed cookies: the CloudFront-* cookies are logged with CloudFront-Signature redacted; other cookies are not logged", async () => {
    const { cookies } = signer.signCookies(`${edge.url}/private/*`, { expires: "10m" });
    const header = [`session=APP-SESSION-SECRET`, ...Object.entries(cookies).map(([k, v]) => `${k}=${v}`)].join("; ");
    const { status, line } = await logged(`${edge.url}/private/notes.txt`, { Cookie: header });
    assert.equal(status, 200);
    assert.ok(line.includes(`CloudFront-Policy=${cookies["CloudFront-Policy"]}`), line);
    assert.ok(line.includes(`CloudFront-Key-Pair-Id=${edge.keyPairId}`), line);
    assert.ok(line.includes("CloudFront-Signature=[redacted]"), line);
    assert.ok(!line.includes(cookies["CloudFront-Signature"].slice(0, 16)), line);
    assert.doesNotMatch(line, /APP-SESSION-SECRET|session=/);
    assert.match(line, new RegExp(`^GET /private/notes\\.txt -> 200 signed cookie ${edge.keyPairId} \\[cookies: CloudFront-`));
  });

  it("every occurrence and spelling of a signature in a line", () => {
    assert.equal(
      redactSignatures("GET /a?Signature=abc&x=1&signature=def&Signature=ghi#f -> 403 (Signature is not CloudFront base64)"),
      "GET /a?Signature=[redacted]&x=1&signature=[redacted]&Signature=[redacted]#f -> 403 (Signature is not CloudFront base64)",
    );
    assert.equal(
      redactSignatures("cookies CloudFront-Policy=eyJ; CloudFront-Signature=abc~def_; CloudFront-Key-Pair-Id=K1"),
      "cookies CloudFront-Policy=eyJ; CloudFront-Signature=[redacted]; CloudFront-Key-Pair-Id=K1",
    );
    assert.equal(redactSignatures("GET /a?MySignature=keep&Expires=1"), "GET /a?MySignature=keep&Expires=1");
    assert.equal(cloudFrontCookiesForLog("a=b; c=d"), "");
    assert.equal(cloudFrontCookiesForLog(undefined), "");
  });
});
