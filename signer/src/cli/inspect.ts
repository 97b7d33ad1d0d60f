import { readStackConfig, resolveProtected } from "./stackConfig";
import { InputError } from "../lib/errors";
import { jsonText } from "../lib/terminal";
import { formatInspectReport, inspectSigned, parseInspectInput } from "../lib/inspect";
import { atTime, parseCommandArgs } from "./args";
import { readAll, type CliCommand } from "./io";
import { findOnPath } from "../lib/stackOutputs";
import { checkStackOptions, loadOutputsFor, stackUnreadable } from "./stackOptions";

const HELP = `Usage: cf-sign inspect <signed url | cookie header>
       cf-sign inspect -  < set-cookie-lines.txt

Decodes a signed URL or signed cookies WITHOUT keys: policy, resource, times (absolute and relative),
conditions, hash algorithm, key pair id; errors for what CloudFront refuses (expired, not yet valid,
unknown hash, URL outside its policy, a cookie Domain the resource's host does not match, ...) and
warnings (IP condition with IPv6, wildcard wider than the protected paths, canned cookies that only
work for one URL, a lifetime beyond 7 days, ...).
Accepts a URL, a Cookie header ("Cookie: a=b; c=d" or "a=b; c=d"), Set-Cookie lines, or the JSON
of "cf-sign cookies --format json". "-" reads the input from stdin.
Exit 0 when nothing would make CloudFront refuse it outright, 1 otherwise, 2 on bad input.
The signature is not checked here: use cf-sign verify.

Options:
  --at T                 evaluate times at T (ISO-8601 with offset, epoch seconds, or a duration from now)
  --protected PATTERN    protected path pattern to compare wildcards with (repeatable)
  --outputs-file F       stack outputs JSON (protectedPaths, protectDefaultBehavior, ipv6Enabled)
  --stack S              the outputs of stack S via the Pulumi CLI (without it: Pulumi.S.yaml config);
                         an error if neither can be read
  --json                 print the report as JSON
`;

const ARGS = {
  at: { type: "string" },
  protected: { type: "string", multiple: true },
  "outputs-file": { type: "string" },
  stack: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const run: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs("inspect", argv, ARGS, 1);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new InputError("inspect: give a signed URL or cookie header (or - to read stdin); see cf-sign inspect --help");
  const text = positionals[0] === "-" ? await readAll(io.stdin) : positionals[0];
  const parsed = parseInspectInput(text);
  const at = atTime(values.at);

  let protectedPaths: string[] | undefined;
  let protectDefaultBehavior: boolean | undefined;
  let ipv6Enabled: boolean | undefined;
  if (values.protected || values["outputs-file"] !== undefined || values.stack !== undefined) {
    // An explicit --stack is always read (--protected flags still win for the patterns). Without the
    // Pulumi CLI its Pulumi.<stack>.yaml config stands in; with neither, that is an error, not a default.
    const source = { outputsFile: values["outputs-file"], stack: values.stack };
    checkStackOptions(source);
    const configOnly = values.stack !== undefined && findOnPath("pulumi", io.env.PATH) === undefined;
    if (configOnly && readStackConfig(values.stack as string, io.cwd) === undefined) {
      throw stackUnreadable(values.stack as string, ` and there is no Pulumi.${values.stack}.yaml in ${io.cwd}`);
    }
    const named = values["outputs-file"] !== undefined || values.stack !== undefined;
    const stack = configOnly || !named ? undefined : loadOutputsFor(source, io);
    ipv6Enabled = stack?.outputs.ipv6Enabled;
    const config = resolveProtected({ flags: values.protected, outputs: stack?.outputs, outputsSource: stack?.source, stack: values.stack, cwd: io.cwd });
    if (config.source !== "default") {
      protectedPaths = config.protectedPaths;
      protectDefaultBehavior = config.protectDefaultBehavior;
    }
  }
  const report = inspectSigned(parsed, { now: at, protectedPaths, protectDefaultBehavior, ipv6Enabled });
  io.out(values.json ? `${jsonText(report, 2)}\n` : formatInspectReport(report));
  return report.errors.length > 0 ? 1 : 0;
};
