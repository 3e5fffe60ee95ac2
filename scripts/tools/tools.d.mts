// Types for tools.mjs (plain JavaScript so that it runs on the system Node 20 before `npm ci`).
/** The cache root: ${XDG_CACHE_HOME:-$HOME/.cache}/brokerplate/tools (or BROKERPLATE_TOOLS_DIR). */
export const CACHE: string;
/** Every tool name, with its install unit (the pins.json key) and its file inside the unit's folder. */
export const TOOLS: Readonly<Record<string, { unit: string; file: string }>>;
/** The variable a tool's path is printed under: promtool → PROMTOOL. */
export function varName(tool: string): string;
/** The cached tool's path, or undefined; throws for an unknown name. */
export function toolPath(tool: string): string | undefined;
/** Builds or fetches every missing tool (one at a time), and returns { tool: absolute path }. */
export function ensure<T extends string>(tools: readonly T[]): Promise<Record<T, string>>;
/** A cross-process lock (a directory in the cache); resolves with its release function. */
export function acquire(name: string, waitingLine?: string): Promise<() => void>;
