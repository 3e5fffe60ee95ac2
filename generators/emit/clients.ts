/**
 * The typed client boilerplate of the generated project (always emitted): channel contracts
 * typed from the spec's messages, envelope + validation, settings from the environment, retry,
 * graceful shutdown, one client module per broker, the facade, examples and the project's own
 * tests. Each broker's part lives in generators/brokers/<broker>/client.ts.
 */
import { BROKERS, PERFORMANCE, type BrokerId, type PerformanceRow } from '../guide/index.ts';
import { kafkaClient } from '../brokers/kafka/client.ts';
import { rabbitmqClient } from '../brokers/rabbitmq/client.ts';
import { redisClient } from '../brokers/redis/client.ts';
import { BROKER_MODULES } from '../brokers/index.ts';
import {
  brokersOf,
  channelIdentifier,
  deadLetterName,
  pascalCase,
  type Channel,
  type ChannelOf,
  type FieldSpec,
  type MessageSpec,
  type StackSpec,
} from '../stack/index.ts';
import { nodeEngineFor, npmDeps, type NpmPackage } from '../versions/npm.ts';
import type { Area, AreaOutput } from './area.ts';
import { file, type GeneratedFile } from './files.ts';
import { render } from './render.ts';

// ---------------------------------------------------------------- the broker seam

/** What one broker contributes to the clients area (generators/brokers/<broker>/client.ts). */
export interface ClientPart<B extends BrokerId> {
  /** Runtime packages of the broker's client module. */
  readonly dependencies: readonly NpmPackage[];
  /** Broker-specific fields of the channel's entry in CHANNELS (src/messaging/contracts.ts). */
  descriptor(spec: StackSpec, channel: ChannelOf<B>): Record<string, unknown>;
  /** src/messaging/<broker>.ts (and helpers), the broker's tests and examples. */
  files(spec: StackSpec, ctx: ClientsContext): GeneratedFile[];
  /** README: what the client does, per channel kind. */
  readme(spec: StackSpec): string;
  /** How `npm run bench` labels a channel (what its semantics mean on the wire) and which row of the guide's Performance table it compares to; undefined: not measured. */
  bench(spec: StackSpec, channel: ChannelOf<B>): { readonly setting: string; readonly system: PerformanceRow['system'] } | undefined;
}

const PARTS: { [B in BrokerId]: ClientPart<B> } = { kafka: kafkaClient, rabbitmq: rabbitmqClient, redis: redisClient };

// ---------------------------------------------------------------- types and schemas from fields

function doc(text: string | undefined, indent: string): string {
  return text ? `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n` : '';
}

/** The TypeScript type of a field (nested objects inline). */
export function tsType(field: FieldSpec, indent = ''): string {
  switch (field.type) {
    case 'string':
      return field.enum ? field.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'unknown';
    case 'array':
      return `Array<${tsType(field.items, indent)}>`;
    case 'object':
      return `{\n${fieldLines(field.fields, `${indent}  `)}${indent}}`;
  }
}

/** `name?: type;` lines of an object's fields, with their descriptions as doc comments. */
export function fieldLines(fields: Record<string, FieldSpec>, indent: string): string {
  return Object.entries(fields)
    .map(([name, f]) => `${doc(f.description, indent)}${indent}${name}${f.optional ? '?' : ''}: ${tsType(f, indent)};\n`)
    .join('');
}

/** The JSON Schema of a field: what ajv validates at the boundary. Unknown properties are refused. */
export function fieldSchema(field: FieldSpec): Record<string, unknown> {
  switch (field.type) {
    case 'string':
      return { type: 'string', ...(field.format && { format: field.format }), ...(field.enum && { enum: field.enum }), ...(field.maxLength !== undefined && { maxLength: field.maxLength }) };
    case 'integer':
    case 'number':
      return { type: field.type, ...(field.minimum !== undefined && { minimum: field.minimum }), ...(field.maximum !== undefined && { maximum: field.maximum }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'json':
      return {};
    case 'array':
      return { type: 'array', items: fieldSchema(field.items) };
    case 'object':
      return objectSchema(field.fields);
  }
}

export function objectSchema(fields: Record<string, FieldSpec>): Record<string, unknown> {
  const required = Object.entries(fields).filter(([, f]) => !f.optional).map(([n]) => n);
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, fieldSchema(f)])),
    required,
    additionalProperties: false,
  };
}

