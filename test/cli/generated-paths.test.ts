/**
 * A manifest entry can only make a run delete a path brokerplate generates (generators/write/generated-paths.ts):
 * the list covers every file the emitters write (rendered across scenarios, profiles, targets, broker sets and
 * migrations), and a tampered `.brokerplate/files.json` naming a user's file with its real hash leaves that file
 * in place, with a warning, through the real bin.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitProject } from '../../generators/emit/index.ts';
import { BROKER_IDS, MIGRATION_PATTERNS, recommendedBrokers, SCENARIO_IDS } from '../../generators/guide/index.ts';
import { addMigration } from '../../generators/stack/migrations.ts';
import { buildSpec } from '../../generators/stack/build.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { contentHash, MANIFEST_FILE } from '../../generators/write/manifest.ts';
import { GENERATED_LOCATIONS, isGeneratedLocation } from '../../generators/write/generated-paths.ts';
import { plan } from '../../generators/write/plan.ts';
import type { Disk, DiskEntry } from '../../generators/write/disk.ts';
import { runBin, tempDir } from '../support/cli.ts';

function specs(): StackSpec[] {
  const out: StackSpec[] = [];
  for (const scenario of SCENARIO_IDS) {
    for (const brokers of [recommendedBrokers(scenario, 'high'), BROKER_IDS]) {
      for (const profile of ['dev', 'prod'] as const) {
        for (const targets of [['compose'], ['k8s'], ['compose', 'k8s']] as const) {
          out.push(buildSpec({ name: 'shop', scenario, brokers, profile, targets, decision: { scale: 'high', overridden: brokers === BROKER_IDS } }));
        }
      }
    }
  }
  const hybrid = buildSpec({ name: 'shop', scenario: 'hybrid', brokers: BROKER_IDS, profile: 'prod', targets: ['compose', 'k8s'], decision: { overridden: false } });
  out.push(MIGRATION_PATTERNS.reduce(addMigration, hybrid));
  return out;
}

describe('the locations a manifest entry may delete', () => {
  it('hold every file the emitters write (secrets and .env are added by the run, never recorded), and each location is used', () => {
    const outside = new Set<string>();
    const used = new Set<string>();
    for (const spec of specs()) {
      for (const f of emitProject(spec)) {
        if (f.path === MANIFEST_FILE) continue;
        if (!isGeneratedLocation(f.path)) outside.add(f.path);
        for (const l of GENERATED_LOCATIONS) if (l.path.endsWith('/') ? f.path.startsWith(l.path) : f.path === l.path) used.add(l.path);
      }
    }
    expect([...outside]).toEqual([]);
    expect(GENERATED_LOCATIONS.map((l) => l.path).filter((p) => !used.has(p))).toEqual([]);
  });

  it.each([
    ['notes/mine.md', false],
    ['src/app.ts', false],
    ['test/app.test.ts', false],
    ['.env', false],
    ['secrets/tls/ca.key', false],
    ['.brokerplate/templates/x.hbs', false],
    ['infra/node_modules/x/index.js', false],
    ['config/', false],
    ['config/kafka/server.properties', true],
    ['README.md', true],
    ['src/messaging/kafka.ts', true],
  ])('%s: %s', (path, expected) => {
    expect(isGeneratedLocation(path)).toBe(expected);
  });
});

describe('a tampered manifest', () => {
  const disk = (entries: Record<string, string>): Disk => ({
    entry: (path): DiskEntry => {
      const text = entries[path];
      if (text !== undefined) return { type: 'file', bytes: Buffer.from(text), mode: 0o644, stamp: `s-${path}` };
      return Object.keys(entries).some((p) => p.startsWith(`${path}/`)) ? { type: 'dir' } : { type: 'missing' };
    },
    children: (dir) => [...new Set(Object.keys(entries).filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1).split('/')[0] ?? ''))],
  });

  it('ignores entries outside the generated locations (files and seeds), with one warning each; deletes the others', () => {
    const manifest = JSON.stringify({ files: { 'src/app.ts': contentHash('mine'), 'config/old.conf': contentHash('old') }, seeds: { 'notes/mine.md': contentHash('notes') } });
    const p = plan([], disk({ [MANIFEST_FILE]: manifest, 'src/app.ts': 'mine', 'notes/mine.md': 'notes', 'config/old.conf': 'old' }));
    expect(p.files.map((f) => [f.path, f.status])).toEqual([['config/old.conf', 'delete']]);
    expect(p.warnings).toEqual([
      `${MANIFEST_FILE}: entry "src/app.ts" is not a path brokerplate generates; ignored (not deleted)`,
      `${MANIFEST_FILE}: entry "notes/mine.md" is not a path brokerplate generates; ignored (not deleted)`,
    ]);
  });

  it('cannot make a plain re-run of the bin delete a user file (exit 0, warning on stderr)', async () => {
    const project = join(tempDir(), 'shop');
    const first = await runBin([project, '--scenario', 'background-jobs', '--yes']);
    expect(first.code, first.output).toBe(0);
    const mine = { 'notes/mine.md': '# my notes\n', 'src/app.ts': 'export const app = 1;\n' };
    const manifestPath = join(project, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: Record<string, string> };
    for (const [path, text] of Object.entries(mine)) {
      mkdirSync(join(project, path, '..'), { recursive: true });
      writeFileSync(join(project, path), text);
      manifest.files[path] = contentHash(text);
    }
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const again = await runBin([project]);
    expect(again.code, again.output).toBe(0);
    for (const [path, text] of Object.entries(mine)) expect(readFileSync(join(project, path), 'utf8')).toBe(text);
    expect(again.stderr).toContain(`brokerplate: warning: ${MANIFEST_FILE}: entry "notes/mine.md" is not a path brokerplate generates; ignored (not deleted)\n`);
    expect(again.stderr).toContain('entry "src/app.ts" is not a path brokerplate generates');
    // Control: the run rewrote the manifest without the foreign entries, and generated files are still there.
    expect(Object.keys((JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: object }).files)).not.toContain('src/app.ts');
    expect(existsSync(join(project, 'README.md'))).toBe(true);
  });
});
