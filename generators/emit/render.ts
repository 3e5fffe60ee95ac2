/** Handlebars in strict mode for code and prose: a missing value is an error, never an empty string. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

const hbs = Handlebars.create();
hbs.registerHelper('json', (value: unknown) => JSON.stringify(value));
// One escaping helper per target language (escape.ts); every value from the spec goes through one.
for (const [name, escape] of Object.entries(ESCAPES)) {
  hbs.registerHelper(name, (value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) return escape(String(value));
    if (typeof value !== 'string') throw new Error(`{{${name}}} takes a string or a number, got ${typeof value}`);
    return escape(value);
  });
}
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));

/** Shared with scripts/build.mjs, which precompiles with the same options. */
export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

let root: string | undefined;
const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `templates/<name>.hbs` with `context`. */
export function render(name: string, context: object): string {
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
