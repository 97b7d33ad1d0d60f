import { findKeyMaterial } from "./keyMaterial";
import { describeKeyMaterial, terminalText } from "./terminal";
import { parseIpv4Cidr } from "./cidr";
import { COOKIE_NAMES } from "./constants";
import { cookieDomainMismatch } from "./cookies";
import { InputError } from "./errors";
import type { PolicyConditions } from "./policy";
import { parsePolicy } from "./policyParse";
import { extractCredentials, parseCookieHeader, type CredentialSource } from "./signedRequest";
import { exceedsMaxExpiry, MAX_EXPIRY_TEXT } from "./lifetime";
import { MILLISECONDS_THRESHOLD } from "./time";
import { decodeCanonical } from "./verifier";
import { matchResource } from "./wildcard";

// `cf-sign inspect`: decode a signed URL or signed cookies WITHOUT keys and say what they grant,
// until when, and what is likely to go wrong. Pure: the caller supplies the clock and the
// protected path patterns (from the stack outputs when available).

/** Attributes of one Set-Cookie line, when the input was a Set-Cookie block. */
export interface CookieAttributes {
  name: string;
  domain?: string;
  path?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  expires?: string;
  maxAge?: string;
}

export interface ParsedInspectInput {
  kind: "url" | "cookies";
  url?: string;
  cookies?: Record<string, string>;
  setCookies?: CookieAttributes[];
}

export interface TimeInfo {
  epoch: number;
  iso: string;
  relative: string;
}

export interface InspectReport {
  kind: "url" | "cookies";
  /** The URL without signing parameters (URL input only). */
  resourceUrl?: string;
  via?: CredentialSource;
  keyPairId?: string;
  /** As declared; absent means CloudFront assumes SHA1. */
  hashAlgorithm: string;
  hashDeclared: boolean;
  policyKind?: "canned" | "custom";
  /** Decoded policy text (custom) or the canned policy CloudFront will rebuild (URL input). */
  policyText?: string;
  policy?: PolicyConditions;
  expires?: TimeInfo;
  starts?: TimeInfo;
  sourceIp?: string;
  signatureBytes?: number;
  setCookies?: CookieAttributes[];
  /** Problems that make CloudFront refuse the credentials outright. */
  errors: string[];
  warnings: string[];
}

const COOKIE_NAME_SET: ReadonlySet<string> = new Set(Object.values(COOKIE_NAMES));

function parseSetCookie(line: string): { name: string; value: string; attributes: CookieAttributes } | undefined {
  const parts = line.split(";");
  const first = parts[0];
  const eq = first.indexOf("=");
  if (eq <= 0) return undefined;
  const name = first.slice(0, eq).trim();
  const value = first.slice(eq + 1).trim();
  const attributes: CookieAttributes = { name, secure: false, httpOnly: false };
  for (const raw of parts.slice(1)) {
    const [k, ...rest] = raw.split("=");
    const key = k.trim().toLowerCase();
    const v = rest.join("=").trim();
    if (key === "domain") attributes.domain = v;
    else if (key === "path") attributes.path = v;
    else if (key === "secure") attributes.secure = true;
    else if (key === "httponly") attributes.httpOnly = true;
    else if (key === "samesite") attributes.sameSite = v;
    else if (key === "expires") attributes.expires = v;
    else if (key === "max-age") attributes.maxAge = v;
  }
  return { name, value, attributes };
}

/**
 * Recognises what the user pasted: a URL; a `Cookie:` header (with or without the name); a block of
 * `Set-Cookie:` lines (or bare Set-Cookie values, one per line); or `cf-sign cookies --json` output.
 */
