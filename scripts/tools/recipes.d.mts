// Types for recipes.mjs.
export class ToolError extends Error {}
/** k8s.io/kubernetes's go.mod turned into one of a module that requires it (staging modules at v0.<minor>.<patch>). */
export function kubernetesGoMod(upstream: string, version: string): string;
/** The command line that runs argv chrooted into a Debian root (as `user`, if given) with its own /proc in a private mount namespace. */
export function inTrixie(root: string, argv: readonly string[], options?: { user?: string }): { command: string; args: string[] };
export const RECIPES: Readonly<Record<string, { provides: Readonly<Record<string, string>> }>>;
