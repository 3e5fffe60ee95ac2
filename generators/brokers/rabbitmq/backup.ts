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
import { rabbitNodeCount, rabbitPorts, RABBITMQ_TLS_FILES, rabbitSecretFile } from './config.ts';
import { ADMIN_USER, BACKUP_USER, rabbitTls, rabbitUsers } from './connection.ts';
import { composeSecret } from '../../emit/compose-model.ts';
import { CA_FILES, tlsSecretName } from '../../emit/tls-model.ts';
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
  return `${rabbitTls(spec) ? 'https' : 'http'}://${host}:${rabbitPorts(spec).management}`;
}

/** The backup principal's password, as a file. */
const BACKUP_PASSWORD = 'RABBITMQ_BACKUP_PASSWORD';

function scripts(spec: StackSpec): Record<'backup' | 'restore' | 'standby', string> {
  const vhost = settingsOf(spec, 'rabbitmq').vhost;
  const ctx = { name: spec.name, vhost, api: api(spec), keep: spec.backup.keep };
  const admin = { ...ctx, user: ADMIN_USER };
  const exchanges = federatedExchanges(spec);
  const tls = rabbitTls(spec);
  const vhostEncoded = encodeURIComponent(vhost);
  return {
    backup: render('backup/rabbitmq-export.sh', { ...ctx, user: BACKUP_USER }),
    restore: render('backup/rabbitmq-restore.sh', {
      ...admin,
      users: rabbitUsers(spec)
        .map((u) => u.name)
        .join(', '),
      grants: rabbitUsers(spec).flatMap((u) => (u.permissions ? [{ user: shellQuote(u.name), permissions: shellQuote(JSON.stringify(u.permissions)) }] : [])),
    }),
    standby: render('backup/rabbitmq-standby.sh', {
      ...admin,
      apiExample: tls ? `https://standby:${rabbitPorts(spec).management}` : `http://standby:${rabbitPorts(spec).management}`,
      uriExample: tls
        ? `amqps://user:password@primary-host:${rabbitPorts(spec).amqp}/${vhostEncoded}?cacertfile=${RABBITMQ_TLS_FILES.ca}&verify=verify_peer&server_name_indication=primary-host`
        : `amqp://user:password@primary-host:${rabbitPorts(spec).amqp}/${vhostEncoded}`,
      exchanges: exchanges.length > 0 ? exchanges.join(', ') : '(no exchanges)',
      policy: JSON.stringify(federationPolicy(spec)),
      policyName: FEDERATION_POLICY,
      prefetch: 1000,
    }),
  };
}

function compose(spec: StackSpec): ComposePieces {
  const host = composeTopology({ rabbitmq: rabbitNodeCount(spec) }).host('rabbitmq', 0);
  const tls = rabbitTls(spec);
  const service = backupService(spec, 'rabbitmq', IMAGES.rabbitmq, {
    RABBITMQ_API: api(spec),
    RABBITMQ_USER: BACKUP_USER,
    RABBITMQ_PASSWORD_FILE: rabbitSecretFile(BACKUP_PASSWORD),
    ...(tls && { HTTP_CA_FILE: RABBITMQ_TLS_FILES.ca }),
  }, [host]);
  return {
    services: {
      'rabbitmq-backup': {
        ...service,
        // The CA certificate only (public): the script checks the node's certificate with it.
        volumes: [...(service.volumes ?? []), ...(tls ? [{ type: 'bind' as const, source: `./${CA_FILES.cert}`, target: RABBITMQ_TLS_FILES.ca, read_only: true as const }] : [])],
        secrets: [...(service.secrets ?? []), composeSecret(BACKUP_PASSWORD)],
      },
    },
    volumes: ['rabbitmq-backups'],
    files: [],
    notes: [`**RabbitMQ backup**: \`docker compose --profile backup run --rm rabbitmq-backup\` exports the vhost definitions to the \`rabbitmq-backups\` volume, as the \`${BACKUP_USER}\` user (lists the vhost's objects; reads and publishes no message)${tls ? ' over HTTPS' : ''}.`],
  };
}

/** The CronJob reads the backup password and (prod) the CA from files: the stack's Secret and the nodes' cert-manager Secret as volumes. */
function withFiles(objects: K8sObject[], spec: StackSpec): K8sObject[] {
  const tls = rabbitTls(spec);
  return objects.map((o) => {
    if (o.kind !== 'CronJob') return o;
    const cron = JSON.parse(JSON.stringify(o)) as CronJobShape;
    const pod = cron.spec.jobTemplate.spec.template.spec;
    for (const c of pod.containers) {
      c.volumeMounts.push({ name: 'secrets', mountPath: rabbitSecretFile(BACKUP_PASSWORD), subPath: BACKUP_PASSWORD.toLowerCase(), readOnly: true });
      if (tls) c.volumeMounts.push({ name: 'tls', mountPath: RABBITMQ_TLS_FILES.ca, subPath: 'ca.crt', readOnly: true });
    }
    pod.volumes.push({ name: 'secrets', secret: { secretName: `${spec.name}-secrets`, items: [{ key: BACKUP_PASSWORD, path: BACKUP_PASSWORD.toLowerCase() }], defaultMode: 0o440 } });
    if (tls) pod.volumes.push({ name: 'tls', secret: { secretName: tlsSecretName('rabbitmq'), items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
    return cron as unknown as K8sObject;
  });
}

interface CronJobShape {
  spec: { jobTemplate: { spec: { template: { spec: { containers: { volumeMounts: object[] }[]; volumes: object[] } } } } };
}

function k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[] {
  void topology; // the management API is the program's client Service
  const s = scripts(spec);
  return [
    scriptsConfigMap(spec, namespace, 'rabbitmq', { 'lib.sh': libScript(spec), 'backup.sh': s.backup, 'restore.sh': s.restore, 'standby.sh': s.standby }),
    ...withFiles(
      backupCronJob(spec, namespace, 'rabbitmq', IMAGES.rabbitmq, [
        { name: 'RABBITMQ_API', value: api(spec, `rabbitmq.${namespace}.svc`) },
        { name: 'RABBITMQ_USER', value: BACKUP_USER },
        { name: 'RABBITMQ_PASSWORD_FILE', value: rabbitSecretFile(BACKUP_PASSWORD) },
        ...(rabbitTls(spec) ? [{ name: 'HTTP_CA_FILE', value: RABBITMQ_TLS_FILES.ca }] : []),
      ], '1Gi'),
      spec,
    ),
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