/** A deterministic valid value of a field, for examples and the generated tests. */
export function sampleValue(field: FieldSpec, name: string): unknown {
  switch (field.type) {
    case 'string': {
      if (field.enum?.[0] !== undefined) return field.enum[0];
      const byFormat = { 'date-time': '2024-01-01T00:00:00.000Z', uuid: '00000000-0000-4000-8000-000000000000', email: 'user@example.com', uri: 'https://example.com/' } as const;
      const value = field.format ? byFormat[field.format] : `${name}-1`;
      return field.maxLength !== undefined ? value.slice(0, Math.max(1, field.maxLength)) : value;
    }
    case 'integer':
    case 'number': {
      const low = field.minimum ?? 0;
      const value = field.type === 'integer' ? Math.ceil(low) + 1 : low + 1.5;
      return field.maximum !== undefined ? Math.min(value, field.maximum) : value;
    }
    case 'boolean':
      return true;
    case 'json':
      return { example: true };
    case 'array':
      return [sampleValue(field.items, name)];
    case 'object':
      return sampleObject(field.fields);
  }
}

export function sampleObject(fields: Record<string, FieldSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, sampleValue(f, n)]));
}

/** A top-level field the tests can number (`userId-7`) so N messages differ: free text, no length limit. */
export function varyField(message: MessageSpec): string | undefined {
  return Object.entries(message.fields).find(([, f]) => f.type === 'string' && !f.enum && !f.format && f.maxLength === undefined)?.[0];
}

/** A payload that breaks the contract: a required field of the wrong type, else an unknown property. */
export function invalidSample(message: MessageSpec): Record<string, unknown> {
  const sample = sampleObject(message.fields);
  const victim = Object.entries(message.fields).find(([, f]) => !f.optional && f.type !== 'json');
  if (victim) return { ...sample, [victim[0]]: victim[1].type === 'string' ? 42 : 'not-a-valid-value' };
  return { ...sample, unexpectedProperty: true };
}

// ---------------------------------------------------------------- channel views

const KIND_LABEL: Readonly<Record<BrokerId, string>> = { kafka: 'Kafka', rabbitmq: 'RabbitMQ', redis: 'Redis' };

/** Names the generated contracts.ts exports itself; a message type may not take them. */
const RESERVED = new Set(['CHANNELS', 'ChannelName', 'Payloads', 'Replies', 'KafkaTopic', 'RabbitQueue', 'RabbitRpc', 'RedisPubSub', 'RedisStream', 'ChannelContract', 'MessageContract', 'Envelope']);

export interface TypeView {
  name: string;
  doc: string;
  body: string;
}

export interface ChannelView {
  readonly channel: Channel;
  readonly name: string;
  /** The channel name as a TypeScript string literal. */
  readonly literal: string;
  /** camelCase identifier (`cache:invalidate` → `cacheInvalidate`). */
  readonly id: string;
  readonly pascal: string;
  readonly broker: BrokerId;
  readonly kind: Channel['kind'];
  readonly semantics: Channel['semantics'];
  readonly typeName: string;
  readonly replyTypeName?: string;
  readonly deadLetter?: string;
  /** A valid payload and a contract-breaking one, as JSON. */
  readonly sampleJson: string;
  readonly invalidJson: string;
  readonly replySampleJson?: string;
  readonly varyField?: string;
  readonly description: string;
}

interface Contracts {
  types: TypeView[];
  views: ChannelView[];
  descriptors: Record<string, Record<string, unknown>>;
}

