/**
 * Regeneration end to end through the built bin, as a user does it: generate, edit brokerplate.yaml
 * (or pass --profile / --targets), run brokerplate again without a terminal and without --force.
 * Each run must leave exactly the tree a fresh generation from the resulting spec writes (every
 * file's bytes and mode, every folder; .env compared by its keys and secrets/tls/ by its files and
 * modes, their contents being random; material a run keeps although the spec no longer asks for it
 * must be byte for byte what it was), and
 * the projects must type-check: one tsc run over all of them (src, test, bench and infra/), plus a
 * control copy holding the orphan the old generator left behind, whose errors must be the only ones.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, type Document } from 'yaml';
import { parseEnv } from '../../generators/emit/index.ts';
import { sharedNodeModules } from '../clients/support.ts';
import { ROOT, runBin, runCommand } from '../support/cli.ts';
import { hashTree, type Tree } from '../support/tree.ts';

const WORK = join(ROOT, 'test', '.work', `regenerate-${process.pid}`);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Scenario {
  readonly name: string;
  /** The first generation's flags. */
  readonly create: readonly string[];
  /** The user's edit of brokerplate.yaml (optional). */
  readonly edit?: (doc: Document) => void;
  /** Flags of the regenerating run. */
  readonly flags?: readonly string[];
  /** What must be gone afterwards, and what must be there (a sanity check that the edit took). */
  readonly gone: readonly string[];
  readonly present: readonly string[];
  /** Secret material the run keeps although a fresh generation would not write it (left byte for byte, then out of the comparison). */
  readonly keeps?: string;
}

