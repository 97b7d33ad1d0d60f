import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { InputError } from "../lib/errors";
import type { AsyncCloudFrontSigner } from "../lib/asyncSigner";
import type { CloudFrontSigner } from "../lib/signer";
import type { StackOutputs } from "../lib/stackOutputs";
import { jsonText, quoteInput, terminalText } from "../lib/terminal";
import { parseCommandArgs } from "./args";
import type { CliCommand, CliIo } from "./io";
import { KEY_SOURCE_HELP } from "./keySourceHelp";
import { KEY_SOURCE_ARGS } from "./keySources";
import { prepareSigning } from "./signArgs";

const HELP = `Usage: cf-sign probe --public /index.html --private /private/cat.jpeg [options]

Checks a deployed distribution (or the local edge) after pulumi up, with real requests: the public file
is served (200); the private file is refused unsigned (403), served with a signed URL (200) and with
signed cookies (200); an expired URL, a tampered signature and an unknown key pair id are refused (403);
and the encoded-path attempts (/private%2F..., /%70rivate/..., /x/../private/...) never return the
private file's bytes. One row per request; exit 0 only when every row is as expected, 1 otherwise,
2 on bad input. It sends only these GET requests, one at a time, each with a timeout.

Options:
  --public PATH          a public file of the distribution (e.g. /index.html)
  --private PATH         a file under a protected path pattern (e.g. /private/cat.jpeg)
  --base-url URL         where to send the requests (default: the stack's baseUrl output); https://,
                         or http:// for a loopback address (the local edge: npm run edge)
  --timeout SECONDS      per request (default 10, at most 120)
  --json                 print {baseUrl, ok, rows: [...]} instead of the table

${KEY_SOURCE_HELP}
`;

const ARGS = {
  public: { type: "string" },
  private: { type: "string" },
  "base-url": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  ...KEY_SOURCE_ARGS,
} as const;

/** Bodies are read up to this size: enough to recognise the private file without downloading a video. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A key pair id no key group has: CloudFront must answer InvalidKey. */
const UNKNOWN_KEY_PAIR_ID = "KPROBEUNKNOWN1";

interface ProbeResponse {
  status: number;
  /** the CloudFront/S3 error code from an XML body */
  code?: string;
  body: Buffer;
  /** the body was longer than MAX_BODY_BYTES */
  truncated: boolean;
  contentLength?: string;
}

export interface ProbeRow {
  check: string;
  method: "GET";
  path: string;
  expected: string;
  got: string;
  ok: boolean;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

/** scheme://host[:port] with no path, query or fragment; http:// only for loopback. */
function parseBaseUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${field}: ${quoteInput(text)} is not a URL; give e.g. https://d111111abcdef8.cloudfront.net`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new InputError(`${field}: ${quoteInput(text)} has more than a scheme and host; give only scheme and host (and port), e.g. https://cdn.example.com`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new InputError(`${field}: ${quoteInput(text)} is not loopback; http:// is for a loopback address (the local edge); use https:// for a distribution`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new InputError(`${field}: ${quoteInput(text)} is not http(s); use https:// (or http:// for loopback)`);
  return url;
}

/** The stack's baseUrl output (without trailing slashes); without one, the error names --base-url. */
function baseUrlOutput(outputs: StackOutputs | undefined, source: string): string {
  const baseUrl = outputs?.baseUrl;
  if (typeof baseUrl === "string" && baseUrl !== "") return baseUrl.replace(/\/+$/, "");
  const fix = "give --base-url URL (e.g. https://d111111abcdef8.cloudfront.net, or http://127.0.0.1:8787 for the local edge)";
  if (outputs !== undefined) throw new InputError(`probe: ${source} has no baseUrl output to send the requests to: ${fix}`);
  throw new InputError(`probe: no base URL to send the requests to: ${fix}, or --outputs-file F whose baseUrl output names the distribution`);
}

/** A request path the probe can build variants of: /segment/.../file, plain characters only. */
function checkPath(value: string | undefined, field: string, example: string): string {
  if (value === undefined) throw new InputError(`probe: ${field} PATH is required, e.g. ${field} ${example}`);
  if (!/^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(value) || /\/\.{1,2}(\/|$)/.test(value) || value.includes("%")) {
    throw new InputError(`${field}: ${quoteInput(value)} is not a plain path; give a plain path such as ${example} (no query, no percent-encoding, no dot segments)`);
  }
  return value;
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 10_000;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0 || Number(text) > 120) {
    throw new InputError(`--timeout: ${quoteInput(text, { max: 20 })} is not a number of seconds; give seconds between 1 and 120`);
  }
  return Math.round(Number(text) * 1000);
}