function messageContract(message: MessageSpec): Record<string, unknown> {
  return { type: message.type, version: message.version, schema: objectSchema(message.fields) };
}

/** Type names per message: one interface per distinct message; a name two different messages share gets the channel as prefix. */
function typeNames(channels: readonly Channel[]): { types: TypeView[]; nameOf: (c: Channel, part: 'message' | 'reply') => string } {
  const messages: { channel: Channel; part: 'message' | 'reply'; spec: MessageSpec }[] = channels.flatMap((c) => [
    { channel: c, part: 'message' as const, spec: c.message },
    ...(c.broker === 'rabbitmq' && c.kind === 'rpc' ? [{ channel: c, part: 'reply' as const, spec: c.reply }] : []),
  ]);
  const shapes = new Map<string, Set<string>>();
  for (const m of messages) {
    const set = shapes.get(m.spec.type) ?? new Set<string>();
    set.add(JSON.stringify(m.spec.fields));
    shapes.set(m.spec.type, set);
  }
  const chosen = new Map<string, string>();
  const types = new Map<string, TypeView>();
  for (const m of messages) {
    let name = (shapes.get(m.spec.type)?.size ?? 0) > 1 ? `${pascalCase(m.channel.name)}${m.spec.type}` : m.spec.type;
    if (RESERVED.has(name)) name = `${name}Message`;
    chosen.set(`${m.channel.name}\u0000${m.part}`, name);
    if (!types.has(name)) {
      const what = m.part === 'reply' ? `Reply of the RPC channel \`${m.channel.name}\`` : `Payload of \`${m.channel.name}\` (${KIND_LABEL[m.channel.broker]} ${m.channel.kind})`;
      const text = `${what}, schema version ${m.spec.version}.${m.channel.description ? ` ${m.channel.description}` : ''}`;
      types.set(name, { name, doc: text.replaceAll('*/', '*\\/'), body: fieldLines(m.spec.fields, '  ').replace(/\n$/, '') });
    }
  }
  return {
    types: [...types.values()],
    nameOf: (c, part) => chosen.get(`${c.name}\u0000${part}`) ?? c.message.type,
  };
}

function descriptorOf(spec: StackSpec, channel: Channel): Record<string, unknown> {
  const part: Record<string, unknown> = (() => {
    switch (channel.broker) {
      case 'kafka':
        return PARTS.kafka.descriptor(spec, channel);
      case 'rabbitmq':
        return PARTS.rabbitmq.descriptor(spec, channel);
      case 'redis':
        return PARTS.redis.descriptor(spec, channel);
    }
  })();
  const dead = deadLetterName(channel);
  return {
    name: channel.name,
    broker: channel.broker,
    kind: channel.kind,
    semantics: channel.semantics,
    message: messageContract(channel.message),
    ...(channel.broker === 'rabbitmq' && channel.kind === 'rpc' && { reply: messageContract(channel.reply) }),
    ...(dead !== undefined && { deadLetter: dead }),
    ...part,
  };
}

export function contractsOf(spec: StackSpec): Contracts {
  const { types, nameOf } = typeNames(spec.channels);
  const views = spec.channels.map((c): ChannelView => {
    const vary = varyField(c.message);
    const dead = deadLetterName(c);
    return {
      channel: c,
      name: c.name,
      literal: JSON.stringify(c.name),
      id: channelIdentifier(c.name),
      pascal: pascalCase(c.name),
      broker: c.broker,
      kind: c.kind,
      semantics: c.semantics,
      typeName: nameOf(c, 'message'),
      ...(c.broker === 'rabbitmq' && c.kind === 'rpc' && { replyTypeName: nameOf(c, 'reply'), replySampleJson: JSON.stringify(sampleObject(c.reply.fields)) }),
      ...(dead !== undefined && { deadLetter: dead }),
      sampleJson: JSON.stringify(sampleObject(c.message.fields)),
      invalidJson: JSON.stringify(invalidSample(c.message)),
      ...(vary !== undefined && { varyField: vary }),
      description: c.description ?? '',
    };
  });
  const descriptors = Object.fromEntries(spec.channels.map((c) => [c.name, descriptorOf(spec, c)]));
  return { types, views, descriptors };
}

