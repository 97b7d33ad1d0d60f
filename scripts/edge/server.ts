import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { pipeline } from "node:stream";
import * as mime from "mime-types";
import { PathGuardError, pathGuardSource } from "../../components/pathGuard";
import { InputError } from "../../signer/src/lib/errors";
import type { KeyAlgorithm } from "../../signer/src/lib/keys";
import { pathPatternProblem } from "../../signer/src/lib/pathPattern";
import { parseCookieHeader } from "../../signer/src/lib/signedRequest";
import { escapeControl } from "../../signer/src/lib/terminal";
import { errorXml, trustedKey, verifyRequest, type TrustedKeys } from "../../signer/src/lib/verifier";
import { buildBehaviors, DEFAULT_PROTECTED_PATHS, matchBehavior, type BehaviorTable } from "../../signer/src/lib/behaviors";
import { CloudFrontFunction, MIN_WALL_CLOCK_LIMIT_MS, viewerRequestEvent, type FunctionResponse } from "../../signer/src/lib/cloudfrontFunction";
import { corsHeaders, validateCorsPolicy, type CorsPolicy } from "./cors";
import { generateDevKeyPair, type DevKeyPair } from "./devKey";
import { cloudFrontCookiesForLog, redactSignatures } from "./logRedaction";
import { normalizeRequestPath, objectKeyFor, parseRange, resolveObjectKey } from "../../signer/src/lib/paths";

/** Node's default; CloudFront's own limit on all headers is about 20 KB. Larger -> 431. */
const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

export interface EdgeOptions {
  /** Folder served (default: the repo's sample/site). */
  root?: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8787. */
  port?: number;
  /** Ordered protected path patterns (default ["/private/*"]). */
  protectedPaths?: readonly string[];
  protectDefaultBehavior?: boolean;
  /**
   * Run the path guard CloudFront Function (generated from protectedPaths, as the stack deploys it) on the
   * behaviours that need no signature. Default true; false reproduces a distribution without it.
   */
  pathGuard?: boolean;
  /** The key group trusted by protected behaviours. Without it a throwaway dev key pair is generated. */
  trustedKeys?: TrustedKeys;
  /** Describes where trustedKeys came from, for the start banner. */
  keySource?: string;
  /** Algorithm of the throwaway dev key (default RSA 2048). */
  devKeyAlgorithm?: KeyAlgorithm;
  /** Parent directory for the dev key's 0600 file (default: the OS temp dir). */
  devKeyDir?: string;
  /** Clock used for the time conditions (tests). */
  now?: () => Date;
  maxHeaderSize?: number;
  /** Serve HTTPS with this certificate (e.g. tlsCert.ts throwawayCertificate), so Secure cookies behave as on CloudFront. */
  tls?: { key: string; cert: string };
  /** The CORS settings of a response headers policy on every behaviour (e.g. for a page's fetch() with cookies). */
  cors?: CorsPolicy;
  /** Called with one line per request (method, path, status, code). */
  log?: (line: string) => void;
}

export interface RunningEdge {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  root: string;
  protectedPaths: string[];
  protectDefaultBehavior: boolean;
  /** True when the path guard runs on the unprotected behaviours (enabled, and something is unprotected). */
  pathGuard: boolean;
  /** The key pair ids trusted by protected behaviours. */
  trustedKeyPairIds: string[];
  keySource: string;
  /** Set when a throwaway dev key was generated. */
  keyPairId?: string;
  privateKeyFile?: string;
  publicKeyFile?: string;
  keyAlgorithm?: KeyAlgorithm;
  close(): Promise<void>;
}

/** The repo root (where package.json is), from this file's location in scripts/ or dist/scripts/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "sample"))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export function defaultRoot(): string {
  return path.join(packageRoot(), "sample", "site");
}

const NOT_FOUND_CODE = "NoSuchKey";
/** host or host:port (names, IPv4, bracketed IPv6); anything else in Host would change the checked URL. */
const HOST_HEADER = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Header values must be latin-1 without control characters; keep the explanation readable but safe. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 1000);
}

