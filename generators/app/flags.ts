/**
 * A flag given more than once (`--profile dev --profile prod`, `--replay --no-replay`, `-y --yes`)
 * is ambiguous: it is a usage error naming the flag and what was given, never "the last one wins".
 * Shared by the bin (before Yeoman starts) and the generator (for `yo brokerplate`, whose option
 * parser merges repeats).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { FROM_FLAG } from './from.ts';
import { FLOWCHART_FLAGS, SETTINGS, SWITCHES } from './settings.ts';

export const PARSE_CONFIG: ParseArgsOptionsConfig = {
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
  [FROM_FLAG.flag]: { type: 'string' },
  ...Object.fromEntries(FLOWCHART_FLAGS.map((f) => [f.flag, { type: 'boolean' as const }])),
  ...Object.fromEntries(SWITCHES.map((s) => [s.flag, { type: 'boolean' as const, ...(s.flag === 'yes' && { short: 'y' }) }])),
};

/** The first of brokerplate's flags that `argv` gives more than once, as a message; other words are ignored. */
export function repeatedFlag(argv: readonly string[]): string | undefined {
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_CONFIG, allowPositionals: true, allowNegative: true, strict: false, tokens: true });
  const seen = new Map<string, string[]>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !(t.name in PARSE_CONFIG)) continue;
    const shown = t.value === undefined ? t.rawName : `${t.rawName} ${t.value}`;
    seen.set(t.name, [...(seen.get(t.name) ?? []), shown]);
  }
  for (const [name, given] of seen) {
    if (given.length > 1) return `--${name}: given ${given.length} times (${given.join(', ')}); give it once`;
  }
  return undefined;
}
