/**
 * The layout rules of generators/ (ARCHITECTURE.md): no import circle between its modules, and
 * no module over 400 lines. The import graph comes from the relative `import … from './x.ts'`
 * and `export … from` specifiers of each file (type-only imports count: a circle of types is
 * still a circle a reader has to untangle).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATORS = join(ROOT, 'generators');
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports and re-exports (`import x from`, `import type`, `export * from`, `import './x.ts'`). */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\b[^'"]*?(?:\bfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    if (m[1]) found.push(m[1]);
  }
  return found;
}

/** Every circle in a directed graph, each reported once as the path that closes it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(GENERATORS)) {
    const from = relative(ROOT, file);
    const targets = relativeImports(readFileSync(file, 'utf8'))
      .map((spec) => relative(ROOT, resolve(dirname(file), spec)))
      .filter((target) => target.startsWith('generators/'));
    graph.set(from, [...new Set(targets)].sort());
  }
  return graph;
}

describe('generators/ layout', () => {
  it('the scanner finds every relative import form and the cycle finder finds circles (self-check)', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      "export * from './c.ts';",
      "export { d, type D } from './d.ts';",
      "import './side-effect.ts';",
      "import {\n  e,\n  f,\n} from './ef.ts';",
      "import { readFileSync } from 'node:fs';",
      "const text = 'import x from \"./not-a-module.ts\"';",
    ].join('\n');
    expect(relativeImports(source)).toEqual(['./a.ts', '../b/b.ts', './c.ts', './d.ts', './side-effect.ts', './ef.ts']);
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('every relative import resolves to a file in the graph', () => {
    const graph = importGraph();
    const missing = [...graph].flatMap(([from, tos]) => tos.filter((to) => !graph.has(to)).map((to) => `${from} → ${to}`));
    expect(missing).toEqual([]);
  });

  it('has no import circle', () => {
    const found = cycles(importGraph()).map((c) => c.join(' → '));
    expect(found).toEqual([]);
  });

  it(`has no module over ${MAX_LINES} lines`, () => {
    const long = sourceFiles(GENERATORS)
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });
});