/** One GET exactly as written (the path is not normalised), no redirects followed, bounded in time and size. */
function request(base: URL, path: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeResponse> {
  const client = base.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ""),
        port: base.port || undefined,
        method: "GET",
        path,
        headers: { "User-Agent": "cf-sign-probe", Accept: "*/*", ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on("data", (chunk: Buffer) => {
          if (truncated) return;
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            truncated = true;
            chunks.push(chunk.subarray(0, chunk.length - (size - MAX_BODY_BYTES)));
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
        });
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          const body = Buffer.concat(chunks);
          const type = String(res.headers["content-type"] ?? "");
          const code = /xml/.test(type) ? /<Code>([^<]{1,64})<\/Code>/.exec(body.toString("utf8"))?.[1] : undefined;
          const contentLength = res.headers["content-length"];
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, code, body, truncated, contentLength });
        };
        res.on("end", finish);
        res.on("error", (error) => (done ? undefined : reject(error)));
      },
    );
    // One deadline for the whole exchange: an idle-socket timeout alone lets a server that trickles bytes hold a row for hours.
    const deadline = setTimeout(() => {
      reject(new Error(`no complete answer within ${timeoutMs / 1000}s`));
      req.destroy();
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    req.end();
  });
}

function describe(r: ProbeResponse): string {
  return `${r.status}${r.code ? ` ${r.code}` : ""}`;
}

/** /private%2Fcat.jpeg, /%70rivate/cat.jpeg, /%70rivate%2Fcat.jpeg, /x/../private/cat.jpeg */
export function encodedVariants(privatePath: string): [string, string][] {
  const variants: [string, string][] = [];
  const second = privatePath.indexOf("/", 1);
  if (second > 0) variants.push(["encoded slash", `${privatePath.slice(0, second)}%2F${privatePath.slice(second + 1)}`]);
  const first = privatePath[1];
  if (/^[A-Za-z0-9]$/.test(first)) {
    const encoded = `/%${first.charCodeAt(0).toString(16).toUpperCase()}${privatePath.slice(2)}`;
    variants.push(["encoded letter", encoded]);
    const slash = encoded.indexOf("/", 1);
    if (slash > 0) variants.push(["encoded letter and slash", `${encoded.slice(0, slash)}%2F${encoded.slice(slash + 1)}`]);
  }
  variants.push(["dot segment", `/x/..${privatePath}`]);
  return variants;
}

function sameBytes(a: ProbeResponse, b: ProbeResponse): boolean {
  return a.truncated === b.truncated && a.body.equals(b.body) && (a.contentLength === undefined || b.contentLength === undefined || a.contentLength === b.contentLength);
}

