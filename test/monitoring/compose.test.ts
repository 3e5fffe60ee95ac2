/**
 * The monitoring and backup compose addons on top of the brokers' compose parts, combined the way
 * the compose area combines addons (merge services and volumes, then `extend` broker services;
 * its composeAddons() list is not injectable, so the combination is repeated here): the document
 * must validate against the Compose Specification schema, every bind mount must point at a
 * generated file or folder, ports bind 127.0.0.1 with healthchecks, one-shots run only on demand.
 */
import { CA_FILES, TLS_DIR } from '../../generators/emit/tls-model.ts';
import { describe, expect, it } from 'vitest';
import { WEB_CONFIG_MOUNT, webConfigPath, webServices } from '../../generators/emit/monitoring-auth.ts';
import { backupComposeAddon } from '../../generators/emit/backup.ts';
import { BROKER_PLUGINS } from '../../generators/brokers/index.ts';
import type { ComposeService } from '../../generators/emit/compose.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { monitoringComposeAddon } from '../../generators/emit/monitoring-compose.ts';
import { brokersOf, type StackSpec } from '../../generators/stack/index.ts';
import { composeSchema, interpolate } from '../support/compose-schema.ts';
import { LIVE_CASES, opsSpec } from '../support/ops.ts';
import { envFor, type ComposeDoc } from '../support/stack.ts';

function composeWithAddons(spec: StackSpec): ComposeDoc {
  const services: Record<string, ComposeService> = {};
  const volumes = new Set<string>();
  for (const b of brokersOf(spec)) {
    const part = BROKER_PLUGINS[b].compose(spec);
    Object.assign(services, part.services);
    part.volumes.forEach((v) => volumes.add(v));
  }
  const brokers = { ...services };
  for (const addon of [monitoringComposeAddon, backupComposeAddon].filter((a) => a.applies(spec))) {
    const part = addon.part(spec, brokers);
    for (const [name, s] of Object.entries(part.services)) {
      if (services[name]) throw new Error(`${addon.id} redefines ${name}`);
      services[name] = s;
    }
    part.volumes.forEach((v) => volumes.add(v));
    for (const [name, add] of Object.entries(part.extend ?? {})) {
      const s = services[name];
      if (!s) throw new Error(`${addon.id} extends unknown service ${name}`);
      services[name] = {
        ...s,
        ...(add.environment && { environment: { ...s.environment, ...add.environment } }),
        ...(add.volumes && { volumes: [...(s.volumes ?? []), ...add.volumes] }),
        ...(add.depends_on && { depends_on: { ...s.depends_on, ...add.depends_on } }),
      };
    }
  }
  return JSON.parse(JSON.stringify({ name: spec.name, services, volumes: Object.fromEntries([...volumes].sort().map((v) => [v, {}])) })) as ComposeDoc;
}

describe.each(LIVE_CASES)('compose with monitoring and backup: $scenario ($profile)', ({ scenario, profile }) => {
  it('validates against the Compose Specification, mounts only generated paths, ports on 127.0.0.1, healthchecks, on-demand one-shots', () => {
    const spec = opsSpec(scenario, profile);
    // The web configs (prod) are written beside the manifest at generation, like .env (webConfigFiles).
    const paths = [...emitProject(spec).map((f) => f.path), ...webServices(spec).map(webConfigPath)];
    const doc = composeWithAddons(spec);
    const env = { ...envFor(spec), GRAFANA_ADMIN_PASSWORD: 'test-only' };
    const schema = composeSchema();
    const ok = schema.validate(interpolate(doc, env));
    expect(ok, JSON.stringify(schema.validate.errors?.slice(0, 5))).toBe(true);

    for (const name of ['prometheus', 'alertmanager', 'grafana', 'pushgateway']) expect(Object.keys(doc.services)).toContain(name);
    // prod: each of them asks for a login; dev: open on loopback.
    for (const name of ['prometheus', 'alertmanager', 'pushgateway'] as const) {
      const flags = doc.services[name]?.command ?? [];
      expect(flags.includes(`--web.config.file=${WEB_CONFIG_MOUNT}`), `${name} --web.config.file`).toBe(profile === 'prod');
    }
    for (const [name, s] of Object.entries(doc.services)) {
      for (const v of s.volumes ?? []) {
        if (typeof v === 'string' || v.type !== 'bind') continue;
        const source = (v.source ?? '').replace(/^\.\//, '');
        // secrets/tls/ (and the CA in it) is issued at the first prod run, like .env, not emitted.
        const issued = source === TLS_DIR || source === CA_FILES.cert;
        expect(issued || paths.some((p) => p === source || p.startsWith(`${source}/`)), `${name} mounts ${source}`).toBe(true);
      }
      for (const p of s.ports ?? []) expect(typeof p === 'string' ? p : p.host_ip, name).toBe(typeof p === 'string' ? p : '127.0.0.1');
      if (s.restart === 'unless-stopped' && !s.profiles) expect(s.healthcheck, name).toBeDefined();
    }
    for (const name of Object.keys(doc.services).filter((n) => n.endsWith('-backup'))) expect(doc.services[name]?.profiles).toEqual(['backup']);
    if (spec.brokers.kafka) {
      const kafka = Object.entries(doc.services).filter(([n]) => n === 'kafka' || /^kafka-\d+$/.test(n));
      expect(kafka.length).toBeGreaterThan(0);
      for (const [, s] of kafka) {
        // The broker JVM only: KAFKA_OPTS would also reach the healthcheck's JVM, which cannot bind the agent's port.
        expect(s.environment?.EXTRA_ARGS).toMatch(/^-name kafkaServer -loggc -javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent\.jar=7071:/);
        expect(s.environment?.KAFKA_OPTS).toBeUndefined();
        expect(s.depends_on?.['jmx-exporter-fetch']?.condition).toBe('service_completed_successfully');
      }
    }
  });
});
