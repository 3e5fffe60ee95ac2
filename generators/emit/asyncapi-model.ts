/**
 * What the AsyncAPI area shares with the broker modules (generators/brokers/<b>/asyncapi.ts): a
 * broker's server, its channel bindings and consumers when the contract is written, and the
 * reverse mapping when a document is read (`brokerplate --from`). Types and the extension names
 * only; the area (asyncapi.ts) builds the document and generators/import/ reads one.
 *
 * Where the AsyncAPI 3.0 bindings have no field for a spec value, it travels in a specification
 * extension (`x-…`), documented in the README section the area writes:
 * - `x-brokerplate` on a channel: `{ broker, kind, semantics }` and the values no binding carries
 *   (RabbitMQ: dead-lettering, TTL, priority, prefetch, RPC timeout; Redis: stream trimming and
 *   delivery limit; the AsyncAPI Redis binding 0.1.0 has no fields at all);
 * - `x-exchange`, `x-bindings` inside the AMQP channel binding (the binding describes either a
 *   queue or an exchange, and a spec queue channel has both);
 * - `x-key-field` inside the Kafka message binding (the payload field used as the record key);
 * - `x-consumer-group` on a Redis stream's receive operation (Kafka has `groupId` in its binding).
 */
import type { BrokerId } from '../guide/index.ts';
import type { ChannelOf, Profile, StackSpec } from '../stack/index.ts';

export const ASYNCAPI_FILE = 'asyncapi.yaml';
export const ASYNCAPI_VERSION = '3.0.0';
export const CHANNEL_EXTENSION = 'x-brokerplate';
export const KAFKA_BINDING_VERSION = '0.5.0';
export const AMQP_BINDING_VERSION = '0.3.0';

export type JsonObject = Record<string, unknown>;

/** A security scheme of a server, under its components name. */
export interface SecurityScheme {
  readonly name: string;
  readonly scheme: JsonObject;
}

export interface ServerPart {
  /** `kafka`, `kafka-secure`, `amqp`, `amqps`, `redis`, `rediss`. */
  readonly protocol: string;
  /** host:port of the first node as a client on the compose host reaches it (the `.env` values). */
  readonly host: string;
  readonly pathname?: string;
  readonly description: string;
  readonly security: readonly SecurityScheme[];
}

/** A receive operation: one per consumer group (Kafka, Redis streams), else one. */
export interface ConsumerPart {
  /** Suffix of the operation id (the group), or '' for the only consumer. */
  readonly suffix: string;
  readonly summary: string;
  readonly bindings?: JsonObject;
  readonly extensions?: JsonObject;
}

export interface ChannelPart {
  readonly bindings?: JsonObject;
  readonly messageBindings?: JsonObject;
  /** Broker values no binding carries (merged into `x-brokerplate` after broker, kind and semantics). */
  readonly extension: JsonObject;
  readonly consumers: readonly ConsumerPart[];
}

/** One AsyncAPI channel as the importer hands it to a broker's reader (references resolved). */
export interface ChannelInput {
  /** The document path of the channel (`channels.orders`), for refusals. */
  readonly path: string;
  readonly id: string;
  /** The address with parameters that have a default filled in; others stay `{name}`. */
  readonly address: string;
  /** The server's protocol (`mqtt` reaches RabbitMQ through its MQTT plugin). */
  readonly protocol: string;
  readonly profile: Profile;
  /** The channel's bindings of this broker (`bindings.kafka` / `bindings.amqp`), if any. */
  readonly binding: JsonObject | undefined;
  readonly messageBinding: JsonObject | undefined;
  readonly extension: JsonObject | undefined;
  /** The receive operations on this channel: their document paths, bindings and extensions. */
  readonly receivers: readonly { readonly path: string; readonly id: string; readonly bindings: JsonObject | undefined; readonly extensions: JsonObject }[];
  /** True when an operation on the channel declares a reply (request-reply). */
  readonly hasReply: boolean;
}

/** A refusal: the document path and the reason. */
export class MappingError extends Error {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'MappingError';
    this.path = path;
  }
}

export interface AsyncApiPart<B extends BrokerId> {
  /** The protocols a server of this broker may name (plain first): how `--from` recognises the broker. */
  readonly protocols: readonly string[];
  server(spec: StackSpec): ServerPart;
  channel(spec: StackSpec, channel: ChannelOf<B>): ChannelPart;
  /**
   * The broker's fields of a spec channel (kind and its own fields, not name, description,
   * semantics or message) from a channel of the document; throws MappingError when it cannot.
   */
  read(input: ChannelInput): JsonObject;
}

/** A plain object, or undefined. */
export function objectAt(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** A duration in the largest unit that divides it (the spec's grammar: 7d, 12h, 30s, 500ms). */
export function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
