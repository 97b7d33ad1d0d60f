// CORS for browser applications on other origins (corsAllowedOrigins): pure builders for the
// response headers policy, the bucket's CORS rule and the behaviours that use them.
//
// Why a custom ResponseHeadersPolicy and not a managed one: the managed CORS policies
// (SimpleCORS, CORS-With-Preflight) answer `Access-Control-Allow-Origin: *` without
// `Access-Control-Allow-Credentials`, and browsers refuse such a response to a request that carries
// cookies, i.e. every request on a cookie-protected path. Credentialed CORS needs the exact origin
// echoed back and Allow-Credentials true, which only a policy listing the origins gives.
import type { Input } from "@pulumi/pulumi";

import type { BehaviourSettings, CacheBehaviours } from "./distribution";

/** Managed origin request policy "CORS-S3Origin": forwards Origin and Access-Control-Request-* to S3 (a documented AWS constant, no lookup). */
export const CORS_S3_ORIGIN_REQUEST_POLICY_ID = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf";
/** Request headers a page may send cross-origin: Range for media players and PDF viewers. */
export const CORS_ALLOWED_HEADERS: readonly string[] = ["Range"];
/** Response headers scripts may read besides the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS: readonly string[] = ["Content-Range", "Accept-Ranges", "ETag", "Content-Length"];
/** How long browsers may cache a preflight answer (Chromium caps this at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 600;

/** With CORS, OPTIONS reaches the bucket, whose CORS rule answers preflights (never cached: the answer depends on request headers). */
export const METHODS_WITH_CORS: readonly string[] = ["GET", "HEAD", "OPTIONS"];

/** `corsConfig` of an aws.cloudfront.ResponseHeadersPolicy for these origins. */
export function corsResponseHeadersConfig(origins: readonly string[]) {
    return {
        accessControlAllowCredentials: true,
        accessControlAllowHeaders: { items: [...CORS_ALLOWED_HEADERS] },
        accessControlAllowMethods: { items: ["GET", "HEAD", "OPTIONS"] },
        accessControlAllowOrigins: { items: [...origins] },
        accessControlExposeHeaders: { items: [...CORS_EXPOSE_HEADERS] },
        accessControlMaxAgeSec: CORS_MAX_AGE_SECONDS,
        // CloudFront computes the CORS headers per request: a cached S3 answer for one origin is
        // never replayed to another.
        originOverride: true,
    };
}

/** The bucket's CORS rule: S3 answers preflights (OPTIONS) only when it has one. */
export function s3CorsRules(origins: readonly string[]) {
    return [
        {
            allowedMethods: ["GET", "HEAD"],
            allowedOrigins: [...origins],
            allowedHeaders: [...CORS_ALLOWED_HEADERS],
            exposeHeaders: [...CORS_EXPOSE_HEADERS],
            maxAgeSeconds: CORS_MAX_AGE_SECONDS,
        },
    ];
}

export interface CorsBehaviourSettings {
    responseHeadersPolicyId?: Input<string>;
    originRequestPolicyId?: string;
}

export interface CorsCacheBehaviours {
    defaultCacheBehavior: BehaviourSettings & CorsBehaviourSettings;
    orderedCacheBehaviors: (BehaviourSettings & CorsBehaviourSettings & { pathPattern: string })[];
}

/**
 * With a policy id, every behaviour (default and ordered) gets the CORS response headers policy,
 * the CORS-S3Origin origin request policy and OPTIONS; without one the behaviours are unchanged.
 */
export function withCors(behaviours: CacheBehaviours, responseHeadersPolicyId: Input<string> | undefined): CorsCacheBehaviours {
    if (responseHeadersPolicyId === undefined) return behaviours;
    // fresh arrays per behaviour: changing one behaviour later cannot leak into another
    const cors = (): CorsBehaviourSettings & { allowedMethods: string[] } => ({
        allowedMethods: [...METHODS_WITH_CORS],
        responseHeadersPolicyId,
        originRequestPolicyId: CORS_S3_ORIGIN_REQUEST_POLICY_ID,
    });
    return {
        defaultCacheBehavior: { ...behaviours.defaultCacheBehavior, ...cors() },
        orderedCacheBehaviors: behaviours.orderedCacheBehaviors.map((behaviour) => ({ ...behaviour, ...cors() })),
    };
}
