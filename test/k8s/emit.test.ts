/**
 * The Kubernetes area as files (no Pulumi involved): infra/'s project files, pinned versions equal
 * to what the tests run, config built by the same builders as compose, the README's deployment
 * steps, determinism, and the program carrying both profiles whatever the spec's active one.
 */
import { isMonitoringLogin, monitoringAuthSecrets } from '../../generators/emit/monitoring-auth.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kafkaNodeProperties, kafkaNodes } from '../../generators/brokers/kafka/config.ts';
import { K8S_KAFKA_LAYOUT } from '../../generators/brokers/kafka/k8s.ts';
import { rabbitConf, rabbitDefinitions } from '../../generators/brokers/rabbitmq/config.ts';
import { redisConf, redisNodes, sentinelConfTemplate } from '../../generators/brokers/redis/config.ts';
import { emitProject, type GeneratedFile } from '../../generators/emit/index.ts';
import { configKey } from '../../generators/emit/k8s.ts';
import { k8sTopology } from '../../generators/emit/k8s-model.ts';
import { stackSecretDefs } from '../../generators/emit/secrets.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { PROFILES, type StackSpec } from '../../generators/stack/index.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { ROOT } from '../support/cli.ts';
import { specFor } from './support/project.ts';

function infraOf(spec: StackSpec): Map<string, string> {
  return new Map(emitProject(spec).filter((f: GeneratedFile) => f.path.startsWith('infra/')).map((f) => [f.path, f.contents]));
}

function fileOf(files: ReadonlyMap<string, string>, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
  return text;
}

const installed = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

