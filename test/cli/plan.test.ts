/** The write plan (generators/write/plan.ts) against an in-memory destination: statuses, conflicts, refusals, pruning. */
import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../generators/emit/index.ts';
import type { Disk, DiskEntry } from '../../generators/write/disk.ts';
import { WriteError } from '../../generators/write/errors.ts';
import { contentHash, MANIFEST_FILE, manifestFile, readManifest } from '../../generators/write/manifest.ts';
import { conflictsOf, formatPlan, plan, settle, type Plan } from '../../generators/write/plan.ts';

type Fake = string | { link: string } | { dir: true } | { fifo: true } | { text: string; mode: number };

/** A destination made of `entries` (path → contents, link, folder); parent folders are implied. */
function disk(entries: Record<string, Fake>): Disk {
  const entry = (path: string): DiskEntry => {
    const e = entries[path];
    if (e === undefined) return Object.keys(entries).some((p) => p.startsWith(`${path}/`)) ? { type: 'dir' } : { type: 'missing' };
    if (typeof e === 'string') return { type: 'file', bytes: Buffer.from(e), mode: 0o644, stamp: `s-${path}` };
    if ('link' in e) return { type: 'symlink', target: e.link };
    if ('dir' in e) return { type: 'dir' };
    if ('fifo' in e) return { type: 'other', what: 'a named pipe' };
    return { type: 'file', bytes: Buffer.from(e.text), mode: e.mode, stamp: `s-${path}` };
  };
  const children = (dir: string) => [...new Set(Object.keys(entries).filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1).split('/')[0] ?? ''))].sort();
  return { entry, children };
}

const file = (path: string, contents: string, extra: Partial<GeneratedFile> = {}): GeneratedFile => ({ path, contents, ...extra });

/** A project as the previous run left it: `files` on disk and in its manifest. */
function previousRun(files: Record<string, string>, manifestExtra: Record<string, string> = {}): Record<string, string> {
  const hashes = Object.fromEntries([...Object.entries(files).map(([p, c]) => [p, contentHash(c)]), ...Object.entries(manifestExtra)]);
  return { ...files, [MANIFEST_FILE]: JSON.stringify({ generator: 'brokerplate', files: hashes }) };
}

function statuses(p: Plan): Record<string, string> {
  return Object.fromEntries(p.files.map((f) => [f.path, f.status]));
}

function withManifest(files: GeneratedFile[]): GeneratedFile[] {
  return [...files, manifestFile(files)];
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof WriteError) return error.message;
    throw error;
  }
  throw new Error('expected a WriteError');
}