/** Runs the probe matrix against `base`; never throws for a network failure (the row says it). */
export async function probe(
  base: URL,
  publicPath: string,
  privatePath: string,
  // A local key signs synchronously, a KMS key asynchronously: every signature is awaited.
  signer: CloudFrontSigner | AsyncCloudFrontSigner,
  options: { timeoutMs: number; now?: Date },
): Promise<ProbeRow[]> {
  const origin = `${base.protocol}//${base.host}`;
  const now = options.now ?? new Date();
  const epoch = Math.floor(now.getTime() / 1000);
  const rows: ProbeRow[] = [];
  const pathOf = (url: string): string => url.slice(origin.length);
  const show = (url: string): string => {
    const p = pathOf(url);
    return p.length > 70 ? `${p.slice(0, 67)}...` : p;
  };
  const send = async (path: string, headers: Record<string, string> = {}): Promise<ProbeResponse | string> => {
    try {
      return await request(base, path, headers, options.timeoutMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return `error: ${code ?? (error instanceof Error ? error.message : String(error))}`;
    }
  };
  const check = async (name: string, url: string, expected: number, headers: Record<string, string> = {}, shown = show(url)): Promise<ProbeResponse | undefined> => {
    const r = await send(pathOf(url), headers);
    const got = typeof r === "string" ? r : describe(r);
    rows.push({ check: name, method: "GET", path: shown, expected: String(expected), got, ok: typeof r !== "string" && r.status === expected });
    return typeof r === "string" ? undefined : r;
  };

  const privateUrl = `${origin}${privatePath}`;
  await check("public file", `${origin}${publicPath}`, 200);
  await check("private file, unsigned", privateUrl, 403);
  const signed = (await signer.signUrl(privateUrl, { expires: epoch + 300, now })).url;
  const served = await check("signed URL", signed, 200, {}, `${privatePath}?Expires=…&Signature=…&Key-Pair-Id=${signer.keyPairId}`);
  const privateBytes = served && served.status === 200 ? served : undefined;
  const expired = (await signer.signUrl(privateUrl, { expires: epoch - 60, now: new Date((epoch - 3600) * 1000) })).url;
  await check("expired signed URL", expired, 403, {}, `${privatePath}?Expires=<1 min ago>...`);
  const tampered = signed.replace(/([?&]Signature=)(.)/, (_m, prefix: string, c: string) => `${prefix}${c === "A" ? "B" : "A"}`);
  await check("tampered signature", tampered, 403, {}, `${privatePath}?...Signature=<1 char changed>`);
  const unknown = signed.replace(/([?&]Key-Pair-Id=)[^&]*/, `$1${UNKNOWN_KEY_PAIR_ID}`);
  await check("unknown key pair id", unknown, 403, {}, `${privatePath}?...Key-Pair-Id=${UNKNOWN_KEY_PAIR_ID}`);
  const folder = privatePath.slice(0, privatePath.lastIndexOf("/") + 1);
  const cookies = (await signer.signCookies(`${origin}${folder}*`, { expires: epoch + 300, now })).cookies;
  const cookieHeader = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
  await check("signed cookies", privateUrl, 200, { Cookie: cookieHeader }, `${privatePath} + cookies for ${folder}*`);

  for (const [name, path] of encodedVariants(privatePath)) {
    const r = await send(path);
    let got: string;
    let ok: boolean;
    if (typeof r === "string") {
      got = r;
      ok = false;
    } else if (r.status >= 200 && r.status < 300) {
      // Without the private bytes to compare (the signed URL failed), any success is suspect.
      const leaked = privateBytes === undefined || sameBytes(r, privateBytes);
      got = leaked ? `${r.status} (the private file's bytes)` : `${r.status} (other bytes)`;
      ok = !leaked;
    } else {
      got = describe(r);
      ok = true;
    }
    rows.push({ check: `${name}, unsigned`, method: "GET", path, expected: "not the private bytes", got, ok });
  }
  return rows;
}

function formatRows(base: string, rows: ProbeRow[]): string {
  const header = ["", "check", "request", "expected", "got"];
  const table = rows.map((r) => [r.ok ? "✓" : "✗", r.check, `${r.method} ${r.path}`, r.expected, r.got].map((cell) => terminalText(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  const passed = rows.filter((r) => r.ok).length;
  return [
    `probe ${terminalText(base)}`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...table.map(line),
    "",
    `${passed}/${rows.length} as expected`,
    "",
  ].join("\n");
}

export const run: CliCommand = async (argv: string[], io: CliIo) => {
  const { values } = parseCommandArgs("probe", argv, ARGS, 0);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const publicPath = checkPath(values.public, "--public", "/index.html");
  const privatePath = checkPath(values.private, "--private", "/private/cat.jpeg");
  if (publicPath === privatePath) throw new InputError("probe: --public and --private must be different files");
  const timeoutMs = parseTimeout(values.timeout);
  // The key the stack's signer uses (or --generation's: the rotation canary), from the same sources as cf-sign url.
  const { signer, stackOutputs, outputsSource } = await prepareSigning(values, io);
  const base =
    values["base-url"] !== undefined
      ? parseBaseUrl(values["base-url"], "--base-url")
      : parseBaseUrl(baseUrlOutput(stackOutputs(), outputsSource), "baseUrl output");
  const rows = await probe(base, publicPath, privatePath, signer, { timeoutMs });
  const ok = rows.every((r) => r.ok);
  const origin = `${base.protocol}//${base.host}`;
  io.out(values.json ? `${jsonText({ baseUrl: origin, ok, rows }, 2)}\n` : formatRows(origin, rows));
  return ok ? 0 : 1;
};
