/**
 * The bin on a Node older than package.json's engines: a message and exit 1, not a link error.
 * The old Node is the machine's system one (/usr/bin/node, Node 20 on these machines).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meetsMinimum, tooOldMessage } from '../../generators/cli/node-version.ts';
import { BIN, ROOT, runCommand, tempDir } from '../support/cli.ts';

const MINIMUM = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node.replace(/^>=\s*/, '');
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';

describe('the Node version check', () => {
  it('compares versions part by part', () => {
    expect(meetsMinimum('22.18.0', '22.18')).toBe(true);
    expect(meetsMinimum('24.1.0', '22.18')).toBe(true);
    expect(meetsMinimum('22.9.0', '22.18')).toBe(false);
    expect(meetsMinimum('20.20.2', '22.18')).toBe(false);
    expect(meetsMinimum('v23.0.0', '22.18')).toBe(true);
    expect(tooOldMessage('24.0.0', MINIMUM)).toBeUndefined();
  });

  it('passes on the Node the tests run on', () => {
    expect(meetsMinimum(process.versions.node, MINIMUM)).toBe(true);
  });

  it.skipIf(systemVersion === '' || meetsMinimum(systemVersion, MINIMUM))(`the bin on the system Node (${systemVersion || 'none'}) exits 1 naming the Node it needs, and writes nothing`, async () => {
    const dir = join(tempDir(), 'out');
    const result = await runCommand(SYSTEM_NODE, [BIN, dir, '--scenario', 'rpc', '--yes']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`brokerplate needs Node >= ${MINIMUM}; this is Node ${systemVersion}. Install a newer Node and run it again.\n`);
    expect(existsSync(dir)).toBe(false);
  });
});
