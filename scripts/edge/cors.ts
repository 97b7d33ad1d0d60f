// The CORS part of a CloudFront response headers policy (CorsConfig), for the local edge: CloudFront adds the
// headers only to responses for CORS requests (an Origin header) whose origin is in AccessControlAllowOrigins.
// (unverified: whether CloudFront also adds them to the 403 it generates for a missing or bad signature; the
// edge does, so a page's fetch() can read the 403.)

export interface CorsPolicy {
  /** AccessControlAllowOrigins: exact origins such as https://app.example.com, or "*" */
  allowOrigins: readonly string[];
  /** AccessControlAllowCredentials: needed for fetch(..., { credentials: "include" }) with signed cookies */
  allowCredentials: boolean;
}

import { InputError } from "../../signer/src/lib/errors";

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/;

/** Checks the origins once: a CORS origin is scheme://host[:port], no path; "*" cannot go with credentials. */
export function validateCorsPolicy(policy: CorsPolicy, field = "--cors-origin"): CorsPolicy {
  for (const origin of policy.allowOrigins) {
    if (origin === "*") {
      if (policy.allowCredentials) throw new InputError(`${field}: "*" cannot be combined with credentials (browsers refuse it); list the exact origins, e.g. https://app.example.com`);
      continue;
    }
    if (!ORIGIN.test(origin)) throw new InputError(`${field}: "${origin}" is not an origin; give scheme://host[:port] without a path, e.g. https://app.example.com`);
  }
  return policy;
}

/** The headers CloudFront would add for a request with this Origin header (none when it is not allowed). */
export function corsHeaders(policy: CorsPolicy | undefined, origin: string | undefined): Record<string, string> {
  if (!policy || origin === undefined) return {};
  const any = policy.allowOrigins.includes("*");
  if (!any && !policy.allowOrigins.includes(origin)) return {};
  return {
    "Access-Control-Allow-Origin": any && !policy.allowCredentials ? "*" : origin,
    ...(policy.allowCredentials ? { "Access-Control-Allow-Credentials": "true" } : {}),
    Vary: "Origin",
  };
}