export function parseInspectInput(text: string): ParsedInspectInput {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError("inspect: nothing to inspect; give a signed URL, a Cookie header or Set-Cookie lines");
  // A key pasted by mistake is described, never echoed (inspect needs no key).
  if (findKeyMaterial(trimmed).some((span) => span.kind === "pem")) {
    throw new InputError(`inspect: the input ${describeKeyMaterial(trimmed) ?? "holds PEM armour"}; give a signed URL, a Cookie header or Set-Cookie lines (inspect needs no key)`);
  }
  if (/^https?:\/\//i.test(trimmed)) {
    if (/\s/.test(trimmed)) throw new InputError("inspect: the URL contains whitespace; quote it and give one URL");
    return { kind: "url", url: trimmed };
  }
  if (trimmed.startsWith("{")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new InputError("inspect: input starts with { but is not JSON; give a URL, a Cookie header or Set-Cookie lines");
    }
    const source = (doc as { cookies?: unknown }).cookies ?? doc;
    if (typeof source !== "object" || source === null || !Object.values(source).every((v) => typeof v === "string")) {
      throw new InputError('inspect: JSON input must be {"cookies": {name: value}} (cf-sign cookies --json) or {name: value}');
    }
    return { kind: "cookies", cookies: { ...(source as Record<string, string>) } };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  // A cookie line starts with its name: one that starts with base64 of key length is a key's body.
  lines.forEach((line, i) => {
    if (findKeyMaterial(line)[0]?.start === 0) {
      throw new InputError(`inspect: line ${i + 1} of the input ${describeKeyMaterial(line) ?? ""}; give a signed URL, a Cookie header or Set-Cookie lines (inspect needs no key)`);
    }
  });
  const isSetCookie = lines.some((l) => /^set-cookie:/i.test(l));
  if (isSetCookie || (lines.length > 1 && !lines.some((l) => /^cookie:/i.test(l)))) {
    const cookies: Record<string, string> = {};
    const setCookies: CookieAttributes[] = [];
    for (const line of lines) {
      const parsed = parseSetCookie(line.replace(/^set-cookie:\s*/i, ""));
      if (!parsed) continue;
      if (!Object.prototype.hasOwnProperty.call(cookies, parsed.name)) cookies[parsed.name] = parsed.value;
      setCookies.push(parsed.attributes);
    }
    return { kind: "cookies", cookies, setCookies };
  }
  const header = lines.map((l) => l.replace(/^cookie:\s*/i, "")).join("; ");
  if (!header.includes("=")) {
    throw new InputError("inspect: not a URL or cookies; give a signed URL (https://...), a Cookie header or Set-Cookie lines");
  }
  return { kind: "cookies", cookies: parseCookieHeader(header) };
}

/** "in 59m 58s" / "3h 2m ago" / "now". */
export function relativeTime(epoch: number, now: Date): string {
  const delta = Math.round(epoch - now.getTime() / 1000);
  if (delta === 0) return "now";
  let rest = Math.abs(delta);
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
  const parts: string[] = [];
  for (const [size, unit] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return delta > 0 ? `in ${parts.join(" ")}` : `${parts.join(" ")} ago`;
}

function timeInfo(epoch: number, now: Date): TimeInfo {
  const date = new Date(epoch * 1000);
  const iso = Number.isNaN(date.getTime()) ? String(epoch) : date.toISOString().replace(".000Z", "Z");
  return { epoch, iso, relative: relativeTime(epoch, now) };
}

function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/** The path part of a resource pattern (naive four-section split), or undefined when the host has no path. */
function resourcePath(resource: string): { host: string; path?: string } | undefined {
  const schemeEnd = resource.indexOf("://");
  if (schemeEnd < 0) return undefined;
  const rest = resource.slice(schemeEnd + 3);
  const slash = rest.indexOf("/");
  if (slash < 0) return { host: rest };
  const pathAndQuery = rest.slice(slash);
  const q = pathAndQuery.indexOf("?");
  return { host: rest.slice(0, slash), path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q) };
}

/**
 * A warning when a wildcard resource grants more than the protected path patterns; undefined when fine.
 * Without known patterns only "the whole distribution" wildcards are flagged.
 */
