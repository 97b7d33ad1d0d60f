// Cache-behaviour path patterns as this project accepts them, one rule for the stack config
// (infra/config.ts: protectedPaths) and for the local edge and cf-sign inspect (--protected). Pure and
// free of Pulumi, so infra/ (ts-node) and the signer package (cf-sign) both import it.
//
// CloudFront: case-sensitive, `*` and `?` wildcards, at most 255 characters of A-Z a-z 0-9 _ - . * ? $ / ~
// " ' @ : + &. CloudFront itself also takes a pattern without the leading "/" with the same meaning; this
// project requires the "/" (or the bare "*") so that each pattern has one spelling: duplicates are
// detected and the stack outputs compare exactly.

import { findKeyMaterial } from "./keyMaterial";
import { escapeControl, quoteInput } from "./terminal";

/** CloudFront limit on the length of a path pattern (the component package states the same limit; a test keeps them equal). */
export const MAX_PATH_PATTERN_LENGTH = 255;
/** Characters CloudFront allows in a path pattern. */
export const PATH_PATTERN_CHARS = /^[A-Za-z0-9_\-.*?$/~"'@:+&]+$/;

/** A short, single-line rendering of a bad value for error messages. */
export function show(value: unknown): string {
  // A string that holds something like a key is described, not quoted.
  if (typeof value === "string" && findKeyMaterial(value).length > 0) return quoteInput(value);
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return escapeControl(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * What is wrong with a protected path pattern, as the end of a one-line message whose caller names the
 * field (`cloudfront-signed-content:protectedPaths[0] …`, `--protected: …`); undefined when it is valid.
 */
export function pathPatternProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `must be a path pattern string, got ${show(value)}`;
  if (value === "") return `is empty; a path pattern must start with "/" (e.g. "/private/*") or be "*"`;
  if (value !== "*" && !value.startsWith("/")) {
    return `${show(value)} is not a path pattern: it must start with "/" (e.g. "/private/*") or be "*"`;
  }
  if (value.length > MAX_PATH_PATTERN_LENGTH) {
    return `is ${value.length} characters long; CloudFront allows at most ${MAX_PATH_PATTERN_LENGTH}`;
  }
  if (!PATH_PATTERN_CHARS.test(value)) {
    return `${show(value)} has a character CloudFront does not allow in a path pattern; allowed: A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`;
  }
  return undefined;
}
