import { InputError } from "./errors";

/** The conditions of a one-statement CloudFront policy. Times are integer epoch seconds. */
export interface PolicyConditions {
  resource: string;
  dateLessThan: number;
  dateGreaterThan?: number;
  sourceIp?: string;
}

function checkEpoch(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`${field}: ${value} is not an integer epoch time in seconds`);
  }
}

/**
 * The canned policy text CloudFront rebuilds from a request (spec §4): byte-exact, no whitespace, the URL
 * inserted verbatim (no JSON escaping — the signer refuses URLs with `"` or `\` before getting here).
 */
export function cannedPolicy(resource: string, dateLessThan: number): string {
  checkEpoch(dateLessThan, "DateLessThan");
  return `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${dateLessThan}}}}]}`;
}

/**
 * A custom policy as compact JSON with one statement. Condition order (DateLessThan, DateGreaterThan,
 * IpAddress) matches the AWS SDKs so the same inputs give byte-identical policies and signatures.
 * Strings are JSON-escaped (a `"` or `\` in a resource would otherwise break the policy).
 */
export function customPolicy(conditions: PolicyConditions): string {
  checkEpoch(conditions.dateLessThan, "DateLessThan");
  let condition = `"DateLessThan":{"AWS:EpochTime":${conditions.dateLessThan}}`;
  if (conditions.dateGreaterThan !== undefined) {
    checkEpoch(conditions.dateGreaterThan, "DateGreaterThan");
    condition += `,"DateGreaterThan":{"AWS:EpochTime":${conditions.dateGreaterThan}}`;
  }
  if (conditions.sourceIp !== undefined) {
    condition += `,"IpAddress":{"AWS:SourceIp":${JSON.stringify(conditions.sourceIp)}}`;
  }
  return `{"Statement":[{"Resource":${JSON.stringify(conditions.resource)},"Condition":{${condition}}}]}`;
}
