/**
 * RabbitMQ backup and DR, per the guide (definition export; Shovel/Federation for replication):
 * - a scheduled export of the vhost's definitions (the topology; users are recreated from .env),
 *   and restore.sh that imports one into a rebuilt broker, another vhost or the standby;
 * - a standby broker that follows this one with exchange federation (standby.sh). Federation, not
 *   a shovel: a shovel consumes, so it would take messages away from the primary's consumers,
 *   while a federated exchange receives a copy of everything published to the primary's.
 */
import { channelsOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { backupCronJob, backupService, libScript, scriptsConfigMap, type BackupPart } from '../../emit/backup-model.ts';
import { file } from '../../emit/files.ts';
import type { K8sObject } from '../../emit/k8s-model.ts';
import type { ComposePieces } from '../../emit/monitoring-model.ts';
import { render } from '../../emit/render.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { RABBITMQ_PORTS, rabbitNodeCount } from './config.ts';
import { ADMIN_USER, rabbitUsers } from './connection.ts';
import { shellQuote } from '../formats.ts';

/** Plugins the standby broker needs (the primary needs none: federation is set up downstream). */
export const STANDBY_PLUGINS = ['rabbitmq_federation', 'rabbitmq_federation_management'] as const;
export const FEDERATION_POLICY = 'federate-from-primary';

/** The exchanges the stack publishes to (not the default exchange, which cannot be federated). */
export function federatedExchanges(spec: StackSpec): string[] {
  const names = channelsOf(spec, 'rabbitmq').flatMap((c) => (c.kind === 'queue' && c.exchange !== '' ? [c.exchange] : []));
  return [...new Set(names)].sort();
}

const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The standby's policy: every stack exchange federates from the `primary` upstream. */
export function federationPolicy(spec: StackSpec): object {
  return {
    pattern: `^(${federatedExchanges(spec).map(regexEscape).join('|')})$`,
    'apply-to': 'exchanges',
    definition: { 'federation-upstream-set': 'all' },
    priority: 10,
  };
}

function api(spec: StackSpec, host = composeTopology({ rabbitmq: rabbitNodeCount(spec) }).host('rabbitmq', 0)): string {
  return `http://${host}:${RABBITMQ_PORTS.management}`;
}

function scripts(spec: StackSpec): Record<'backup' | 'restore' | 'standby', string> {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const ctx = { name: spec.name, vhost, vhostEncoded: encodeURIComponent(vhost), api: api(spec), user: ADMIN_USER, keep: spec.backup.keep };
  const exchanges = federatedExchanges(spec);
  return {
    backup: render('backup/rabbitmq-export.sh', ctx),
    restore: render('backup/rabbitmq-restore.sh', {
      ...ctx,
      users: rabbitUsers()
        .map((u) => u.name)
        .join(', '),
      grants: rabbitUsers().map((u) => ({ user: shellQuote(u.name), permissions: shellQuote(JSON.stringify(u.permissions)) })),
    }),
    standby: render('backup/rabbitmq-standby.sh', {
      ...ctx,
      exchanges: exchanges.length > 0 ? exchanges.join(', ') : '(no exchanges)',
      policy: JSON.stringify(federationPolicy(spec)),
      policyName: FEDERATION_POLICY,
      prefetch: 1000,
    }),
  };
}

function compose(spec: StackSpec): ComposePieces {
  const host = composeTopology({ rabbitmq: rabbitNodeCount(spec) }).host('rabbitmq', 0);
  return {
    services: {
      'rabbitmq-backup': backupService(spec, 'rabbitmq', IMAGES.rabbitmq, {
        RABBITMQ_API: api(spec),
        RABBITMQ_USER: ADMIN_USER,
        RABBITMQ_PASSWORD: '${RABBITMQ_ADMIN_PASSWORD:?RABBITMQ_ADMIN_PASSWORD is not set}',
      }, [host]),
    },
    volumes: ['rabbitmq-backups'],
    files: [],
    notes: ['**RabbitMQ backup**: `docker compose --profile backup run --rm rabbitmq-backup` exports the vhost definitions to the `rabbitmq-backups` volume.'],
  };
}

function k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[] {
  void topology; // the management API is the program's client Service
  const s = scripts(spec);
  return [
    scriptsConfigMap(spec, namespace, 'rabbitmq', { 'lib.sh': libScript(spec), 'backup.sh': s.backup, 'restore.sh': s.restore, 'standby.sh': s.standby }),
    ...backupCronJob(spec, namespace, 'rabbitmq', IMAGES.rabbitmq, [
      { name: 'RABBITMQ_API', value: api(spec, `rabbitmq.${namespace}.svc`) },
      { name: 'RABBITMQ_USER', value: ADMIN_USER },
      { name: 'RABBITMQ_PASSWORD', secret: 'RABBITMQ_ADMIN_PASSWORD' },
    ], '1Gi'),
  ];
}

export const rabbitmqBackup: BackupPart = {
  broker: 'rabbitmq',
  scheduled: () => ['definitions'],
  files: (spec) => {
    const s = scripts(spec);
    return [file('backup/rabbitmq/backup.sh', s.backup), file('backup/rabbitmq/restore.sh', s.restore), file('backup/rabbitmq/standby.sh', s.standby)];
  },
  compose,
  k8s,
  readme: (spec) =>
    render('backup/rabbitmq.md', {
      vhost: settingsOf(spec, 'rabbitmq').vhost,
      exchanges: federatedExchanges(spec),
      plugins: STANDBY_PLUGINS,
      schedule: spec.backup.schedule,
      keep: spec.backup.keep,
      rpc: channelsOf(spec, 'rabbitmq').some((c) => c.kind === 'rpc'),
    }),
};
