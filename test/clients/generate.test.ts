/**
 * The clients area as generated files (no broker needed): what each stack gets, the types and
 * schemas derived from the spec's fields, samples that are valid (and invalid ones that are not)
 * for ajv, determinism, and `tsc --noEmit` on projects whose stacks lack whole channel kinds.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { rabbitTopology } from '../../generators/brokers/rabbitmq/topology.ts';
import { contractsOf } from '../../generators/emit/clients-contracts.ts';
import { typeChecks } from '../../generators/emit/clients-facade.ts';
import { fieldSchema, invalidSample, objectSchema, sampleObject, tsType } from '../../generators/emit/clients-schema.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { recommendedBrokers, SCENARIO_IDS } from '../../generators/guide/index.ts';
import { redisDefaults } from '../../generators/stack/defaults.ts';
import { channelIdentifier, PROFILES, type Channel, type FieldSpec } from '../../generators/stack/index.ts';
import { generateProject, specFor, typecheck } from './support.ts';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function files(scenario: (typeof SCENARIO_IDS)[number], profile: (typeof PROFILES)[number] = 'dev'): Map<string, string> {
  const spec = specFor(scenario);
  return new Map(emitProject({ ...spec, profile }).map((f) => [f.path, f.contents]));
}

describe('clients area', () => {
  it.each(SCENARIO_IDS)('gives %s the client of each of its brokers, and only those', (scenario) => {
    const spec = specFor(scenario);
    const out = files(scenario);
    const brokers = recommendedBrokers(scenario);
    for (const base of ['contracts', 'envelope', 'validation', 'settings', 'retry', 'lifecycle', 'facade', 'index']) expect(out.has(`src/messaging/${base}.ts`)).toBe(true);
    const pkg = JSON.parse(out.get('package.json') ?? '{}') as { dependencies: Record<string, string>; scripts: Record<string, string> };
    const expected: Record<string, string> = { kafka: '@platformatic/kafka', rabbitmq: 'rabbitmq-client', redis: 'redis' };
    for (const [broker, pkgName] of Object.entries(expected)) {
      const has = brokers.includes(broker as (typeof brokers)[number]);
      expect(out.has(`src/messaging/${broker}.ts`), broker).toBe(has);
      expect(out.has(`test/messaging/${broker}.test.ts`), broker).toBe(has);
      expect(pkgName in pkg.dependencies, pkgName).toBe(has);
    }
    expect(out.has('src/messaging/rabbitmq-topology.ts')).toBe(brokers.includes('rabbitmq'));
    for (const c of spec.channels) {
      expect(pkg.scripts[`example:${channelIdentifier(c.name)}`]).toBe(`node scripts/require-node.mjs && node src/examples/${channelIdentifier(c.name)}.ts`);
      expect(out.has(`src/examples/${channelIdentifier(c.name)}.ts`)).toBe(true);
    }
    expect(pkg.scripts.test).toBe('node scripts/require-node.mjs && vitest run');
    expect(out.get('README.md')).toContain('Typed messaging clients');
  });

  it('is deterministic for every scenario and profile', () => {
    for (const scenario of SCENARIO_IDS) for (const profile of PROFILES) expect(files(scenario, profile)).toEqual(files(scenario, profile));
  });

  it('writes one interface per message type, fields typed and documented, and a Payloads map by channel name', () => {
    const contracts = files('hybrid').get('src/messaging/contracts.ts') ?? '';
    expect(contracts).toContain('export interface Task {\n  type: "send_alert" | "generate_report" | "send_email";\n  payload?: unknown;\n}');
    expect(contracts).toContain('export interface Payloads {\n  "events": LoggedEvent;\n  "tasks": Task;\n  "notifications": Notification;\n  "cache:invalidate": CacheInvalidation;\n}');
    const json = /export const CHANNELS = ([\s\S]*?) as const;/.exec(contracts)?.[1] ?? '{}';
    const channels = JSON.parse(json) as Record<string, Record<string, unknown>>;
    expect(channels.tasks).toMatchObject({ broker: 'rabbitmq', kind: 'queue', exchange: 'tasks', routingKey: 'send_alert', routeBy: 'type', maxPriority: 10, deadLetter: 'tasks.dlq', deadLetterExchange: 'tasks.dlx', prefetch: 10 });
    expect(channels.events).toMatchObject({ broker: 'kafka', semantics: 'at-least-once', partitions: 3, replicationFactor: 1, retentionMs: 30 * 86_400_000, deadLetter: 'events.dlq' });
    expect(channels['cache:invalidate']).toMatchObject({ broker: 'redis', kind: 'pubsub', deadLetter: 'cache:invalidate:dead' });
  });

  it('derives TypeScript types and JSON Schemas from nested fields', () => {
    const field: FieldSpec = {
      type: 'object',
      fields: {
        id: { type: 'string', format: 'uuid', description: 'the id' },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
        score: { type: 'number', minimum: 0, maximum: 1, optional: true },
        meta: { type: 'json', optional: true },
      },
    };
    expect(tsType(field)).toBe('{\n  /** the id */\n  id: string;\n  tags: Array<"a" | "b">;\n  score?: number;\n  meta?: unknown;\n}');
    expect(fieldSchema(field)).toEqual({
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid', description: 'the id' }, tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } }, score: { type: 'number', minimum: 0, maximum: 1 }, meta: {} },
      required: ['id', 'tags'],
      additionalProperties: false,
    });
  });

  it('produces samples that ajv accepts and contract-breaking payloads it refuses, for every seeded channel', () => {
    const ajv = new Ajv({ strict: true });
    addFormats(ajv, ['date-time', 'uuid', 'email', 'uri']);
    const seen = new Set<string>();
    for (const scenario of SCENARIO_IDS) {
      for (const c of specFor(scenario).channels) {
        if (seen.has(c.name)) continue;
        seen.add(c.name);
        const messages = [c.message, ...(c.broker === 'rabbitmq' && c.kind === 'rpc' ? [c.reply] : [])];
        for (const m of messages) {
          const validate = ajv.compile(objectSchema(m.fields));
          expect(validate(sampleObject(m.fields)), `${c.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
          expect(validate(invalidSample(m)), c.name).toBe(false);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(8);
  });

  it('prefixes a message type two channels define differently, and keeps reserved names free', () => {
    const spec = specFor('hybrid', {
      channels: (seeded: Channel[]) => [
        ...seeded,
        { ...(seeded[2] as Channel), name: 'alerts', message: { type: 'Notification', version: 1, fields: { level: { type: 'integer' } } } },
        { ...(seeded[2] as Channel), name: 'payloads', message: { type: 'Payloads', version: 1, fields: { x: { type: 'string' } } } },
      ],
    });
    const names = contractsOf(spec).types.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['NotificationsNotification', 'AlertsNotification', 'PayloadsMessage']));
    expect(names).not.toContain('Payloads');
  });

  it('builds the client\'s RabbitMQ topology with the same builder as definitions.json', () => {
    const spec = specFor('complex-routing');
    const text = new Map(emitProject(spec).map((f) => [f.path, f.contents])).get('src/messaging/rabbitmq-topology.ts') ?? '';
    expect(JSON.parse(/export const TOPOLOGY: RabbitTopology = ([\s\S]*);\s*$/.exec(text)?.[1] ?? 'null')).toEqual(rabbitTopology(spec));
    const prod = rabbitTopology({ ...spec, profile: 'prod' });
    expect(prod.queues.find((q) => q.name === 'eu-orders')?.arguments).toEqual({ 'x-dead-letter-exchange': 'eu-orders.dlx', 'x-queue-type': 'quorum' });
    expect(prod.bindings).toContainEqual({ source: 'documents', destination: 'pdf-invoices', destination_type: 'queue', routing_key: '', arguments: { format: 'pdf', kind: 'invoice', 'x-match': 'all' } });
    // In prod a priority queue is a quorum queue too (replicated): no x-max-priority, RabbitMQ 4's two levels instead.
    const prodTasks = rabbitTopology({ ...specFor('background-jobs'), profile: 'prod' }).queues.find((q) => q.name === 'tasks');
    expect(prodTasks?.arguments).toEqual({ 'x-dead-letter-exchange': 'tasks.dlx', 'x-queue-type': 'quorum' });
  });

  it('lists, for the facade type test, calls that name a wrong channel or a wrong payload', () => {
    const checks = typeChecks(contractsOf(specFor('hybrid')).views).map((c) => c.line);
    expect(checks).toContain('void facade.logEvent("tasks", {"type":"send_alert","payload":{"example":true}});');
    expect(checks).toContain('void facade.enqueueTask("tasks", { notAField: true }, 5);');
    expect(checks.filter((l) => l.includes('"no-such-channel"'))).toHaveLength(3);
  });

  // One stack with every channel kind, and stacks missing whole kinds (their client code must still compile).
  it.each([
    ['every kind on every broker', () => specFor('microservices', { brokers: ['kafka', 'rabbitmq', 'redis'], channels: (s) => [...s, ...specFor('queue-and-cache').channels, ...specFor('background-jobs').channels], edit: (s) => void (s.brokers.redis = redisDefaults('queue')) })],
    ['RPC only', () => specFor('rpc')],
    ['pub/sub only', () => specFor('realtime-notifications')],
    ['Kafka without transactions', () => specFor('event-streaming')],
    // Channels moved by --brokers (stack/translate.ts): the facade and examples of the new kinds still compile.
    ['hybrid on Kafka alone', () => specFor('hybrid', { brokers: ['kafka'] })],
    ['hybrid on RabbitMQ and Redis', () => specFor('hybrid', { brokers: ['rabbitmq', 'redis'] })],
    ['notifications on RabbitMQ', () => specFor('realtime-notifications', { brokers: ['rabbitmq'] })],
    ['background jobs on Redis', () => specFor('background-jobs', { brokers: ['redis'] })],
  ])('type-checks the generated project: %s', async (name, build) => {
    const root = await generateProject(`typecheck-${name.replace(/\W+/g, '-')}`, build());
    const r = await typecheck(root);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
