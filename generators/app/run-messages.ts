/**
 * Small pieces of a generator run kept apart from the run itself (generator.ts): the random
 * secret source, the lines a run prints about .env, the one-line errors for an invalid spec or
 * hand-edited files, and the lazily loaded X.509 issuer.
 */
import { randomBytes } from 'node:crypto';
import type { MergedEnv } from '../emit/index.ts';
import { formatIssues, SPEC_FILE, type SpecIssue } from '../stack/index.ts';
import type { PlannedFile } from '../write/plan.ts';
import { BrokerplateError } from './settings.ts';

export function secret(): string {
  return randomBytes(24).toString('base64url');
}

/** What happened to .env's variables, for the run's output. */
export function envNotes(env: MergedEnv, dryRun: boolean): string[] {
  const notes: string[] = [];
  if (env.filled.length > 0) notes.push(`.env: ${dryRun ? 'would generate' : 'generated'} ${env.filled.join(', ')} (missing or empty)`);
  if (env.retired.length > 0) notes.push(`.env: ${env.retired.join(', ')} no longer used by the stack (secrets kept as #retired comments)`);
  return notes;
}

/** The X.509 issuer, loaded only when a certificate is issued. */
export async function loadIssuer() {
  const { x509Issuer } = await import('../emit/tls-issuer.ts');
  return x509Issuer();
}

/** The spec file's problems, on one line. */
export function invalidSpec(issues: readonly SpecIssue[]): BrokerplateError {
  return new BrokerplateError(`${SPEC_FILE}: ${formatIssues(issues)}`);
}

export function conflictError(conflicts: readonly PlannedFile[]): BrokerplateError {
  const list = conflicts.map((c) => `${c.path} (${c.note ?? 'edited by hand'})`).join(', ');
  const n = conflicts.length;
  return new BrokerplateError(`${n} file${n === 1 ? '' : 's'} changed by hand: ${list}: nothing was written; pass --force to overwrite them, or run in a terminal to decide file by file`);
}