interface EdgeState {
  realRoot: string;
  behaviors: BehaviorTable;
  trustedKeys: TrustedKeys;
  /** The path guard function, on the unprotected behaviours. */
  guard?: CloudFrontFunction;
  requests: number;
  now: () => Date;
  log?: (line: string) => void;
  port: number;
  scheme: "http" | "https";
  cors?: CorsPolicy;
}

function sendXml(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const buffer = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "Content-Type": "text/xml",
    "Content-Length": String(buffer.length),
    Server: "cf-local-edge",
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : buffer);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A response a CloudFront Function generated, with the headers CloudFront adds to one. */
function sendFunctionResponse(req: http.IncomingMessage, res: http.ServerResponse, response: FunctionResponse): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (HEADER_NAME.test(name) && name !== "content-length" && name !== "transfer-encoding") headers[name] = headerSafe(value);
  }
  res.writeHead(response.statusCode, headerSafe(response.statusDescription ?? http.STATUS_CODES[response.statusCode] ?? ""), {
    ...headers,
    "Content-Length": String(response.body.length),
    Server: "cf-local-edge",
    "X-Cache": "FunctionGeneratedResponse from cloudfront",
    "X-Edge-Check": "path-guard",
  });
  res.end(req.method === "HEAD" ? undefined : response.body);
}