export function wildcardWidthWarning(
  resource: string,
  protectedPaths: readonly string[] | undefined,
  protectDefaultBehavior = false,
): string | undefined {
  if (!resource.includes("*") && !resource.includes("?")) return undefined;
  if (protectDefaultBehavior) return undefined; // everything is protected: nothing wider to grant
  const parts = resourcePath(resource);
  const everything = resource === "*" || !parts || parts.path === undefined || /^\/\*/.test(parts.path ?? "");
  if (everything) {
    return `the resource "${resource}" grants every path${parts && /[*?]/.test(parts.host) ? " on every matching domain" : ""}; ` +
      `narrow it to the protected prefix (e.g. https://<domain>${protectedPaths?.[0] ?? "/private/*"})`;
  }
  if (!protectedPaths || protectedPaths.length === 0) return undefined;
  const path = parts.path ?? "/";
  const prefix = literalPrefix(path);
  const within = protectedPaths.some((pattern) => {
    const p = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
    if (p === "*" || p === "/*") return true;
    // Only "prefix*" patterns can contain a wildcard resource in a way we can prove.
    const wildcardAt = p.search(/[*?]/);
    if (wildcardAt < 0) return path === p;
    if (wildcardAt !== p.length - 1 || p[wildcardAt] !== "*") return false;
    return prefix.startsWith(p.slice(0, -1));
  });
  if (within) return undefined;
  return `the resource path "${path}" is wider than the protected path patterns (${protectedPaths.join(", ")}): ` +
    `it also grants paths outside them; narrow it, e.g. ${resource.slice(0, resource.indexOf("://"))}://${parts.host}${protectedPaths[0].startsWith("/") ? "" : "/"}${protectedPaths[0]}`;
}

export interface InspectOptions {
  now?: Date;
  /** Protected path patterns of the stack (from the outputs), for the "wider than protected" warning. */
  protectedPaths?: readonly string[];
  protectDefaultBehavior?: boolean;
  /** Whether the distribution serves IPv6 viewers (stack output ipv6Enabled); unknown when undefined. */
  ipv6Enabled?: boolean;
}

