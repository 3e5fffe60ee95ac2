/**
 * `--from` mappings beyond brokerplate's own documents (round trip) and the published examples:
 * Kafka bindings and consumer groups in 2.6 and 3.0, parameter defaults, AMQP routing keys, Redis
 * streams, and the notes that say what was left out. A 2.x document reads as the AsyncAPI
 * project's own converter (@asyncapi/converter, pinned) would make it 3.0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from '@asyncapi/converter';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ROOT } from '../support/cli.ts';
import { importAsyncApi } from '../../generators/import/asyncapi.ts';

const ORDER = { name: 'orderPlaced', payload: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Order id' }, total: { type: 'number', minimum: 0 }, tags: { type: 'array', items: { type: 'string', maxLength: 20 } }, meta: {} } } };

const KAFKA_26 = {
  asyncapi: '2.6.0',
  info: { title: 'Order Service', version: '1.0.0' },
  servers: { prod: { url: 'broker:9093', protocol: 'kafka-secure' } },
  channels: {
    'orders.placed': {
      bindings: { kafka: { partitions: 12, replicas: 3, topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': 86_400_000 } } },
      publish: { operationId: 'onOrderPlaced', bindings: { kafka: { groupId: { type: 'string', enum: ['billing'] } } }, message: ORDER },
      subscribe: { operationId: 'placeOrder', message: ORDER },
    },
  },
};

describe('--from mappings', () => {
  for (const [name, text] of [
    ['the 2.6 Kafka document below', stringify(KAFKA_26)],
    ...['streetlights-mqtt-2.6.0.yml', 'rpc-server-2.6.0.yml'].map((f) => [f, readFileSync(join(ROOT, 'test/asyncapi/examples', f), 'utf8')]),
  ] as const) {
    it(`2.x: ${name} gives the spec its @asyncapi/converter 3.0 conversion gives`, () => {
      const converted = convert(text, '3.0.0');
      expect(typeof converted).toBe('string');
      expect(String(converted)).toMatch(/^asyncapi: 3\.0\.0$/m);
      expect(importAsyncApi(text).spec).toEqual(importAsyncApi(String(converted)).spec);
    });
  }

  it('AsyncAPI 2.6 Kafka: bindings, groupId, payload fields, secure protocol → prod', () => {
    const { spec } = importAsyncApi(stringify(KAFKA_26));
    expect(spec.name).toBe('order-service');
    expect(spec.profile).toBe('prod');
    expect(spec.scenario).toBe('event-streaming');
    expect(spec.channels).toEqual([
      {
        name: 'orders.placed',
        broker: 'kafka',
        kind: 'topic',
        semantics: 'at-least-once',
        partitions: 12,
        retention: '1d',
        cleanupPolicy: 'delete',
        consumerGroups: ['billing'],
        message: {
          type: 'OrderPlaced',
          version: 1,
          fields: {
            id: { type: 'string', format: 'uuid', description: 'Order id' },
            total: { type: 'number', minimum: 0, optional: true },
            tags: { type: 'array', items: { type: 'string', maxLength: 20 }, optional: true },
            meta: { type: 'json', optional: true },
          },
        },
      },
    ]);
  });

  it('AsyncAPI 3.0: a parameter default is filled in and noted; AMQP routingKey channels; a Redis stream from x-consumer-group', () => {
    const doc = {
      asyncapi: '3.0.0',
      info: { title: 'shop', version: '1' },
      servers: { mq: { host: 'mq:5672', protocol: 'amqp' }, cache: { host: 'r:6379', protocol: 'redis' } },
      channels: {
        created: { address: 'orders.{version}.created', servers: [{ $ref: '#/servers/cache' }], parameters: { version: { default: 'v1' } }, messages: { m: ORDER } },
        billing: { address: 'billing.invoice', servers: [{ $ref: '#/servers/mq' }], bindings: { amqp: { is: 'routingKey', exchange: { name: 'billing', type: 'topic' } } }, messages: { m: ORDER } },
      },
      operations: {
        readCreated: { action: 'receive', channel: { $ref: '#/channels/created' }, 'x-consumer-group': 'mailer' },
        invoice: { action: 'send', channel: { $ref: '#/channels/billing' } },
      },
    };
    const { spec, notes } = importAsyncApi(stringify(doc), { name: 'shop2', targets: ['compose'] });
    expect(spec.name).toBe('shop2');
    expect(spec.targets).toEqual(['compose']);
    expect(spec.scenario).toBe('hybrid');
    expect(spec.channels.map((c) => ({ ...c, message: c.message.type }))).toEqual([
      { name: 'orders.v1.created', broker: 'redis', kind: 'stream', semantics: 'at-least-once', consumerGroups: ['mailer'], maxLen: 100_000, maxDeliveries: 5, message: 'OrderPlaced' },
      { name: 'billing', broker: 'rabbitmq', kind: 'queue', semantics: 'at-least-once', exchange: 'billing', exchangeType: 'topic', bindings: [{ routingKey: 'billing.invoice' }], deadLetter: true, prefetch: 10, message: 'OrderPlaced' },
    ]);
    expect(notes).toContain('channels.created.address: parameter {version} set to its default "v1"');
  });
});

describe('an imported project says where its brokers came from', () => {
  it('the spec records decision.source asyncapi, and the README credits the document instead of the guide', async () => {
    const { emitProject } = await import('../../generators/emit/index.ts');
    const { spec } = importAsyncApi(stringify(KAFKA_26));
    expect(spec.decision.source).toBe('asyncapi');
    const readme = emitProject(spec).find((f) => f.path === 'README.md')?.contents ?? '';
    const why = readme.slice(readme.indexOf('## Why'), readme.indexOf('### Trade-offs'));
    expect(why).toContain('come from the AsyncAPI document this project was imported from');
    expect(why).not.toMatch(/table recommends|its Decision Flowchart agrees|because `--brokers` said so/);
    // control: the same spec without the source reads as the guide's recommendation
    const guided = emitProject({ ...spec, decision: { overridden: spec.decision.overridden } }).find((f) => f.path === 'README.md')?.contents ?? '';
    expect(guided).not.toContain('come from the AsyncAPI document');
  });

  it('brokerplate.yaml keeps decision.source; an unknown source is refused with its path', async () => {
    const { parseSpec, serializeSpec } = await import('../../generators/stack/index.ts');
    const { spec } = importAsyncApi(stringify(KAFKA_26));
    const { parse } = await import('yaml');
    const raw = parse(serializeSpec(spec)) as { decision: Record<string, unknown> };
    expect(raw.decision.source).toBe('asyncapi');
    const again = parseSpec(raw);
    expect(again.ok && again.spec.decision.source).toBe('asyncapi');
    const bad = parseSpec({ ...raw, decision: { ...raw.decision, source: 'guesswork' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toContain('decision.source');
  });
});
