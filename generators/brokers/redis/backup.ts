/**
 * Redis backup: persistence per role comes from redis.conf (config.ts: RDB + AOF for the queue
 * role, RDB for the cache role); on top of that a scheduled RDB backup streams a snapshot off the
 * node (from a replica when there is one), and restore.sh puts one back, rebuilding the AOF.
 * Failover is Sentinel's (or the cluster's) job, set up by the compose/Kubernetes areas.
 */
import { scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { backupCronJob, backupService, libScript, scriptsConfigMap, type BackupPart } from '../../emit/backup-model.ts';
import { composeSecret } from '../../emit/compose-model.ts';
import { file } from '../../emit/files.ts';
import { k8sPasswordFiles } from '../../emit/monitoring-auth.ts';
import { stackSecretName, type K8sObject } from '../../emit/k8s-model.ts';
import type { ComposePieces } from '../../emit/monitoring-model.ts';
import { render } from '../../emit/render.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology, type Topology } from '../topology.ts';
import { REDIS_PATHS, REDIS_PORTS, SENTINEL_MASTER } from './config.ts';
import { CA_FILES, TLS_FILES, TLS_MOUNT, tlsSecretName } from '../../emit/tls-model.ts';
import { BACKUP_USER, PASSWORD_ENV, redisTls } from './connection.ts';
import { healthCommand } from './health.ts';
import { redisNodeCount } from './monitoring.ts';

/** redis-cli on a Sentinel as the monitor user, as the healthcheck runs it (TLS in prod), without its PING. */
function sentinelCli(spec: StackSpec): string {
  return healthCommand(spec, REDIS_PORTS.sentinel).replace(/ -h 127\.0\.0\.1 /, ' ').replace(/ ping \| grep -q PONG$/, '');
}
import { sentinelAddresses } from './startup.ts';

/** The node the snapshot is taken from: the last data node (a replica when generated; with Sentinels, backup.sh asks them for a healthy replica). */
function sourceNode(spec: StackSpec): { host: string; ordinal: number } {
  const count = redisNodeCount(spec);
  const ordinal = scalingOf(spec, 'redis').mode === 'cluster' ? 0 : count - 1;
  return { host: composeTopology({ redis: count }).host('redis', ordinal), ordinal };
}

/** Sentinel mode: where the backup asks for a healthy replica to read. */
function sentinelEnv(spec: StackSpec, topology: Topology): Record<string, string> {
  if (scalingOf(spec, 'redis').mode !== 'sentinel') return {};
  return { REDIS_SENTINELS: sentinelAddresses(spec, topology).join(' '), REDIS_SENTINEL_MASTER: SENTINEL_MASTER };
}

function appendonly(spec: StackSpec): 'yes' | 'no' {
  const p = settingsOf(spec, 'redis').persistence;
  return p === 'aof' || p === 'rdb+aof' ? 'yes' : 'no';
}

/** A cache without persistence holds nothing worth restoring. */
function scheduled(spec: StackSpec): string[] {
  return settingsOf(spec, 'redis').persistence === 'none' ? [] : ['rdb'];
}

function scripts(spec: StackSpec): { backup: string; restore: string } {
  const source = sourceNode(spec);
  return {
    backup: render('backup/redis-backup.sh', { name: spec.name, host: source.host, port: REDIS_PORTS.redis, user: BACKUP_USER, keep: spec.backup.keep }),
    restore: render('backup/redis-restore.sh', { name: spec.name, appendonly: appendonly(spec), service: composeTopology({ redis: redisNodeCount(spec) }).host('redis', 0) }),
  };
}

function compose(spec: StackSpec): ComposePieces {
  if (scheduled(spec).length === 0) return { services: {}, volumes: [], files: [], notes: [] };
  const source = sourceNode(spec);
  const password = PASSWORD_ENV[BACKUP_USER];
  const service = backupService(
    spec,
    'redis',
    IMAGES.redis,
    {
      REDIS_HOST: source.host,
      REDIS_USER: BACKUP_USER,
      REDIS_PASSWORD_FILE: composeSecret(password).target,
      ...(redisTls(spec) && { REDIS_CA_FILE: TLS_FILES.ca }),
      ...sentinelEnv(spec, composeTopology({ 'redis-sentinel': scalingOf(spec, 'redis').sentinels })),
    },
    [source.host],
    {
      // The password as a file (a compose secret), not in the container's environment; prod: the CA certificate (public) to verify the nodes with.
      secrets: [composeSecret(password)],
      volumes: redisTls(spec) ? [{ type: 'bind', source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true }] : [],
    },
  );
  return {
    services: { 'redis-backup': service },
    volumes: ['redis-backups'],
    files: [],
    notes: [`**Redis backup**: \`docker compose --profile backup run --rm redis-backup\` writes an RDB snapshot of \`${source.host}\` to the \`redis-backups\` volume (schedule it, see Backup and restore).`],
  };
}

function k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[] {
  if (scheduled(spec).length === 0) return [];
  const s = scripts(spec);
  const host = topology.host('redis', sourceNode(spec).ordinal);
  // The backup user's password as a file from the stack's Secret, not an environment variable.
  const login = { env: PASSWORD_ENV[BACKUP_USER] };
  const password = k8sPasswordFiles(stackSecretName(spec), [login], 'password', '/etc/brokerplate/redis-backup');
  // prod: ca.crt of the data nodes' cert-manager Secret, to verify them with.
  const ca = redisTls(spec)
    ? { volume: { name: 'tls', secret: { secretName: tlsSecretName('redis'), items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, mount: { name: 'tls', mountPath: TLS_MOUNT, readOnly: true as const } }
    : undefined;
  return [
    scriptsConfigMap(spec, namespace, 'redis', { 'lib.sh': libScript(spec), 'backup.sh': s.backup, 'restore.sh': s.restore }),
    ...backupCronJob(spec, namespace, 'redis', IMAGES.redis, [
      { name: 'REDIS_HOST', value: host },
      { name: 'REDIS_USER', value: BACKUP_USER },
      { name: 'REDIS_PASSWORD_FILE', value: password.file(login) },
      ...(redisTls(spec) ? [{ name: 'REDIS_CA_FILE', value: TLS_FILES.ca }] : []),
      ...Object.entries(sentinelEnv(spec, topology)).map(([name, value]) => ({ name, value })),
    ], scalingOf(spec, 'redis').resources.storage, { volumes: [password.volume, ...(ca ? [ca.volume] : [])], mounts: [password.mount, ...(ca ? [ca.mount] : [])] }),
  ];
}

export const redisBackup: BackupPart = {
  broker: 'redis',
  scheduled,
  files: (spec) => {
    if (scheduled(spec).length === 0) return [];
    const s = scripts(spec);
    return [file('backup/redis/backup.sh', s.backup), file('backup/redis/restore.sh', s.restore)];
  },
  compose,
  k8s,
  readme: (spec) => {
    const settings = settingsOf(spec, 'redis');
    return render('backup/redis.md', {
      role: settings.role,
      persistence: settings.persistence,
      appendonly: appendonly(spec),
      mode: scalingOf(spec, 'redis').mode,
      source: sourceNode(spec).host,
      primary: composeTopology({ redis: redisNodeCount(spec) }).host('redis', 0),
      sentinel: composeTopology({ 'redis-sentinel': scalingOf(spec, 'redis').sentinels }).host('redis-sentinel', 0),
      master: SENTINEL_MASTER,
      askPrimary: `${sentinelCli(spec)} SENTINEL get-master-addr-by-name ${SENTINEL_MASTER}`,
      data: REDIS_PATHS.data,
      project: spec.name,
      scheduled: scheduled(spec).length > 0,
      schedule: spec.backup.schedule,
      keep: spec.backup.keep,
    });
  },
};
