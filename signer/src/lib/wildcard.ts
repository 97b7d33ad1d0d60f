// CloudFront custom-policy `Resource` matching (spec §4).
//
// A resource is `protocol://domain/path?query`. `*` matches zero or more characters and `?` exactly
// one, but a wildcard only ever matches inside ONE section of the requested URL, except:
//   - a trailing `*` that starts in the path also matches any query string;
//   - a trailing `*` that starts in the domain matches any path and query;
//   - `*` as the whole resource matches everything;
//   - the scheme may be `*://`.
// Because `?` is both the one-character wildcard and the query separator, a `?` in the pattern may
// match the URL's query separator itself (that is how a resource names a query string).
//
// Matching is done on the URL's own structure (each URL character is labelled with its section), by
// a dynamic programme over pattern tokens: O(tokens x URL length), no backtracking blow-up.
// Every section compares exactly (case-sensitive), like a canned policy's byte comparison: signers
// and browsers lower-case scheme and host, so a differently-cased URL is a changed URL.

export interface ResourceMatch {
  matches: boolean;
  /** Human explanation when not matching. */
  reason?: string;
}

const enum Section {
  Scheme = 0,
  SchemeDelimiter = 1, // the "://"
  Host = 2,
  Path = 3,
  QuerySeparator = 4, // the first "?"
  Query = 5,
}

type Token = { kind: "literal"; text: string } | { kind: "star" } | { kind: "one" };

/** Label every character of an absolute URL with its section; undefined when not `scheme://...`. */
function labelUrl(url: string): Uint8Array | undefined {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd <= 0) return undefined;
  const labels = new Uint8Array(url.length);
  labels.fill(Section.Scheme, 0, schemeEnd);
  labels.fill(Section.SchemeDelimiter, schemeEnd, schemeEnd + 3);
  let i = schemeEnd + 3;
  let section: Section = Section.Host;
  for (; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (section === Section.Host && c === 0x2f /* / */) section = Section.Path;
    if ((section === Section.Host || section === Section.Path) && c === 0x3f /* ? */) {
      labels[i] = Section.QuerySeparator;
      section = Section.Query;
      continue;
    }
    labels[i] = section;
  }
  return labels;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = "";
  for (const ch of pattern) {
    if (ch === "*" || ch === "?") {
      if (literal) tokens.push({ kind: "literal", text: literal });
      literal = "";
      // Consecutive stars are one star; keeping them separate would only cost time.
      if (ch === "*" && tokens.length > 0 && tokens[tokens.length - 1].kind === "star") continue;
      tokens.push(ch === "*" ? { kind: "star" } : { kind: "one" });
    } else {
      literal += ch;
    }
  }
  if (literal) tokens.push({ kind: "literal", text: literal });
  return tokens;
}

/** A character a wildcard may consume as part of a section (never the "://"). */
function consumable(label: number): boolean {
  return label !== Section.SchemeDelimiter && label !== Section.QuerySeparator;
}

