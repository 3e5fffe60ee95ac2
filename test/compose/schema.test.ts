/**
 * Every scenario × profile compose.yaml validates against the current Compose Specification
 * schema (the one docker compose v2 embeds, from compose-go via the Go module proxy) and has the
 * properties the stack promises: healthchecks, 127.0.0.1-only ports, pinned images, named
 * volumes, resource limits, ordered start-up, and no secret in any committed file.
 */
import { describe, expect, it } from 'vitest';
import { IMAGES } from '../../generators/versions/images.ts';
import { composeMemory, composeCpus } from '../../generators/emit/compose.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { webConfigPath, webServices } from '../../generators/emit/monitoring-auth.ts';
import { CERTS_INIT } from '../../generators/emit/tls-compose.ts';
import { CA_FILES, TLS_DIR } from '../../generators/emit/tls-model.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { brokersOf, PROFILES, scalingOf, type StackSpec } from '../../generators/stack/index.ts';
import { composeGoPin, composeSchema, interpolate } from '../support/compose-schema.ts';
import { composeDocument, composeOutput, envFor, specFor, type ComposeDoc, type ComposeServiceDoc } from '../support/stack.ts';

const schema = composeSchema();
/** Broker images, and the pinned images other areas (monitoring, backup) add through the compose seam. */
const BROKER_IMAGES = new Set<string>([IMAGES.kafka, IMAGES.rabbitmq, IMAGES.redis]);
const IMAGE_SET = new Set<string>(Object.values(IMAGES));

const combos = SCENARIO_IDS.flatMap((scenario) => PROFILES.map((profile) => ({ scenario, profile })));

/** A long-running broker node: a broker image, always on (init steps are one-shot, add-ons run other images or only under a profile). */
const isBroker = (s: ComposeServiceDoc) => BROKER_IMAGES.has(s.image) && s.restart === 'unless-stopped' && s.profiles === undefined;

function brokerServices(doc: ComposeDoc): [string, ComposeServiceDoc][] {
  return Object.entries(doc.services).filter(([, s]) => isBroker(s));
}

function resourcesOf(spec: StackSpec, service: string) {
  const broker = brokersOf(spec).find((b) => service === b || service.startsWith(`${b}-`));
  if (!broker) throw new Error(`no broker for ${service}`);
  return scalingOf(spec, broker).resources;
}

describe(`compose.yaml against the Compose Specification schema (compose-go ${schema.version})`, () => {
  it('the schema is the current draft 2020-12 Compose Specification and rejects what compose rejects', () => {
    expect(schema.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.version).toBe(`v${composeGoPin().version}`);
    const doc = composeDocument(composeOutput(specFor('hybrid', 'prod')));
    const env = envFor(specFor('hybrid', 'prod'));
    expect(schema.validate(interpolate(doc, env))).toBe(true);
    // Guard against a validator that accepts anything: a typo and a wrong type must fail.
    const typo = structuredClone(doc) as unknown as { services: Record<string, { healthcheck: Record<string, unknown>; ports: { published: unknown }[] }> };
    const svc = typo.services['kafka-1'];
    if (!svc) throw new Error('kafka-1 missing');
    svc.healthcheck.intervall = '5s';
    expect(schema.validate(typo)).toBe(false);
    const wrongType = structuredClone(doc) as unknown as { services: Record<string, { deploy: unknown }> };
    const svc2 = wrongType.services['redis-1'];
    if (!svc2) throw new Error('redis-1 missing');
    svc2.deploy = 'four gigabytes';
    expect(schema.validate(wrongType)).toBe(false);
  });

  it.each(combos)('$scenario / $profile validates (after .env interpolation, as compose does)', ({ scenario, profile }) => {
    const spec = specFor(scenario, profile);
    const doc = composeDocument(composeOutput(spec));
    const ok = schema.validate(interpolate(doc, envFor(spec)));
    expect(ok, JSON.stringify(schema.validate.errors?.slice(0, 3), null, 1)).toBe(true);
    // The un-interpolated file too: compose parses it before substituting.
    expect(schema.validate(doc), JSON.stringify(schema.validate.errors?.slice(0, 3), null, 1)).toBe(true);
  });
});

