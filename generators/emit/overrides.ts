/**
 * Template overrides: a project's `.brokerplate/templates/<area>/<file>.hbs` replaces the package's
 * `templates/<area>/<file>.hbs` on every run (regenerate, `--dry-run`, and `renderProject` of the
 * testing entry), and `.brokerplate/templates/partials/<name>.hbs` adds a partial (`{{> name}}`)
 * the overrides may use. An override whose name the package no longer has is an orphan: reported,
 * listed in the manifest, and not used.
 *
 * Overrides are compiled at run time (the package's own templates are precompiled) in a Handlebars
 * environment of their own, strict like the package's and with the same helpers. Every failure
 * names the override's file and line, on one line: a parse error, a call of a helper brokerplate
 * does not have, a partial that is not there (all found before anything is rendered), and a missing
 * variable (found when the template renders, before the plan, so nothing is written).
 */
import { createRequire } from 'node:module';
import type { Disk } from '../write/disk.ts';
import { WriteError } from '../write/errors.ts';
import { contentHash } from '../write/manifest.ts';
import { COMPILE_OPTIONS, HELPERS, registerHelpers, templateNames, type TemplateLookup } from './render.ts';

/** Where a project keeps its overrides, relative to its root. */
export const OVERRIDES_DIR = '.brokerplate/templates';
const PARTIALS = 'partials/';

export interface TemplateSource {
  /** The file as the user sees it (e.g. `.brokerplate/templates/compose/README.md.hbs`). */
  readonly path: string;
  /** The template it overrides (`compose/README.md`), or the partial's `partials/<name>`. */
  readonly name: string;
  readonly source: string;
}

export interface Overrides {
  /** Overrides of templates the package has, sorted by name. */
  readonly used: readonly TemplateSource[];
  /** Partials the overrides may call. */
  readonly partials: readonly TemplateSource[];
  /** Overrides of templates the package does not have (renamed or removed): not used. */
  readonly orphaned: readonly TemplateSource[];
  readonly lookup: TemplateLookup;
}

/** What the manifest records about the run's overrides (nothing when there are none). */
export function overridesListing(o: Overrides | undefined): Record<string, unknown> {
  if (!o || o.used.length + o.partials.length + o.orphaned.length === 0) return {};
  const inUse = [...o.used, ...o.partials];
  return {
    ...(inUse.length > 0 && { overrides: Object.fromEntries(inUse.map((t) => [t.name, contentHash(t.source)])) }),
    ...(o.orphaned.length > 0 && { orphanedOverrides: o.orphaned.map((t) => t.path) }),
  };
}

/** The lines a run prints about its overrides. */
export function formatOverrides(o: Overrides | undefined): string[] {
  if (!o) return [];
  return [
    ...[...o.used, ...o.partials].map((t) => `  override  ${t.name}  (${t.path})`),
    ...o.orphaned.map((t) => `warning: ${t.path} overrides ${t.name}, a template this version of brokerplate does not have (renamed or removed): not used; compare it with the package's templates/ and rename or delete it`),
  ];
}