// ---------------------------------------------------------------- the facade

/** The Redis pub/sub channel the guide's facade publishes cache invalidations on. */
export const CACHE_INVALIDATION_CHANNEL = 'cache:invalidate';

/** The facade methods that publish, by the kind of channel they take. */
const FACADE_METHODS: readonly { method: string; broker: BrokerId; kind: Channel['kind']; extra: string }[] = [
  { method: 'logEvent', broker: 'kafka', kind: 'topic', extra: '' },
  { method: 'enqueueTask', broker: 'rabbitmq', kind: 'queue', extra: ', 5' },
  { method: 'call', broker: 'rabbitmq', kind: 'rpc', extra: '' },
  { method: 'notifyRealtime', broker: 'redis', kind: 'pubsub', extra: '' },
  { method: 'appendToStream', broker: 'redis', kind: 'stream', extra: '' },
];

/** True when TypeScript must refuse `sample` as a fresh object literal of `target`: a required field is missing or an unknown one is present. */
function refusedAs(target: MessageSpec, sample: Record<string, unknown>): boolean {
  const missing = Object.entries(target.fields).some(([n, f]) => !f.optional && !(n in sample));
  return missing || Object.keys(sample).some((k) => !(k in target.fields));
}

/**
 * Calls that must not compile, for the generated test's `// @ts-expect-error` lines: tsc fails on an
 * expect-error line that compiles, so `tsc --noEmit` proves the facade is typed by channel.
 */
export function typeChecks(views: readonly ChannelView[]): { line: string; why: string }[] {
  const checks: { line: string; why: string }[] = [];
  for (const m of FACADE_METHODS) {
    const own = views.filter((v) => v.broker === m.broker && v.kind === m.kind);
    const first = own[0];
    if (!first) continue;
    const call = (channel: string, payload: string) => `void facade.${m.method}(${channel}, ${payload}${m.extra});`;
    checks.push({ line: call(first.literal, '{ notAField: true }'), why: `not a ${first.typeName}` });
    checks.push({ line: call('"no-such-channel"', first.sampleJson), why: 'no such channel' });
    const otherKind = views.find((v) => v.broker !== m.broker || v.kind !== m.kind);
    if (otherKind) checks.push({ line: call(otherKind.literal, otherKind.sampleJson), why: `${otherKind.name} is a ${otherKind.broker} ${otherKind.kind}, not a ${m.broker} ${m.kind}` });
    const foreign = views.find((v) => v.typeName !== first.typeName && refusedAs(first.channel.message, JSON.parse(v.sampleJson) as Record<string, unknown>));
    if (foreign) checks.push({ line: call(first.literal, foreign.sampleJson), why: `a ${foreign.typeName} is not a ${first.typeName}` });
  }
  return checks;
}

function facadeContext(spec: StackSpec, views: readonly ChannelView[]) {
  const has = (broker: BrokerId, kind: Channel['kind']) => views.some((v) => v.broker === broker && v.kind === kind);
  const cache = views.find((v) => v.broker === 'redis' && v.kind === 'pubsub' && v.name === CACHE_INVALIDATION_CHANNEL);
  const cacheFields = cache?.channel.message.fields;
  return {
    project: spec.name,
    kafka: spec.brokers.kafka !== undefined,
    rabbitmq: spec.brokers.rabbitmq !== undefined,
    redis: spec.brokers.redis !== undefined,
    kafkaTopics: has('kafka', 'topic'),
    rabbitQueues: has('rabbitmq', 'queue'),
    rabbitRpc: has('rabbitmq', 'rpc'),
    redisPubSub: has('redis', 'pubsub'),
    redisStreams: has('redis', 'stream'),
    // invalidateCache(keys) publishes { key, reason? } when the channel's payload has exactly that shape.
    cacheInvalidation: cache !== undefined && cacheFields?.key?.type === 'string' && Object.entries(cacheFields).every(([n, f]) => n === 'key' || f.optional) ? cache.literal : false,
    cacheHasReason: cacheFields?.reason?.type === 'string',
    typeChecks: typeChecks(views),
  };
}