async function handle(state: EdgeState, req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
  for (const [name, value] of Object.entries(corsHeaders(state.cors, req.headers.origin))) res.setHeader(name, value);
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    sendXml(req, res, 405, errorXml("MethodNotAllowed", "The local edge allows GET and HEAD only"), { Allow: "GET, HEAD" });
    return "405";
  }
  const target = req.url ?? "/";
  // A fragment never travels in a request; the verifier would drop it while the file lookup kept it.
  if (target.includes("#")) {
    sendXml(req, res, 400, errorXml("InvalidURI", "Could not parse the specified URI: a # must be percent-encoded (%23)"));
    return "400 # in the request target";
  }
  // RFC 9112 §3.2: more than one Host header is a bad request (Node keeps only the first).
  if (req.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === "host").length > 1) {
    sendXml(req, res, 400, errorXml("InvalidArgument", "More than one Host header"));
    return "400 more than one Host header";
  }
  // The Host header becomes part of the URL the credentials are checked against: only host[:port].
  const host = (req.headers.host ?? `127.0.0.1:${state.port}`).toLowerCase();
  if (!HOST_HEADER.test(host)) {
    sendXml(req, res, 400, errorXml("InvalidArgument", "The Host header must be host[:port]"));
    return "400 bad Host header";
  }
  const q = target.indexOf("?");
  let rawPath = q < 0 ? target : target.slice(0, q);
  const normalized = normalizeRequestPath(rawPath);
  const decodable = normalized.ok ? objectKeyFor(rawPath) : normalized;
  if (!normalized.ok || !decodable.ok) {
    const reason = normalized.ok ? (decodable as { reason: string }).reason : normalized.reason;
    sendXml(req, res, 400, errorXml("InvalidURI", `Could not parse the specified URI: ${xmlEscape(reason)}`));
    return `400 ${reason}`;
  }
  // CloudFront chooses the behaviour by the RFC 3986-normalised path (%70 -> p, dot segments removed,
  // %2F kept encoded): /%70rivate/a and /x/../private/a need a signature, /private%2Fa does not.
  const behavior = matchBehavior(state.behaviors, normalized.path);
  let via = "";
  if (!behavior.protected && state.guard) {
    const requestId = `local-${++state.requests}`;
    const outcome = state.guard.run(viewerRequestEvent(req, target, host, requestId));
    if (outcome.kind === "response") {
      sendFunctionResponse(req, res, outcome.response);
      return `${outcome.response.statusCode} (path guard)`;
    }
    if (outcome.kind === "error") {
      sendXml(req, res, 503, errorXml("FunctionExecutionError", "The CloudFront function associated with the cache behavior could not run."));
      return `503 path guard failed: ${outcome.reason}`;
    }
    rawPath = outcome.uri;
  }
  if (behavior.protected) {
    const result = verifyRequest({
      url: `${state.scheme}://${host}${target}`,
      cookies: req.headers.cookie ? parseCookieHeader(req.headers.cookie) : undefined,
      ip: req.socket.remoteAddress,
      now: state.now(),
      trustedKeys: state.trustedKeys,
    });
    if (!result.ok) {
      sendXml(req, res, 403, errorXml(result.code, result.message), {
        "X-Cache": "Error from cloudfront",
        "X-Edge-Behavior": headerSafe(behavior.pathPattern),
        "X-Edge-Check": result.check,
        "X-Edge-Detail": headerSafe(result.detail),
      });
      return `403 ${result.code} (${result.check}: ${result.detail})`;
    }
    via = ` signed ${result.via} ${result.keyPairId}`;
  }
  // CloudFront forwards the raw path; S3 decodes it once into the key and takes it literally, so
  // /private/reports/../cat.jpeg names the key "private/reports/../cat.jpeg", which no upload creates.
  const key = objectKeyFor(rawPath);
  let resolved = key.ok ? await resolveObjectKey(state.realRoot, key.key) : undefined;
  let refused: string | undefined;
  // S3 has no links and is case-sensitive: a file reached under another name (a symlink, or another
  // letter case on a case-insensitive file system) must not let a public path serve a protected file.
  if (resolved && !behavior.protected && key.ok && resolved.realPath !== `/${key.key}` && matchBehavior(state.behaviors, resolved.realPath).protected) {
    resolved = undefined;
    refused = "the file lives under a protected path pattern (reached through a symlink or another letter case)";
  }
  if (!resolved) {
    // One answer for every missing key, whatever the reason: no header tells protected names apart.
    sendXml(
      req,
      res,
      404,
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${NOT_FOUND_CODE}</Code><Message>The specified key does not exist.</Message><Key>${xmlEscape(key.ok ? key.key : "")}</Key></Error>`,
      { "X-Edge-Behavior": headerSafe(behavior.pathPattern) },
    );
    return `404${via}${refused ? ` (${refused})` : ""}`;
  }
  const { file, stat } = resolved;
  const size = stat.size;
  const headers: Record<string, string> = {
    "Content-Type": mime.contentType(path.extname(file)) || "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Last-Modified": stat.mtime.toUTCString(),
    ETag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
    Server: "cf-local-edge",
    "X-Edge-Behavior": headerSafe(behavior.pathPattern),
  };
  // Conditional GET, as CloudFront forwards it: a matching ETag answers 304 without a body.
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((tag) => tag.trim() === headers.ETag || tag.trim() === "*")) {
    res.writeHead(304, headers);
    res.end();
    return `304${via}`;
  }
  // If-Range (a resumed download): the range only while the file is the one the client started on.
  const ifRange = req.headers["if-range"];
  const rangeHeader = ifRange === undefined || ifRange === headers.ETag || ifRange === headers["Last-Modified"] ? req.headers.range : undefined;
  const range = parseRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}`, "Content-Length": "0" });
    res.end();
    return `416${via}`;
  }
  let status = 200;
  let start = 0;
  let end = size - 1;
  if (range) {
    status = 206;
    start = range.start;
    end = range.end;
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["Content-Length"] = String(size === 0 ? 0 : end - start + 1);
  res.writeHead(status, headers);
  if (method === "HEAD" || size === 0) {
    res.end();
    return `${status}${via}`;
  }
  await new Promise<void>((resolve) => {
    pipeline(fs.createReadStream(file, { start, end }), res, () => resolve());
  });
  return `${status}${via}`;
}

