import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { pipeline } from "node:stream";
import * as mime from "mime-types";
import { InputError } from "../lib/errors";
import type { KeyAlgorithm } from "../lib/keys";
import { parseCookieHeader } from "../lib/signedRequest";
import { errorXml, trustedKey, verifyRequest, type TrustedKeys } from "../lib/verifier";
import { buildBehaviors, DEFAULT_PROTECTED_PATHS, matchBehavior, type BehaviorTable } from "./behaviors";
import { corsHeaders, validateCorsPolicy, type CorsPolicy } from "./cors";
import { generateDevKeyPair, type DevKeyPair } from "./devKey";
import { normalizeRequestPath, parseRange, resolveFile } from "./paths";

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

/** "/a/b.txt" for a file under the (real) root, as a request path. */
function rootRelativePath(realRoot: string, file: string): string {
  return `/${path.relative(realRoot, file).split(path.sep).join("/")}`;
}

/** Header values must be latin-1 without control characters; keep the explanation readable but safe. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 1000);
}

interface EdgeState {
  realRoot: string;
  behaviors: BehaviorTable;
  trustedKeys: TrustedKeys;
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
  // The Host header becomes part of the URL the credentials are checked against: only host[:port].
  const host = (req.headers.host ?? `127.0.0.1:${state.port}`).toLowerCase();
  if (!HOST_HEADER.test(host)) {
    sendXml(req, res, 400, errorXml("InvalidArgument", "The Host header must be host[:port]"));
    return "400 bad Host header";
  }
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const normalized = normalizeRequestPath(rawPath);
  if (!normalized.ok) {
    sendXml(req, res, 400, errorXml("InvalidURI", `Could not parse the specified URI: ${xmlEscape(normalized.reason)}`));
    return `400 ${normalized.reason}`;
  }
  // Behaviours match the decoded, normalised path, the same one the file lookup uses, so an encoded
  // or dot-segment spelling of a protected path cannot select an unprotected behaviour.
  const behavior = matchBehavior(state.behaviors, normalized.path);
  let via = "";
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
  // The credentials cover the path as sent. CloudFront forwards that raw path to the origin, where
  // dot or empty segments name no object; resolving them here would serve a file the credentials
  // never covered (/private/reports/../cat.jpeg with a /private/reports/* cookie).
  let refused: string | undefined;
  if (behavior.protected && normalized.rewritten) {
    refused = `dot or empty segments in a protected path: the credentials were checked for the path as sent, not for ${normalized.path}; request ${normalized.path} itself`;
  }
  let resolved = refused === undefined ? await resolveFile(state.realRoot, normalized.path) : undefined;
  // The file's own location must not need more than the behaviour checked: a symlink, or a
  // case-insensitive file system (/PRIVATE/cat.jpeg finds private/cat.jpeg), must not let a public
  // path serve a protected file. (S3 keys are case-sensitive and have no links.)
  if (resolved && !behavior.protected && matchBehavior(state.behaviors, rootRelativePath(state.realRoot, resolved.file)).protected) {
    resolved = undefined;
    refused = "the file lives under a protected path pattern (reached through a symlink or another letter case); request it by its own path";
  }
  if (!resolved) {
    const key = normalized.path.slice(1);
    sendXml(
      req,
      res,
      404,
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${NOT_FOUND_CODE}</Code><Message>The specified key does not exist.</Message><Key>${xmlEscape(key)}</Key></Error>`,
      { "X-Edge-Behavior": headerSafe(behavior.pathPattern), ...(refused ? { "X-Edge-Detail": headerSafe(refused) } : {}) },
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
  for (const pattern of protectedPaths) {
    if (pattern === "" || /[\s]/.test(pattern)) {
      throw new InputError(`protected path pattern "${pattern}" is empty or has whitespace; use e.g. /private/*`);
    }
  }
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

  const state: EdgeState = {
    realRoot,
    behaviors: buildBehaviors(protectedPaths, protectDefaultBehavior),
    trustedKeys,
    now: options.now ?? (() => new Date()),
    log: options.log,
    port: 0,
    scheme: options.tls ? "https" : "http",
    cors: options.cors && validateCorsPolicy(options.cors),
  };

  const serverOptions = { maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE, keepAliveTimeout: 5000 };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      handle(state, req, res).then(
        (summary) => state.log?.(`${req.method} ${headerSafe(req.url ?? "")} -> ${summary}`),
        (error: unknown) => {
          // Never let one request take the server down.
          state.log?.(`${req.method} ${headerSafe(req.url ?? "")} -> 500 ${error instanceof Error ? error.message : String(error)}`);
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
