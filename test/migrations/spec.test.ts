/**
 * The `migrations:` section and `--migration`: what addMigration builds validates, the rules refuse
 * a migration whose brokers or channels do not fit (with the field path and the reason), the flag
 * refuses a stack without the brokers, and every Mermaid diagram of the README and the runbooks
 * parses with Mermaid's own parser.
 */
import { describe, expect, it } from 'vitest';
import { migrationSetting } from '../../generators/app/settings.ts';
import { decisionDiagram, migrationDiagram, topologyDiagram } from '../../generators/emit/diagrams.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { SCENARIO_IDS, scenarioForFlowchart, type FlowchartAnswers } from '../../generators/guide/index.ts';
import { addMigration, buildSpec, formatIssue, loadSpec, parseSpec, serializeSpec, type StackSpec } from '../../generators/stack/index.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runBin, tempDir } from '../support/cli.ts';
import { mermaidBlocks, mermaidProblem } from '../support/mermaid.ts';
import { specFor } from '../support/stack.ts';

function issuesOf(spec: StackSpec): string[] {
  const r = parseSpec(JSON.parse(JSON.stringify(spec)));
  return r.ok ? [] : r.issues.map(formatIssue);
}

const rabbitKafka = () => addMigration(specFor('background-jobs', 'dev', { brokers: ['rabbitmq', 'kafka'] }), 'rabbitmq-to-kafka');
const pubsubStreams = () => addMigration(specFor('realtime-notifications', 'dev'), 'redis-pubsub-to-streams');

describe('migrations: in the spec', () => {
  it('--migration builds a spec that validates and reads back equal from brokerplate.yaml', () => {
    for (const spec of [rabbitKafka(), pubsubStreams()]) {
      expect(issuesOf(spec)).toEqual([]);
      const back = loadSpec(serializeSpec(spec));
      expect(back.ok && back.spec.migrations).toEqual(spec.migrations);
    }
    expect(rabbitKafka().migrations).toEqual([{ pattern: 'rabbitmq-to-kafka', from: 'tasks', to: 'tasks.kafka', tap: 'tasks.verify', verifyGroup: 'tasks.kafka-verify' }]);
    expect(pubsubStreams().brokers.redis?.evictionPolicy).toBe('noeviction');
  });

  it('refuses a pattern whose brokers are not in the stack, naming the field', () => {
    const spec = specFor('background-jobs', 'dev');
    spec.migrations = [{ pattern: 'rabbitmq-to-kafka', from: 'tasks', to: 'tasks', tap: 'x', verifyGroup: 'g' }];
    expect(issuesOf(spec)).toEqual([expect.stringMatching(/^migrations\[0\]\.pattern: rabbitmq-to-kafka needs brokers\.kafka in the stack/)]);
  });

  it('refuses channels of the wrong broker or kind, a different message, a tap bound elsewhere, a foreign verify group', () => {
    const wrongKind = rabbitKafka();
    wrongKind.migrations = [{ pattern: 'rabbitmq-to-kafka', from: 'tasks.kafka', to: 'tasks', tap: 'tasks.verify', verifyGroup: 'tasks.kafka-verify' }];
    expect(issuesOf(wrongKind).join('\n')).toMatch(/migrations\[0\]\.from: names "tasks\.kafka", a kafka topic; from must be a queue channel on RabbitMQ/);
    const missing = rabbitKafka();
    missing.migrations = [{ pattern: 'rabbitmq-to-kafka', from: 'nope', to: 'tasks.kafka', tap: 'tasks.verify', verifyGroup: 'tasks.kafka-verify' }];
    expect(issuesOf(missing).join('\n')).toMatch(/migrations\[0\]\.from: names "nope", which is not a channel/);
    const message = rabbitKafka();
    const to = message.channels.find((c) => c.name === 'tasks.kafka');
    if (to) to.message = { ...to.message, version: to.message.version + 1 };
    expect(issuesOf(message).join('\n')).toMatch(/migrations\[0\]\.to: tasks\.kafka must carry the message of tasks/);
    const tap = rabbitKafka();
    const t = tap.channels.find((c) => c.name === 'tasks.verify');
    if (t?.broker === 'rabbitmq' && t.kind === 'queue') t.bindings = [{ routingKey: 'elsewhere' }];
    expect(issuesOf(tap).join('\n')).toMatch(/migrations\[0\]\.tap: must be bound to exchange tasks with the bindings of tasks/);
    const group = rabbitKafka();
    const m = group.migrations?.[0];
    if (m?.pattern === 'rabbitmq-to-kafka') m.verifyGroup = 'someone-else';
    expect(issuesOf(group).join('\n')).toMatch(/migrations\[0\]\.verifyGroup: someone-else is not a consumer group of tasks\.kafka/);
    const self = rabbitKafka();
    const s = self.migrations?.[0];
    if (s?.pattern === 'rabbitmq-to-kafka') s.tap = 'tasks';
    expect(issuesOf(self).join('\n')).toMatch(/migrations\[0\]\.tap: must be a queue of its own/);
  });

  it('refuses keys of another pattern and unknown patterns', () => {
    const raw = JSON.parse(JSON.stringify(pubsubStreams())) as Record<string, unknown>;
    raw.migrations = [{ pattern: 'redis-pubsub-to-streams', from: 'notifications', to: 'notifications:stream', tap: 'x' }, { pattern: 'kafka-to-carrier-pigeon', from: 'a', to: 'b' }];
    const r = parseSpec(raw);
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^migrations\[0\]\.tap: only applies to rabbitmq-to-kafka/),
      expect.stringMatching(/^migrations\[1\]\.pattern: "kafka-to-carrier-pigeon" is not a migration pattern of the guide/),
    ]);
  });

  it('--migration refuses a stack without the brokers (one line naming the flag), and a stack with nothing to migrate', () => {
    expect(() => migrationSetting.parse('rabbitmq-to-kafka', { brokers: ['rabbitmq'] })).toThrow(/^--migration rabbitmq-to-kafka: needs Apache Kafka in the stack, which has RabbitMQ; add --brokers rabbitmq,kafka$/);
    expect(() => migrationSetting.parse('bogus', { brokers: ['redis'] })).toThrow(/unknown migration pattern "bogus"/);
    expect(migrationSetting.parse('none', {})).toBe('none');
    const kafkaOnly = buildSpec({ name: 'x', scenario: 'event-streaming', brokers: ['kafka', 'rabbitmq'], profile: 'dev', targets: ['compose'], decision: { overridden: true } });
    expect(() => addMigration({ ...kafkaOnly, channels: kafkaOnly.channels.filter((c) => c.broker !== 'rabbitmq') }, 'rabbitmq-to-kafka')).toThrow(/no RabbitMQ queue a Kafka topic can take over/);
  });
});

