/** Types of debian-root.mjs (plain ESM, so that it runs on the system Node too). */
export interface RootOptions {
  /** Host folders shown at the same path inside the root (the temp folder always is). */
  binds?: readonly string[];
  /** The working directory inside the root (default: this process's). */
  cwd?: string;
}
export function inRoot(root: string, argv: readonly string[], options?: RootOptions): { command: string; args: string[] };
export function inRootShell(root: string, argv: readonly string[], options?: RootOptions): string;
export function shellQuote(word: string): string;
