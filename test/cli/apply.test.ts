/**
 * Applying a plan (generators/write/apply.ts) on a real folder: the result equals the plan, and a
 * failure at any step, whichever it is, leaves the tree byte for byte as it was (contents, modes,
 * links, folders). The failures are injected through apply's FileOps; the corpus (corpus.test.ts)
 * makes real ones (EACCES, ENOSPC, EROFS) through the bin.
 */
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../generators/emit/index.ts';
import { apply, NODE_OPS, type FileOps } from '../../generators/write/apply.ts';
import { readDisk } from '../../generators/write/disk.ts';
import { WriteError } from '../../generators/write/errors.ts';
import { contentHash, MANIFEST_FILE, manifestFile } from '../../generators/write/manifest.ts';
import { plan } from '../../generators/write/plan.ts';
import { runCommand, tempDir } from '../support/cli.ts';
import { hashTree } from '../support/tree.ts';

const OLD: Record<string, string> = { 'a.txt': 'old a', 'b/c.txt': 'c', 'monitoring/gone/x.txt': 'gone', 'run.sh': '#!/bin/sh\necho old\n' };

/** A project as a previous run left it, with a user's own file, a link and a folder of theirs. */
function previousProject(): string {
  const dir = join(tempDir('brokerplate-apply-'), 'project');
  for (const [path, contents] of Object.entries(OLD)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  chmodSync(join(dir, 'run.sh'), 0o755);
  writeFileSync(join(dir, '.env'), 'A=1\n', { mode: 0o644 });
  chmodSync(join(dir, '.env'), 0o644);
  mkdirSync(join(dir, '.brokerplate'));
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ files: Object.fromEntries(Object.entries(OLD).map(([p, c]) => [p, contentHash(c)])) }));
  writeFileSync(join(dir, 'b', 'mine.txt'), 'the user\'s');
  symlinkSync('b/mine.txt', join(dir, 'link-to-mine'));
  mkdirSync(join(dir, 'empty-of-theirs'));
  return dir;
}

const NEXT: GeneratedFile[] = [
  { path: 'a.txt', contents: 'new a' },
  { path: 'b/c.txt', contents: 'c' },
  { path: 'b/new/d.txt', contents: 'd' },
  { path: 'run.sh', contents: '#!/bin/sh\necho new\n' },
  { path: '.env', contents: 'A=1\nB=2\n', kind: 'merge', mode: 0o600 },
];
const FILES = [...NEXT, manifestFile(NEXT)];

/** FileOps that record each mutating call and throw EIO on the `failAt`-th (1-based; 0 never fails). */
function recording(failAt = 0): { ops: FileOps; calls: string[] } {
  const calls: string[] = [];
  const wrap =
    <A extends unknown[]>(name: string, fn: (...args: A) => void) =>
    (...args: A) => {
      calls.push(`${name} ${args.map(String).join(' ')}`);
      if (calls.length === failAt) throw Object.assign(new Error(`EIO: i/o error, ${name}`), { code: 'EIO', syscall: name });
      fn(...args);
    };
  const ops: FileOps = {
    mkdir: wrap('mkdir', NODE_OPS.mkdir),
    rmdir: wrap('rmdir', NODE_OPS.rmdir),
    create: wrap('create', NODE_OPS.create),
    chmod: wrap('chmod', NODE_OPS.chmod),
    rename: wrap('rename', NODE_OPS.rename),
    unlink: wrap('unlink', NODE_OPS.unlink),
    lstat: NODE_OPS.lstat,
  };
  return { ops, calls };
}

async function expectedAfter(): Promise<Record<string, string>> {
  const dir = previousProject();
  await apply(dir, plan(FILES, readDisk(dir)));
  return hashTree(dir);
}

