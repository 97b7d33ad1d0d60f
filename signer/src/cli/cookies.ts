import { MAX_COOKIE_NAME_VALUE_BYTES, oversizedCookies } from "../lib/cookies";
import { InputError } from "../lib/errors";
import { shortWildcard } from "../lib/signingPlan";
import { quoteInput } from "../lib/terminal";
import { parseCommandArgs } from "./args";
import type { CliCommand } from "./io";
import { KEY_SOURCE_HELP } from "./keySourceHelp";
import { prepareSigning, SIGN_ARGS, SIGN_HELP, signOptionsFrom } from "./signArgs";

const FORMATS = ["header", "json", "cookie", "curl"] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: cf-sign cookies <resource|/path> [options]

Prints CloudFront signed cookies for a resource: one exact URL (canned policy) or a wildcard
pattern such as 'https://cdn.example.com/private/*' (custom policy). A /path is resolved
against the stack's baseUrl output.

${SIGN_HELP}

Cookie attributes (header format):
  --domain D             cookie Domain: the distribution's alternate domain (never *.cloudfront.net)
  --path P               cookie Path (default /)
  --same-site V          Strict, Lax or None (omitted by default)

Output:
  --format header        one "Set-Cookie: ..." line per cookie (default; Secure; HttpOnly)
  --format json          the cookie name -> value object
  --format cookie        one Cookie header value: "Name=value; Name=value; ..."
  --format curl          curl arguments to paste: --cookie '...'

Size: browsers drop a cookie whose name and value exceed 4096 bytes (a long resource pattern makes a
long CloudFront-Policy cookie). For header and json, the formats meant for browsers, such a cookie is
refused (exit 2); for cookie and curl, where no browser is involved, it is printed with a warning on
stderr. Shorten the resource pattern (e.g. https://cdn.example.com/private/*) to fit.

${KEY_SOURCE_HELP}
`;

const ARGS = {
  ...SIGN_ARGS,
  domain: { type: "string" },
  path: { type: "string" },
  "same-site": { type: "string" },
  format: { type: "string" },
} as const;

export const run: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs("cookies", argv, ARGS, 1);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new InputError("cookies: missing the resource; usage: cf-sign cookies 'https://cdn.example.com/private/*' (see --help)");
  }
  const format = (values.format ?? "header") as Format;
  if (!FORMATS.includes(format)) {
    throw new InputError(`--format: ${quoteInput(values.format ?? "")} is not a format; use header, json, cookie or curl`);
  }
  const options = signOptionsFrom(values, new Date());
  const { signer, resolve } = await prepareSigning(values, io);
  if (options.policyResource !== undefined) options.policyResource = resolve(options.policyResource, "--policy-resource");
  const resource = resolve(positionals[0], "resource");
  const signed = await signer.signCookies(resource, {
    ...options,
    domain: values.domain,
    path: values.path,
    sameSite: values["same-site"] as "Strict" | "Lax" | "None" | undefined,
    labels: { ...options.labels, resource: "resource", domain: "--domain", path: "--path", sameSite: "--same-site" },
  });
  for (const cookie of oversizedCookies(signed.cookies)) {
    const what = `the ${cookie.name} cookie is ${cookie.bytes} bytes (name and value), over the ${MAX_COOKIE_NAME_VALUE_BYTES} bytes browsers keep`;
    const fix = `shorten the resource pattern, e.g. ${shortWildcard(resource)}`;
    if (format === "header" || format === "json") {
      throw new InputError(`resource: ${what}: a browser would drop it and CloudFront answer 403; ${fix} (--format cookie or curl print it for clients other than browsers)`);
    }
    io.err(`warning: ${what}; fine for curl or a Cookie header, but a browser would drop it (${fix})\n`);
  }
  const pairs = Object.entries(signed.cookies).map(([name, value]) => `${name}=${value}`);
  let text: string;
  switch (format) {
    case "json":
      text = JSON.stringify(signed.cookies, null, 2);
      break;
    case "cookie":
      text = pairs.join("; ");
      break;
    case "curl":
      // Values use only [A-Za-z0-9_~-], so single quotes are safe in any POSIX shell.
      text = `--cookie '${pairs.join("; ")}'`;
      break;
    default:
      text = signed.setCookieHeaders.map((h) => `Set-Cookie: ${h}`).join("\n");
  }
  io.out(text + "\n");
  return 0;
};
