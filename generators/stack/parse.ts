/**
 * Turns untrusted data (the YAML a user edited) into a typed StackSpec, or a list of issues that
 * each name the field path and the rule. Structure is read here (channels and their messages in
 * parse-channels.ts); cross-field rules live in rules.ts.
 */
import { BROKER_IDS, FLOWCHART_ORDER, flowchartAnswers, SCALES, SCENARIO_IDS } from '../guide/index.ts';
import * as N from './naming.ts';
import { IMAGES } from '../versions/images.ts';
import { RABBITMQ_PLUGINS } from '../versions/rabbitmq-plugins.ts';
import { parseCron } from './cron.ts';
import { quantityProblem, type QuantityKind } from './quantity.ts';
import { describe, join, Reader, type Obj, type SpecIssue } from './reader.ts';
import { THRESHOLD_BOUNDS, wholeMinutes } from './thresholds.ts';
import { readChannel } from './parse-channels.ts';
import { readMigrations } from './parse-migrations.ts';
import { checkRules } from './rules.ts';
import {
  DECISION_SOURCES,
  PROFILES,
  REDIS_EVICTION,
  REDIS_MODES,
  REDIS_PERSISTENCE,
  REDIS_ROLES,
  SPEC_VERSION,
  TARGETS,
  type BackupSpec,
  type BrokersSpec,
  type Decision,
  type KafkaScaling,
  type KafkaSettings,
  type MonitoringSpec,
  type PerProfile,
  type RabbitScaling,
  type RabbitSettings,
  type RedisScaling,
  type RedisSettings,
  type Resources,
  type StackSpec,
  type Thresholds,
} from './types.ts';
import { defaultThresholds } from './defaults.ts';

export type ParseResult = { ok: true; spec: StackSpec } | { ok: false; issues: SpecIssue[] };

function read(r: Reader, raw: unknown): StackSpec | undefined {
  const root = r.object(raw, '', ['version', 'name', 'scenario', 'profile', 'targets', 'decision', 'brokers', 'channels', 'monitoring', 'backup', 'migrations']);
  if (!root) return undefined;
  const version = r.required(root, 'version', '', (v, p) => r.integer(v, p, SPEC_VERSION, SPEC_VERSION));
  const name = r.required(root, 'name', '', (v, p) => r.string(v, p, N.PROJECT_NAME));
  const scenario = r.required(root, 'scenario', '', (v, p) => r.oneOf(v, p, SCENARIO_IDS));
  const profile = r.required(root, 'profile', '', (v, p) => r.oneOf(v, p, PROFILES));
  const targets = r.required(root, 'targets', '', (v, p) => r.list(v, p, (t, tp) => r.oneOf(t, tp, TARGETS), 1));
  if (targets) r.unique(targets, 'targets', 'target');
  const decision = root.decision === undefined ? { overridden: false } : readDecision(r, root.decision);
  const brokers = r.required(root, 'brokers', '', (v, p) => readBrokers(r, v, p));
  const channels = r.required(root, 'channels', '', (v, p) => r.list(v, p, (c, cp) => readChannel(r, c, cp), 1));
  const monitoring = r.required(root, 'monitoring', '', (v, p) => readMonitoring(r, v, p));
  const backup = r.required(root, 'backup', '', (v, p) => readBackup(r, v, p));
  const migrations = r.optional(root, 'migrations', '', (v, p) => readMigrations(r, v, p));
  if (version === undefined || !name || !scenario || !profile || !targets || !decision || !brokers || !channels || !monitoring || !backup) {
    return undefined;
  }
  if (root.migrations !== undefined && !migrations) return undefined;
  const spec: StackSpec = { version: SPEC_VERSION, name, scenario, profile, targets, decision, brokers, channels, monitoring, backup };
  return migrations && migrations.length > 0 ? { ...spec, migrations } : spec;
}

function readDecision(r: Reader, raw: unknown): Decision | undefined {
  const o = r.object(raw, 'decision', ['flowchart', 'scale', 'overridden', 'source']);
  if (!o) return undefined;
  const decision: Decision = { overridden: r.optional(o, 'overridden', 'decision', (v, p) => r.boolean(v, p)) ?? false };
  const scale = r.optional(o, 'scale', 'decision', (v, p) => r.oneOf(v, p, SCALES));
  if (scale) decision.scale = scale;
  const source = r.optional(o, 'source', 'decision', (v, p) => r.oneOf(v, p, DECISION_SOURCES));
  if (source) decision.source = source;
  if (o.flowchart !== undefined) {
    const f = r.object(o.flowchart, 'decision.flowchart', FLOWCHART_ORDER);
    // The questions the chart asks: each one only after a no. Answers stored past the first yes
    // (older versions wrote every question) are read and ignored, as the chart never asked them.
    const answers: boolean[] = [];
    for (const key of FLOWCHART_ORDER) {
      if (!f || answers.at(-1) === true) break;
      const answer = r.required(f, key, 'decision.flowchart', (v, p) => r.boolean(v, p));
      if (answer === undefined) break;
      answers.push(answer);
    }
    const [replay, complexRouting, lowLatencyOrRedis] = answers;
    const flowchart = replay === undefined ? undefined : flowchartAnswers(replay, complexRouting, lowLatencyOrRedis);
    if (flowchart) decision.flowchart = flowchart;
  }
  return decision;
}

