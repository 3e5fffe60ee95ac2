/**
 * Every broker plugin (generators/brokers/<broker>/index.ts) provides every area, each area's
 * emitter takes the broker's part into the project, and every template a plugin names exists.
 * A fourth broker that forgets an area or a template fails here, not in a generated project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BROKER_PLUGINS } from '../../generators/brokers/index.ts';
import { PLUGIN_AREAS } from '../../generators/brokers/plugin.ts';
import { composeNodes } from '../../generators/emit/monitoring-prometheus.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { NAMESPACE_TOKEN } from '../../generators/emit/k8s-model.ts';
import { tlsSecretName } from '../../generators/emit/tls-model.ts';
import { BROKER_IDS } from '../../generators/guide/index.ts';
import { channelsOf } from '../../generators/stack/index.ts';
import { specFor } from '../support/stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Template names a broker's modules pass to render(): literals, and template strings as patterns. */
function namedTemplates(broker: string): { name: string; pattern: RegExp }[] {
  const dir = join(ROOT, 'generators/brokers', broker);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/render\(\s*(['`])([^'`]+)\1/g)])
    .map((m) => m[2] ?? '')
    .map((name) => ({ name, pattern: new RegExp(`^${name.split(/\$\{[^}]*\}/).map((s) => s.replace(/[.*+?^()|[\]\\]/g, '\\$&')).join('[^/]+')}\\.hbs$`) }));
}

function templateFiles(dir = join(ROOT, 'templates'), prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templateFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('broker plugins', () => {
  // hybrid/prod: all three brokers, clusters, monitoring and backups on.
  const spec = specFor('hybrid', 'prod');
  let emitted: Map<string, string> | undefined;
  // Emitted on first use, so a broken part fails its own test and leaves the template check standing.
  const project = () => (emitted ??= new Map(emitProject(spec).map((f) => [f.path, f.contents])));
  const templates = templateFiles();

  it('the registry holds one plugin per broker of the guide, under its own id', () => {
    expect(Object.keys(BROKER_PLUGINS)).toEqual([...BROKER_IDS]);
    for (const [id, plugin] of Object.entries(BROKER_PLUGINS)) expect(plugin.id).toBe(id);
  });

  for (const broker of BROKER_IDS) {
    const plugin = BROKER_PLUGINS[broker];

    it(`${broker}: provides every area, each part for this broker`, () => {
      for (const area of PLUGIN_AREAS) expect(plugin[area], area).toBeDefined();
      expect(plugin.k8s.broker).toBe(broker);
      expect(plugin.monitoring.broker).toBe(broker);
      expect(plugin.backup.broker).toBe(broker);
      expect(Object.values(plugin.names).every((n) => n.length > 0)).toBe(true);
    });

    it(`${broker}: every area's emitter takes its part into the project`, () => {
      expect(channelsOf(spec, broker).length).toBeGreaterThan(0);
      const files = project();
      const paths = [...files.keys()];
      // compose: its services in compose.yaml and its config files
      const compose = plugin.compose(spec);
      expect(Object.keys(compose.services).length).toBeGreaterThan(0);
      for (const service of Object.keys(compose.services)) expect(files.get('compose.yaml')).toContain(`  ${service}:\n`);
      for (const f of compose.files) expect(files.get(f.path)).toBe(f.contents);
      // k8s: its component, settings and config files
      expect(paths).toContain(`infra/components/${broker}.ts`);
      expect(paths).toContain(`infra/settings/${broker}.ts`);
      for (const name of Object.keys(plugin.k8s.files(spec))) expect(paths).toContain(`infra/config/prod/${broker}/${name}`);
      // clients: its module and its connection variables
      expect(paths).toContain(`src/messaging/${broker}.ts`);
      for (const v of plugin.connection.connection(spec)) expect(files.get('.env.example')).toContain(`${v.env}=`);
      for (const s of plugin.connection.secrets(spec)) expect(files.get('.env.example')).toContain(`${s.env}=`);
      expect(plugin.client.facade.length).toBeGreaterThan(0);
      // monitoring: scrape jobs, alerts, a dashboard
      const jobs = plugin.monitoring.jobs(spec, composeNodes(spec));
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) expect(files.get('monitoring/prometheus/prometheus.yml')).toContain(`job_name: ${j.job}\n`);
      for (const a of plugin.monitoring.alerts(spec)) expect(files.get(`monitoring/prometheus/rules/${broker}.yml`)).toContain(`alert: ${a.alert}\n`);
      expect(paths).toContain(`monitoring/grafana/dashboards/${broker}.json`);
      // backup: its scripts
      const backup = plugin.backup.files(spec);
      expect(backup.length).toBeGreaterThan(0);
      for (const f of backup) expect(files.get(f.path)).toBe(f.contents);
      // tls: its certificates, one cert-manager Certificate each, and named in the README (compose)
      const certificates = plugin.tls.certificates(spec, { target: 'k8s', namespace: NAMESPACE_TOKEN });
      expect(certificates.length).toBeGreaterThan(0);
      const addon = JSON.parse(files.get('infra/addons/prod/tls.json') ?? '{"objects":[]}') as { objects: { kind: string; metadata: { name: string }; spec: { dnsNames: string[] } }[] };
      for (const c of certificates) expect(addon.objects.find((o) => o.kind === 'Certificate' && o.metadata.name === tlsSecretName(c.name))?.spec.dnsNames).toEqual(c.dnsNames);
      for (const c of plugin.tls.certificates(spec, { target: 'compose' })) expect(files.get('README.md')).toContain(`| \`${c.name}\` |`);
      // asyncapi: its server (protocol, host) in asyncapi.yaml, and its channels' bindings or kind
      const server = plugin.asyncapi.server(spec);
      expect(files.get('asyncapi.yaml')).toContain(`  ${broker}:\n    host: ${server.host}\n    protocol: ${server.protocol}\n`);
      for (const c of channelsOf(spec, broker)) expect(files.get('asyncapi.yaml')).toContain(`address: ${c.name}\n`);
    });

    it(`${broker}: every template it names exists`, () => {
      const named = namedTemplates(broker);
      expect(named.length).toBeGreaterThan(0);
      const missing = named.filter((t) => !templates.some((f) => t.pattern.test(f))).map((t) => t.name);
      expect(missing).toEqual([]);
      // Named by the Kubernetes area for every plugin.
      expect(existsSync(join(ROOT, 'templates/infra/components', `${broker}.ts.hbs`))).toBe(true);
    });
  }

  it('the template scanner sees literal and pattern names (self-check)', () => {
    const names = namedTemplates('redis').map((t) => t.name);
    expect(names).toContain('clients/messaging/redis.ts');
    expect(names).toContain('clients/examples/redis-${v.kind}.ts');
    expect(namedTemplates('redis').find((t) => t.name.includes('${'))?.pattern.test('clients/examples/redis-stream.ts.hbs')).toBe(true);
  });
});