/** Every `*.hbs` under `base` of `disk` ('' is the disk's root), shown as `label/<relative path>`; links and non-files refused. */
export function readTemplateSources(disk: Disk, base: string, label: string): TemplateSource[] {
  const found: TemplateSource[] = [];
  const walk = (dir: string) => {
    for (const name of disk.children(dir)) {
      const path = dir ? `${dir}/${name}` : name;
      const rel = base ? path.slice(base.length + 1) : path;
      const entry = disk.entry(path);
      if (entry.type === 'dir') walk(path);
      else if (entry.type === 'file' && name.endsWith('.hbs')) found.push({ path: `${label}/${rel}`, name: rel.slice(0, -'.hbs'.length), source: entry.bytes.toString('utf8') });
      else if (entry.type === 'symlink' || entry.type === 'other') throw new WriteError({ what: `${label}/${rel}`, why: `is ${entry.type === 'symlink' ? 'a symbolic link' : entry.what}; a template override must be a regular file` });
    }
  };
  const top = disk.entry(base);
  if (top.type === 'symlink') throw new WriteError({ what: label, why: 'is a symbolic link; keep the overrides in a real folder' });
  if (top.type === 'dir') walk(base);
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

type HandlebarsModule = typeof import('handlebars');
type Node = { type: string; loc?: { start: { line: number; column: number } }; [key: string]: unknown };

function fail(path: string, line: number | undefined, column: number | undefined, why: string): never {
  const where = line === undefined ? path : `${path}:${line}${column === undefined ? '' : `:${column + 1}`}`;
  throw new WriteError({ what: where, why: `${why} (template override; nothing was written)` });
}

/** Parse errors, calls of unknown helpers and unknown partials, found in the syntax tree. */
function check(hb: HandlebarsModule, t: TemplateSource, partials: ReadonlySet<string>): void {
  let tree: Node;
  try {
    tree = hb.parse(t.source) as unknown as Node;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/.exec(message)?.[1];
    fail(t.path, line === undefined ? undefined : Number(line), undefined, `Handlebars parse error: ${message.split('\n').at(-1) ?? message}`);
  }
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as Node;
    const path = n.path as Node | undefined;
    const calls = (n.params as unknown[] | undefined)?.length || n.hash;
    const start = n.loc?.start;
    if ((n.type === 'MustacheStatement' || n.type === 'BlockStatement' || n.type === 'SubExpression') && calls && path?.type === 'PathExpression') {
      const name = String(path.original);
      if (!HELPERS.includes(name)) fail(t.path, start?.line, start?.column, `unknown helper "${name}" (helpers: ${HELPERS.join(', ')})`);
    }
    if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && (n.name as Node | undefined)?.type === 'PathExpression') {
      const name = String((n.name as Node).original);
      if (!partials.has(name)) fail(t.path, start?.line, start?.column, `unknown partial "${name}" (add ${OVERRIDES_DIR}/${PARTIALS}${name}.hbs)`);
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'loc') visit(value);
  };
  visit(tree);
}

/** A compiled override whose strict-mode failures name its file and line. */
function compiled(hb: HandlebarsModule, t: TemplateSource): (context: object) => string {
  const template = hb.compile(t.source, COMPILE_OPTIONS);
  return (context) => {
    try {
      return template(context);
    } catch (error) {
      if (error instanceof WriteError) throw error;
      const e = error as { message?: string; lineNumber?: number; column?: number };
      const message = String(e.message ?? error);
      const missing = /^"(.+)" not defined in .* - \d+:\d+$/.exec(message);
      fail(t.path, e.lineNumber, e.column, missing ? `"${missing[1]}" is not defined (a missing variable, or a helper brokerplate does not have)` : message.split('\n')[0] ?? message);
    }
  };
}

/** Compiles a project's overrides; names the package does not have become orphans. */
export function compileOverrides(sources: readonly TemplateSource[]): Overrides {
  if (sources.length === 0) return { used: [], partials: [], orphaned: [], lookup: () => undefined };
  const known = new Set(templateNames());
  const partials = sources.filter((t) => t.name.startsWith(PARTIALS));
  const others = sources.filter((t) => !t.name.startsWith(PARTIALS));
  const used = others.filter((t) => known.has(t.name));
  const orphaned = others.filter((t) => !known.has(t.name));
  if (used.length === 0) return { used, partials, orphaned, lookup: () => undefined };
  // The full Handlebars (with its compiler), from the installed package: the bin bundles only its runtime.
  const hb = (createRequire(import.meta.url)('handlebars') as HandlebarsModule).create();
  registerHelpers(hb);
  const partialNames = new Set(partials.map((p) => p.name.slice(PARTIALS.length)));
  for (const t of [...partials, ...used]) check(hb, t, partialNames);
  for (const p of partials) {
    const partial = compiled(hb, p);
    hb.registerPartial(p.name.slice(PARTIALS.length), (context: object) => partial(context));
  }
  const table = new Map(used.map((t) => [t.name, compiled(hb, t)]));
  return { used, partials, orphaned, lookup: (name) => table.get(name) };
}
