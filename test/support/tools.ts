/**
 * The real programs the suite runs, at the versions pins.json names: built or fetched once by
 * scripts/tools/tools.mjs into ~/.cache/brokerplate/tools. The globalSetup (test/support/setup.ts)
 * ensures every one of SUITE_TOOLS before a test file starts; test files read their paths here.
 */
import { inject } from 'vitest';
import { inRoot, type RootOptions } from '../../scripts/brokers/debian-root.mjs';
import type { SuiteTool } from './setup.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    tools: Record<string, string>;
  }
}


/** The path of a tool the globalSetup installed. */
export function toolPath(name: SuiteTool): string {
  const path = inject('tools')[name];
  if (!path) throw new Error(`${name} was not installed by the globalSetup (test/support/setup.ts)`);
  return path;
}

/** `{ command, args }` that run `argv` inside the Debian 13 root (chroot; see scripts/brokers/debian-root.mjs). */
export function inDebianRoot(argv: readonly string[], options?: RootOptions): { command: string; args: string[] } {
  return inRoot(toolPath('debian-trixie'), argv, options);
}