/** Decodes and explains signed credentials without verifying the signature. */
export function inspectSigned(input: ParsedInspectInput, options: InspectOptions = {}): InspectReport {
  const now = options.now ?? new Date();
  const errors: string[] = [];
  const warnings: string[] = [];
  const { resourceUrl, credentials } = extractCredentials(input.url ?? "https://example.invalid/", input.cookies);
  const report: InspectReport = {
    kind: input.kind,
    resourceUrl: input.kind === "url" ? resourceUrl : undefined,
    hashAlgorithm: "SHA1",
    hashDeclared: false,
    setCookies: input.setCookies,
    errors,
    warnings,
  };
  if (!credentials) {
    errors.push(
      input.kind === "url"
        ? "the URL has no signing parameters (Expires/Policy, Signature, Key-Pair-Id): CloudFront answers MissingKey on a protected path"
        : "no CloudFront-* cookies found (CloudFront-Policy or CloudFront-Expires, CloudFront-Signature, CloudFront-Key-Pair-Id)",
    );
    return report;
  }
  const via = credentials.via;
  report.via = via;
  const n = (url: string, cookie: string): string => (via === "url" ? url : cookie);
  if (!credentials.keyPairId) errors.push(`${n("Key-Pair-Id", "CloudFront-Key-Pair-Id")} is missing or empty (CloudFront: MissingKey)`);
  else report.keyPairId = credentials.keyPairId;

  if (credentials.hashAlgorithm !== undefined) {
    report.hashDeclared = true;
    report.hashAlgorithm = credentials.hashAlgorithm;
    if (credentials.hashAlgorithm !== "SHA1" && credentials.hashAlgorithm !== "SHA256") {
      errors.push(`${n("Hash-Algorithm", "CloudFront-Hash-Algorithm")}=${credentials.hashAlgorithm} is not SHA1 or SHA256`);
    }
  }
  if (!credentials.signature) {
    errors.push(`${n("Signature", "CloudFront-Signature")} is missing or empty (CloudFront: MalformedSignature)`);
  } else {
    const signature = decodeCanonical(credentials.signature);
    if (!signature) errors.push(`${n("Signature", "CloudFront-Signature")} is not CloudFront base64 (CloudFront: MalformedSignature)`);
    else report.signatureBytes = signature.length;
  }

  if (credentials.expires !== undefined && credentials.policy !== undefined) {
    errors.push(`both ${n("Expires", "CloudFront-Expires")} and ${n("Policy", "CloudFront-Policy")} are present (CloudFront: MalformedPolicy)`);
  } else if (credentials.policy !== undefined) {
    report.policyKind = "custom";
    const decoded = decodeCanonical(credentials.policy);
    if (!decoded) {
      errors.push(`${n("Policy", "CloudFront-Policy")} is not CloudFront base64 (CloudFront: MalformedPolicy)`);
    } else {
      report.policyText = decoded.toString("utf8");
      const parsed = parsePolicy(report.policyText);
      if (!parsed.ok) errors.push(`${n("Policy", "CloudFront-Policy")}: ${parsed.reason} (CloudFront: MalformedPolicy)`);
      else report.policy = parsed.conditions;
    }
  } else if (credentials.expires !== undefined) {
    report.policyKind = "canned";
    if (!/^\d{1,15}$/.test(credentials.expires)) {
      errors.push(`${n("Expires", "CloudFront-Expires")}=${credentials.expires} is not integer epoch seconds (CloudFront: MalformedPolicy)`);
    } else {
      const dateLessThan = Number(credentials.expires);
      report.policy = { resource: input.kind === "url" ? resourceUrl : "(the URL of each request)", dateLessThan };
      if (input.kind === "url") {
        report.policyText = `{"Statement":[{"Resource":"${resourceUrl}","Condition":{"DateLessThan":{"AWS:EpochTime":${dateLessThan}}}}]}`;
      }
    }
    if (via === "cookie") {
      warnings.push(
        "canned-policy cookies work for one exact URL only (CloudFront rebuilds the policy from each request URL, so the signature matches at most one URL); " +
          "for many files sign the cookies with a wildcard resource: cf-sign cookies 'https://<domain>/private/*'",
      );
    }
  } else {
    errors.push(`neither ${n("Expires", "CloudFront-Expires")} nor ${n("Policy", "CloudFront-Policy")} is present (CloudFront: MalformedPolicy)`);
  }

  const policy = report.policy;
  if (policy) {
    report.expires = timeInfo(policy.dateLessThan, now);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (policy.dateLessThan >= MILLISECONDS_THRESHOLD) {
      warnings.push(`DateLessThan ${policy.dateLessThan} looks like milliseconds, not seconds (the signer multiplied by 1000)`);
    }
    // Outside its time window CloudFront refuses outright: errors (exit 1), not warnings.
    if (!(nowSeconds < policy.dateLessThan)) errors.push(`expired ${report.expires.relative} (${report.expires.iso}): CloudFront answers AccessDenied`);
    else if (exceedsMaxExpiry(policy.dateLessThan, now) && policy.dateLessThan < MILLISECONDS_THRESHOLD) {
      warnings.push(
        `very long lifetime: valid until ${report.expires.iso} (${report.expires.relative}), more than the ${MAX_EXPIRY_TEXT} cf-sign signs without --allow-long-expiry; ` +
          "a leaked URL or cookie works until then, and its key cannot be removed from the key group before",
      );
    }
    if (policy.dateGreaterThan !== undefined) {
      report.starts = timeInfo(policy.dateGreaterThan, now);
      if (!(nowSeconds > policy.dateGreaterThan)) errors.push(`not valid yet: starts ${report.starts.relative} (${report.starts.iso}): CloudFront answers AccessDenied until then`);
      if (policy.dateGreaterThan >= policy.dateLessThan) errors.push("DateGreaterThan is not before DateLessThan: never valid");
    }
    if (policy.sourceIp !== undefined) {
      report.sourceIp = parseIpv4Cidr(policy.sourceIp, "AWS:SourceIp").text;
      // IP conditions are IPv4-only: they deny every IPv6 viewer, unless the distribution has IPv6 off.
      if (options.ipv6Enabled === true) {
        warnings.push(
          `IP condition ${report.sourceIp}: CloudFront IP conditions are IPv4-only and this distribution serves IPv6 (ipv6Enabled), so viewers connecting over IPv6 are denied; set ipv6 to false`,
        );
      } else if (options.ipv6Enabled === undefined) {
        warnings.push(
          `IP condition ${report.sourceIp}: CloudFront IP conditions are IPv4-only, so viewers reaching an IPv6-enabled distribution over IPv6 are denied; disable IPv6 on the distribution`,
        );
      }
    }
    if (report.policyKind === "custom") {
      const width = wildcardWidthWarning(policy.resource, options.protectedPaths, options.protectDefaultBehavior);
      if (width) warnings.push(width);
      if (input.kind === "url") {
        const match = matchResource(policy.resource, resourceUrl);
        if (!match.matches) errors.push(`this URL is outside the policy resource: ${match.reason ?? policy.resource} (CloudFront: AccessDenied)`);
      }
    }
  }
  if (via === "cookie" && input.url === undefined) {
    const unknown = Object.keys(input.cookies ?? {}).filter((k) => k.startsWith("CloudFront-") && !COOKIE_NAME_SET.has(k));
    if (unknown.length) warnings.push(`unknown CloudFront cookie name(s): ${unknown.join(", ")} (names are case-sensitive)`);
  }
  for (const attrs of input.setCookies ?? []) {
    if (!COOKIE_NAME_SET.has(attrs.name)) continue;
    if (attrs.domain && /(^|\.)cloudfront\.net$/i.test(attrs.domain.replace(/^\./, ""))) {
      warnings.push(`${attrs.name}: Domain=${attrs.domain} — browsers refuse cookies for *.cloudfront.net; use an alternate domain name (e.g. cdn.example.com)`);
    }
    // A Domain the resource's host does not domain-match: the browser never sends the cookies (MissingKey).
    const mismatch = attrs.domain && report.policyKind === "custom" && policy ? cookieDomainMismatch(attrs.domain, policy.resource) : undefined;
    if (mismatch && !errors.some((e) => e.endsWith(mismatch))) errors.push(`${attrs.name}: ${mismatch}`);
    if (!attrs.secure) warnings.push(`${attrs.name}: no Secure attribute (the cookie would also travel over plain HTTP)`);
    if (attrs.sameSite?.toLowerCase() === "none" && !attrs.secure) warnings.push(`${attrs.name}: SameSite=None requires Secure; browsers drop it`);
  }
  return report;
}