// ---------------------------------------------------------------- brokers

function readResources(r: Reader, raw: unknown, path: string): Resources | undefined {
  const o = r.object(raw, path, ['requests', 'limits', 'storage']);
  if (!o) return undefined;
  const quantity = (kind: QuantityKind) => (v: unknown, p: string) => {
    const text = r.string(v, p, undefined, 40);
    const problem = text === undefined ? undefined : quantityProblem(kind, text);
    return problem ? r.fail(p, problem) : text;
  };
  const pair = (key: 'requests' | 'limits') =>
    r.required(o, key, path, (v, p) => {
      const q = r.object(v, p, ['cpu', 'memory']);
      if (!q) return undefined;
      const cpu = r.required(q, 'cpu', p, quantity('cpu'));
      const memory = r.required(q, 'memory', p, quantity('memory'));
      return cpu && memory ? { cpu, memory } : undefined;
    });
  const requests = pair('requests');
  const limits = pair('limits');
  const storage = r.required(o, 'storage', path, quantity('storage'));
  return requests && limits && storage ? { requests, limits, storage } : undefined;
}

function perProfile<T>(r: Reader, o: Obj, path: string, readOne: (v: unknown, p: string) => T | undefined): PerProfile<T> | undefined {
  const dev = r.required(o, 'dev', path, readOne);
  const prod = r.required(o, 'prod', path, readOne);
  return dev && prod ? { dev, prod } : undefined;
}

function readKafka(r: Reader, raw: unknown, path: string): KafkaSettings | undefined {
  const o = r.object(raw, path, ['dev', 'prod']);
  if (!o) return undefined;
  return perProfile(r, o, path, (v, p): KafkaScaling | undefined => {
    const s = r.object(v, p, ['nodes', 'partitions', 'replicationFactor', 'minInsyncReplicas', 'resources']);
    if (!s) return undefined;
    const nodes = r.required(s, 'nodes', p, (x, xp) => r.integer(x, xp, 1, 15));
    const partitions = r.required(s, 'partitions', p, (x, xp) => r.integer(x, xp, 1, 10_000));
    const replicationFactor = r.required(s, 'replicationFactor', p, (x, xp) => r.integer(x, xp, 1, 15));
    const minInsyncReplicas = r.required(s, 'minInsyncReplicas', p, (x, xp) => r.integer(x, xp, 1, 15));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    if (!nodes || !partitions || !replicationFactor || !minInsyncReplicas || !resources) return undefined;
    return { nodes, partitions, replicationFactor, minInsyncReplicas, resources };
  });
}

function readRabbit(r: Reader, raw: unknown, path: string): RabbitSettings | undefined {
  const o = r.object(raw, path, ['vhost', 'plugins', 'dev', 'prod']);
  if (!o) return undefined;
  const vhost = r.required(o, 'vhost', path, (v, p) => r.string(v, p, N.RABBIT_VHOST));
  const plugins = r.required(o, 'plugins', path, (v, p) =>
    r.list(v, p, (x, xp) => r.oneOf(x, xp, RABBITMQ_PLUGINS, `a plugin RabbitMQ ships (${IMAGES.rabbitmq}); a name it lacks stops the node from booting`)),
  );
  if (plugins) r.unique(plugins, join(path, 'plugins'), 'plugin');
  const profiles = perProfile(r, o, path, (v, p): RabbitScaling | undefined => {
    const s = r.object(v, p, ['nodes', 'queueType', 'resources']);
    if (!s) return undefined;
    const nodes = r.required(s, 'nodes', p, (x, xp) => r.integer(x, xp, 1, 15));
    const queueType = r.required(s, 'queueType', p, (x, xp) => r.oneOf(x, xp, ['classic', 'quorum'] as const));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    return nodes && queueType && resources ? { nodes, queueType, resources } : undefined;
  });
  return vhost && plugins && profiles ? { vhost, plugins, ...profiles } : undefined;
}

