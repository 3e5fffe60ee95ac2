/**
 * Every place that tells a user to run brokerplate through npx names the package: `npx brokerplate` alone
 * resolves an npm package called `brokerplate`, which this project does not own (npx would download and run it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitProject } from '../../generators/emit/index.ts';
import { BROKER_IDS } from '../../generators/guide/index.ts';
import { buildSpec } from '../../generators/stack/build.ts';
import { ROOT } from '../support/cli.ts';

const BARE = /npx brokerplate\b/;
const NAMED = 'npx -p generator-brokerplate brokerplate';

function texts(dir: string): [string, string][] {
  return readdirSync(dir).flatMap((name): [string, string][] => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? texts(path) : [[path, readFileSync(path, 'utf8')]];
  });
}

describe('npx names the package', () => {
  it('in every generated file (hybrid, prod, compose + Kubernetes: the TLS and RabbitMQ sections included)', () => {
    const files = emitProject(buildSpec({ name: 'shop', scenario: 'hybrid', brokers: BROKER_IDS, profile: 'prod', targets: ['compose', 'k8s'], decision: { overridden: false } }));
    expect(files.filter((f) => BARE.test(f.contents)).map((f) => f.path)).toEqual([]);
    // Control: the instructions are still there, with the package named.
    expect(files.filter((f) => f.contents.includes(NAMED)).map((f) => f.path)).toEqual(['README.md', 'brokerplate.yaml']);
    // The TLS rotation and the RabbitMQ certificate steps are sections of the README.
    expect(files.find((f) => f.path === 'README.md')?.contents).toContain(`${NAMED} --rotate-ca`);
  });

  it('in the templates and the repository README', () => {
    const sources = [...texts(join(ROOT, 'templates')), [join(ROOT, 'README.md'), readFileSync(join(ROOT, 'README.md'), 'utf8')] as [string, string]];
    expect(sources.filter(([, text]) => BARE.test(text)).map(([path]) => path.slice(ROOT.length))).toEqual([]);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(NAMED);
  });
});
