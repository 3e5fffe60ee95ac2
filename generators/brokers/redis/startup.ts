/**
 * How Redis nodes and Sentinels start, the same under compose and Kubernetes: entrypoints that
 * render into memory what no committed file or volume may hold (the passwords, and for data
 * nodes the role, asked from the Sentinels), and the hook that keeps a Sentinel's state across
 * restarts without its passwords.
 *
 * Why not a writable redis.conf/sentinel.conf in the volume: CONFIG REWRITE (which Sentinel sends
 * after every reconfiguration) and Sentinel's own rewrites write every setting into the file they
 * rewrite, passwords included, also those read from an `include`. So the files Redis and Sentinel
 * rewrite live in memory; what must survive a restart is either asked for again (a data node's
 * role) or copied, line by line from a list of non-secret state directives (a Sentinel's id,
 * primary and epochs).
 */
import { scalingOf, type StackSpec } from '../../stack/index.ts';
import { render } from '../../emit/render.ts';
import type { Topology } from '../topology.ts';
import { TLS_FILES } from '../../emit/tls-model.ts';
import { hashPlaceholder, redisDataNodes, redisNodes, REDIS_PATHS, REDIS_PORTS, SENTINEL_MASTER } from './config.ts';
import { ADMIN_USER, MONITOR_USER, PASSWORD_ENV, redisTls, REPLICA_USER, SENTINEL_USER } from './connection.ts';

const HASHED_ENVS = Object.values(PASSWORD_ENV);

/** Where the passwords are files, one per principal (compose `secrets:`, the Kubernetes Secret mounted as a volume). */
export const SECRETS_DIR = '/run/secrets';

/** The file name of a password variable under SECRETS_DIR (compose's secret name: the variable in lower case). */
export function secretFile(env: string): string {
  return env.toLowerCase();
}

/** How long a data node waits for a majority of the Sentinels before it gives up (and its container is restarted). */
export const SENTINEL_DISCOVERY_SECONDS = 60;

/** Files Redis and Sentinel run, rendered by the entrypoints (the compose/Kubernetes command names them). */
export const RUNTIME_CONF = { redis: `${REDIS_PATHS.run}/redis.conf`, sentinel: `${REDIS_PATHS.run}/sentinel.conf` } as const;

const envs = () => HASHED_ENVS.map((env) => ({ env, file: secretFile(env), placeholder: hashPlaceholder(env) }));

/** redis-cli's TLS options (prod) for the scripts: the CA only, no client certificate. */
export function cliTls(spec: StackSpec): { readonly tls: boolean; readonly ca: string } {
  return { tls: redisTls(spec), ca: TLS_FILES.ca };
}

/** The Sentinels as `host:port` words, in their order. */
export function sentinelAddresses(spec: StackSpec, topology: Topology): string[] {
  return redisNodes(spec)
    .filter((n) => n.kind === 'sentinel')
    .map((n) => `${topology.host(n.group, n.ordinal)}:${REDIS_PORTS.sentinel}`);
}

/** Data node entrypoint: renders users.acl and the runtime config (role from the Sentinels, masterauth), then starts Redis. */
export function redisEntrypoint(spec: StackSpec, topology: Topology): string {
  const scaling = scalingOf(spec, 'redis');
  const sentinels = sentinelAddresses(spec, topology);
  return render('config/redis/entrypoint.sh', {
    conf: REDIS_PATHS.conf,
    run: REDIS_PATHS.run,
    envs: envs(),
    secrets: SECRETS_DIR,
    ...cliTls(spec),
    monitor: PASSWORD_ENV[MONITOR_USER],
    monitorUser: MONITOR_USER,
    replica: PASSWORD_ENV[REPLICA_USER],
    replication: redisDataNodes(spec).length > 1,
    sentinels: scaling.mode === 'sentinel' ? sentinels.join(' ') : '',
    master: SENTINEL_MASTER,
    majority: Math.floor(sentinels.length / 2) + 1,
    discoverySeconds: SENTINEL_DISCOVERY_SECONDS,
    port: REDIS_PORTS.redis,
  });
}

/** Sentinel entrypoint: renders sentinel.conf into memory from the template and the state in its volume, then starts Sentinel. */
export function sentinelEntrypoint(): string {
  return render('config/redis/sentinel-entrypoint.sh', {
    conf: REDIS_PATHS.conf,
    data: REDIS_PATHS.data,
    run: REDIS_PATHS.run,
    master: SENTINEL_MASTER,
    envs: envs(),
    secrets: SECRETS_DIR,
    sentinel: PASSWORD_ENV[SENTINEL_USER],
  });
}

/** Sentinel's client-reconfig-script: after a failover, copies its state (no secrets) from memory into its volume. */
export function sentinelReconfigScript(): string {
  return render('config/redis/sentinel-reconfig.sh', { data: REDIS_PATHS.data, run: REDIS_PATHS.run });
}

/** Cluster mode: the one-shot step that assigns hash slots once every node is up. */
export function redisClusterCreateScript(spec: StackSpec, topology: Topology): string {
  const s = scalingOf(spec, 'redis');
  return render('config/redis/cluster-create.sh', {
    profile: spec.profile,
    admin: ADMIN_USER,
    adminFile: `${SECRETS_DIR}/${secretFile(PASSWORD_ENV[ADMIN_USER])}`,
    ...cliTls(spec),
    replicas: s.replicas,
    firstHost: topology.host('redis', 0),
    port: REDIS_PORTS.redis,
    nodes: redisDataNodes(spec).map((n) => `${topology.host(n.group, n.ordinal)}:${REDIS_PORTS.redis}`),
  });
}
