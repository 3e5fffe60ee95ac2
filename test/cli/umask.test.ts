/**
 * Secret material keeps its modes whatever the umask: under `umask 000` the bin still makes `secrets/` and its
 * folders 0700, `.env` and every private key 0600 (chmod after create, not the umask's default).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCommand, tempDir } from '../support/cli.ts';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('secret material under umask 000', () => {
  it('secrets/ folders 0700, .env and keys 0600 (control: an ordinary folder gets 0777, so the umask took effect)', async () => {
    const dir = join(tempDir(), 'shop');
    const script = `umask 000; exec "$0" "$1" "$2" --scenario hybrid --profile prod --yes`;
    const r = await runCommand('sh', ['-c', script, process.execPath, BIN, dir], { timeoutMs: 60_000 });
    expect(r.code, r.output).toBe(0);
    expect(mode(join(dir, 'config'))).toBe('777');
    const folders = ['secrets', 'secrets/tls', 'secrets/monitoring'];
    expect(Object.fromEntries(folders.map((f) => [f, mode(join(dir, f))]))).toEqual(Object.fromEntries(folders.map((f) => [f, '700'])));
    const keys = readdirSync(join(dir, 'secrets', 'tls')).filter((f) => f.endsWith('.key') || f.endsWith('.pem'));
    expect(keys.length).toBeGreaterThan(3);
    expect([...new Set([mode(join(dir, '.env')), ...keys.map((k) => mode(join(dir, 'secrets', 'tls', k)))])]).toEqual(['600']);
  });
});
