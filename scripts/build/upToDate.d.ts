// Types of upToDate.js (plain JavaScript: it runs before anything is compiled).
export declare const BUILD_INPUTS: readonly string[];
export declare const BUILD_OUTPUTS: readonly string[];
export declare const STAMP: string;
export declare function inputFiles(root: string): { path: string; mtimeMs: number }[];
export declare function staleReason(root: string): string | undefined;
