#!/usr/bin/env node
// `npm run edge`: the local CloudFront edge on 127.0.0.1 (see docs/verify-and-edge.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../../signer/src/lib/errors";
import type { KeyAlgorithm } from "../../signer/src/lib/keys";
import { loadStackOutputs, readOutputsFile, type StackOutputs } from "../../signer/src/lib/stackOutputs";
import { pathPatternMatches } from "../../signer/src/lib/behaviors";
import { readStackConfig, resolveProtected, trustedKeysFromOutputs } from "../../signer/src/cli/stackConfig";
import { defaultRoot, startEdge, type RunningEdge } from "./server";
import { throwawayCertificate } from "./tlsCert";

const HELP = `Usage: npm run edge -- [options]

A local CloudFront edge on 127.0.0.1: serves a folder, requires a valid signed URL or signed cookies
on the protected path patterns (first match wins), answers like CloudFront (403 XML, 404, Range, HEAD).

Options:
  --root DIR              folder to serve (default: sample/site)
  --port N                port on 127.0.0.1 (default 8787; 0 = a free port)
  --protected PATTERN     protected path pattern, repeatable, in order (e.g. --protected '/private/*')
  --protect-default       also protect the default behaviour (every other path)
  --no-path-guard         do not run the path guard CloudFront Function on the public behaviours
                          (reproduces a distribution without it: /private%2Fcat.jpeg serves a protected file)
  --outputs-file F        stack outputs JSON (pulumi stack output --json --show-secrets > F):
                          trusted keys from keyPairIds/publicKeyPems, patterns from protectedPaths
  --stack S               read Pulumi.S.yaml config (protectedPaths) and, with the Pulumi CLI, its outputs
  --key-pair-id ID --public-key-file FILE
                          trust this public key instead
  --key-algorithm RSA|ECDSA
                          algorithm of the throwaway dev key when no keys are given (default RSA)
  --tls                   serve HTTPS with a throwaway self-signed certificate made at start-up (key file
                          mode 0600, removed on exit), so Secure cookies behave as on CloudFront
  --tls-host NAME         a host name for that certificate, repeatable (default: localhost and 127.0.0.1)
  --cors-origin ORIGIN    answer CORS requests from ORIGIN with credentials allowed, repeatable, as a
                          CloudFront response headers policy would (e.g. https://app.example.com)
  --quiet                 no per-request log lines
  -h, --help              this help

Protected patterns come from, first found: --protected, the stack outputs, Pulumi.<stack>.yaml,
the default ["/private/*"]. Keys: --public-key-file, the stack outputs, else a throwaway dev key pair
whose private key is written to a 0600 file (never printed) and removed when the edge stops.
The path guard runs as the stack deploys it: on, unless --no-path-guard, stack outputs without
pathGuardFunctionArn (a stack deployed with pathGuard false) or, without outputs, Pulumi.<stack>.yaml
setting pathGuard false.`;

function parseEdgeArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        root: { type: "string" },
        port: { type: "string" },
        protected: { type: "string", multiple: true },
        "protect-default": { type: "boolean" },
        "no-path-guard": { type: "boolean" },
        "outputs-file": { type: "string" },
        stack: { type: "string" },
        "key-pair-id": { type: "string" },
        "public-key-file": { type: "string" },
        "key-algorithm": { type: "string" },
        quiet: { type: "boolean" },
        tls: { type: "boolean" },
        "tls-host": { type: "string", multiple: true },
        "cors-origin": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new InputError(`edge: ${message}; see npm run edge -- --help`);
  }
}

/** The first real file under the root (sorted, breadth first, bounded walk) whose request path passes `wanted`. */
function findFile(root: string, wanted: (requestPath: string) => boolean): string | undefined {
  const queue = [""];
  let seen = 0;
  while (queue.length > 0 && seen < 2000) {
    const dir = queue.shift() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      continue;
    }
    for (const entry of entries) {
      seen++;
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) queue.push(rel);
      else if (entry.isFile() && /^[A-Za-z0-9._~\/-]+$/.test(rel) && wanted(rel)) return rel;
    }
  }
  return undefined;
}

/** A real file under the root that a protected pattern covers. */
function protectedFile(root: string, patterns: readonly string[]): string | undefined {
  return findFile(root, (rel) => patterns.some((p) => pathPatternMatches(p, rel)));
}

function isFile(root: string, requestPath: string): boolean {
  try {
    return fs.statSync(path.join(root, requestPath)).isFile();
  } catch {
    return false;
  }
}

/** A real public file (index.html first) when the default behaviour is public, for probe's --public. */
function publicFile(edge: RunningEdge): string | undefined {
  if (edge.protectDefaultBehavior) return undefined;
  const isPublic = (rel: string): boolean => !edge.protectedPaths.some((p) => pathPatternMatches(p, rel));
  if (isPublic("/index.html") && isFile(edge.root, "/index.html")) return "/index.html";
  return findFile(edge.root, isPublic);
}

