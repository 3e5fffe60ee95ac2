/**
 * A broker as one plugin: generators/brokers/<broker>/index.ts exports its part of every area,
 * each built in a file named after the area (compose.ts, k8s.ts, client.ts, monitoring.ts,
 * backup.ts, connection.ts, tls.ts, asyncapi.ts). "Where does Redis monitoring come from?" →
 * generators/brokers/redis/monitoring.ts. The registry (index.ts) lists the plugins; the area
 * emitters (generators/emit/<area>.ts) ask it for the brokers of the stack.
 */
import type { AsyncApiPart } from '../emit/asyncapi-model.ts';
import type { BackupPart } from '../emit/backup-model.ts';
import type { ClientPart } from '../emit/clients-model.ts';
import type { ComposePart } from '../emit/compose-model.ts';
import type { K8sPart } from '../emit/k8s-model.ts';
import type { MonitoringPart } from '../emit/monitoring-model.ts';
import type { TlsPart } from '../emit/tls-model.ts';
import type { BrokerId } from '../guide/index.ts';
import type { StackSpec } from '../stack/index.ts';
import type { BrokerConnection } from './types.ts';

/** How generated code and prose name the broker (the guide's full title is BROKERS[id].title). */
export interface BrokerNames {
  /** Short name in prose and labels: `RabbitMQ`. */
  readonly short: string;
  /** The Pulumi component class and identifier prefix (`Rabbitmq`: `RabbitmqSettings`, `RabbitmqTargetDown`). */
  readonly className: string;
  /** The settings constant of the Pulumi program (`RABBITMQ`). */
  readonly constName: string;
  /** The doc comment of the program's endpoint output. */
  readonly endpointDoc: string;
}

export interface BrokerPlugin<B extends BrokerId> {
  readonly id: B;
  readonly names: BrokerNames;
  /** connection.ts: users, secrets (.env, Pulumi config) and the variables clients connect with. */
  readonly connection: BrokerConnection;
  /** compose.ts: services, volumes and the config files they mount. */
  compose(spec: StackSpec): ComposePart;
  /** k8s.ts: the settings and config files of the broker's Pulumi component (templates/infra/components/<broker>.ts). */
  readonly k8s: K8sPart<unknown>;
  /** client.ts: the typed client, its tests, examples and bench. */
  readonly client: ClientPart<B>;
  /** monitoring.ts: scrape jobs, alerts, panels, exporters. */
  readonly monitoring: MonitoringPart;
  /** backup.ts: scripts, one-shot services, CronJobs, runbook. */
  readonly backup: BackupPart;
  /** tls.ts: the certificates its nodes (and its own mutual-TLS clients) need in prod. */
  readonly tls: TlsPart;
  /** asyncapi.ts: its server, channel bindings and consumers in asyncapi.yaml, and the way back for `--from`. */
  readonly asyncapi: AsyncApiPart<B>;
}

/** The areas every plugin provides (checked by test/architecture/plugins.test.ts). */
export const PLUGIN_AREAS = ['connection', 'compose', 'k8s', 'client', 'monitoring', 'backup', 'tls', 'asyncapi'] as const satisfies readonly (keyof BrokerPlugin<BrokerId>)[];
