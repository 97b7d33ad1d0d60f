// The AWS SDK v3 clients print a one-time NodeVersionSupportWarning on Node 20 when constructed: not our users'
// business in the CLI's output or an application's logs, so the clients this package builds are built without it.

/** Runs `create` (an AWS SDK client constructor) with the SDK's NodeVersionSupportWarning dropped; other warnings pass. */
export function withoutNodeVersionWarning<T>(create: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.startsWith("NodeVersionSupportWarning")) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return create();
  } finally {
    process.emitWarning = emitWarning;
  }
}
