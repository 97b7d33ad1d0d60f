import { isIP } from "node:net";
import { pathPatternMatches } from "../lib/behaviors";
import { normalizeRequestPath } from "../lib/paths";
import { objectKeyIsProtected, pathGuardRefuses, pathGuardVerdict } from "../lib/pathGuardCheck";
import { InputError } from "../lib/errors";
import { relativeTime } from "../lib/inspect";
import { parseCookieHeader, stripSigningParams } from "../lib/signedRequest";
import { jsonText, quoteInput, terminalText } from "../lib/terminal";
import { isoTime as iso, trustedKey, verifyRequest, type VerificationResult, type VerifiedPolicy } from "../lib/verifier";
import { atTime, parseCommandArgs } from "./args";
import type { CliCommand } from "./io";
import { outputsSourceLabel, resolveAgainstBaseUrl } from "./stackOptions";
import { resolveTrustedKeys, TRUSTED_KEY_ARGS, TRUSTED_KEY_HELP } from "./trustedKeys";

const HELP = `Usage: cf-sign verify <url|/path> [options]

Checks a signed URL (or a URL with signed cookies) exactly the way CloudFront would, in CloudFront's
order: MissingKey, InvalidKey, MalformedSignature, MalformedPolicy, AccessDenied.
Exit 0 and "OK ..." when CloudFront would serve it; exit 1 with the CloudFront code, message and the
reason otherwise; exit 2 on bad input.

Request:
  --cookie NAME=VALUE    a cookie sent with the request (repeatable; "a=b; c=d" also accepted).
                         Ignored by CloudFront when the URL has any signing parameter.
  --ip ADDR              the viewer's IP address (for policies with an IP condition)
  --at T                 evaluate at time T (ISO-8601 with offset, epoch seconds, or a duration from now)
  --json                 print the verification result as JSON

${TRUSTED_KEY_HELP}
`;

const ARGS = {
  cookie: { type: "string", multiple: true },
  ip: { type: "string" },
  at: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  ...TRUSTED_KEY_ARGS,
} as const;