// ---------------------------------------------------------------- the benchmark

/** A channel `npm run bench` measures (bench/harness.ts `Target`). */
export interface BenchTarget {
  readonly broker: BrokerId;
  readonly channel: string;
  readonly kind: Channel['kind'];
  readonly semantics: Channel['semantics'];
  readonly setting: string;
  readonly durable: boolean;
  readonly system: string;
  readonly sample: Record<string, unknown>;
  readonly pad?: string;
  readonly vary?: string;
}

const BROKER_ORDER: readonly BrokerId[] = ['kafka', 'rabbitmq', 'redis'];

function benchOf(spec: StackSpec, channel: Channel): ReturnType<ClientPart<BrokerId>['bench']> {
  switch (channel.broker) {
    case 'kafka':
      return PARTS.kafka.bench(spec, channel);
    case 'rabbitmq':
      return PARTS.rabbitmq.bench(spec, channel);
    case 'redis':
      return PARTS.redis.bench(spec, channel);
  }
}

/** A free-text field of the message (no enum, format or length limit): one the bench may rewrite. */
function isFreeText(message: MessageSpec, field: string | undefined): boolean {
  const f = field === undefined ? undefined : message.fields[field];
  return f?.type === 'string' && !f.enum && !f.format && f.maxLength === undefined;
}

/**
 * The channels the bench measures: the first of each broker, kind and semantics (durable settings
 * first), with a free-text field to pad to the payload size and, for keyed Kafka topics, the key
 * field to vary so records spread over the partitions as real keys do.
 */
export function benchTargets(spec: StackSpec): BenchTarget[] {
  const seen = new Set<string>();
  const targets: BenchTarget[] = [];
  for (const channel of spec.channels) {
    const bench = benchOf(spec, channel);
    const combo = `${channel.broker}/${channel.kind}/${channel.semantics}`;
    if (!bench || seen.has(combo)) continue;
    seen.add(combo);
    const key = channel.broker === 'kafka' ? channel.key : undefined;
    // Pad a field other than the record key when there is one: keys stay short, as real keys are.
    const pad = Object.keys(channel.message.fields).find((f) => f !== key && isFreeText(channel.message, f)) ?? varyField(channel.message);
    targets.push({
      broker: channel.broker,
      channel: channel.name,
      kind: channel.kind,
      semantics: channel.semantics,
      setting: bench.setting,
      durable: channel.semantics !== 'at-most-once',
      system: bench.system,
      sample: sampleObject(channel.message.fields),
      ...(pad !== undefined && { pad }),
      ...(isFreeText(channel.message, key) && { vary: key }),
    });
  }
  const order = (t: BenchTarget) => BROKER_ORDER.indexOf(t.broker) * 2 + (t.durable ? 0 : 1);
  return targets.sort((a, b) => order(a) - order(b));
}

// ---------------------------------------------------------------- the area

/** What every clients template renders with (the broker parts add per-channel views of their own). */
export type ClientsContext = ReturnType<typeof facadeContext> & {
  readonly types: readonly TypeView[];
  readonly channels: readonly ChannelView[];
  readonly channelsJson: string;
  readonly envVars: readonly { name: string; description: string }[];
};

