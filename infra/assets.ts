// The files of `assetsDir` that become S3 objects: key (relative path with "/") and content type.
import * as fs from "fs";
import * as path from "path";
import * as mime from "mime-types";

import { ConfigError, configKey } from "./config";

export interface AssetFile {
    /** S3 object key: the path relative to the assets folder, with "/" separators. */
    key: string;
    /** Absolute path on disk. */
    path: string;
    /** Content-Type CloudFront will serve (S3 stores it with the object). */
    contentType: string;
}

/** Bounds the walk: a folder this large is almost certainly the wrong one (e.g. node_modules). */
export const MAX_ASSET_FILES = 5000;
const MAX_DEPTH = 32;

/** Content type from the file name; text types carry a UTF-8 charset, unknown ones are binary. */
export function contentTypeFor(fileName: string): string {
    return mime.contentType(path.extname(fileName)) || "application/octet-stream";
}

/**
 * Every regular file under `dir` (symbolic links to files included, links to folders skipped so
 * the walk cannot loop), sorted by key so resource registration order is stable.
 */
export function listAssetFiles(dir: string): AssetFile[] {
    const files: AssetFile[] = [];
    const walk = (current: string, depth: number): void => {
        if (depth > MAX_DEPTH) {
            throw new ConfigError(`${configKey("assetsDir")} nests folders deeper than ${MAX_DEPTH} levels at ${current}; flatten it`);
        }
        const entries = fs.readdirSync(current, { withFileTypes: true });
        for (const entry of entries) {
            const full = path.join(current, entry.name);
            let isFile = entry.isFile();
            let isDir = entry.isDirectory();
            if (entry.isSymbolicLink()) {
                const target = fs.statSync(full, { throwIfNoEntry: false });
                isFile = target?.isFile() ?? false;
                isDir = false;
            }
            if (isDir) {
                walk(full, depth + 1);
            } else if (isFile) {
                if (files.length >= MAX_ASSET_FILES) {
                    throw new ConfigError(
                        `${configKey("assetsDir")} holds more than ${MAX_ASSET_FILES} files; point it at the folder of site assets only`,
                    );
                }
                const key = path.relative(dir, full).split(path.sep).join("/");
                files.push({ key, path: full, contentType: contentTypeFor(entry.name) });
            }
        }
    };
    walk(dir, 0);
    return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
