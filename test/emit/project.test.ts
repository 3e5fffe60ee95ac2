import { describe, expect, it } from 'vitest';
import { buildEnv, emitProject, envExample, kindOf, parseEnv } from '../../generators/emit/index.ts';
import type { ScenarioId } from '../../generators/guide/index.ts';
import type { Profile, Target } from '../../generators/stack/index.ts';
import { specFor } from '../support/stack.ts';

function spec(scenario: ScenarioId, profile: Profile = 'dev', targets: Target[] = ['compose', 'k8s']) {
  return specFor(scenario, profile, { targets });
}

function files(s: ReturnType<typeof spec>) {
  return new Map(emitProject(s).map((f) => [f.path, f.contents]));
}

describe('the generated project skeleton', () => {
  it('raises engines.node where the Kafka client needs it', () => {
    const kafka = JSON.parse(files(spec('event-streaming')).get('package.json') ?? '{}');
    const redis = JSON.parse(files(spec('realtime-notifications')).get('package.json') ?? '{}');
    expect(kafka.engines).toEqual({ node: '^22.22.0 || >=24.6.0' });
    expect(redis.engines).toEqual({ node: '>=22.18' });
    expect(Object.keys(kafka.dependencies)).toContain('@platformatic/kafka');
    expect(Object.keys(redis.dependencies)).not.toContain('@platformatic/kafka');
  });

  it('states each Node range where its engines are: the project\'s and infra/\'s, in the README as in package.json', () => {
    for (const scenario of ['event-streaming', 'realtime-notifications'] as const) {
      const out = files(spec(scenario));
      const project = (JSON.parse(out.get('package.json') ?? '{}') as { engines: { node: string } }).engines.node;
      const infra = (JSON.parse(out.get('infra/package.json') ?? '{}') as { engines: { node: string } }).engines.node;
      const readme = out.get('README.md') ?? '';
      expect(readme).toContain(`Needs Node ${project} (\`engines\` in \`package.json\``);
      expect(readme).toContain(`Node ${infra} for \`infra/\` itself (\`engines\` in \`infra/package.json\`; it runs the TypeScript directly); the\nproject's \`npm run infra:render\` and \`infra:typecheck\` first check the project's own range (Getting started).`);
      // No Node version in prose that is not one of the two ranges.
      expect(readme.match(/Node(?:\.js)? \S*\d+\.\d+[^\n]*/g)?.filter((l) => !l.includes(project) && !l.includes(infra)) ?? []).toEqual([]);
    }
  });

  it('emits only the target areas the spec asks for', () => {
    const composeOnly = files(spec('rpc', 'dev', ['compose']));
    expect(composeOnly.has('compose.yaml')).toBe(true);
    expect([...composeOnly.keys()].some((p) => p.startsWith('infra/'))).toBe(false);
    const k8sOnly = files(spec('rpc', 'dev', ['k8s']));
    expect(k8sOnly.has('compose.yaml')).toBe(false);
    expect(k8sOnly.has('infra/index.ts')).toBe(true);
  });

  it('lists every generated file with its hash in the manifest, except the seeded Pulumi stack files', () => {
    const all = emitProject(spec('hybrid', 'prod'));
    const manifest = JSON.parse(all.find((f) => f.path === '.brokerplate/files.json')?.contents ?? '{}');
    const expected = all.filter((f) => kindOf(f) === 'managed').map((f) => f.path).sort();
    expect(Object.keys(manifest.files).sort()).toEqual(expected);
    expect(all.filter((f) => kindOf(f) === 'seed').map((f) => f.path)).toEqual(['infra/Pulumi.dev.yaml', 'infra/Pulumi.prod.yaml']);
    // Input and records, never conflicts: the spec (the user's text) and the manifest itself.
    expect(all.filter((f) => kindOf(f) === 'merge').map((f) => f.path)).toEqual(['.brokerplate/files.json', 'brokerplate.yaml']);
  });

  it('gives the README a section per area and a layout row per top-level output', () => {
    const readme = files(spec('hybrid', 'prod')).get('README.md') ?? '';
    for (const title of ['## Run it with docker compose', '## Deploy to Kubernetes with Pulumi', '## Typed messaging clients', '## Monitoring', '## Backup and restore', '## Secrets', '## Regenerate']) {
      expect(readme).toContain(title);
    }
    for (const path of ['`compose.yaml`', '`infra/`', '`src/messaging/`', '`brokerplate.yaml`']) expect(readme).toContain(path);
  });

  it('puts every secret of the stack (brokers, Grafana, the prod monitoring logins) in .env and only their names in .env.example', () => {
    const s = spec('hybrid', 'prod');
    let n = 0;
    const env = parseEnv(buildEnv(s, undefined, () => `secret-${++n}`));
    expect([...env.keys()].filter((k) => env.get(k)?.startsWith('secret-'))).toEqual([
      'KAFKA_SASL_PASSWORD', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_MONITOR_PASSWORD', 'KAFKA_BACKUP_PASSWORD', 'KAFKA_MIRRORMAKER_PASSWORD',
      'RABBITMQ_PASSWORD', 'RABBITMQ_ADMIN_PASSWORD', 'RABBITMQ_MONITOR_PASSWORD', 'RABBITMQ_BACKUP_PASSWORD', 'RABBITMQ_ERLANG_COOKIE', 'REDIS_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_MONITOR_PASSWORD', 'REDIS_REPLICA_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_BACKUP_PASSWORD', 'GRAFANA_ADMIN_PASSWORD',
      'MONITORING_ADMIN_PASSWORD', 'PROMETHEUS_PASSWORD', 'GRAFANA_DATASOURCE_PASSWORD', 'PUSHGATEWAY_BACKUP_PASSWORD',
    ]);
    // dev: the monitoring services stay open on 127.0.0.1, so no logins.
    const dev = parseEnv(buildEnv(spec('hybrid', 'dev'), undefined, () => 'x'));
    expect([...dev.keys()].filter((k) => k === 'PROMETHEUS_PASSWORD' || k === 'MONITORING_ADMIN_PASSWORD')).toEqual([]);
    // prod: TLS only, verified with the generated CA.
    expect(env.get('REDIS_URL')).toBe(`rediss://app:${env.get('REDIS_PASSWORD')}@127.0.0.1:6379/0`);
    expect(env.get('REDIS_CA_FILE')).toBe('secrets/tls/ca.crt');
    const example = envExample(s);
    expect(example).toMatch(/^GRAFANA_ADMIN_PASSWORD=$/m);
    expect(example).not.toContain('secret-');
    // A re-run keeps what is there and adds only what is missing.
    const again = parseEnv(buildEnv(s, `REDIS_PASSWORD=mine\nMY_OWN=1\n`, () => 'new'));
    expect([again.get('REDIS_PASSWORD'), again.get('MY_OWN'), again.get('GRAFANA_ADMIN_PASSWORD')]).toEqual(['mine', '1', 'new']);
  });
});
