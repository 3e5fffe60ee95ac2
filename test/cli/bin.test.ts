import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { FLOWCHART_FLAGS, SETTINGS, SWITCHES } from '../../generators/app/settings.ts';
import { emitProject, parseEnv } from '../../generators/emit/index.ts';
import { SCENARIO_IDS, SCENARIOS } from '../../generators/guide/index.ts';
import { loadSpec, PROFILES } from '../../generators/stack/index.ts';
import { BIN, readTree, runBin, runCommand, tempDir } from '../support/cli.ts';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
});

async function generate(dir: string, ...args: string[]) {
  const result = await runBin([dir, ...args]);
  if (result.code !== 0) throw new Error(`brokerplate ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result;
}

describe('brokerplate --help', () => {
  it('documents every flag and exits 0', async () => {
    const result = await runBin(['--help']);
    expect(result.code).toBe(0);
    for (const s of SETTINGS) expect(result.stdout).toContain(`--${s.flag} `);
    for (const f of FLOWCHART_FLAGS) expect(result.stdout).toContain(`--[no-]${f.flag}`);
    for (const s of SWITCHES) expect(result.stdout).toContain(`--${s.flag}`);
  });
});

describe('every scenario × profile generates non-interactively', () => {
  const root = tempDir();
  for (const scenario of SCENARIO_IDS) {
    for (const profile of PROFILES) {
      it(`${scenario} / ${profile}`, async () => {
        const dir = join(root, `${scenario}-${profile}`);
        await generate(dir, '--scenario', scenario, '--profile', profile, '--yes');
        const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
        expect(spec.ok && [spec.spec.scenario, spec.spec.profile, spec.spec.name]).toEqual([scenario, profile, `${scenario}-${profile}`]);
        const readme = readFileSync(join(dir, 'README.md'), 'utf8');
        expect(readme).toContain(SCENARIOS[scenario].title);
        // Secrets only in the git-ignored .env.
        expect(readFileSync(join(dir, '.gitignore'), 'utf8').split('\n')).toContain('.env');
        const secrets = [...parseEnv(readFileSync(join(dir, '.env'), 'utf8')).entries()].filter(([k]) => /PASSWORD|COOKIE|SECRET/.test(k)).map(([, v]) => v);
        for (const [path, contents] of readTree(dir)) {
          if (path === '.env') continue;
          for (const s of secrets) expect(contents.includes(s), `${path} leaks a secret`).toBe(false);
        }
      });
    }
  }
});

describe('npx brokerplate', () => {
  it('runs the package bin through npm exec (no install) and writes the project', async () => {
    const dir = join(tempDir(), 'via-npx');
    // npm exec starts npm, then the bin: more than runCommand's default 30 s on loaded cores.
    const result = await runCommand('npx', ['--no-install', 'brokerplate', dir, '--scenario', 'rpc', '--profile', 'dev', '--yes'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    expect(spec.ok && [spec.spec.scenario, spec.spec.profile]).toEqual(['rpc', 'dev']);
  }, 130_000);
});

describe('bad input: a clear message naming the flag or field, exit ≠ 0, nothing written', () => {
  it.each([
    [['--scenario', 'chat', '--yes'], 1, /--scenario: unknown scenario "chat" \(choose one of: event-streaming, /],
    [['--scenario', 'rpc', '--brokers', 'kafka,nats', '--yes'], 1, /--brokers: unknown broker "nats" \(choose one of: kafka, rabbitmq, redis\)/],
    [['--scenario', 'rpc', '--profile', 'staging', '--yes'], 1, /--profile: unknown profile "staging" \(choose one of: dev, prod\)/],
    [['--scenario', 'rpc', '--targets', 'helm', '--yes'], 1, /--targets: unknown target "helm"/],
    [['--scenario', 'rpc', '--name', 'My_Shop', '--yes'], 1, /--name: "My_Shop" must be a Kubernetes DNS-1123 label/],
    [['--scenario', 'rpc', '--replay', '--yes'], 1, /--scenario and --replay: give either a scenario or the flowchart answers/],
    [['--bogus'], 2, /--bogus: unknown option \(brokerplate --help lists the options/],
  ])('%j', async (args, code, message) => {
    const dir = join(tempDir(), 'out');
    const result = await runBin([dir, ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(existsSync(dir)).toBe(false);
  });

  it('fails instead of hanging when stdin is an open pipe and an answer is missing', async () => {
    const dir = join(tempDir(), 'out');
    const result = await runBin([dir], { openStdin: true, timeoutMs: 20_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing answer: pass --scenario </);
    expect(existsSync(dir)).toBe(false);
  });

  it('names the next missing flag when only some answers are given without --yes', async () => {
    const dir = join(tempDir(), 'out');
    const result = await runBin([dir, '--scenario', 'rpc', '--brokers', 'rabbitmq'], { openStdin: true, timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing answer: pass --profile <dev\|prod>/);
    const flow = await runBin([dir, '--no-replay'], { openStdin: true, timeoutMs: 20_000 });
    expect(flow.code).toBe(1);
    expect(flow.stderr).toMatch(/missing answer: pass --complex-routing or --no-complex-routing/);
    expect(existsSync(dir)).toBe(false);
  });

  describe('an edited spec that breaks a rule is refused and nothing changes', () => {
    const edits: [string, (text: string) => string, RegExp][] = [
      ['exactly-once on RabbitMQ', (t) => t.replace('semantics: at-least-once', 'semantics: exactly-once'), /channels\[0\]\.semantics: exactly-once is not available on RabbitMQ \(guide: "Not native \(app-level dedup\)"\)/],
      ['an invalid channel name', (t) => t.replace('name: tasks', 'name: amq.tasks'), /channels\[0\]\.name: "amq.tasks" is not a valid RabbitMQ name/],
      ['malformed YAML', (t) => `${t}\nchannels: [oops\n`, /^brokerplate: error: brokerplate\.yaml: line \d+, column \d+: is not valid YAML/m],
      ['a schema violation', (t) => t.replace(/prefetch: 10/, 'prefetch: ten'), /channels\[0\]\.prefetch: must be an integer, got "ten"/],
    ];
    it.each(edits)('%s', async (_name, edit, message) => {
      const dir = join(tempDir(), 'shop');
      await generate(dir, '--scenario', 'background-jobs', '--yes');
      const specPath = join(dir, 'brokerplate.yaml');
      writeFileSync(specPath, edit(readFileSync(specPath, 'utf8')));
      const before = readTree(dir);
      const result = await runBin([dir], { openStdin: true });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(readTree(dir)).toEqual(before);
    });
  });
});

describe('flowchart flags choose the scenario', () => {
  it.each([
    [['--replay'], 'event-streaming', 'kafka'],
    [['--no-replay', '--complex-routing'], 'complex-routing', 'rabbitmq'],
    [['--no-replay', '--no-complex-routing', '--low-latency'], 'realtime-notifications', 'redis'],
    [['--no-replay'], 'background-jobs', 'rabbitmq'],
  ])('%j → %s', async (flags, scenario, broker) => {
    const dir = join(tempDir(), 'flow');
    await generate(dir, ...flags, '--yes');
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    expect(spec.ok && spec.spec.scenario).toBe(scenario);
    expect(spec.ok && Object.keys(spec.spec.brokers)).toEqual([broker]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain("You answered the guide's Decision Flowchart:");
  });

  it('records a --brokers override and explains it in the README', async () => {
    const dir = join(tempDir(), 'override');
    await generate(dir, '--scenario', 'background-jobs', '--brokers', 'redis', '--yes');
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    expect(spec.ok && spec.spec.decision.overridden).toBe(true);
    // The job queue stays a job queue: a Redis stream with a consumer group, at-least-once (it used to become at-most-once pub/sub).
    expect(spec.ok && spec.spec.channels.map((c) => [c.name, c.broker, c.kind, c.semantics])).toEqual([['tasks', 'redis', 'stream', 'at-least-once']]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/\*\*Override:\*\* the guide recommends RabbitMQ for this scenario/);
  });
});

describe('deterministic, safe, regenerable output', () => {
  it('writes byte-identical files for the same answers (secrets in .env aside)', async () => {
    const a = join(tempDir(), 'shop');
    const b = join(tempDir(), 'shop');
    await generate(a, '--scenario', 'hybrid', '--profile', 'prod', '--yes');
    await generate(b, '--scenario', 'hybrid', '--profile', 'prod', '--yes');
    const [ta, tb] = [readTree(a), readTree(b)];
    const envA = ta.get('.env');
    const envB = tb.get('.env');
    ta.delete('.env');
    tb.delete('.env');
    // The TLS material is random too (keys, serials), and so are the monitoring web configs (bcrypt salts): the same files, different bytes.
    const material = (t: Map<string, string>) => [...t.keys()].filter((p) => p.startsWith('secrets/tls/') || p.startsWith('secrets/monitoring/'));
    expect(material(ta).length).toBeGreaterThan(2);
    expect(material(ta)).toEqual(material(tb));
    expect(ta.get('secrets/tls/ca.key')).not.toEqual(tb.get('secrets/tls/ca.key'));
    for (const p of material(ta)) (ta.delete(p), tb.delete(p));
    expect(ta).toEqual(tb);
    expect([...parseEnv(envA ?? '').keys()]).toEqual([...parseEnv(envB ?? '').keys()]);
    expect(envA).not.toEqual(envB);
  });

  it('writes from the bundled bin (precompiled templates) exactly what the source emitters produce', async () => {
    const dir = join(tempDir(), 'shop');
    await generate(dir, '--scenario', 'hybrid', '--profile', 'prod', '--yes');
    const spec = loadSpec(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8'));
    if (!spec.ok) throw new Error('invalid spec');
    const tree = readTree(dir);
    tree.delete('.env');
    // Issued at write time (like .env's secrets), never emitted: test/tls and test/monitoring/auth check them.
    for (const p of [...tree.keys()].filter((k) => k.startsWith('secrets/tls/') || k.startsWith('secrets/monitoring/'))) tree.delete(p);
    expect(tree).toEqual(new Map(emitProject(spec.spec).map((f) => [f.path, f.contents])));
  });

  it('regenerates from the spec without asking, keeping secrets, and follows spec edits', async () => {
    const dir = join(tempDir(), 'shop');
    await generate(dir, '--scenario', 'hybrid', '--yes');
    const before = readTree(dir);
    const again = await runBin([dir], { openStdin: true, timeoutMs: 20_000 });
    expect(again.code).toBe(0);
    expect(readTree(dir)).toEqual(before);

    const specPath = join(dir, 'brokerplate.yaml');
    const doc = parseDocument(readFileSync(specPath, 'utf8'));
    doc.setIn(['channels', 0, 'description'], 'Audited event log');
    writeFileSync(specPath, `# my note\n${doc.toString()}`);
    const edited = await runBin([dir], { openStdin: true, timeoutMs: 20_000 });
    expect(edited.code).toBe(0);
    const after = readTree(dir);
    expect(after.get('README.md')).toContain('Audited event log');
    expect(after.get('brokerplate.yaml')?.startsWith('# my note\n')).toBe(true);
    expect(after.get('.env')).toBe(before.get('.env'));
  });

  it('applies --profile on a re-run by editing the spec in place', async () => {
    const dir = join(tempDir(), 'shop');
    await generate(dir, '--scenario', 'rpc', '--yes');
    const result = await runBin([dir, '--profile', 'prod'], { openStdin: true });
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'brokerplate.yaml'), 'utf8')).toMatch(/^profile: prod$/m);
    const refused = await runBin([dir, '--scenario', 'hybrid'], { openStdin: true });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--scenario: .*brokerplate\.yaml already exists; edit it instead/);
  });

  it('stops at files edited by hand unless --force', async () => {
    const dir = join(tempDir(), 'shop');
    await generate(dir, '--scenario', 'rpc', '--yes');
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `${readFileSync(readme, 'utf8')}\nmy notes\n`);
    const before = readTree(dir);
    const refused = await runBin([dir], { openStdin: true });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('brokerplate: error: 1 file changed by hand: README.md (edited by hand since brokerplate generated it): nothing was written; pass --force to overwrite them, or run in a terminal to decide file by file\n');
    expect(readTree(dir)).toEqual(before);
    const forced = await runBin([dir, '--force'], { openStdin: true });
    expect(forced.code).toBe(0);
    expect(readFileSync(readme, 'utf8')).not.toContain('my notes');
  });

  it('--dry-run lists the files and writes nothing', async () => {
    const dir = join(tempDir(), 'dry');
    const result = await runBin([dir, '--scenario', 'hybrid', '--yes', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/create +README\.md/);
    expect(result.stdout).toMatch(/create +brokerplate\.yaml/);
    expect(existsSync(dir)).toBe(false);
  });
});
