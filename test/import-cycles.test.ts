// The signing library and the CLI import each other's modules without a cycle, type-only imports included:
// every relative import, export-from and require of a folder's .ts files is an edge, and the graph has no loop.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** The relative module specifiers of a TypeScript source: import/export ... from, import type, require(), import(). */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*["'](\.[^"']*)["']/g, /\bimport\s*["'](\.[^"']*)["']/g, /\b(?:require|import)\s*\(\s*["'](\.[^"']*)["']\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** module file -> the files of the same folder it imports. */
function importGraph(dir: string): Map<string, string[]> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(fs.readFileSync(path.join(dir, file), "utf8"))
      .map((spec) => path.relative(dir, path.resolve(dir, spec)) + ".ts")
      .filter((target) => files.includes(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files along it (first file repeated at the end). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "active");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "active") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe("module imports without cycles", () => {
  it("the walk sees every kind of relative import and finds a cycle through a type-only import", () => {
    const source = [
      'import type { A } from "./a";',
      'import { b,\n  c } from "./b";',
      'export { d } from "./d";',
      'export type { E } from "./e";',
      'import "./f";',
      'const g = require("./g") as typeof import("./g");',
      'import * as crypto from "node:crypto";',
    ].join("\n");
    assert.deepEqual(relativeImports(source).sort(), ["./a", "./b", "./d", "./e", "./f", "./g", "./g"]);
    const graph = new Map([
      ["signer.ts", ["plan.ts"]],
      ["plan.ts", ["types.ts", "signer.ts"]],
      ["types.ts", []],
    ]);
    assert.deepEqual(findCycles(graph), [["plan.ts", "signer.ts", "plan.ts"]]);
    graph.set("plan.ts", ["types.ts"]);
    assert.deepEqual(findCycles(graph), []);
  });

  for (const dir of ["signer/src/lib", "signer/src/cli"]) {
    it(`${dir}: no module imports itself through others`, () => {
      const graph = importGraph(path.join(ROOT, dir));
      assert.ok(graph.size > 5, `${dir} has its modules`);
      assert.deepEqual(findCycles(graph).map((cycle) => cycle.join(" -> ")), []);
    });
  }
});
