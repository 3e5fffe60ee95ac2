/**
 * The README's "in a clone" generate command, run as a user of this machine kind types it: from the
 * clone's root, with the system PATH only (Debian 12's Node 20 and its npm first, not the
 * node_modules/.bin that `npm test` puts in front), so the README cannot show a command that only
 * works inside the test runner.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCommand, tempDir } from '../support/cli.ts';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MARK = '# the same bin in a clone, after npm ci';

/** The README line marked as the clone's command, without its comment. */
function cloneCommand(): string {
  const line = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').find((l) => l.includes(MARK));
  if (!line) throw new Error(`README.md has no line marked "${MARK}"`);
  return line.slice(0, line.indexOf('#')).trim();
}

const hasSystemNpm = existsSync('/usr/bin/npm') || existsSync('/usr/local/bin/npm');

describe.skipIf(!hasSystemNpm)('the README\'s clone command, with the system PATH only', () => {
  const run = (command: string, dest: string) =>
    runCommand('sh', ['-c', command.replace('./shop', dest)], { cwd: ROOT, env: { PATH: SYSTEM_PATH, npm_config_update_notifier: 'false' }, timeoutMs: 120_000 });

  it('generates the project it names', async () => {
    const command = cloneCommand();
    expect(command).toContain('./shop');
    const dest = join(tempDir(), 'shop');
    const result = await run(command, dest);
    expect(result.stderr).not.toContain('brokerplate: error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`in ${dest}`);
    for (const file of ['README.md', 'compose.yaml', 'brokerplate.yaml', '.env']) expect(existsSync(join(dest, file)), file).toBe(true);
  }, 150_000);

  it('control: the bare `node dist/brokerplate.mjs` it replaced is refused on an older system Node, nothing written', async () => {
    const system = await runCommand('node', ['-p', 'process.versions.node'], { env: { PATH: SYSTEM_PATH } });
    const major = Number.parseInt(system.stdout, 10);
    if (!(major < 22)) return; // a newer system Node runs it too: nothing to show here
    const dest = join(tempDir(), 'shop');
    const result = await run('node dist/brokerplate.mjs ./shop --scenario hybrid --profile prod --yes', dest);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^brokerplate needs Node .+; this is Node 2\d\.\d+\.\d+\. Install a supported Node and run it again\.\n$/);
    expect(existsSync(dest)).toBe(false);
  }, 60_000);
});
