/**
 * The guide's MessagingFacade: which of its methods the stack's channels enable, and the calls
 * the generated test expects tsc to refuse (proof that the facade is typed by channel).
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { BROKER_IDS, type BrokerId } from '../guide/index.ts';
import type { Channel, MessageSpec, StackSpec } from '../stack/index.ts';
import type { ChannelView, FacadeContext, TypeCheck } from './clients-model.ts';

/** The Redis pub/sub channel the guide's facade publishes cache invalidations on. */
export const CACHE_INVALIDATION_CHANNEL = 'cache:invalidate';

/** The facade methods that publish, by the kind of channel they take (each broker's client part lists its own). */
const FACADE_METHODS: readonly { method: string; broker: BrokerId; kind: Channel['kind']; extra: string }[] = BROKER_IDS.flatMap((broker) => {
  const own: readonly { readonly method: string; readonly kind: Channel['kind']; readonly extra: string }[] = BROKER_PLUGINS[broker].client.facade;
  return own.map((m) => ({ ...m, broker }));
});

/** True when TypeScript must refuse `sample` as a fresh object literal of `target`: a required field is missing or an unknown one is present. */
function refusedAs(target: MessageSpec, sample: Record<string, unknown>): boolean {
  const missing = Object.entries(target.fields).some(([n, f]) => !f.optional && !(n in sample));
  return missing || Object.keys(sample).some((k) => !(k in target.fields));
}

/**
 * Calls that must not compile, for the generated test's `// @ts-expect-error` lines: tsc fails on an
 * expect-error line that compiles, so `tsc --noEmit` proves the facade is typed by channel.
 */
export function typeChecks(views: readonly ChannelView[]): TypeCheck[] {
  const checks: TypeCheck[] = [];
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

export function facadeContext(spec: StackSpec, views: readonly ChannelView[]): FacadeContext {
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
