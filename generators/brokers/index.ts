/** The broker plugins (one folder each, see plugin.ts), in the guide's order. */
import type { BrokerId } from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { kafka } from './kafka/index.ts';
import type { BrokerPlugin } from './plugin.ts';
import { rabbitmq } from './rabbitmq/index.ts';
import { redis } from './redis/index.ts';

/** A plugin of any broker (each one typed by its own id). */
export type AnyBrokerPlugin = { [B in BrokerId]: BrokerPlugin<B> }[BrokerId];

export const BROKER_PLUGINS = { kafka, rabbitmq, redis } as const satisfies { readonly [B in BrokerId]: BrokerPlugin<B> };

/** The plugins of the brokers in this stack. */
export function pluginsOf(spec: StackSpec): AnyBrokerPlugin[] {
  return brokersOf(spec).map((b) => BROKER_PLUGINS[b]);
}

export type { BrokerNames, BrokerPlugin } from './plugin.ts';
export type { BrokerConnection, ConnectionVar, SecretDef } from './types.ts';