describe('brokerplate --migration (the bundled bin; npm run build first)', () => {
  it('generates the kit, refuses a stack without the brokers in one line writing nothing, and refuses the flag on a re-run', async () => {
    expect(existsSync(BIN), `${BIN}: run npm run build`).toBe(true);
    const dir = tempDir();
    const ok = await runBin([dir, '--scenario', 'background-jobs', '--brokers', 'rabbitmq,kafka', '--migration', 'rabbitmq-to-kafka', '--yes', '--name', 'shop']);
    expect(ok.code, ok.stderr).toBe(0);
    for (const f of ['src/migrations/rabbitmq-to-kafka/tasks.ts', 'src/migrations/rabbitmq-to-kafka/verify.ts', 'src/migrations/ids.ts', 'docs/migrations/rabbitmq-to-kafka.md']) expect(existsSync(join(dir, f)), f).toBe(true);
    const again = await runBin([dir, '--migration', 'redis-pubsub-to-streams']);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toMatch(/^brokerplate: error: --migration: .*already exists; edit it instead/);
    const empty = tempDir();
    const refused = await runBin([empty, '--scenario', 'background-jobs', '--migration', 'rabbitmq-to-kafka', '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--migration rabbitmq-to-kafka: needs Apache Kafka in the stack, which has RabbitMQ; add --brokers rabbitmq,kafka/)]);
    expect(readdirSync(empty)).toEqual([]);
  }, 120_000);
});

describe('Mermaid diagrams parse with Mermaid\'s own parser (mermaid.parse on jsdom; not rendered to SVG: no browser here)', () => {
  it('the README of every scenario × profile, both migration kits and a flowchart decision', async () => {
    const flowchart: FlowchartAnswers = { replay: false, complexRouting: false, lowLatencyOrRedis: true };
    const specs = [
      ...SCENARIO_IDS.flatMap((s) => [specFor(s, 'dev'), specFor(s, 'prod')]),
      rabbitKafka(),
      pubsubStreams(),
      specFor(scenarioForFlowchart(flowchart), 'dev', { edit: (spec) => void (spec.decision = { flowchart, overridden: false }) }),
    ];
    const problems: string[] = [];
    let parsed = 0;
    for (const spec of specs) {
      for (const f of emitProject(spec).filter((x) => x.path.endsWith('.md'))) {
        for (const block of mermaidBlocks(f.contents)) {
          parsed++;
          const problem = await mermaidProblem(block);
          if (problem) problems.push(`${spec.scenario}/${spec.profile} ${f.path}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(parsed).toBeGreaterThanOrEqual(specs.length * 2 + 4);
  }, 120_000);

  it('highlights the flowchart path, and the parser refuses a broken diagram (the check can fail)', async () => {
    const spec = specFor('realtime-notifications', 'dev', { edit: (s) => void (s.decision = { flowchart: { replay: false, complexRouting: false, lowLatencyOrRedis: true }, overridden: false }) });
    const chart = decisionDiagram(spec);
    expect(chart).toMatch(/linkStyle 0,2,4,5 stroke-width:4px/);
    expect(chart).toMatch(/class n6 chosen/);
    expect(await mermaidProblem(topologyDiagram(spec).replace('"]', ']'))).toBeDefined();
    expect(await mermaidProblem(migrationDiagram('rabbitmq-to-kafka', 'a"b', 'c').replace('#34;', '"'))).toBeDefined();
    expect(await mermaidProblem(migrationDiagram('rabbitmq-to-kafka', 'a"]b %% x', 'c'))).toBeUndefined();
  });
});
