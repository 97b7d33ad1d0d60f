import * as fs from "node:fs";
import * as path from "node:path";

const PACKAGE_NAME = "@signed-content/cloudfront-signer";

/**
 * The signer package's version from its package.json: the nearest one above this module with the package's name
 * (dist/cli in a build or an install, src/cli under ts-node). Undefined if none is found.
 */
export function packageVersion(from: string = __dirname): string | undefined {
  let dir = from;
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