/** Core matcher on a labelled URL; no explanation. */
function globMatch(tokens: Token[], url: string, labels: Uint8Array): boolean {
  const n = url.length;
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    const next = new Uint8Array(n + 1);
    let any = false;
    if (token.kind === "literal") {
      const text = token.text;
      const len = text.length;
      for (let i = 0; i + len <= n; i++) {
        if (!reach[i]) continue;
        let ok = true;
        for (let k = 0; k < len; k++) {
          const a = url.charCodeAt(i + k);
          const b = text.charCodeAt(k);
          if (a !== b) {
            ok = false;
            break;
          }
        }
        if (ok) {
          next[i + len] = 1;
          any = true;
        }
      }
    } else if (token.kind === "one") {
      for (let i = 0; i < n; i++) {
        // `?` may match the query separator: that is how a resource spells its query string.
        if (reach[i] && labels[i] !== Section.SchemeDelimiter) {
          next[i + 1] = 1;
          any = true;
        }
      }
    } else if (t === tokens.length - 1) {
      // Trailing star: within its section, or the documented exceptions (domain/path: rest of URL).
      for (let i = 0; i <= n; i++) {
        if (!reach[i]) continue;
        if (i === n) {
          next[n] = 1;
          break;
        }
        const label = labels[i];
        if (label === Section.Host || label === Section.Path || label === Section.QuerySeparator) {
          next[n] = 1;
          break;
        }
        let j = i;
        while (j < n && labels[j] === label && consumable(label)) j++;
        if (j === n) {
          next[n] = 1;
          break;
        }
      }
      any = next[n] === 1;
    } else {
      // run[j]: some reached i < j with url[i..j) all in one consumable section.
      let run = false;
      for (let j = 0; j <= n; j++) {
        if (j > 0) {
          const prev = labels[j - 1];
          run = consumable(prev) && (reach[j - 1] === 1 || (run && j >= 2 && labels[j - 2] === prev));
        }
        if (reach[j] || run) {
          next[j] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    reach = next;
  }
  return reach[n] === 1;
}

/** Split a URL or pattern naively into its four sections (for explanations only). */
function sections(text: string): { scheme: string; host: string; path: string; query?: string } | undefined {
  const schemeEnd = text.indexOf("://");
  if (schemeEnd < 0) return undefined;
  const rest = text.slice(schemeEnd + 3);
  const slash = rest.search(/[/]/);
  const hostEnd = slash < 0 ? rest.length : slash;
  const host = rest.slice(0, hostEnd);
  const pathAndQuery = rest.slice(hostEnd);
  const q = pathAndQuery.indexOf("?");
  return {
    scheme: text.slice(0, schemeEnd),
    host,
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? undefined : pathAndQuery.slice(q + 1),
  };
}

function explain(pattern: string, url: string): string {
  const p = sections(pattern);
  const u = sections(url);
  const base = `resource "${pattern}" does not match "${url}"`;
  if (!p || !u) return base;
  const sectionMatches = (pat: string, value: string, section: Section): boolean => {
    const synthetic = new Uint8Array(value.length).fill(section);
    return globMatch(tokenize(pat), value, synthetic);
  };
  if (!sectionMatches(p.scheme, u.scheme, Section.Scheme)) {
    return `${base}: the scheme "${u.scheme}" does not match "${p.scheme}"`;
  }
  if (!p.host.endsWith("*") || p.path !== "") {
    if (!sectionMatches(p.host, u.host, Section.Host)) {
      return `${base}: the domain "${u.host}" does not match "${p.host}" (a wildcard in the domain does not reach into the path)`;
    }
  }
  if (p.path !== "" && !sectionMatches(p.path, u.path, Section.Path)) {
    const fullPath = p.query === undefined ? p.path : `${p.path}?${p.query}`;
    if (p.query !== undefined && sectionMatches(fullPath, u.path, Section.Path)) {
      return `${base}: the URL has a query string "?${u.query ?? ""}" where the resource's ? wildcard expects one path character`;
    }
    return `${base}: the path "${u.path}" does not match "${fullPath}"`;
  }
  if (u.query !== undefined && p.query === undefined && !pattern.endsWith("*")) {
    return `${base}: the URL has a query string "?${u.query}" but the resource has none (only a trailing * in the path also matches a query)`;
  }
  if (p.query !== undefined && u.query === undefined) {
    return `${base}: the resource requires a query string "?${p.query}" but the URL has none`;
  }
  if (p.query !== undefined && u.query !== undefined) {
    return `${base}: the query string "?${u.query}" does not match "?${p.query}"`;
  }
  return `${base}: a wildcard matches only within its own section (scheme, domain, path, query)`;
}

/**
 * Does the policy `Resource` pattern cover the requested URL (given without signing parameters)?
 * Pure; spec §4 four-section rules with the documented exceptions.
 */
export function matchResource(pattern: string, url: string): ResourceMatch {
  if (pattern === "*") return { matches: true };
  const labels = labelUrl(url);
  if (!labels) {
    return { matches: false, reason: `"${url}" is not an absolute URL (expected scheme://domain/path)` };
  }
  if (globMatch(tokenize(pattern), url, labels)) return { matches: true };
  return { matches: false, reason: explain(pattern, url) };
}
