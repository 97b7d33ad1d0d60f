import { parseIpv4Cidr } from "./cidr";
import type { PolicyConditions } from "./policy";

// Reading a custom policy back (spec §4, §9): CloudFront answers `MalformedPolicy` when the policy is
// not JSON, not one statement, has no DateLessThan, or its epoch values are not integer seconds.
// The shape check is strict about what CloudFront documents; unknown keys are refused because a
// policy CloudFront would ignore parts of is a policy that does not mean what its author thinks.

export type PolicyParseResult =
  | { ok: true; conditions: PolicyConditions }
  | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function epochSeconds(value: unknown, name: string): number | string {
  if (!isObject(value)) return `${name} must be {"AWS:EpochTime": <integer seconds>}`;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== "AWS:EpochTime") return `${name} must contain exactly "AWS:EpochTime"`;
  const epoch = value["AWS:EpochTime"];
  if (typeof epoch !== "number" || !Number.isSafeInteger(epoch) || epoch < 0) {
    return `${name} AWS:EpochTime must be an unquoted integer number of seconds (got ${JSON.stringify(epoch)})`;
  }
  return epoch;
}

/** Parses and shape-checks a policy JSON text (as decoded from `Policy` / `CloudFront-Policy`). */
export function parsePolicy(json: string): PolicyParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return { ok: false, reason: "the policy is not valid JSON" };
  }
  if (!isObject(doc)) return { ok: false, reason: "the policy must be a JSON object" };
  const extraTop = Object.keys(doc).filter((k) => k !== "Statement");
  if (extraTop.length > 0) return { ok: false, reason: `unexpected top-level key "${extraTop[0]}" (only "Statement")` };
  const statements = doc.Statement;
  if (!Array.isArray(statements)) return { ok: false, reason: `"Statement" must be an array` };
  if (statements.length !== 1) {
    return { ok: false, reason: `"Statement" must hold exactly one statement (has ${statements.length})` };
  }
  const statement: unknown = statements[0];
  if (!isObject(statement)) return { ok: false, reason: "the statement must be a JSON object" };
  const extraStatement = Object.keys(statement).filter((k) => k !== "Resource" && k !== "Condition");
  if (extraStatement.length > 0) {
    return { ok: false, reason: `unexpected statement key "${extraStatement[0]}" (only "Resource" and "Condition")` };
  }
  const resource = statement.Resource;
  if (resource !== undefined && typeof resource !== "string") return { ok: false, reason: `"Resource" must be a string` };
  const condition = statement.Condition;
  if (!isObject(condition)) return { ok: false, reason: `"Condition" is missing or not an object` };
  const extraCondition = Object.keys(condition).filter(
    (k) => k !== "DateLessThan" && k !== "DateGreaterThan" && k !== "IpAddress",
  );
  if (extraCondition.length > 0) {
    return {
      ok: false,
      reason: `unexpected condition "${extraCondition[0]}" (only DateLessThan, DateGreaterThan, IpAddress)`,
    };
  }
  if (condition.DateLessThan === undefined) return { ok: false, reason: "the required DateLessThan condition is missing" };
  const dateLessThan = epochSeconds(condition.DateLessThan, "DateLessThan");
  if (typeof dateLessThan === "string") return { ok: false, reason: dateLessThan };
  // Resource is optional in CloudFront's grammar; without it the policy covers every URL.
  const conditions: PolicyConditions = { resource: resource ?? "*", dateLessThan };
  if (condition.DateGreaterThan !== undefined) {
    const dateGreaterThan = epochSeconds(condition.DateGreaterThan, "DateGreaterThan");
    if (typeof dateGreaterThan === "string") return { ok: false, reason: dateGreaterThan };
    conditions.dateGreaterThan = dateGreaterThan;
  }
  if (condition.IpAddress !== undefined) {
    const ip = condition.IpAddress;
    if (!isObject(ip) || Object.keys(ip).length !== 1 || typeof ip["AWS:SourceIp"] !== "string") {
      return { ok: false, reason: `IpAddress must be {"AWS:SourceIp": "<IPv4 CIDR>"}` };
    }
    const text = ip["AWS:SourceIp"];
    try {
      parseIpv4Cidr(text, "AWS:SourceIp");
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    conditions.sourceIp = text;
  }
  return { ok: true, conditions };
}