/** The human-readable form printed by `cf-sign inspect`. */
export function formatInspectReport(report: InspectReport): string {
  const rows: [string, string][] = [];
  rows.push(["credentials", report.via === undefined ? "(none)" : report.via === "url" ? "signed URL (query parameters)" : "signed cookies"]);
  if (report.resourceUrl) rows.push(["url", `${report.resourceUrl}  (without signing parameters)`]);
  if (report.keyPairId) rows.push(["key pair id", report.keyPairId]);
  if (report.via) rows.push(["hash", `${report.hashAlgorithm}${report.hashDeclared ? "" : " (no Hash-Algorithm: CloudFront assumes SHA1)"}`]);
  if (report.signatureBytes !== undefined) rows.push(["signature", `${report.signatureBytes} bytes (not verified: inspect has no key; use cf-sign verify)`]);
  if (report.policyKind) rows.push(["policy", report.policyKind === "canned" ? "canned (rebuilt by CloudFront from the request URL)" : "custom"]);
  if (report.policy) rows.push(["resource", report.policy.resource]);
  if (report.expires) rows.push(["expires", `${report.expires.iso}  (${report.expires.relative}; DateLessThan ${report.expires.epoch}, exclusive)`]);
  if (report.starts) rows.push(["starts", `${report.starts.iso}  (${report.starts.relative}; DateGreaterThan ${report.starts.epoch}, exclusive)`]);
  if (report.sourceIp) rows.push(["source IP", report.sourceIp]);
  if (report.policyText) rows.push(["policy JSON", report.policyText]);
  for (const c of report.setCookies ?? []) {
    const attrs = [c.domain && `Domain=${c.domain}`, c.path && `Path=${c.path}`, c.secure && "Secure", c.httpOnly && "HttpOnly", c.sameSite && `SameSite=${c.sameSite}`, c.expires && `Expires=${c.expires}`, c.maxAge && `Max-Age=${c.maxAge}`]
      .filter(Boolean)
      .join("; ");
    rows.push([`cookie`, `${c.name}${attrs ? `  ${attrs}` : ""}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  // Every value may come from an attacker's URL or cookie: escape control characters (CR, LF, ESC, ...)
  // and describe whatever looks like key material.
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${terminalText(v)}`);
  for (const e of report.errors) lines.push(`  error: ${terminalText(e)}`);
  for (const w of report.warnings) lines.push(`  warning: ${terminalText(w)}`);
  if (report.errors.length === 0 && report.warnings.length === 0) lines.push("  no problems found (the signature itself is checked by cf-sign verify)");
  return `${lines.join("\n")}\n`;
}