describe('the write plan of a re-run', () => {
  const before = previousRun({ 'a.txt': 'old a', 'b.txt': 'b', 'c.txt': 'c', 'config/gone/x.txt': 'gone', 'config/edited-gone.txt': 'x' });

  it('replaces its own files, flags hand edits, deletes unchanged files no longer produced, and treats an edited one as a conflict', () => {
    const p = plan(withManifest([file('a.txt', 'new a'), file('b.txt', 'b'), file('c.txt', 'c new'), file('new.txt', 'n')]), disk({ ...before, 'c.txt': 'hand-made c', 'config/edited-gone.txt': 'x plus edits' }));
    expect(statuses(p)).toEqual({
      'a.txt': 'update',
      'b.txt': 'identical',
      'c.txt': 'conflict',
      'config/edited-gone.txt': 'conflict',
      'config/gone/x.txt': 'delete',
      'new.txt': 'create',
      [MANIFEST_FILE]: 'update',
    });
    expect(p.files.at(-1)?.path).toBe(MANIFEST_FILE);
    expect(conflictsOf(p).map((c) => [c.path, c.overwrite, c.note])).toEqual([
      ['c.txt', 'update', 'edited by hand since brokerplate generated it'],
      ['config/edited-gone.txt', 'delete', 'edited by hand, and no longer generated'],
    ]);
    // config/gone/ holds nothing else, so it goes with its file (config/ keeps config/edited-gone.txt).
    expect(p.prune).toEqual(['config/gone']);
  });

  it('settles conflicts: overwrite turns them into the update or delete, keep leaves the user\'s file', () => {
    const d = disk({ ...before, 'c.txt': 'hand-made c', 'config/edited-gone.txt': 'x plus edits' });
    const p = plan(withManifest([file('a.txt', 'new a'), file('b.txt', 'b'), file('c.txt', 'c new')]), d);
    expect(statuses(settle(p, d, () => true))).toMatchObject({ 'c.txt': 'update', 'config/edited-gone.txt': 'delete' });
    const kept = settle(p, d, (f) => f.path === 'c.txt');
    expect(statuses(kept)).toMatchObject({ 'c.txt': 'update', 'config/edited-gone.txt': 'keep' });
    expect(kept.files.find((f) => f.path === 'config/edited-gone.txt')?.contents).toBeUndefined();
    expect(conflictsOf(kept)).toEqual([]);
  });

  it('calls a file it never wrote a conflict, and keeps folders that hold other files', () => {
    const d = disk({ ...previousRun({ 'src/messaging/gen.ts': 'g' }), 'src/messaging/mine.ts': 'mine', 'README.md': 'my readme' });
    const p = plan(withManifest([file('README.md', 'generated readme')]), d);
    expect(statuses(p)).toMatchObject({ 'README.md': 'conflict', 'src/messaging/gen.ts': 'delete' });
    expect(conflictsOf(p)[0]?.note).toBe('exists, and brokerplate did not write it');
    expect(p.prune).toEqual([]);
    expect(formatPlan(p)).toContain('  delete    src/messaging/gen.ts  (no longer generated)');
  });

  it('removes a seed the spec no longer produces only while it is as brokerplate created it', () => {
    const text = JSON.stringify({ files: {}, seeds: { 'infra/Pulumi.dev.yaml': contentHash('config: {}\n') } });
    const untouched = plan(withManifest([]), disk({ [MANIFEST_FILE]: text, 'infra/Pulumi.dev.yaml': 'config: {}\n' }));
    expect(statuses(untouched)).toMatchObject({ 'infra/Pulumi.dev.yaml': 'delete' });
    expect(untouched.prune).toEqual(['infra']);
    const theirs = plan(withManifest([]), disk({ [MANIFEST_FILE]: text, 'infra/Pulumi.dev.yaml': 'config:\n  shop:secret: encrypted\n' }));
    expect(theirs.files[0]).toMatchObject({ status: 'keep', note: 'no longer generated; kept: yours since it was created' });
    expect(formatPlan(theirs)[0]).toMatch(/keep +infra\/Pulumi\.dev\.yaml/);
  });

  it('leaves seed files alone once they exist (Pulumi stack files hold the user\'s encrypted secrets)', () => {
    const seed = file('infra/Pulumi.dev.yaml', 'config: {}\n', { kind: 'seed' });
    expect(statuses(plan([seed], disk({ 'infra/Pulumi.dev.yaml': 'config:\n  shop:secret: encrypted\n' })))).toEqual({ [seed.path]: 'keep' });
    expect(statuses(plan([seed], disk({})))).toEqual({ [seed.path]: 'create' });
  });

  it('rewrites merge files (the spec, .env) without conflict, and restores a file\'s mode (secret material stays 0600)', () => {
    const env = file('.env', 'A=1\n', { kind: 'merge', mode: 0o600 });
    expect(plan([env], disk({ '.env': { text: 'A=0\n', mode: 0o644 } })).files[0]).toMatchObject({ status: 'update', mode: 0o600, note: 'mode 0644 → 0600' });
    expect(plan([env], disk({ '.env': { text: 'A=1\n', mode: 0o644 } })).files[0]).toMatchObject({ status: 'mode', mode: 0o600 });
    expect(plan([env], disk({ '.env': { text: 'A=1\n', mode: 0o600 } })).files[0]).toMatchObject({ status: 'identical' });
    const key = file('tls/ca.key', 'KEY', { kind: 'seed', mode: 0o600 });
    expect(plan([key], disk({ 'tls/ca.key': { text: 'OTHER KEY', mode: 0o640 } })).files[0]).toMatchObject({ status: 'mode', mode: 0o600 });
    const spec = file('brokerplate.yaml', 'profile: prod\n', { kind: 'merge' });
    expect(statuses(plan(withManifest([spec]), disk(previousRun({ 'brokerplate.yaml': 'profile: dev\n' }))))).toMatchObject({ 'brokerplate.yaml': 'update' });
  });

  it('keeps an existing file\'s mode when the generated file has none (a script the user made executable stays so)', () => {
    const p = plan(withManifest([file('run.sh', 'new')]), disk({ ...previousRun({ 'run.sh': 'old' }), 'run.sh': { text: 'old', mode: 0o755 } }));
    expect(p.files[0]).toMatchObject({ path: 'run.sh', status: 'update', mode: 0o755 });
  });
});