describe('compose.yaml properties', () => {
  it.each(combos)('$scenario / $profile: header, healthchecks, loopback ports, pinned images, named volumes, limits, ordering', ({ scenario, profile }) => {
    const spec = specFor(scenario, profile);
    const files = composeOutput(spec);
    const project = new Map(emitProject(spec).map((f) => [f.path, f.contents]));
    const text = files.get('compose.yaml') ?? '';
    expect(text.split('\n')[0]).toMatch(new RegExp(`^# .*profile ${profile}, scenario ${scenario}\\.`));
    const doc = composeDocument(files);
    expect(doc.name).toBe(spec.name);
    const declaredVolumes = new Set(Object.keys(doc.volumes ?? {}));

    for (const [name, s] of Object.entries(doc.services)) {
      expect(IMAGE_SET.has(s.image), `${name} image ${s.image}`).toBe(true);
      expect(s.image, name).toMatch(/:v?\d+\.\d+\.\d+(-[a-z]+)?$/);
      for (const p of s.ports ?? []) {
        expect(typeof p, `${name}: long port syntax`).toBe('object');
        if (typeof p === 'object') expect(p.host_ip, `${name} publishes ${p.published}`).toBe('127.0.0.1');
      }
      for (const v of s.volumes ?? []) {
        expect(typeof v, `${name}: long volume syntax`).toBe('object');
        if (typeof v !== 'object') continue;
        if (v.type === 'volume') expect(declaredVolumes.has(v.source ?? ''), `${name}: volume ${v.source}`).toBe(true);
        if (v.type === 'bind') {
          expect(v.read_only, `${name}: ${v.source} read-only`).toBe(true);
          const source = (v.source ?? '').replace(/^\.\//, '');
          // secrets/tls/ is issued at the plan step (like .env), not emitted: only certs-init reads it.
          if (source === TLS_DIR) {
            expect(name, 'only certs-init mounts the TLS material folder').toBe(CERTS_INIT);
            continue;
          }
          // prod: each monitoring server's web config (bcrypt hashes), also issued at the plan step.
          if (source.startsWith('secrets/monitoring/')) {
            expect(webServices(spec).map((w) => [w, webConfigPath(w)]), `${name} mounts its own web config`).toContainEqual([name, source]);
            continue;
          }
          // The CA certificate (public) is the one issued file a client container may mount (Kafka's init job and exporter).
          if (source === CA_FILES.cert) continue;
          expect(project.has(source) || [...project.keys()].some((p) => p.startsWith(`${source}/`)), `${name}: mounts generated ${v.source}`).toBe(true);
        }
      }
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = doc.services[dep];
        expect(target, `${name} depends on ${dep}`).toBeDefined();
        // Waiting for a broker means waiting until it answers, not until its process exists.
        if (target && isBroker(target)) expect(condition, `${name} -> ${dep}`).toBe('service_healthy');
        if (condition === 'service_healthy') expect(target?.healthcheck, `${dep} has a healthcheck`).toBeDefined();
      }
      for (const value of Object.values(s.environment ?? {})) {
        // Credentials are only ever references to .env, never values.
        if (/\$\{/.test(value)) expect(value).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
      }
    }

    const brokers = brokerServices(doc);
    expect(brokers.length).toBeGreaterThan(0);
    for (const [name, s] of brokers) {
      expect(s.healthcheck?.test?.[0], `${name} healthcheck`).toMatch(/^CMD(-SHELL)?$/);
      expect(s.hostname, `${name} has a stable host name`).toBe(name);
      // Exactly one named volume per broker holds its data (monitoring may add the JMX agent's volume).
      // (certs-init's TLS volume is mounted read-only and holds no data.)
      const data = (s.volumes ?? []).filter((v) => typeof v === 'object' && v.type === 'volume' && v.source !== 'jmx-exporter' && !v.read_only);
      expect(data.length, `${name} keeps its data in a named volume`).toBe(1);
      const limits = s.deploy?.resources?.limits;
      expect(limits?.cpus && limits.memory, `${name} limits`).toBeTruthy();
      expect(s.deploy?.resources?.reservations?.memory, `${name} reservations`).toBeTruthy();
      if (!name.includes('sentinel')) {
        const r = resourcesOf(spec, name);
        expect(limits).toEqual({ cpus: composeCpus(r.limits.cpu), memory: composeMemory(r.limits.memory) });
      }
      expect(s.ports?.length, `${name} publishes a port`).toBeGreaterThan(0);
    }

    // One-shot init steps wait for every node of their broker.
    for (const [name, s] of Object.entries(doc.services).filter(([n]) => n.endsWith('-init'))) {
      const group = name.replace(/-(cluster-)?init$/, '');
      const nodes = brokers.map(([n]) => n).filter((n) => (n === group || n.startsWith(`${group}-`)) && !n.includes('sentinel'));
      expect(Object.keys(s.depends_on ?? {}).sort(), name).toEqual(nodes.sort());
    }

    // Host ports never collide.
    const published = Object.values(doc.services).flatMap((s) => (s.ports ?? []).map((p) => (typeof p === 'object' ? p.published : p)));
    expect(new Set(published).size).toBe(published.length);
  });

  it('the RabbitMQ config lands in conf.d after the image\'s 10-defaults.conf (which would re-allow remote guest)', () => {
    const doc = composeDocument(composeOutput(specFor('background-jobs', 'dev')));
    const mount = (doc.services.rabbitmq?.volumes ?? []).find((v) => typeof v === 'object' && v.source === './config/rabbitmq/rabbitmq.conf');
    const target = typeof mount === 'object' ? mount.target : '';
    expect(target).toMatch(/^\/etc\/rabbitmq\/conf\.d\/[^/]+\.conf$/);
    expect(target.split('/').pop()?.localeCompare('10-defaults.conf')).toBeGreaterThan(0);
  });

  it('dev Kafka is one combined node; prod is three, each with its own host port', () => {
    const devDoc = composeDocument(composeOutput(specFor('event-streaming', 'dev')));
    expect(brokerServices(devDoc).map(([n]) => n)).toEqual(['kafka']);
    const prodDoc = composeDocument(composeOutput(specFor('event-streaming', 'prod')));
    const nodes = brokerServices(prodDoc);
    expect(nodes.map(([n]) => n)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(nodes.map(([, s]) => (s.ports?.[0] as { published: string }).published)).toEqual(['9092', '9192', '9292']);
  });

  it('prod Redis is three data nodes and three Sentinels; the data nodes start once the Sentinels answer (they ask them for their role)', () => {
    const doc = composeDocument(composeOutput(specFor('queue-and-cache', 'prod')));
    const names = brokerServices(doc).map(([n]) => n).filter((n) => n.startsWith('redis'));
    expect(names).toEqual(['redis-1', 'redis-2', 'redis-3', 'redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']);
    for (const node of ['redis-1', 'redis-2', 'redis-3']) {
      expect(Object.keys(doc.services[node]?.depends_on ?? {}).filter((d) => d !== CERTS_INIT), node).toEqual(['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']);
    }
    expect(Object.keys(doc.services['redis-sentinel-1']?.depends_on ?? {})).toEqual([CERTS_INIT]);
  });

  it('Redis cluster mode (when the spec asks for it) gets its nodes and a slot-assignment step', () => {
    const spec = specFor('queue-and-cache', 'prod', {
      edit: (raw) => {
        const r = raw.brokers.redis;
        if (r) r.prod = { ...r.prod, mode: 'cluster', shards: 3, replicas: 1, sentinels: 0 };
      },
    });
    const files = composeOutput(spec);
    const doc = composeDocument(files);
    expect(Object.keys(doc.services).filter((n) => /^redis-\d+$/.test(n))).toHaveLength(6);
    expect(doc.services['redis-cluster-init']?.depends_on).toBeDefined();
    expect(files.get('config/redis/redis-4.conf')).toMatch(/^cluster-enabled yes$/m);
    expect(files.get('config/redis/cluster-create.sh')).toContain('--cluster-replicas 1');
    expect(schema.validate(doc)).toBe(true);
  });
});

describe('no secret in any committed file', () => {
  it.each(combos)('$scenario / $profile: no .env value appears in a generated file other than .env', ({ scenario, profile }) => {
    const spec = specFor(scenario, profile);
    const env = envFor(spec);
    const secrets = Object.entries(env).filter(([k]) => /PASSWORD|COOKIE/.test(k));
    // Kafka itself has no credentials (PLAINTEXT listeners, published on 127.0.0.1 only); Grafana's admin has one.
    expect(secrets.length > 0).toBe(brokersOf(spec).some((b) => b !== 'kafka') || spec.monitoring.enabled);
    if (spec.monitoring.enabled) expect(Object.keys(env)).toContain('GRAFANA_ADMIN_PASSWORD');
    const files = emitProject(spec);
    expect(files.some((f) => f.path === 'compose.yaml')).toBe(true);
    for (const f of files) {
      for (const [key, value] of secrets) expect(f.contents.includes(value), `${f.path} contains ${key}`).toBe(false);
    }
  });

  it('the scan finds a planted secret (the check can fail)', () => {
    const spec = specFor('hybrid', 'dev');
    const env = envFor(spec);
    const value = env.REDIS_PASSWORD ?? '';
    const planted = emitProject(spec).map((f) => (f.path === 'config/redis/users.acl.template' ? { ...f, contents: f.contents.replace('@REDIS_PASSWORD_SHA256@', value) } : f));
    expect(planted.some((f) => f.contents.includes(value))).toBe(true);
  });
});
