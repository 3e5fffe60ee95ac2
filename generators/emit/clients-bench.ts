/** The channels the generated `npm run bench` measures, and how it labels them. */
import { BROKER_IDS, type BrokerId } from '../guide/index.ts';
import type { Channel, MessageSpec, StackSpec } from '../stack/index.ts';
import type { ClientPart } from './clients-model.ts';
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { sampleObject, varyField } from './clients-schema.ts';

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

function benchOf(spec: StackSpec, channel: Channel): ReturnType<ClientPart<BrokerId>['bench']> {
  switch (channel.broker) {
    case 'kafka':
      return BROKER_PLUGINS.kafka.client.bench(spec, channel);
    case 'rabbitmq':
      return BROKER_PLUGINS.rabbitmq.client.bench(spec, channel);
    case 'redis':
      return BROKER_PLUGINS.redis.client.bench(spec, channel);
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
  const order = (t: BenchTarget) => BROKER_IDS.indexOf(t.broker) * 2 + (t.durable ? 0 : 1);
  return targets.sort((a, b) => order(a) - order(b));
}
