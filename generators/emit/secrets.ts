/**
 * Every secret and connection variable of a stack, grouped by who needs it: each broker of the
 * stack, then the services other areas add (Grafana's admin password). `.env`, `.env.example`,
 * the README and the Pulumi program's Secret all read this one list.
 */
import { pluginsOf, type ConnectionVar, type SecretDef } from '../brokers/index.ts';
import type { StackSpec } from '../stack/index.ts';
import { monitoringAuthSecrets } from './monitoring-auth.ts';
import { MONITORING_SECRETS } from './monitoring-model.ts';

export interface SecretGroup {
  readonly id: string;
  readonly secrets: readonly SecretDef[];
  readonly connection: readonly ConnectionVar[];
}

export function secretGroups(spec: StackSpec): SecretGroup[] {
  const groups: SecretGroup[] = pluginsOf(spec).map((p) => ({ id: p.id, secrets: p.connection.secrets(spec), connection: p.connection.connection(spec) }));
  if (spec.monitoring.enabled) groups.push({ id: 'monitoring', secrets: [...MONITORING_SECRETS, ...monitoringAuthSecrets(spec).map(({ env, description }) => ({ env, description }))], connection: [] });
  return groups;
}

export function stackSecretDefs(spec: StackSpec): SecretDef[] {
  return secretGroups(spec).flatMap((g) => g.secrets);
}
