// What an install costs on disk: the bytes of every file under a folder (as `du --apparent-size` counts), for the
// signer package's install-size goal (the bench and the packaging suite report the same number).
import * as fs from "node:fs";
import * as path from "node:path";

/** Bytes of every regular file under `dir`, links not followed. */
export function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
