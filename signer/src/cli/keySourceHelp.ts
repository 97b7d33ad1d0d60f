// --help's key-source section and the key-source table of docs/signing.md, both written from KEY_SOURCES.
import { KEY_SOURCES, STACK_OUTPUT_OPTIONS, type KeySource } from "./keySources";

/** --help's layout: usage in a 21-character column at indent 2, text from column 25, lines up to 115 wide. */
const INDENT = "  ";
const USAGE_WIDTH = 21;
const TEXT_COLUMN = INDENT.length + USAGE_WIDTH + 2;
const LINE_WIDTH = 115;

/** Greedy word wrap; `width` counts the text only. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** One row: `usage` beside the text when it fits the column, else on a line of its own above it. */
function row(usage: string, text: string, hangingIndent = ""): string[] {
  const pad = " ".repeat(TEXT_COLUMN);
  const [first, ...rest] = wrap(text, LINE_WIDTH - TEXT_COLUMN - hangingIndent.length).map((line, i) => (i === 0 ? line : hangingIndent + line));
  const head = usage.length <= USAGE_WIDTH ? [`${INDENT}${usage.padEnd(USAGE_WIDTH)}  ${first}`] : [`${INDENT}${usage}`, `${pad}${first}`];
  return [...head, ...rest.map((line) => pad + line)];
}

/** "1.-4." for the numbers of the entries of `kind`. */
function numbers(kind: KeySource["kind"]): string {
  const found = KEY_SOURCES.flatMap((source, i) => (source.kind === kind ? [i + 1] : []));
  return found.length === 1 ? `${found[0]}.` : `${found[0]}.-${found[found.length - 1]}.`;
}

function keySourceRows(): string[] {
  const lines = ["Key source, in this order (the first that applies wins):"];
  KEY_SOURCES.forEach((source, i) => {
    const previous = KEY_SOURCES[i - 1];
    if (previous?.kind === "flags" && source.kind !== "flags") lines.push(`${INDENT}At most one of ${numbers("flags")}: two of them together are refused.`);
    if (source.kind === "stack outputs" && previous?.kind !== "stack outputs") {
      lines.push(`${INDENT}${numbers("stack outputs")} read the stack outputs from:`);
      for (const [usage, text] of STACK_OUTPUT_OPTIONS) lines.push(...row(usage, text));
    }
    const number = `${i + 1}. `;
    lines.push(...row(source.usage, number + source.description, " ".repeat(number.length)));
  });
  return lines;
}

const AWS_HELP = `AWS (KMS, Secrets Manager): region, credentials and endpoint come from the AWS SDK's usual sources (AWS_REGION,
  AWS_PROFILE, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...); a full ARN's region wins. Each call
  gives up after CF_SIGN_AWS_CONNECTION_TIMEOUT_MS (3000) / CF_SIGN_AWS_REQUEST_TIMEOUT_MS (5000) per attempt and
  AWS_MAX_ATTEMPTS (3) attempts. A KMS key needs kms:Sign and
  kms:GetPublicKey (output kmsSigningPolicy); a secret needs secretsmanager:GetSecretValue (output
  privateKeyReadPolicy). CF_SIGN_KMS_CONCURRENCY=N: KMS Sign calls in flight for url --stdin (default 8, max 64).`;

/** The key-source section of `url`, `cookies` and `probe` --help. */
export const KEY_SOURCE_HELP = `${keySourceRows().join("\n")}\n\n${AWS_HELP}`;

/** A table cell: code for usage, `|` escaped. */
const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The key-source table of docs/signing.md (a test checks the docs hold exactly this). */
export function keySourceMarkdown(): string {
  const rows = KEY_SOURCES.map((source, i) => {
    const given = source.kind === "stack outputs" ? `stack outputs: \`${cell(source.usage)}\`` : `\`${cell(source.usage)}\``;
    return `| ${i + 1} | ${given} | ${cell(source.description)} |`;
  });
  return ["| # | key source | what it is |", "|---|---|---|", ...rows].join("\n");
}