function emitClients(spec: StackSpec): AreaOutput {
  const brokers = brokersOf(spec);
  const { types, views, descriptors } = contractsOf(spec);
  const ctx: ClientsContext = {
    ...facadeContext(spec, views),
    types,
    channels: views,
    channelsJson: JSON.stringify(descriptors, null, 2),
    envVars: brokers.flatMap((b) => BROKER_MODULES[b].connection(spec).map((c) => ({ name: c.env, description: c.description }))),
  };
  const partFiles = brokers.flatMap((b) => PARTS[b].files(spec, ctx));
  const benchContext = { ...ctx, benchTargetsJson: JSON.stringify(benchTargets(spec), null, 2), guideJson: JSON.stringify(PERFORMANCE.map(({ system, producerMsgsPerSec, p99LatencyMs, guideText }) => ({ system, producerMsgsPerSec, p99LatencyMs, guideText })), null, 2) };
  const files: GeneratedFile[] = [
    file('src/messaging/contracts.ts', render('clients/messaging/contracts.ts', ctx)),
    file('src/messaging/envelope.ts', render('clients/messaging/envelope.ts', ctx)),
    file('src/messaging/validation.ts', render('clients/messaging/validation.ts', ctx)),
    file('src/messaging/settings.ts', render('clients/messaging/settings.ts', ctx)),
    file('src/messaging/retry.ts', render('clients/messaging/retry.ts', ctx)),
    file('src/messaging/lifecycle.ts', render('clients/messaging/lifecycle.ts', ctx)),
    file('src/messaging/facade.ts', render('clients/messaging/facade.ts', ctx)),
    file('src/messaging/index.ts', render('clients/messaging/index.ts', ctx)),
    // Hyphenated names: a channel's example (src/examples/<camelCaseId>.ts) can never take them.
    file('src/examples/load-env.ts', render('clients/examples/load-env.ts', ctx)),
    file('src/examples/messaging-facade.ts', render('clients/examples/facade.ts', ctx)),
    file('test/messaging/contracts.test.ts', render('clients/test/contracts.test.ts', ctx)),
    file('test/messaging/facade.test.ts', render('clients/test/facade.test.ts', ctx)),
    file('test/messaging/helpers.ts', render('clients/test/helpers.ts', ctx)),
    file('vitest.config.ts', render('clients/vitest.config.ts', ctx)),
    file('bench/run.ts', render('clients/bench/run.ts', benchContext)),
    file('bench/harness.ts', render('clients/bench/harness.ts', ctx)),
    ...partFiles,
  ];
  const examples = Object.fromEntries(views.map((v) => [`example:${v.id}`, `node src/examples/${v.id}.ts`]));
  const readme = render('clients/README.md', {
    ...ctx,
    brokerSections: brokers.map((b) => ({ title: BROKERS[b].title, body: PARTS[b].readme(spec) })),
  });
  const dependencies = npmDeps('ajv', 'ajv-formats', ...brokers.flatMap((b) => PARTS[b].dependencies));
  return {
    files,
    readme: [{ title: 'Typed messaging clients', body: readme }],
    packageJson: {
      node: nodeEngineFor(dependencies),
      scripts: {
        test: 'vitest run',
        typecheck: 'tsc --noEmit',
        example: 'node src/examples/messaging-facade.ts',
        bench: 'node bench/run.ts',
        ...examples,
      },
      dependencies,
      devDependencies: npmDeps('typescript', 'vitest', '@types/node'),
    },
    layout: [
      { path: 'src/messaging/', purpose: 'Typed clients: channel contracts from the spec, envelope and validation, one client per broker, the MessagingFacade.' },
      { path: 'src/examples/', purpose: 'Runnable examples, one per channel: `npm run example:<channel>`.' },
      { path: 'test/messaging/', purpose: 'The clients\' tests against the brokers named by the environment (`npm test`).' },
      { path: 'bench/', purpose: 'The deployment measured against the guide\'s Performance table, generated clients next to the raw drivers (`npm run bench`).' },
    ],
  };
}

export const clients: Area = {
  id: 'clients',
  applies: () => true,
  emit: emitClients,
};
