import { describe, expect, it } from 'vitest';
import { plan } from '../../generators/app/plan.ts';
import { contentHash, MANIFEST_FILE } from '../../generators/emit/index.ts';

function disk(files: Record<string, string>) {
  return (path: string) => files[path];
}

describe('the write plan of a re-run', () => {
  const manifest = JSON.stringify({ files: { 'a.txt': contentHash('old a'), 'gone.txt': contentHash('gone'), 'edited-gone.txt': contentHash('x') } });

  it('overwrites its own files, flags hand edits, removes files the spec no longer produces, keeps edited ones', () => {
    const result = plan(
      [
        { path: 'a.txt', contents: 'new a' },
        { path: 'b.txt', contents: 'b' },
        { path: 'c.txt', contents: 'c' },
        { path: 'new.txt', contents: 'n' },
        { path: MANIFEST_FILE, contents: '{}' },
      ],
      disk({ [MANIFEST_FILE]: manifest, 'a.txt': 'old a', 'b.txt': 'b', 'c.txt': 'hand-made c', 'gone.txt': 'gone', 'edited-gone.txt': 'x plus edits' }),
    );
    expect(result).toEqual([
      { path: 'a.txt', status: 'update' },
      { path: 'b.txt', status: 'identical' },
      { path: 'c.txt', status: 'conflict' },
      { path: 'new.txt', status: 'create' },
      { path: MANIFEST_FILE, status: 'update' },
      { path: 'edited-gone.txt', status: 'keep-edited' },
      { path: 'gone.txt', status: 'delete' },
    ]);
  });

  it('leaves seed files alone once they exist (Pulumi stack files hold the user\'s encrypted secrets)', () => {
    const seed = { path: 'infra/Pulumi.dev.yaml', contents: 'config: {}\n', seed: true } as const;
    expect(plan([seed], disk({ 'infra/Pulumi.dev.yaml': 'config:\n  shop:secret: encrypted\n' }))).toEqual([{ path: seed.path, status: 'keep-seed' }]);
    expect(plan([seed], disk({}))).toEqual([{ path: seed.path, status: 'create' }]);
  });

  it('treats every differing file as a conflict when the manifest is unreadable', () => {
    expect(plan([{ path: 'a.txt', contents: 'new' }], disk({ [MANIFEST_FILE]: 'not json', 'a.txt': 'old' }))).toEqual([{ path: 'a.txt', status: 'conflict' }]);
  });
});
