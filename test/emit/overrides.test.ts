/**
 * Template overrides (generators/emit/overrides.ts) through the public testing entry
 * (generators/testing/index.ts): used in place of the package's template, partials, orphans,
 * the manifest's record, and each failure as one line with the override's path and line.
 * The built bin and the packed package: test/cli/testing-entry.test.ts.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { templateNames } from '../../generators/emit/render.ts';
import { buildSpec, parseSpec, serializeSpec, type StackSpec } from '../../generators/stack/index.ts';
import { renderProject } from '../../generators/testing/index.ts';
import { contentHash } from '../../generators/write/manifest.ts';
import { ROOT, tempDir } from '../support/cli.ts';

function rpcSpec(profile: 'dev' | 'prod' = 'dev'): StackSpec {
  const result = parseSpec(buildSpec({ name: 'shop', scenario: 'rpc', brokers: ['rabbitmq'], profile, targets: ['compose', 'k8s'], decision: { overridden: false } }));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

const packageTemplate = readFileSync(join(ROOT, 'templates', 'compose', 'README.md.hbs'), 'utf8');
const lines = packageTemplate.split('\n').length;
let dir = '';

function put(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

function manifestOf(files: ReturnType<typeof renderProject>): Record<string, unknown> {
  return JSON.parse(files['.brokerplate/files.json']?.contents ?? '{}') as Record<string, unknown>;
}

/** The one-line message renderProject throws. */
function failure(): string {
  try {
    renderProject(rpcSpec(), { templatesDir: dir });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'no failure';
}

beforeEach(() => {
  dir = join(tempDir('brokerplate-overrides-'), 'templates');
  mkdirSync(dir);
});
afterEach(() => rmSync(dirname(dir), { recursive: true, force: true }));

describe('template overrides', () => {
  it('the package template list is what templates/ holds (the orphan check compares against it)', () => {
    const names = templateNames();
    expect(names).toContain('compose/README.md');
    expect(names).toContain('clients/messaging/facade.ts');
    expect(names.length).toBeGreaterThan(70);
  });

  it('no override: the output and the manifest are the package\'s (no overrides record)', () => {
    const plain = renderProject(rpcSpec());
    expect(renderProject(rpcSpec(), { templatesDir: dir })).toEqual(plain);
    expect(Object.keys(manifestOf(plain))).toEqual(['generator', 'files', 'seeds']);
  });

  it('an override replaces its template, may call a partial and the escaping helpers, and is recorded with its hash', () => {
    const source = `${packageTemplate}\n{{> team}}\n`;
    put('compose/README.md.hbs', source);
    put('partials/team.hbs', 'Run by the {{md profile}} on-call team.\n');
    const files = renderProject(rpcSpec(), { templatesDir: dir });
    const plain = renderProject(rpcSpec());
    expect(files['README.md']?.contents).toContain('\nRun by the dev on-call team.\n');
    // Only the file the template feeds changed (and the manifest, which hashes it).
    const changed = Object.keys(files).filter((p) => files[p]?.contents !== plain[p]?.contents);
    expect(changed).toEqual(['.brokerplate/files.json', 'README.md']);
    expect(manifestOf(files).overrides).toEqual({ 'compose/README.md': contentHash(source), 'partials/team': contentHash('Run by the {{md profile}} on-call team.\n') });
  });

  it('templatesDir may be a file URL', () => {
    put('compose/README.md.hbs', `${packageTemplate}\nmarker\n`);
    expect(renderProject(rpcSpec(), { templatesDir: pathToFileURL(dir) })['README.md']?.contents).toContain('\nmarker\n');
  });

  it('an orphan (no such package template) is warned about, not used, and listed in the manifest', () => {
    put('compose/OLD-README.md.hbs', 'never rendered {{nothing}}');
    const warnings: string[] = [];
    const files = renderProject(rpcSpec(), { templatesDir: dir, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([`${dir}/compose/OLD-README.md.hbs overrides compose/OLD-README.md, a template this version of brokerplate does not have (renamed or removed): not used`]);
    expect(files['README.md']?.contents).toBe(renderProject(rpcSpec())['README.md']?.contents);
    expect(manifestOf(files).orphanedOverrides).toEqual([`${dir}/compose/OLD-README.md.hbs`]);
    expect(manifestOf(files).overrides).toBeUndefined();
  });

  it('a missing variable: path, line and column of the override, one line', () => {
    put('compose/README.md.hbs', `${packageTemplate}\nfor {{profil}}\n`);
    expect(failure()).toBe(`${dir}/compose/README.md.hbs:${lines + 1}:7: "profil" is not defined (a missing variable, or a helper brokerplate does not have) (template override; nothing was written)`);
  });

  it('a missing variable inside a partial names the partial', () => {
    put('compose/README.md.hbs', `${packageTemplate}{{> team}}`);
    put('partials/team.hbs', 'line one\n{{#if profile}}{{oncall}}{{/if}}\n');
    expect(failure()).toBe(`${dir}/partials/team.hbs:2:18: "oncall" is not defined (a missing variable, or a helper brokerplate does not have) (template override; nothing was written)`);
  });

  it('an unknown helper, an unknown partial, a parse error: found before rendering, with the line', () => {
    put('compose/README.md.hbs', 'one\ntwo {{shout profile}}\n');
    expect(failure()).toMatch(new RegExp(`^${dir}/compose/README\\.md\\.hbs:2:5: unknown helper "shout" \\(helpers: if, unless, each, with, lookup, log, json, eq, join, tsComment, [^)]*\\) \\(template override; nothing was written\\)$`));
    put('compose/README.md.hbs', 'one\n{{> footer}}\n');
    expect(failure()).toBe(`${dir}/compose/README.md.hbs:2:1: unknown partial "footer" (add .brokerplate/templates/partials/footer.hbs) (template override; nothing was written)`);
    put('compose/README.md.hbs', 'one\ntwo\n{{#each brokers}}');
    const parse = failure();
    expect(parse).toMatch(new RegExp(`^${dir}/compose/README\\.md\\.hbs:3: Handlebars parse error: Expecting .*got 'EOF' \\(template override; nothing was written\\)$`));
    expect(parse).not.toContain('\n');
  });

  it('a symbolic link among the overrides is refused', () => {
    put('real.hbs', 'x');
    mkdirSync(join(dir, 'compose'));
    symlinkSync(join(dir, 'real.hbs'), join(dir, 'compose', 'README.md.hbs'));
    expect(failure()).toBe(`${dir}/compose/README.md.hbs: is a symbolic link; a template override must be a regular file`);
  });
});

describe('renderProject', () => {
  it('renders a brokerplate.yaml text as a run would: its text kept, --profile applied by editing it', () => {
    const text = `# our stack\n${serializeSpec(rpcSpec())}`;
    const dev = renderProject(text);
    expect(dev['brokerplate.yaml']?.contents).toBe(text);
    const prod = renderProject(text, { profile: 'prod' });
    expect(prod['brokerplate.yaml']?.contents).toContain('# our stack\n');
    expect(prod['brokerplate.yaml']?.contents).toMatch(/^profile: prod$/m);
    // Beside the spec's own text (and the manifest hashing it), what the CLI's prod spec renders.
    const fromObject = renderProject(rpcSpec('prod'));
    expect(Object.keys(prod)).toEqual(Object.keys(fromObject));
    for (const p of Object.keys(fromObject)) if (p !== 'brokerplate.yaml' && p !== '.brokerplate/files.json') expect(prod[p], p).toEqual(fromObject[p]);
    expect(Object.keys(renderProject(text, { targets: ['compose'] })).some((p) => p.startsWith('infra/'))).toBe(false);
  });

  it('never holds .env or TLS material (prod, compose: a real run issues them), and gives each file its mode', () => {
    const files = renderProject(rpcSpec('prod'));
    expect(Object.keys(files).filter((p) => p === '.env' || p.startsWith('secrets/'))).toEqual([]);
    expect(Object.values(files).some((f) => f.contents.includes('PRIVATE KEY-----'))).toBe(false);
    expect(files['compose.yaml']).toEqual({ contents: expect.stringContaining('services:'), mode: 0o644 });
  });

  it('refuses an invalid spec with the field and the rule', () => {
    expect(() => renderProject('name: [')).toThrow(/^brokerplate\.yaml: /);
    expect(() => renderProject({ ...rpcSpec(), profile: 'staging' as 'dev' })).toThrow(/^brokerplate\.yaml: profile/);
  });
});
