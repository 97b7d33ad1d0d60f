// Assertions over launches, with failure messages that show what the launched process and the engine saw.
import * as assert from "node:assert/strict";

import type { LaunchResult } from "./launch";

function tail(text: string, lines = 40): string {
    return text.split("\n").slice(-lines).join("\n");
}

/** Exit status, the errors the program logged to the engine, and the tail of its stderr. */
export function describeLaunch(run: Pick<LaunchResult, "exitCode" | "signal" | "timedOut" | "stderr" | "stdout" | "engine" | "durationMs">): string {
    const errors = run.engine.messages("error");
    return [
        `exit code ${run.exitCode}${run.signal ? ` (signal ${run.signal})` : ""}${run.timedOut ? " after its deadline" : ""} in ${(run.durationMs / 1000).toFixed(1)} s`,
        errors.length > 0 ? `errors logged to the engine:\n${errors.join("\n")}` : "no errors logged to the engine",
        run.stderr.trim() ? `stderr (tail):\n${tail(run.stderr)}` : "stderr empty",
        run.stdout.trim() ? `stdout (tail):\n${tail(run.stdout, 10)}` : "",
    ]
        .filter((s) => s !== "")
        .join("\n");
}

/** The program ran to the end: exit code 0 and no error logged. */
export function assertSucceeded(run: LaunchResult): void {
    if (run.exitCode !== 0 || run.engine.messages("error").length > 0) assert.fail(`the launch failed:\n${describeLaunch(run)}`);
}

/** All the errors of a launch as one text: engine error logs, then stderr. */
export function failureText(run: Pick<LaunchResult, "stderr" | "engine">): string {
    return [...run.engine.messages("error"), run.stderr].join("\n");
}