describe('apply', () => {
  it('writes the plan: new, changed and deleted files, modes kept or set, emptied folders removed, the manifest last', async () => {
    const dir = previousProject();
    const { ops, calls } = recording();
    await apply(dir, plan(FILES, readDisk(dir)), ops);
    const tree = hashTree(dir);
    expect(tree['a.txt']).toBe(`file 644 ${contentHash('new a').slice('sha256-'.length)}`);
    expect(tree['b/new/d.txt']).toMatch(/^file 644 /);
    expect(tree['run.sh']).toMatch(/^file 755 /);
    expect(tree['.env']).toMatch(/^file 600 /);
    expect(tree['monitoring/gone/x.txt']).toBeUndefined();
    expect([tree['monitoring/gone'], tree.monitoring]).toEqual([undefined, undefined]);
    // The user's files, link and folder are untouched; no temporary or backup file is left.
    expect([tree['b/mine.txt']?.slice(0, 4), tree['link-to-mine'], tree['empty-of-theirs']]).toEqual(['file', 'link b/mine.txt', 'dir 755']);
    expect(Object.keys(tree).filter((p) => p.includes('.brokerplate-'))).toEqual([]);
    const renamesIntoPlace = calls.filter((c) => c.startsWith('rename') && c.includes('.brokerplate-new'));
    expect(renamesIntoPlace.at(-1)).toContain(MANIFEST_FILE.split('/')[1]);
  });

  it('a failure at any step before the manifest is in place leaves the tree exactly as it was', async () => {
    const after = await expectedAfter();
    const probe = recording();
    const dir0 = previousProject();
    await apply(dir0, plan(FILES, readDisk(dir0)), probe.ops);
    let rolledBack = 0;
    for (let failAt = 1; failAt <= probe.calls.length; failAt++) {
      const dir = previousProject();
      const before = hashTree(dir);
      const { ops } = recording(failAt);
      const p = plan(FILES, readDisk(dir));
      let outcome: 'rolled back' | 'applied';
      try {
        await apply(dir, p, ops);
        outcome = 'applied';
      } catch (error) {
        expect(error, `step ${failAt}: ${probe.calls[failAt - 1]}`).toBeInstanceOf(WriteError);
        expect((error as Error).message).toMatch(/^[\w./]+: cannot [\w ./]+: input\/output error \(EIO\); nothing was changed$/);
        outcome = 'rolled back';
      }
      if (outcome === 'rolled back') {
        rolledBack++;
        expect(hashTree(dir), `step ${failAt} (${probe.calls[failAt - 1]}) failed and left the tree changed`).toEqual(before);
      } else {
        // Only tidying up comes after the manifest: a failure there leaves a finished run (plus the leftover).
        const tree = hashTree(dir);
        for (const [path, hash] of Object.entries(after)) expect(tree[path], `step ${failAt}: ${path}`).toBe(hash);
      }
    }
    // Every mkdir, write, chmod and rename up to the manifest's is a rollback case.
    expect(rolledBack).toBeGreaterThanOrEqual(probe.calls.findIndex((c) => c.startsWith('rename') && c.includes('files.json.') && c.includes('-new')) + 1);
  });

  it('creates a missing destination, and removes it again when the run fails', async () => {
    const root = tempDir('brokerplate-apply-');
    const dir = join(root, 'new', 'project');
    const p = plan(FILES, readDisk(dir));
    const before = hashTree(root);
    await expect(apply(dir, p, recording(6).ops)).rejects.toThrow(WriteError);
    expect(hashTree(root)).toEqual(before);
    await apply(dir, p);
    expect(hashTree(dir)['a.txt']).toMatch(/^file /);
  });

  it('refuses to replace or delete a file that changed after the plan was made', async () => {
    const dir = previousProject();
    const p = plan(FILES, readDisk(dir));
    writeFileSync(join(dir, 'monitoring', 'gone', 'x.txt'), 'edited meanwhile');
    const before = hashTree(dir);
    await expect(apply(dir, p)).rejects.toThrow(/^monitoring\/gone\/x\.txt: changed while brokerplate was running; run it again; nothing was changed$/);
    expect(hashTree(dir)).toEqual(before);
  });

  it('holds Ctrl-C (SIGINT) until the plan is applied: the process then dies of it, the tree whole (a real child process)', async () => {
    const dir = previousProject();
    const copy = `${dir}-expected`;
    cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    await apply(copy, plan(FILES, readDisk(copy)));
    const script = `
      import { apply, NODE_OPS } from ${JSON.stringify(new URL('../../generators/write/apply.ts', import.meta.url).pathname)};
      import { readDisk } from ${JSON.stringify(new URL('../../generators/write/disk.ts', import.meta.url).pathname)};
      import { plan } from ${JSON.stringify(new URL('../../generators/write/plan.ts', import.meta.url).pathname)};
      const files = ${JSON.stringify(FILES)};
      let n = 0;
      const ops = { ...NODE_OPS, rename: (a, b) => { if (++n === 2) process.kill(process.pid, 'SIGINT'); NODE_OPS.rename(a, b); } };
      await apply(${JSON.stringify(dir)}, plan(files, readDisk(${JSON.stringify(dir)})), ops);
      setTimeout(() => console.log('survived'), 1000);
    `;
    const result = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    expect(result.stdout).not.toContain('survived');
    expect(result.code).toBe(null);
    const { '.': _a, ...tree } = hashTree(dir);
    const { '.': _b, ...expected } = hashTree(copy);
    expect(tree).toEqual(expected);
  });
});
