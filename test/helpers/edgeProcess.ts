import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as path from "node:path";

/** The compiled edge entry point (`npm run edge`); `npm test` builds it first. */
export const EDGE_MAIN = path.resolve(__dirname, "..", "..", "dist", "scripts", "edge", "main.js");

/**
 * Starts the compiled edge with `args` and resolves with its stdout once `ready` matches it (the start banner),
 * (its last line is the inspect command), or rejects after 20 s or when the edge exits first. The caller kills `child`.
 */
export async function startEdgeProcess(args: string[], ready: RegExp = /inspect:.*\n/): Promise<{ child: ChildProcessWithoutNullStreams; banner: string }> {
  const child = spawn(process.execPath, [EDGE_MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end();
  let out = "";
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (ready.test(out)) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.once("exit", (code) => reject(new Error(`edge exited ${code}: ${out}`)));
    });
    return { child, banner };
  } catch (error) {
    child.kill();
    throw error;
  }
}
