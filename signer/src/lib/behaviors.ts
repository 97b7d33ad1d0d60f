// Cache behaviour selection as CloudFront does it (spec §10): ordered path patterns, first match wins,
// case-sensitive, `*` = any characters (including `/`), `?` = exactly one character; no match -> the
// default behaviour. Patterns may be written with or without the leading `/`.

/** The stack's default protectedPaths config (Pulumi.yaml). */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = ["/private/*"];

export interface EdgeBehavior {
  /** The path pattern as configured, or "*" for the default behaviour. */
  pathPattern: string;
  /** true when the behaviour has trusted key groups (requests must be signed). */
  protected: boolean;
}

export interface BehaviorTable {
  ordered: EdgeBehavior[];
  defaultBehavior: EdgeBehavior;
}

const regexCache = new Map<string, RegExp>();

function patternRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const withSlash = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
    let source = "^";
    for (const ch of withSlash) {
      if (ch === "*") source += "[\\s\\S]*";
      else if (ch === "?") source += "[\\s\\S]";
      else source += ch.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    }
    re = new RegExp(`${source}$`);
    regexCache.set(pattern, re);
  }
  return re;
}

/** Does a CloudFront cache-behaviour path pattern match this (decoded, normalised) request path? */
export function pathPatternMatches(pattern: string, path: string): boolean {
  return patternRegex(pattern).test(path);
}

/** The behaviour table for this project: every listed path pattern protected, default as configured. */
export function buildBehaviors(protectedPaths: readonly string[], protectDefaultBehavior: boolean): BehaviorTable {
  return {
    ordered: protectedPaths.map((pathPattern) => ({ pathPattern, protected: true })),
    defaultBehavior: { pathPattern: "*", protected: protectDefaultBehavior },
  };
}

/** First ordered behaviour whose pattern matches, else the default behaviour. */
export function matchBehavior(table: BehaviorTable, path: string): EdgeBehavior {
  for (const behavior of table.ordered) {
    if (pathPatternMatches(behavior.pathPattern, path)) return behavior;
  }
  return table.defaultBehavior;
}
