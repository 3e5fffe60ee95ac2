/** The repository README's tables: no row twice (an outputs row was once listed twice, in two versions). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../support/cli.ts';

it('no table of README.md lists the same first cell twice', () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const duplicates: string[] = [];
  let seen = new Set<string>();
  for (const line of lines) {
    if (!line.startsWith('|')) {
      seen = new Set();
      continue;
    }
    const first = line.split('|')[1]?.trim() ?? '';
    if (/^-+$/.test(first) || first === '') continue;
    if (seen.has(first)) duplicates.push(first);
    seen.add(first);
  }
  expect(duplicates).toEqual([]);
});