describe('infra/ files (no Pulumi CLI involved)', () => {
  const hybrid = specFor('hybrid', 'prod');
  const files = infraOf(hybrid);

  it('pins the npm versions the tests run the program and tsc against (this repo\'s installed copies)', () => {
    const pkg = JSON.parse(fileOf(files, 'infra/package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>; type: string };
    const repo = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const name of ['@pulumi/pulumi', '@pulumi/kubernetes', 'yaml']) expect(pkg.dependencies[name], name).toBe(installed(name));
    for (const name of ['typescript', '@types/node']) expect(pkg.devDependencies[name], name).toBe(installed(name));
    // The repo's own ranges (3.276 / 4.34) are what CI installs.
    expect(pkg.dependencies['@pulumi/pulumi']?.startsWith(`${repo.devDependencies['@pulumi/pulumi']}.`)).toBe(true);
    expect(pkg.dependencies['@pulumi/kubernetes']?.startsWith(`${repo.devDependencies['@pulumi/kubernetes']}.`)).toBe(true);
    expect(pkg.type).toBe('module');
    expect(pkg.scripts).toEqual({ render: 'node render.ts', typecheck: 'tsc --noEmit -p .' });
  });

  it('Pulumi.yaml runs index.ts on Node without ts-node; the stack files hold non-secret config only', () => {
    expect(parse(fileOf(files, 'infra/Pulumi.yaml'))).toEqual({
      name: 'shop',
      description: expect.stringContaining('(Kafka, RabbitMQ, Redis)'),
      runtime: { name: 'nodejs', options: { typescript: false } },
      main: 'index.ts',
    });
    expect(files.has('infra/index.ts')).toBe(true);
    const secretKeys = stackSecretDefs(hybrid).map((s) => `shop:${configKey(s.env)}`);
    expect(secretKeys).toContain('shop:grafanaAdminPassword');
    for (const profile of PROFILES) {
      const config = (parse(fileOf(files, `infra/Pulumi.${profile}.yaml`)) as { config: Record<string, unknown> }).config;
      expect(config['shop:profile']).toBe(profile);
      expect(config['shop:namespace']).toBe(profile === 'prod' ? 'shop' : 'shop-dev');
      for (const key of Object.keys(config)) {
        expect(key.startsWith('shop:'), key).toBe(true);
        expect(secretKeys).not.toContain(key);
      }
      expect(JSON.stringify(config)).not.toContain('secure');
    }
  });

  it('the same infra/ whatever the spec\'s active profile (both stacks are always deployable), and deterministic', () => {
    for (const scenario of SCENARIO_IDS) {
      const dev = infraOf(specFor(scenario, 'dev'));
      expect(dev, scenario).toEqual(infraOf(specFor(scenario, 'prod')));
      expect(dev, scenario).toEqual(infraOf(specFor(scenario, 'dev')));
    }
  });

  it('ConfigMap sources are the shared builders\' output with pod DNS names, for both profiles', () => {
    const topology = k8sTopology();
    for (const profile of PROFILES) {
      const spec = { ...hybrid, profile };
      for (const node of kafkaNodes(spec, K8S_KAFKA_LAYOUT)) expect(fileOf(files, `infra/config/${profile}/kafka/kafka-${node.ordinal}.properties`)).toBe(kafkaNodeProperties(spec, K8S_KAFKA_LAYOUT, topology, node, { site: 'k8s' }));
      expect(fileOf(files, `infra/config/${profile}/rabbitmq/rabbitmq.conf`)).toBe(rabbitConf(spec, topology, { discovery: 'k8s' }));
      expect(JSON.parse(fileOf(files, `infra/config/${profile}/rabbitmq/definitions.json`))).toEqual(rabbitDefinitions(spec));
      for (const node of redisNodes(spec)) {
        const path = node.kind === 'sentinel' ? `redis-sentinel-${node.ordinal}.conf.template` : `redis-${node.ordinal}.conf`;
        const expected = node.kind === 'sentinel' ? sentinelConfTemplate(spec, topology, node.ordinal) : redisConf(spec, topology, node);
        expect(fileOf(files, `infra/config/${profile}/redis/${path}`)).toBe(expected);
      }
    }
  });

  it('differs from the compose config only in how nodes are named (one source, two topologies)', () => {
    const all = new Map(emitProject(hybrid).map((f) => [f.path, f.contents]));
    // Compose names nodes redis-1.. (1-based services); Kubernetes redis-0.redis-headless.. (pods).
    const k8s = (t: string) => t.replace(/\b(redis(?:-sentinel)?)-(\d+)\.\1-headless\b/g, (_, g: string, n: string) => `<${g}#${n}>`);
    const compose = (t: string) => t.replace(/\b(redis(?:-sentinel)?)-(\d+)\b/g, (_, g: string, n: string) => `<${g}#${Number(n) - 1}>`);
    for (const node of redisNodes(hybrid)) {
      const k = node.kind === 'sentinel' ? `redis-sentinel-${node.ordinal}.conf.template` : `redis-${node.ordinal}.conf`;
      const c = node.kind === 'sentinel' ? `redis-sentinel-${node.ordinal + 1}.conf.template` : `redis-${node.ordinal + 1}.conf`;
      expect(k8s(fileOf(files, `infra/config/prod/redis/${k}`)), k).toBe(compose(fileOf(all, `config/redis/${c}`)));
    }
    expect(fileOf(files, 'infra/config/prod/rabbitmq/definitions.json')).toBe(fileOf(all, 'config/rabbitmq/definitions.json'));
    expect(fileOf(files, 'infra/config/prod/redis/users.acl.template')).toBe(fileOf(all, 'config/redis/users.acl.template'));
  });

  it('settings pin the images of generators/versions/images.ts: the broker\'s, and with monitoring the JMX agent fetch\'s (Kafka)', () => {
    const images = (f: ReadonlyMap<string, string>, b: string) => [...fileOf(f, `infra/settings/${b}.ts`).matchAll(/"image": "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(images(files, 'kafka')).toEqual([IMAGES.curl, IMAGES.curl, IMAGES.kafka, IMAGES.kafka].sort());
    for (const b of ['rabbitmq', 'redis'] as const) expect(images(files, b), b).toEqual([IMAGES[b], IMAGES[b]]);
    const quiet = infraOf(specFor('hybrid', 'prod', (s) => void (s.monitoring = { ...s.monitoring, enabled: false })));
    expect(images(quiet, 'kafka')).toEqual([IMAGES.kafka, IMAGES.kafka]);
  });

  it('k8sTopology names pods `<statefulset>-<n>.<statefulset>-headless`, optionally fully qualified', () => {
    expect(k8sTopology().host('kafka', 2)).toBe('kafka-2.kafka-headless');
    expect(k8sTopology().host('redis-sentinel', 0)).toBe('redis-sentinel-0.redis-sentinel-headless');
    expect(k8sTopology('shop').host('rabbitmq', 1)).toBe('rabbitmq-1.rabbitmq-headless.shop.svc.cluster.local');
  });
});

describe('README: deploying with Pulumi', () => {
  const cases = [...SCENARIO_IDS.map((scenario) => ({ scenario, monitoring: true })), { scenario: 'event-streaming' as const, monitoring: false }, { scenario: 'hybrid' as const, monitoring: false }];
  it.each(cases)('$scenario (monitoring $monitoring): stack init, one `pulumi config set --secret` per secret of the stack, pulumi up, npm run render', ({ scenario, monitoring }) => {
    const spec = specFor(scenario, 'prod', (s) => void (s.monitoring = { ...s.monitoring, enabled: monitoring }));
    const readme = emitProject(spec).find((f) => f.path === 'README.md')?.contents ?? '';
    const section = readme.slice(readme.indexOf('## Deploy to Kubernetes with Pulumi'));
    expect(section).toContain('pulumi stack init prod');
    expect(section).toContain('pulumi up');
    expect(section).toContain('npm run render');
    // The monitoring logins (--web.config.file) are the prod stack's only, set from .env (the hashes in secrets/monitoring/ are of it).
    const secrets = stackSecretDefs(spec).filter((s) => !isMonitoringLogin(s.env));
    const logins = monitoringAuthSecrets({ ...spec, profile: 'prod' });
    const set = [...section.matchAll(/^pulumi config set --secret (\S+) /gm)].map((m) => m[1]);
    expect(set).toEqual([...secrets, ...logins].map((s) => configKey(s.env)));
    expect(set.includes('grafanaAdminPassword')).toBe(monitoring);
    expect(set.includes('prometheusPassword')).toBe(monitoring);
    for (const s of [...secrets, ...logins]) expect(section).toContain(`| \`${configKey(s.env)}\` | \`${s.env}\` |`);
    for (const s of logins) expect(section).toContain(`pulumi config set --secret ${configKey(s.env)} "$(sed -n 's/^${s.env}=//p' ../.env)"`);
    const layout = readme.slice(readme.indexOf('| Path'));
    expect(layout).toContain('infra/');
  });
});
