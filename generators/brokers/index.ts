/** The broker modules, in the guide's order. */
import type { BrokerId } from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { kafka } from './kafka/index.ts';
import { rabbitmq } from './rabbitmq/index.ts';
import { redis } from './redis/index.ts';
import type { BrokerModule } from './types.ts';

export const BROKER_MODULES: Readonly<Record<BrokerId, BrokerModule>> = { kafka, rabbitmq, redis };

/** The modules of the brokers in this stack. */
export function modulesOf(spec: StackSpec): BrokerModule[] {
  return brokersOf(spec).map((b) => BROKER_MODULES[b]);
}

export type { BrokerModule, ConnectionVar, SecretDef } from './types.ts';
