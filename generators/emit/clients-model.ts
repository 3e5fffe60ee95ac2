/**
 * What the clients area shares with the broker modules (generators/brokers/<b>/client.ts): the
 * per-channel view every client template renders, the context of the whole area, and the shape
 * of a broker's part. Types only; the area (clients.ts) builds them.
 */
import type { BrokerId, PerformanceRow } from '../guide/index.ts';
import type { Channel, ChannelOf, StackSpec } from '../stack/index.ts';
import type { NpmPackage } from '../versions/npm.ts';
import type { GeneratedFile } from './files.ts';

/** A message type of src/messaging/contracts.ts. */
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

/** A facade call that must not compile (a `// @ts-expect-error` line of the generated test) and why. */
export interface TypeCheck {
  line: string;
  why: string;
}

/** What the facade templates need: which brokers and channel kinds the stack has. */
export interface FacadeContext {
  readonly project: string;
  readonly kafka: boolean;
  readonly rabbitmq: boolean;
  readonly redis: boolean;
  readonly kafkaTopics: boolean;
  readonly rabbitQueues: boolean;
  readonly rabbitRpc: boolean;
  readonly redisPubSub: boolean;
  readonly redisStreams: boolean;
  /** The cache-invalidation channel's literal when invalidateCache(keys) can publish on it, else false. */
  readonly cacheInvalidation: string | false;
  readonly cacheHasReason: boolean;
  readonly typeChecks: readonly TypeCheck[];
}

/** What every clients template renders with (the broker parts add per-channel views of their own). */
export interface ClientsContext extends FacadeContext {
  readonly types: readonly TypeView[];
  readonly channels: readonly ChannelView[];
  readonly channelsJson: string;
  readonly envVars: readonly { name: string; description: string }[];
}

/** A MessagingFacade method that publishes on one kind of channel; `extra`: further arguments of a sample call. */
export interface FacadeMethod<B extends BrokerId> {
  readonly method: string;
  readonly kind: ChannelOf<B>['kind'];
  readonly extra: string;
}

/** What one broker contributes to the clients area (generators/brokers/<broker>/client.ts). */
export interface ClientPart<B extends BrokerId> {
  /** Runtime packages of the broker's client module. */
  readonly dependencies: readonly NpmPackage[];
  /** Broker-specific fields of the channel's entry in CHANNELS (src/messaging/contracts.ts). */
  descriptor(spec: StackSpec, channel: ChannelOf<B>): Record<string, unknown>;
  /** The facade methods of this broker's channel kinds (templates/clients/messaging/facade.ts.hbs defines them). */
  readonly facade: readonly FacadeMethod<B>[];
  /** src/messaging/<broker>.ts (and helpers), the broker's tests and examples. */
  files(spec: StackSpec, ctx: ClientsContext): GeneratedFile[];
  /** README: what the client does, per channel kind. */
  readme(spec: StackSpec): string;
  /** How `npm run bench` labels a channel (what its semantics mean on the wire) and which row of the guide's Performance table it compares to; undefined: not measured. */
  bench(spec: StackSpec, channel: ChannelOf<B>): { readonly setting: string; readonly system: PerformanceRow['system'] } | undefined;
}
