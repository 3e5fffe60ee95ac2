/** Handlebars in strict mode for code and prose: a missing value is an error, never an empty string. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { md, mdCell, mdCode, mermaid, promqlString, sh, tsComment, tsString } from './escape.ts';
import { PRECOMPILED } from './precompiled.ts';

/** The escaping helpers templates may use; test/emit/templates.test.ts reads this list. */
export const ESCAPES: Readonly<Record<string, (text: string) => string>> = { tsComment, tsString, md, mdCell, mdCode, sh, promqlString, mermaid };

/** The package root holds templates/; walk up from this module (source, dist or bundle alike). */
function findTemplatesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return join(dir, 'templates');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('brokerplate: cannot find its templates/ folder');
    dir = parent;
  }
}

/** The helpers every template may call: Handlebars' built-ins and brokerplate's (an override's calls are checked against this list). */
export const HELPERS: readonly string[] = ['if', 'unless', 'each', 'with', 'lookup', 'log', 'json', 'eq', 'join', ...Object.keys(ESCAPES)];

/** Registers brokerplate's helpers on a Handlebars environment (the package's, and the one that compiles overrides). */
export function registerHelpers(env: typeof Handlebars): void {
  env.registerHelper('json', (value: unknown) => JSON.stringify(value));
  // One escaping helper per target language (escape.ts); every value from the spec goes through one.
  for (const [name, escape] of Object.entries(ESCAPES)) {
    env.registerHelper(name, (value: unknown) => {
      if (typeof value === 'number' && Number.isFinite(value)) return escape(String(value));
      if (typeof value !== 'string') throw new Error(`{{${name}}} takes a string or a number, got ${typeof value}`);
      return escape(value);
    });
  }
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));
}

const hbs = Handlebars.create();
registerHelpers(hbs);

/** Shared with scripts/build.mjs, which precompiles with the same options. */
export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

let root: string | undefined;
const cache = new Map<string, HandlebarsTemplateDelegate>();

/** A template that replaces the package's own for one run (overrides.ts compiles them). */
export type TemplateLookup = (name: string) => ((context: object) => string) | undefined;

let active: TemplateLookup | undefined;

/**
 * Runs `work` (synchronous: an emit) with `lookup` consulted before the package's templates, so a
 * project's overrides reach every emitter without being passed through each of them.
 */
export function withTemplates<T>(lookup: TemplateLookup | undefined, work: () => T): T {
  const previous = active;
  active = lookup;
  try {
    return work();
  } finally {
    active = previous;
  }
}

/** The names of the package's templates (`<area>/<file>` without `.hbs`), sorted. */
export function templateNames(): string[] {
  const precompiled = Object.keys(PRECOMPILED);
  if (precompiled.length > 0) return precompiled.sort();
  root ??= findTemplatesRoot();
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => f.slice(0, -'.hbs'.length).split(sep).join('/'))
    .sort();
}

/** Renders `templates/<name>.hbs` (or the run's override of it) with `context`. */
export function render(name: string, context: object): string {
  const override = active?.(name);
  if (override) return override(context);
  let template = cache.get(name);
  if (!template) {
    const spec = PRECOMPILED[name];
    if (spec) {
      template = hbs.template(spec);
    } else {
      root ??= findTemplatesRoot();
      template = hbs.compile(readFileSync(join(root, `${name}.hbs`), 'utf8'), COMPILE_OPTIONS);
    }
    cache.set(name, template);
  }
  return template(context);
}