function channelIndex(doc: Document, name: string): number {
  const channels = doc.toJS() as { channels: { name: string }[] };
  const i = channels.channels.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no channel ${name}`);
  return i;
}

/** The redis block and its channels of a hybrid spec, for "add a broker". */
let hybridRedis: { broker: unknown; channels: unknown[] } | undefined;

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'rename a channel',
    create: ['--scenario', 'hybrid'],
    edit: (doc) => doc.setIn(['channels', channelIndex(doc, 'events'), 'name'], 'auditLog'),
    gone: ['src/examples/events.ts'],
    present: ['src/examples/auditLog.ts'],
  },
  {
    name: 'remove a channel',
    create: ['--scenario', 'hybrid'],
    edit: (doc) => doc.deleteIn(['channels', channelIndex(doc, 'tasks')]),
    gone: ['src/examples/tasks.ts'],
    present: ['src/examples/events.ts'],
  },
  {
    name: 'remove a broker',
    create: ['--scenario', 'hybrid'],
    edit: (doc) => {
      doc.deleteIn(['brokers', 'kafka']);
      doc.deleteIn(['channels', channelIndex(doc, 'events')]);
    },
    gone: ['config/kafka', 'backup/kafka', 'infra/components/kafka.ts', 'src/messaging/kafka.ts', 'bench/kafka.ts'],
    present: ['src/messaging/rabbitmq.ts', 'src/messaging/redis.ts'],
  },
  {
    name: 'add a broker',
    create: ['--scenario', 'rpc'],
    edit: (doc) => {
      if (!hybridRedis) throw new Error('no hybrid redis block');
      doc.setIn(['brokers', 'redis'], doc.createNode(hybridRedis.broker));
      for (const c of hybridRedis.channels) doc.addIn(['channels'], doc.createNode(c));
    },
    gone: [],
    present: ['config/redis', 'src/messaging/redis.ts', 'infra/components/redis.ts'],
  },
  {
    name: 'switch profile dev → prod (after editing the spec by hand)',
    create: ['--scenario', 'hybrid'],
    edit: (doc) => {
      doc.commentBefore = ' my own note, kept';
      doc.setIn(['channels', channelIndex(doc, 'events'), 'description'], 'Audit log, edited by hand');
    },
    flags: ['--profile', 'prod'],
    gone: [],
    present: ['compose.yaml'],
  },
  {
    name: 'switch profile prod → dev',
    create: ['--scenario', 'hybrid', '--profile', 'prod'],
    flags: ['--profile', 'dev'],
    gone: [],
    present: ['compose.yaml'],
    keeps: 'secrets',
  },
  {
    name: 'change targets to compose only',
    create: ['--scenario', 'event-streaming'],
    flags: ['--targets', 'compose'],
    gone: ['infra'],
    present: ['compose.yaml'],
  },
];

/** The tree with .env reduced to its mode and its keys, and the TLS material and the monitoring web configs (bcrypt, random salts) to their modes (their contents are random per run). */
function comparable(dir: string, without?: string): Tree {
  const tree = hashTree(dir);
  const env = tree['.env'];
  if (env) tree['.env'] = `${env.split(' ').slice(0, 2).join(' ')} keys=${[...parseEnv(readFileSync(join(dir, '.env'), 'utf8')).keys()].join(',')}`;
  for (const [path, entry] of Object.entries(tree)) {
    if (without && (path === without || path.startsWith(`${without}/`))) delete tree[path];
    else if (path.startsWith('secrets/tls/') || path.startsWith('secrets/monitoring/')) tree[path] = entry.split(' ').slice(0, 2).join(' ');
  }
  return tree;
}

function subtree(tree: Tree, prefix: string): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([p]) => p === prefix || p.startsWith(`${prefix}/`)));
}

async function bin(args: readonly string[]): Promise<string> {
  const r = await runBin(args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`brokerplate ${args.join(' ')} exited ${r.code}:\n${r.output}`);
  return r.stdout;
}

const done = new Map<string, string>();

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const hybrid = join(WORK, '.hybrid');
  await bin([hybrid, '--scenario', 'hybrid', '--yes']);
  const spec = parseDocument(readFileSync(join(hybrid, 'brokerplate.yaml'), 'utf8')).toJS() as { brokers: { redis: unknown }; channels: { broker: string }[] };
  hybridRedis = { broker: spec.brokers.redis, channels: spec.channels.filter((c) => c.broker === 'redis') };
}, 120_000);

afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

describe('regenerating after an edit leaves exactly the files a fresh generation writes', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const slug = s.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase();
      const dir = join(WORK, slug);
      await bin([dir, ...s.create, '--yes']);
      if (s.name === 'rename a channel') cpSync(join(dir, 'src/examples/events.ts'), join(WORK, '.orphan-events.ts'));
      const specPath = join(dir, 'brokerplate.yaml');
      if (s.edit) {
        const doc = parseDocument(readFileSync(specPath, 'utf8'));
        s.edit(doc);
        writeFileSync(specPath, doc.toString({ lineWidth: 0 }));
      }
      const kept = s.keeps ? subtree(hashTree(dir), s.keeps) : {};
      if (s.keeps) expect(Object.keys(kept).length, `${s.keeps} before the run`).toBeGreaterThan(1);
      const out = await bin([dir, ...(s.flags ?? [])]);
      expect(out).toMatch(/^brokerplate: regenerated /m);
      if (s.keeps) expect(subtree(hashTree(dir), s.keeps)).toEqual(kept);
      for (const path of s.gone) expect(hashTree(dir)[path], `${path} is still there`).toBeUndefined();
      for (const path of s.present) expect(hashTree(dir)[path], `${path} is missing`).toBeDefined();

      const fresh = join(WORK, `${slug}.fresh`);
      mkdirSync(fresh);
      cpSync(specPath, join(fresh, 'brokerplate.yaml'));
      await bin([fresh]);
      expect(comparable(dir, s.keeps)).toEqual(comparable(fresh));
      // The spec stays the user's text: an edited note and comment survive a flag's change.
      if (s.name.startsWith('switch profile dev')) {
        const text = readFileSync(specPath, 'utf8');
        expect(text).toMatch(/^# my own note, kept$/m);
        expect(text).toContain('Audit log, edited by hand');
        expect(text).toMatch(/^profile: prod$/m);
      }
      // A second run is a no-op.
      const before = hashTree(dir);
      expect(await bin([dir])).toMatch(/^brokerplate: nothing to change for /m);
      expect(hashTree(dir)).toEqual(before);
      done.set(s.name, slug);
    }, 120_000);
  }
});

describe('the regenerated projects type-check (one tsc over all of them)', () => {
  it('has no diagnostics except in the control copy, which keeps the orphan the old generator left behind', async () => {
    expect([...done.keys()]).toEqual(SCENARIOS.map((s) => s.name));
    const renamed = done.get('rename a channel') ?? '';
    cpSync(join(WORK, renamed), join(WORK, 'control'), { recursive: true });
    cpSync(join(WORK, '.orphan-events.ts'), join(WORK, 'control', 'src/examples/events.ts'));
    symlinkSync(await sharedNodeModules(), join(WORK, 'node_modules'), 'dir');
    const generated = JSON.parse(readFileSync(join(WORK, renamed, 'tsconfig.json'), 'utf8')) as { compilerOptions: object };
    const projects = [...done.values(), 'control'];
    writeFileSync(
      join(WORK, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: generated.compilerOptions,
        include: projects.flatMap((p) => [`${p}/src`, `${p}/test`, `${p}/bench`, `${p}/vitest.config.ts`, `${p}/infra/**/*.ts`]),
        exclude: projects.map((p) => `${p}/infra/rendered`),
      }),
    );
    const result = await runCommand(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '--listFiles', '-p', join(WORK, 'tsconfig.json')], { cwd: WORK, timeoutMs: 300_000 });
    const errors = result.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors.filter((l) => !l.startsWith('control/')), result.stdout).toEqual([]);
    expect(errors.length, result.stdout).toBeGreaterThan(0);
    expect(errors.every((l) => l.startsWith('control/src/examples/events.ts')), result.stdout).toBe(true);
    // tsc saw every project (and infra/): its file list names them.
    for (const p of projects) expect(result.stdout, p).toContain(join(WORK, p, 'src', 'messaging', 'index.ts'));
    expect(result.stdout).toContain(join(WORK, done.get('remove a broker') ?? '', 'infra', 'index.ts'));
  }, 600_000);
});
