// Pure helpers over CloudFront resource properties as policies receive them (plain JSON; during preview a
// computed value throws UnknownValueError when read, so these read only what they need).
import * as crypto from "crypto";
import { UnknownValueError } from "@pulumi/policy";

/** CloudFront quota: public keys per key group. */
export const MAX_KEYS_PER_KEY_GROUP = 5;
/** CloudFront quota: key groups trusted by one cache behaviour. */
export const MAX_KEY_GROUPS_PER_BEHAVIOUR = 4;

export interface FunctionAssociationView {
    eventType?: string;
}

/** The fields of a default or ordered cache behaviour the policies read. */
export interface CacheBehaviourInput {
    pathPattern?: string;
    targetOriginId?: string;
    viewerProtocolPolicy?: string;
    trustedKeyGroups?: string[];
    trustedSigners?: string[];
    functionAssociations?: FunctionAssociationView[];
    lambdaFunctionAssociations?: FunctionAssociationView[];
}

export interface DistributionBehaviours {
    defaultCacheBehavior?: CacheBehaviourInput;
    orderedCacheBehaviors?: CacheBehaviourInput[];
}

export interface BehaviourView {
    /** "default cache behaviour" or `cache behaviour "/private/*"`, for messages */
    label: string;
    /** "*" for the default behaviour (CloudFront's "Default (*)") */
    pathPattern: string;
    behaviour: CacheBehaviourInput;
}

/** The default behaviour first, then the ordered ones in their order (first match wins). */
export function behavioursOf(distribution: DistributionBehaviours): BehaviourView[] {
    const views: BehaviourView[] = [];
    if (distribution.defaultCacheBehavior) {
        views.push({ label: "default cache behaviour", pathPattern: "*", behaviour: distribution.defaultCacheBehavior });
    }
    (distribution.orderedCacheBehaviors ?? []).forEach((behaviour, index) => {
        const pattern = behaviour.pathPattern ?? `#${index}`;
        views.push({ label: `cache behaviour ${JSON.stringify(pattern)}`, pathPattern: pattern, behaviour });
    });
    return views;
}

/** Length of a list property; reading the length does not touch (possibly unknown) elements. */
export function countOf(list: readonly unknown[] | undefined | null): number {
    return Array.isArray(list) ? list.length : 0;
}

export function trustsKeyGroup(behaviour: CacheBehaviourInput): boolean {
    return countOf(behaviour.trustedKeyGroups) > 0;
}

/**
 * A CloudFront Function or Lambda@Edge association that runs on every viewer request of the behaviour. Reads only
 * each association's eventType: the PathGuard component gives it as a known value, so this runs during preview
 * while the function's ARN is still unknown (an association that is unknown as a whole stops the rule there).
 */
export function hasViewerRequestGuard(behaviour: CacheBehaviourInput): boolean {
    const associations = [...(behaviour.functionAssociations ?? []), ...(behaviour.lambdaFunctionAssociations ?? [])];
    return associations.some((a) => a.eventType === "viewer-request");
}

/** Reads a value that may be computed during preview; undefined when it is not known yet. */
export function peek<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (error) {
        if (error instanceof UnknownValueError) return undefined;
        throw error;
    }
}

/** A value that is set, or will be (unknown during preview): an unknown id still means the property is used. */
export function isSetOrUnknown(read: () => unknown): boolean {
    try {
        const value = read();
        return value !== undefined && value !== null && value !== "";
    } catch (error) {
        if (error instanceof UnknownValueError) return true;
        throw error;
    }
}

export type S3Endpoint = "rest" | "website" | "none";

// REST: bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com, bucket.s3-<region>.amazonaws.com,
// bucket.s3.dualstack.<region>.amazonaws.com (+ .com.cn). Website: bucket.s3-website-<region> / .s3-website.<region>.
const S3_WEBSITE = /\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;
const S3_REST = /\.s3(\.dualstack)?([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/i;

export function s3EndpointOf(domainName: string): S3Endpoint {
    if (S3_WEBSITE.test(domainName)) return "website";
    if (S3_REST.test(domainName)) return "rest";
    return "none";
}

/** CloudFront security policies, oldest first; TLSv1.2_2021 is the minimum this pack accepts. */
const SECURITY_POLICIES = ["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];
export const MIN_SECURITY_POLICY = "TLSv1.2_2021";

/** True for TLSv1.2_2021 and newer, including policies AWS adds later in the same naming scheme. */
export function isModernSecurityPolicy(policy: string): boolean {
    const known = SECURITY_POLICIES.indexOf(policy);
    if (known >= 0) return known >= SECURITY_POLICIES.indexOf(MIN_SECURITY_POLICY);
    const match = /^TLSv1\.(\d)_(\d{4})$/.exec(policy);
    if (!match) return false;
    const minor = Number(match[1]);
    return minor > 2 || (minor === 2 && Number(match[2]) >= 2021);
}

/**
 * Why CloudFront would reject (or keep re-creating) this public key's encodedKey, or undefined when it is an SPKI
 * PEM of an RSA 2048 or ECDSA P-256 key ending in a newline.
 */
export function encodedKeyProblem(encodedKey: string): string | undefined {
    const text = encodedKey.replace(/^\s+/, "");
    if (!text.startsWith("-----BEGIN PUBLIC KEY-----")) {
        const header = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
        return header
            ? `is a "${header}" PEM; CloudFront needs an SPKI "PUBLIC KEY" PEM (tls.PrivateKey's publicKeyPem)`
            : "is not a PEM; CloudFront needs an SPKI \"-----BEGIN PUBLIC KEY-----\" PEM";
    }
    let key: crypto.KeyObject;
    try {
        key = crypto.createPublicKey({ key: text, format: "pem", type: "spki" });
    } catch {
        return "is not a valid SPKI public key PEM";
    }
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "rsa") {
        if (details.modulusLength !== 2048) return `is an RSA ${details.modulusLength}-bit key; CloudFront accepts RSA 2048 or ECDSA P-256 only`;
    } else if (key.asymmetricKeyType === "ec") {
        if (details.namedCurve !== "prime256v1") return `is an EC key on curve ${details.namedCurve}; CloudFront accepts ECDSA P-256 (prime256v1) only`;
    } else {
        return `is an ${String(key.asymmetricKeyType)} key; CloudFront accepts RSA 2048 or ECDSA P-256 only`;
    }
    if (!encodedKey.endsWith("\n")) return "does not end in a newline: CloudFront stores it with one, so every update would show a diff and replace the key";
    return undefined;
}

/** The engine's default autoname: logical name, "-", 7 hex characters. */
export function isEngineAutoname(name: string, logicalName: string): boolean {
    return name.length === logicalName.length + 8 && name.startsWith(`${logicalName}-`) && /^[0-9a-f]{7}$/.test(name.slice(-7));
}