function policyLines(policy: VerifiedPolicy, now: Date): [string, string][] {
  const rows: [string, string][] = [
    ["policy", `${policy.kind}${policy.kind === "canned" ? " (rebuilt from the request URL)" : ""}`],
    ["resource", policy.resource],
    ["expires", `${iso(policy.dateLessThan)} (${relativeTime(policy.dateLessThan, now)}; DateLessThan ${policy.dateLessThan})`],
  ];
  if (policy.dateGreaterThan !== undefined) {
    rows.push(["starts", `${iso(policy.dateGreaterThan)} (${relativeTime(policy.dateGreaterThan, now)}; DateGreaterThan ${policy.dateGreaterThan})`]);
  }
  if (policy.sourceIp !== undefined) rows.push(["source IP", policy.sourceIp]);
  rows.push(["policy JSON", policy.text]);
  return rows;
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  // Values come from the URL and cookies: control characters are escaped so they cannot paint fake lines.
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${terminalText(v)}\n`).join("");
}

function describe(result: VerificationResult, now: Date, keySource: string): string {
  if (result.ok) {
    const rows: [string, string][] = [
      ["credentials", `${result.via === "url" ? "signed URL" : "signed cookies"}, key pair id ${result.keyPairId} (${result.keyAlgorithm}, ${result.hashAlgorithm})`],
      ...policyLines(result.policy, now),
      ["keys", keySource],
    ];
    return `OK CloudFront would serve ${terminalText(result.resourceUrl)}\n${table(rows)}`;
  }
  const rows: [string, string][] = [
    ["check", result.check],
    ["why", result.detail],
  ];
  if (result.via) rows.push(["credentials", `${result.via === "url" ? "signed URL" : "signed cookies"}${result.keyPairId ? `, key pair id ${result.keyPairId}` : ""}`]);
  if (result.policy) rows.push(...policyLines(result.policy, now));
  rows.push(["url", result.resourceUrl], ["keys", keySource]);
  return `${result.code}: ${result.message}\n${table(rows)}`;
}

function cookiesFrom(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const cookies: Record<string, string> = {};
  for (const value of values) {
    const text = value.replace(/^cookie:\s*/i, "");
    if (!text.includes("=")) throw new InputError(`--cookie: ${quoteInput(value, { max: 40 })} is not NAME=VALUE (e.g. --cookie CloudFront-Policy=...)`);
    for (const [name, v] of Object.entries(parseCookieHeader(text))) {
      if (!Object.prototype.hasOwnProperty.call(cookies, name)) cookies[name] = v;
    }
  }
  return cookies;
}

export const run: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs("verify", argv, ARGS, 1);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new InputError("verify: give the URL to check, e.g. cf-sign verify 'https://d111.cloudfront.net/private/a.jpg?Expires=...'");
  const at = atTime(values.at);
  const keys = resolveTrustedKeys(
    {
      keyPairId: values["key-pair-id"],
      publicKeyFile: values["public-key-file"],
      outputsFile: values["outputs-file"],
      stack: values.stack,
      needOutputs: positionals[0].startsWith("/"),
    },
    io,
  );
  // A key that cannot be a CloudFront key is bad input (exit 2), whichever key the URL names.
  for (const [id, pem] of Object.entries(keys.trustedKeys)) trustedKey(pem, id);
  const url = resolveAgainstBaseUrl(positionals[0], "verify", () => keys.outputs, outputsSourceLabel({ outputsFile: values["outputs-file"], stack: values.stack }));
  if (!/^https?:\/\/[^/?#]+/i.test(url)) throw new InputError(`verify: ${quoteInput(url)} is not an http(s) URL`);
  if (values.ip !== undefined && isIP(values.ip) === 0) {
    throw new InputError(`--ip: ${quoteInput(values.ip)} is not an IP address; give the viewer's IPv4 (or IPv6) address, e.g. --ip 203.0.113.9`);
  }
  const result = verifyRequest({ url, cookies: cookiesFrom(values.cookie), ip: values.ip, now: at, trustedKeys: keys.trustedKeys });

  // CloudFront checks signatures only on protected cache behaviours; say so when the stack tells us.
  let unprotectedNote: string | undefined;
  let guardNote: string | undefined;
  const patterns = keys.outputs?.protectedPaths;
  if (patterns && keys.outputs?.protectDefaultBehavior !== true) {
    const rawPath = stripSigningParams(url).url.replace(/^https?:\/\/[^/?]+/i, "").split("?")[0] || "/";
    // CloudFront normalises the path before matching cache behaviours (so does the local edge).
    const normalized = normalizeRequestPath(rawPath);
    const path = normalized.ok ? normalized.path : rawPath;
    if (!patterns.some((p) => pathPatternMatches(p, path))) {
      // The public behaviour runs the stack's path guard when it is deployed (pathGuardFunctionArn output);
      // the stack outputs its code (pathGuardCode), which runs here as CloudFront would run it.
      const guardCode = typeof keys.outputs?.pathGuardFunctionArn === "string" ? keys.outputs.pathGuardCode : undefined;
      if (guardCode !== undefined && patterns.length > 0 && pathGuardRefuses(guardCode, rawPath)) {
        const why = {
          protected: `another spelling of its S3 key is a path CloudFront routes through ${patterns.join(", ")}`,
          undecodable: "it does not decode (bad percent-encoding, or not UTF-8)",
          budget: "checking it would take more work than the guard allows a request",
          error: "its check failed",
          pass: "",
        }[pathGuardVerdict(guardCode, rawPath) ?? "protected"];
        guardNote = `note: ${path} matches no protected path pattern, but the stack's path guard (a CloudFront Function on the public behaviour) refuses it: ${why}`;
      } else {
        unprotectedNote = `note: ${path} matches no protected path pattern (${patterns.join(", ")}): CloudFront serves it without checking any signature`;
        if (typeof keys.outputs?.pathGuardFunctionArn === "string" && guardCode === undefined) {
          unprotectedNote += `; the stack's path guard may refuse it, but the outputs have no pathGuardCode to run (a stack deployed before that output existed): run pulumi up, then export the outputs again`;
        } else if (objectKeyIsProtected(patterns, rawPath)) {
          unprotectedNote += `; warning: its S3 key falls under a protected pattern, so without the path guard (config pathGuard) it serves a protected object unsigned`;
        }
      }
    }
  }
  // An unprotected path is served whatever its credentials say: that is the answer (exit 0), and the
  // signature verdict is still shown for reference.
  if (guardNote !== undefined) {
    if (values.json) io.out(`${jsonText({ ...result, served: false, note: guardNote }, 2)}\n`);
    else io.out(`AccessDenied: Access denied (from the path guard)\n${terminalText(guardNote)}\n`);
    return 1;
  }
  const served = result.ok || unprotectedNote !== undefined;
  if (values.json) {
    io.out(`${jsonText({ ...result, served, ...(unprotectedNote ? { note: unprotectedNote } : {}) }, 2)}\n`);
  } else {
    if (unprotectedNote && !result.ok) {
      io.out(`OK CloudFront would serve ${terminalText(result.resourceUrl)} without checking credentials\n${terminalText(unprotectedNote)}\nfor reference, on a protected path it would answer:\n`);
    }
    io.out(describe(result, at, keys.source));
    if (unprotectedNote && result.ok) io.out(`${terminalText(unprotectedNote)}\n`);
  }
  return served ? 0 : 1;
};