function readRedis(r: Reader, raw: unknown, path: string): RedisSettings | undefined {
  const o = r.object(raw, path, ['role', 'persistence', 'evictionPolicy', 'dev', 'prod']);
  if (!o) return undefined;
  const role = r.required(o, 'role', path, (v, p) => r.oneOf(v, p, REDIS_ROLES));
  const persistence = r.required(o, 'persistence', path, (v, p) => r.oneOf(v, p, REDIS_PERSISTENCE));
  const evictionPolicy = r.required(o, 'evictionPolicy', path, (v, p) => r.oneOf(v, p, REDIS_EVICTION));
  const profiles = perProfile(r, o, path, (v, p): RedisScaling | undefined => {
    const s = r.object(v, p, ['mode', 'replicas', 'sentinels', 'shards', 'maxmemory', 'resources']);
    if (!s) return undefined;
    const mode = r.required(s, 'mode', p, (x, xp) => r.oneOf(x, xp, REDIS_MODES));
    const replicas = r.required(s, 'replicas', p, (x, xp) => r.integer(x, xp, 0, 10));
    const sentinels = r.required(s, 'sentinels', p, (x, xp) => r.integer(x, xp, 0, 9));
    const shards = r.required(s, 'shards', p, (x, xp) => r.integer(x, xp, 0, 64));
    const maxmemory = r.required(s, 'maxmemory', p, (x, xp) => r.string(x, xp, N.REDIS_MEMORY, 40));
    const resources = r.required(s, 'resources', p, (x, xp) => readResources(r, x, xp));
    if (!mode || replicas === undefined || sentinels === undefined || shards === undefined || !maxmemory || !resources) return undefined;
    return { mode, replicas, sentinels, shards, maxmemory, resources };
  });
  return role && persistence && evictionPolicy && profiles ? { role, persistence, evictionPolicy, ...profiles } : undefined;
}

function readBrokers(r: Reader, raw: unknown, path: string): BrokersSpec | undefined {
  const o = r.object(raw, path, BROKER_IDS);
  if (!o) return undefined;
  if (Object.keys(o).length === 0) return r.fail(path, `must name at least one of ${BROKER_IDS.join(', ')}`);
  const out: BrokersSpec = {};
  let ok = true;
  const take = <T>(value: T | undefined, set: (v: T) => void) => (value === undefined ? (ok = false) : set(value));
  if (o.kafka !== undefined) take(readKafka(r, o.kafka, join(path, 'kafka')), (v) => (out.kafka = v));
  if (o.rabbitmq !== undefined) take(readRabbit(r, o.rabbitmq, join(path, 'rabbitmq')), (v) => (out.rabbitmq = v));
  if (o.redis !== undefined) take(readRedis(r, o.redis, join(path, 'redis')), (v) => (out.redis = v));
  return ok ? out : undefined;
}

// ---------------------------------------------------------------- operations

function readMonitoring(r: Reader, raw: unknown, path: string): MonitoringSpec | undefined {
  const o = r.object(raw, path, ['enabled', 'thresholds']);
  if (!o) return undefined;
  const enabled = r.required(o, 'enabled', path, (v, p) => r.boolean(v, p));
  const defaults = defaultThresholds();
  const names = Object.keys(defaults) as (keyof Thresholds)[];
  const t = r.required(o, 'thresholds', path, (v, p) => r.object(v, p, names));
  if (enabled === undefined || !t) return undefined;
  const thresholds = { ...defaults };
  for (const key of names) {
    const b = THRESHOLD_BOUNDS[key];
    const value = r.optional(t, key, join(path, 'thresholds'), (v, p) => (b.integer ? r.integer(v, p, b.min, b.max) : r.number(v, p, b.min, b.max, b.unit)));
    if (value !== undefined) thresholds[key] = value;
  }
  const hours = thresholds.backupMaxAgeHours;
  if (wholeMinutes(hours) === undefined) {
    r.fail(join(join(path, 'thresholds'), 'backupMaxAgeHours'), `${hours} is not a whole number of minutes: the alert waits for an exact Prometheus duration (e.g. 1.5 → 1h30m, 26.25 → 26h15m)`);
  }
  return { enabled, thresholds };
}

function readBackup(r: Reader, raw: unknown, path: string): BackupSpec | undefined {
  const o = r.object(raw, path, ['enabled', 'schedule', 'keep']);
  if (!o) return undefined;
  const enabled = r.required(o, 'enabled', path, (v, p) => r.boolean(v, p));
  const schedule = r.required(o, 'schedule', path, (v, p) => {
    const text = r.string(v, p, undefined, 100);
    if (text === undefined) return undefined;
    const cron = parseCron(text);
    return cron.ok ? text : r.fail(p, `${describe(text)} ${cron.rule}`);
  });
  const keep = r.required(o, 'keep', path, (v, p) => r.integer(v, p, 1, 365));
  return enabled !== undefined && schedule && keep ? { enabled, schedule, keep } : undefined;
}

/** Parses and validates: structure first, then the cross-field rules of the guide and the brokers. */
export function parseSpec(raw: unknown): ParseResult {
  const r = new Reader();
  const spec = read(r, raw);
  if (!spec || r.issues.length > 0) return { ok: false, issues: r.issues };
  checkRules(r, spec);
  return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, spec };
}