/** Starts the local edge on 127.0.0.1. Resolves once listening; close() stops it and removes a dev key. */
export async function startEdge(options: EdgeOptions = {}): Promise<RunningEdge> {
  const root = path.resolve(options.root ?? defaultRoot());
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
    if (!fs.statSync(realRoot).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new InputError(`--root ${root}: not a readable directory; pass the folder to serve`);
  }
  const protectedPaths = [...(options.protectedPaths ?? DEFAULT_PROTECTED_PATHS)];
  // The stack config's rule (scripts/lib/pathPattern.ts), whatever the source: flags, outputs or a library caller.
  protectedPaths.forEach((pattern, index) => {
    const problem = pathPatternProblem(pattern);
    if (problem !== undefined) throw new InputError(`protectedPaths[${index}] ${problem}`);
  });
  const protectDefaultBehavior = options.protectDefaultBehavior ?? false;

  let devKey: DevKeyPair | undefined;
  let trustedKeys: TrustedKeys;
  let keySource: string;
  if (options.trustedKeys && Object.keys(options.trustedKeys).length > 0) {
    trustedKeys = options.trustedKeys;
    keySource = options.keySource ?? "given public keys";
    // Parse every key now: a bad key is a start-up error, not a 500 on the first signed request.
    for (const [id, material] of Object.entries(trustedKeys)) trustedKey(material, id);
  } else {
    devKey = generateDevKeyPair(options.devKeyAlgorithm ?? "RSA", options.devKeyDir);
    trustedKeys = { [devKey.keyPairId]: devKey.publicKeyPem };
    keySource = `throwaway dev key pair (${devKey.algorithm === "RSA" ? "RSA 2048" : "ECDSA P-256"})`;
  }

  // The very source the stack deploys, on the behaviours it is deployed on (none when nothing is unprotected).
  let guard: CloudFrontFunction | undefined;
  if ((options.pathGuard ?? true) && protectedPaths.length > 0 && !protectDefaultBehavior) {
    try {
      // Compiled once. Its work is bounded by its step budget: no per-request watchdog thread, only the
      // wall-clock safety net (a run over 50 ms answers 503, as CloudFront does for a function over its limit).
      guard = new CloudFrontFunction(pathGuardSource(protectedPaths), "path-guard.js", { timeoutMs: 0, wallClockLimitMs: MIN_WALL_CLOCK_LIMIT_MS });
    } catch (error) {
      devKey?.dispose();
      if (error instanceof PathGuardError) throw new InputError(`path guard: ${error.message} (or run with --no-path-guard)`);
      throw error;
    }
  }
  const log = options.log;
  const state: EdgeState = {
    realRoot,
    behaviors: buildBehaviors(protectedPaths, protectDefaultBehavior),
    trustedKeys,
    guard,
    requests: 0,
    now: options.now ?? (() => new Date()),
    // Request values reach the log: control characters are escaped so no one can forge a log line, and
    // signatures are redacted so no line is a working signed URL or cookie set.
    log: log ? (line) => log(escapeControl(redactSignatures(line))) : undefined,
    port: 0,
    scheme: options.tls ? "https" : "http",
    cors: options.cors && validateCorsPolicy(options.cors),
  };

  const serverOptions = { maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE, keepAliveTimeout: 5000 };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      // "METHOD target -> outcome", then the CloudFront-* cookies the request carried, if any.
      const cookies = (): string => headerSafe(cloudFrontCookiesForLog(req.headers.cookie));
      handle(state, req, res).then(
        (summary) => state.log?.(`${req.method} ${headerSafe(req.url ?? "")} -> ${summary}${cookies()}`),
        (error: unknown) => {
          // Never let one request take the server down.
          state.log?.(`${req.method} ${headerSafe(req.url ?? "")} -> 500 ${error instanceof Error ? error.message : String(error)}${cookies()}`);
          if (!res.headersSent) {
            sendXml(req, res, 500, errorXml("InternalError", "We encountered an internal error. Please try again."));
          } else {
            res.destroy();
          }
        },
      );
  };
  const server = options.tls ? https.createServer({ ...serverOptions, ...options.tls }, listener) : http.createServer(serverOptions, listener);
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  const port = options.port ?? 8787;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    devKey?.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new InputError(`--port ${port}: already in use; pass another port or --port 0 for a free one`);
    if (code === "EACCES") throw new InputError(`--port ${port}: not allowed; use a port above 1023`);
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  state.port = actualPort;
  let closed: Promise<void> | undefined;
  return {
    url: `${state.scheme}://127.0.0.1:${actualPort}`,
    port: actualPort,
    root: realRoot,
    protectedPaths,
    protectDefaultBehavior,
    pathGuard: guard !== undefined,
    trustedKeyPairIds: Object.keys(trustedKeys),
    keySource,
    keyPairId: devKey?.keyPairId,
    privateKeyFile: devKey?.privateKeyFile,
    publicKeyFile: devKey?.publicKeyFile,
    keyAlgorithm: devKey?.algorithm,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => devKey?.dispose());
      return closed;
    },
  };
}