describe('refusals: nothing is planned through a link or onto something that is not a file', () => {
  it.each([
    ['a generated file that is a symbolic link', { 'README.md': { link: '/home/me/notes.md' } }, /^README\.md: is a symbolic link \(to \/home\/me\/notes\.md\); brokerplate writes and deletes nothing through a link/],
    ['a folder above a generated file that is a link', { src: { link: '/elsewhere' } }, /^src: is a symbolic link \(to \/elsewhere\).*needed for src\/index\.ts/],
    ['a folder where a file goes', { 'README.md/x': 'x' }, /^README\.md: is a folder where brokerplate writes a file/],
    ['a file where a folder goes', { src: 'a file' }, /^src: is a file, but src\/index\.ts needs it to be a folder/],
    ['a named pipe where a file goes', { 'README.md': { fifo: true } }, /^README\.md: is a named pipe where brokerplate writes a file/],
    ['the manifest as a link', { [MANIFEST_FILE]: { link: '/tmp/x.json' } }, /^\.brokerplate\/files\.json: is a symbolic link/],
  ] as const)('%s', (_name, entries, message) => {
    expect(refusal(() => plan(withManifest([file('README.md', 'r'), file('src/index.ts', 'i')]), disk(entries)))).toMatch(message);
  });

  it('lists every problem at once', () => {
    const message = refusal(() => plan([file('.env', 'e', { kind: 'merge' }), file('README.md', 'r')], disk({ 'README.md': { link: '/a' }, '.env': { link: '/b' } })));
    expect(message).toMatch(/^\.env: is a symbolic link \(to \/b\).*; README\.md: is a symbolic link \(to \/a\)/);
  });
});

describe('the manifest is untrusted input', () => {
  const hash = contentHash('outside');
  it.each([
    ['../outside.txt', /entry "\.\.\/outside\.txt": climbs out with "\.\."; only paths inside the project are allowed; refusing to delete anything/],
    ['/etc/x', /entry "\/etc\/x": is an absolute path; only paths inside the project are allowed/],
    ['a/../../outside.txt', /climbs out with "\.\."/],
    ['.git/config', /is inside \.git\/, which brokerplate never touches/],
    ['C:/Windows/x', /is an absolute path/],
    ['..\\outside.txt', /contains a backslash/],
    ['a//b', /is not a normalised path/],
    ['./a', /is not a normalised path/],
    ['', /entry "": is empty/],
    ['a\u0000b', /contains a control character/],
  ])('refuses the entry %j before anything is deleted', (path, message) => {
    const text = JSON.stringify({ files: { 'ok.txt': contentHash('ok'), [path]: hash } });
    expect(refusal(() => readManifest(text))).toMatch(message);
    expect(refusal(() => plan(withManifest([file('new.txt', 'n')]), disk({ [MANIFEST_FILE]: text, 'ok.txt': 'ok' })))).toMatch(message);
  });

  it('refuses an entry reached through a symbolic link (it could point anywhere)', () => {
    const text = JSON.stringify({ files: { 'config/passwd': contentHash('root:x:0:0') } });
    expect(refusal(() => plan(withManifest([file('new.txt', 'n')]), disk({ [MANIFEST_FILE]: text, config: { link: '/etc' } })))).toMatch(/^config: is a symbolic link \(to \/etc\).*needed for config\/passwd/);
  });

  it.each([
    ['not JSON', '{ "files": ', /is not valid JSON/],
    ['no files object', '{"files": []}', /has no "files" object/],
    ['a bad hash', JSON.stringify({ files: { 'a.txt': 'md5-abc' } }), /entry "a\.txt": its hash is not "sha256-" and 64 hex digits/],
  ])('refuses a manifest that is %s', (_name, text, message) => {
    expect(refusal(() => readManifest(text))).toMatch(message);
  });

  it('hashes the managed files and the seeds, never merge files, secret material (0600 seeds) or itself', () => {
    const m = manifestFile([file('a.txt', 'a'), file('s.yaml', 's', { kind: 'seed' }), file('ca.key', 'k', { kind: 'seed', mode: 0o600 }), file('.env', 'e', { kind: 'merge' })]);
    expect(m).toMatchObject({ path: MANIFEST_FILE, kind: 'merge' });
    expect(JSON.parse(m.contents)).toEqual({ generator: 'brokerplate', files: { 'a.txt': contentHash('a') }, seeds: { 's.yaml': contentHash('s') } });
  });
});
