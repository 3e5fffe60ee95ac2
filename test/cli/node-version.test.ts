/**
 * The bin on a Node outside package.json's engines: a message and exit 1, not a link error.
 * The old Node is the machine's system one (/usr/bin/node, Node 20 on these machines).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meetsMinimum, satisfiesEngines, unsupportedMessage } from '../../generators/cli/node-version.ts';
import { BIN, ROOT, runCommand, tempDir } from '../support/cli.ts';

const ENGINES = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';

/** The engines of the Yeoman packages the bin loads: it may not allow a Node they refuse. */
function yeomanEngines(): string[] {
  return ['yeoman-generator', 'yeoman-environment', '@yeoman/adapter'].map((p) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node);
}

describe('the Node version check', () => {
  it('compares versions part by part', () => {
    expect(meetsMinimum('22.18.0', '22.18')).toBe(true);
    expect(meetsMinimum('22.9.0', '22.18')).toBe(false);
    expect(meetsMinimum('v23.0.0', '22.18')).toBe(true);
  });

  it('reads ^ and >= alternatives: the 22 line from 22.18, and 24.11 on', () => {
    const range = '^22.18.0 || >=24.11.0';
    const verdict = (v: string) => satisfiesEngines(v, range);
    expect(['22.18.0', '22.22.1', 'v22.99.0', '24.11.0', '24.21.0', '25.0.0'].filter((v) => !verdict(v))).toEqual([]);
    expect(['20.20.2', '22.17.9', '23.0.0', '23.11.0', '24.0.0', '24.10.9'].filter(verdict)).toEqual([]);
    expect(() => satisfiesEngines('24.0.0', '~24.1.0')).toThrow(/cannot read "~24.1.0"/);
  });

  it('package.json allows no Node that the Yeoman packages refuse (the same range)', () => {
    for (const theirs of yeomanEngines()) expect(theirs).toBe(ENGINES);
  });

  it('passes on the Node the tests run on', () => {
    expect(unsupportedMessage(process.versions.node, ENGINES)).toBeUndefined();
  });

  it.skipIf(systemVersion === '' || satisfiesEngines(systemVersion, ENGINES))(`the bin on the system Node (${systemVersion || 'none'}) exits 1 naming the Node it needs, and writes nothing`, async () => {
    const dir = join(tempDir(), 'out');
    const result = await runCommand(SYSTEM_NODE, [BIN, dir, '--scenario', 'rpc', '--yes']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`brokerplate needs Node ${ENGINES}; this is Node ${systemVersion}. Install a supported Node and run it again.\n`);
    expect(existsSync(dir)).toBe(false);
  });
});