function samplePath(patterns: readonly string[], root?: string): string {
  if (patterns.some((p) => pathPatternMatches(p, "/private/cat.jpeg"))) return "/private/cat.jpeg";
  const found = root ? protectedFile(root, patterns) : undefined;
  if (found) return found;
  const first = patterns[0] ?? "/private/*";
  return (first.startsWith("/") ? first : `/${first}`).replace(/\*/g, "file").replace(/\?/g, "x");
}

function quote(text: string): string {
  return /^[A-Za-z0-9_\-./:=@]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * The guard runs as the stack deploys it: on, unless --no-path-guard, or stack outputs that describe a
 * stack (protectedPaths) have no pathGuardFunctionArn, i.e. it was deployed with pathGuard false, or
 * (without outputs) Pulumi.<stack>.yaml sets pathGuard false.
 */
function pathGuardWanted(noPathGuard: boolean, outputs: StackOutputs | undefined, stackFilePathGuard: boolean | undefined): boolean {
  if (noPathGuard) return false;
  if (outputs === undefined) return stackFilePathGuard !== false;
  return !(outputs.protectedPaths !== undefined && outputs.pathGuardFunctionArn === undefined);
}

function pathGuardLine(edge: RunningEdge, offBecause: string): string {
  if (edge.pathGuard) return "on (the stack's CloudFront Function, on the public default behaviour)";
  if (edge.protectDefaultBehavior || edge.protectedPaths.length === 0) return "not needed (nothing is protected, or the default behaviour is protected too)";
  return `OFF (${offBecause}): encoded paths such as /private%2F... reach protected files unsigned`;
}

/** Where the banner's commands find what the edge was started with. */
export interface BannerSources {
  /** --outputs-file F: the stack outputs the keys and patterns came from */
  outputsFile?: string;
  /** --stack S: the stack whose outputs the edge read with the Pulumi CLI */
  stack?: string;
  /** why the guard is off when it would be needed (the flag, or a stack deployed without it) */
  pathGuardOff?: string;
  /** --tls: the throwaway certificate, which cf-sign (Node) must be told to trust */
  caCertFile?: string;
}

export function banner(edge: RunningEdge, protectedSource: string, sources: BannerSources = {}): string {
  const lines = [
    `cf-sign local edge listening on ${edge.url}  (Ctrl-C to stop)`,
    `  serving     ${edge.root}`,
    `  protected   ${edge.protectedPaths.join(", ") || "(none)"}  [from ${protectedSource}; first match wins]`,
    `  default     ${edge.protectDefaultBehavior ? "protected" : "public"}`,
    `  path guard  ${pathGuardLine(edge, sources.pathGuardOff ?? "--no-path-guard")}`,
    `  keys        ${edge.keySource}; trusted key pair ids: ${edge.trustedKeyPairIds.join(", ")}`,
  ];
  const privatePath = samplePath(edge.protectedPaths, edge.root);
  const target = `${edge.url}${privatePath}`;
  // Where the signing key and the patterns come from for cf-sign: the dev key, else what the edge was given.
  let keyArgs: string;
  if (edge.privateKeyFile && edge.keyPairId) {
    lines.push(`  private key ${edge.privateKeyFile} (mode 0600, deleted on exit)`);
    keyArgs = ` --key-pair-id ${edge.keyPairId} --private-key-file ${quote(edge.privateKeyFile)}`;
  } else {
    keyArgs = sources.outputsFile ? ` --outputs-file ${quote(sources.outputsFile)}` : sources.stack ? ` --stack ${quote(sources.stack)}` : "";
  }
  lines.push(`  sign a URL:  npm run -s sign -- url ${quote(target)} --expires-in 1h${keyArgs}`);
  if (edge.privateKeyFile && edge.keyPairId) {
    const prefix = target.slice(0, target.lastIndexOf("/") + 1);
    // --format curl: arguments curl takes as they are (the default Set-Cookie lines are for an application).
    lines.push(`  cookies:     npm run -s sign -- cookies ${quote(`${prefix}*`)} --expires-in 1h --format curl${keyArgs}`);
  }
  // probe: real files on both sides (a public one, and one a protected pattern covers).
  const publicPath = publicFile(edge);
  const probedPrivate = isFile(edge.root, privatePath) ? privatePath : protectedFile(edge.root, edge.protectedPaths);
  if (publicPath !== undefined && probedPrivate !== undefined) {
    const trust = sources.caCertFile ? `NODE_EXTRA_CA_CERTS=${quote(sources.caCertFile)} ` : "";
    lines.push(
      `  probe:       ${trust}npm run -s sign -- probe --base-url ${edge.url} --public ${quote(publicPath)} --private ${quote(probedPrivate)}${keyArgs}`,
    );
  }
  const verifyArgs = edge.publicKeyFile && edge.keyPairId ? ` --key-pair-id ${edge.keyPairId} --public-key-file ${quote(edge.publicKeyFile)}` : keyArgs;
  lines.push(`  verify:      npm run -s sign -- verify '<signed url>'${verifyArgs}`);
  // inspect needs no key: the patterns make its wildcard warnings match this edge. Always the last line.
  const patternArgs = sources.outputsFile
    ? ` --outputs-file ${quote(sources.outputsFile)}`
    : edge.protectedPaths.map((p) => ` --protected ${quote(p)}`).join("");
  lines.push(`  inspect:     npm run -s sign -- inspect '<signed url>'${patternArgs}`);
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const args = parseEdgeArgs(argv);
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cwd = process.cwd();
  let port = 8787;
  if (args.port !== undefined) {
    if (!/^\d{1,5}$/.test(args.port) || Number(args.port) > 65535) {
      throw new InputError(`--port ${args.port}: not a port number; use 0-65535 (0 = a free port)`);
    }
    port = Number(args.port);
  }
  let keyAlgorithm: KeyAlgorithm = "RSA";
  if (args["key-algorithm"] !== undefined) {
    const a = args["key-algorithm"].toUpperCase();
    if (a !== "RSA" && a !== "ECDSA") throw new InputError(`--key-algorithm ${args["key-algorithm"]}: use RSA or ECDSA`);
    keyAlgorithm = a;
  }

  let outputs: StackOutputs | undefined;
  let outputsSource: string | undefined;
  if (args["outputs-file"] !== undefined) {
    outputs = readOutputsFile(path.resolve(cwd, args["outputs-file"]));
    outputsSource = `--outputs-file ${args["outputs-file"]}`;
  } else if (args.stack !== undefined) {
    outputs = loadStackOutputs({ stack: args.stack, cwd });
    outputsSource = `pulumi stack output --stack ${args.stack}`;
  }

  let trustedKeys: Record<string, string> | undefined;
  let keySource: string | undefined;
  if (args["key-pair-id"] !== undefined || args["public-key-file"] !== undefined) {
    if (args["key-pair-id"] === undefined || args["public-key-file"] === undefined) {
      throw new InputError("--key-pair-id and --public-key-file go together (the CloudFront key id and its public key PEM)");
    }
    let pem: string;
    try {
      pem = fs.readFileSync(path.resolve(cwd, args["public-key-file"]), "utf8");
    } catch {
      throw new InputError(`--public-key-file ${args["public-key-file"]}: cannot read it`);
    }
    trustedKeys = { [args["key-pair-id"]]: pem };
    keySource = `--public-key-file ${args["public-key-file"]}`;
  } else if (outputs) {
    trustedKeys = trustedKeysFromOutputs(outputs, outputsSource ?? "stack outputs");
    if (trustedKeys) keySource = `stack key group (${outputsSource})`;
  }

  const protectedConfig = resolveProtected({
    flags: args.protected,
    protectDefault: args["protect-default"] ? true : undefined,
    outputs,
    outputsSource,
    stack: args.stack,
    cwd,
  });

  // Without outputs (no Pulumi CLI), the stack file says whether the stack deploys the guard.
  const stackFile = outputs === undefined && args.stack !== undefined ? readStackConfig(args.stack, cwd) : undefined;

  // Signal handlers go in before the server starts, so a stop request is never lost or fatal.
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  let signals = 0;
  const onSignal = (): void => {
    // First signal: stop cleanly (removes the dev key). A second one while stopping: leave now.
    if (++signals > 1) process.exit(130);
    stopRequested();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const quiet = args.quiet === true;
  if (args["tls-host"] && !args.tls) throw new InputError("--tls-host needs --tls");
  const certificate = args.tls ? throwawayCertificate(args["tls-host"] ?? []) : undefined;
  const edge = await startEdge({
    tls: certificate && { key: certificate.key, cert: certificate.cert },
    cors: args["cors-origin"] ? { allowOrigins: args["cors-origin"], allowCredentials: true } : undefined,
    root: args.root !== undefined ? path.resolve(cwd, args.root) : defaultRoot(),
    port,
    protectedPaths: protectedConfig.protectedPaths,
    protectDefaultBehavior: protectedConfig.protectDefaultBehavior,
    pathGuard: pathGuardWanted(args["no-path-guard"] === true, outputs, stackFile?.pathGuard),
    trustedKeys,
    keySource,
    devKeyAlgorithm: keyAlgorithm,
    log: quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  const pathGuardOff =
    args["no-path-guard"] === true
      ? "--no-path-guard"
      : outputs === undefined && stackFile !== undefined
        ? `${path.basename(stackFile.file)} sets pathGuard false`
        : `${outputsSource ?? "the stack outputs"} has no pathGuardFunctionArn: deployed with pathGuard false`;
  process.stdout.write(
    `${banner(edge, protectedConfig.source, {
      outputsFile: args["outputs-file"],
      // Only when the Pulumi CLI gave the outputs: cf-sign --stack needs them (Pulumi.S.yaml has no keys).
      stack: args["outputs-file"] === undefined && outputs !== undefined ? args.stack : undefined,
      pathGuardOff,
      caCertFile: certificate?.certFile,
    })}\n`,
  );
  if (certificate) process.stdout.write(`  tls         throwaway self-signed certificate for ${[...certificate.hostnames, "localhost", "127.0.0.1"].join(", ")} (${certificate.certFile}; curl --cacert it, or -k)\n`);

  await stopped;
  await edge.close();
  certificate?.dispose();
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`error: ${message.split("\n")[0]}\n`);
      process.exit(2);
    },
  );
}
