/**
 * Redis' part of the Pulumi program: a StatefulSet of data nodes (a standalone node, a primary
 * with replicas, or cluster shards) and, in sentinel mode, a StatefulSet of Sentinels; every
 * node reads the redis.conf/sentinel.conf the shared builder wrote for its pod name.
 */
import { scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { imageVersion, k8sTopology, podName, workload, type ImageUser, type K8sPart, type WorkloadSettings } from '../../emit/k8s-model.ts';
import { IMAGES } from '../../versions/images.ts';
import { redisAclTemplate, redisConf, redisDataNodes, redisNodes, REDIS_PATHS, REDIS_PORTS, SENTINEL_MASTER, sentinelConfTemplate } from './config.ts';
import { TLS_MOUNT, tlsSecretName } from '../../emit/tls-model.ts';
import { ADMIN_USER, PASSWORD_ENV, redisConnection, redisTls } from './connection.ts';
import { healthCommand } from './health.ts';
import { redisClusterCreateScript, redisEntrypoint, RUNTIME_CONF, SECRETS_DIR, secretFile, sentinelEntrypoint, sentinelReconfigScript } from './startup.ts';

/** The official image's `redis` user (uid/gid 999: `groupadd -r -g 999`, `useradd -r -u 999` in its Dockerfile). */
const REDIS_USER: ImageUser = { uid: 999, gid: 999 };

/** Sentinel keeps a few KB of state; these are its whole needs. */
const SENTINEL_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' }, storage: '1Gi' };

/** The admin password: the cluster set-up Job authenticates with it. */
const ADMIN_SECRET = PASSWORD_ENV[ADMIN_USER];

export interface RedisK8sSettings {
  readonly image: string;
  readonly version: string;
  readonly user: ImageUser;
  readonly mode: 'standalone' | 'sentinel' | 'cluster';
  readonly workload: WorkloadSettings;
  readonly sentinel: { readonly workload: WorkloadSettings; readonly masterName: string } | null;
  readonly ports: { readonly redis: number; readonly sentinel: number; readonly bus: number };
  readonly paths: { readonly conf: string; readonly run: string; readonly data: string };
  /** The configs Redis and Sentinel run, which the entrypoints render into memory (`paths.run`). */
  readonly runtimeConf: { readonly redis: string; readonly sentinel: string };
  readonly adminUser: string;
  /** The stack Secret's keys every Redis pod reads as files (`dir`/`path`), never as environment variables; `admin` for the cluster Job. */
  readonly secrets: { readonly dir: string; readonly files: readonly { readonly key: string; readonly path: string }[]; readonly admin: { readonly key: string; readonly path: string } };
  /** Readiness: PING as the monitor user (TLS in prod). */
  readonly probes: { readonly redis: string; readonly sentinel: string };
  /** prod: cert-manager's Secrets (tls.crt, tls.key, ca.crt) mounted read-only at `mount`. */
  readonly tls: { readonly mount: string; readonly redisSecret: string; readonly sentinelSecret: string } | null;
}

export const redisK8s: K8sPart<RedisK8sSettings> = {
  broker: 'redis',
  outputs: [{ property: 'clientEnv', doc: 'What Redis clients in the namespace set besides REDIS_PASSWORD (sentinel mode: REDIS_SENTINELS, REDIS_SENTINEL_MASTER; prod: REDIS_TLS, and REDIS_CA_FILE where the client mounts ca.crt of the redis-tls Secret).' }],
  files(spec: StackSpec) {
    const topology = k8sTopology();
    const nodes = redisNodes(spec);
    const files: Record<string, string> = {
      'users.acl.template': redisAclTemplate(),
      'entrypoint.sh': redisEntrypoint(spec, topology),
    };
    for (const node of nodes) {
      const pod = podName(node.group, node.ordinal);
      if (node.kind === 'sentinel') files[`${pod}.conf.template`] = sentinelConfTemplate(spec, topology, node.ordinal);
      else files[`${pod}.conf`] = redisConf(spec, topology, node);
    }
    if (nodes.some((n) => n.kind === 'sentinel')) {
      files['sentinel-entrypoint.sh'] = sentinelEntrypoint();
      files['sentinel-reconfig.sh'] = sentinelReconfigScript();
    }
    if (scalingOf(spec, 'redis').mode === 'cluster') files['cluster-create.sh'] = redisClusterCreateScript(spec, topology);
    return files;
  },
  settings(spec: StackSpec): RedisK8sSettings {
    const scaling = scalingOf(spec, 'redis');
    const sentinels = redisNodes(spec).filter((n) => n.kind === 'sentinel').length;
    const secrets = redisConnection.secrets(spec).map((s) => s.env);
    if (!secrets.includes(ADMIN_SECRET)) throw new Error(`redis: the broker module no longer declares ${ADMIN_SECRET}`);
    return {
      image: IMAGES.redis,
      version: imageVersion(IMAGES.redis),
      user: REDIS_USER,
      mode: scaling.mode,
      workload: workload(spec.profile, redisDataNodes(spec).length, scaling.resources),
      sentinel: sentinels > 0 ? { workload: workload(spec.profile, sentinels, SENTINEL_RESOURCES), masterName: SENTINEL_MASTER } : null,
      ports: { redis: REDIS_PORTS.redis, sentinel: REDIS_PORTS.sentinel, bus: REDIS_PORTS.redis + 10000 },
      paths: { conf: REDIS_PATHS.conf, run: REDIS_PATHS.run, data: REDIS_PATHS.data },
      runtimeConf: { redis: RUNTIME_CONF.redis, sentinel: RUNTIME_CONF.sentinel },
      adminUser: ADMIN_USER,
      secrets: { dir: SECRETS_DIR, files: secrets.map((key) => ({ key, path: secretFile(key) })), admin: { key: ADMIN_SECRET, path: secretFile(ADMIN_SECRET) } },
      probes: { redis: healthCommand(spec, REDIS_PORTS.redis), sentinel: healthCommand(spec, REDIS_PORTS.sentinel) },
      tls: redisTls(spec) ? { mount: TLS_MOUNT, redisSecret: tlsSecretName('redis'), sentinelSecret: tlsSecretName('redis-sentinel') } : null,
    };
  },
  readme(spec: StackSpec): string {
    const scaling = scalingOf(spec, 'redis');
    const settings = settingsOf(spec, 'redis');
    const data = redisDataNodes(spec).length;
    const shape = {
      standalone: `one node (Service \`redis:${REDIS_PORTS.redis}\`)`,
      sentinel: `a primary (\`redis-0\`) with ${scaling.replicas} replica(s) and ${scaling.sentinels} Sentinels (StatefulSet \`redis-sentinel\`); clients ask \`redis-sentinel:${REDIS_PORTS.sentinel}\` for master \`${SENTINEL_MASTER}\``,
      cluster: `a cluster of ${scaling.shards} primaries with ${scaling.replicas} replica(s) each (Service \`redis:${REDIS_PORTS.redis}\`; the Job \`redis-cluster-init\` assigns the slots)`,
    }[scaling.mode];
    const security = redisTls(spec)
      ? ' Every port speaks TLS only, with the certificates cert-manager keeps in the Secrets `redis-tls` and `redis-sentinel-tls` (mounted at `/etc/brokerplate/tls`); clients set `REDIS_TLS=true` and `REDIS_CA_FILE` to a mounted `ca.crt` of `redis-tls`.'
      : ' Plaintext (dev).';
    return `**Redis** (${spec.profile}): StatefulSet \`redis\` with ${data} data node(s): ${shape}; role ${settings.role}, \`maxmemory ${scaling.maxmemory}\` (${settings.evictionPolicy}), ${settings.persistence} persistence on ${scaling.resources.storage} per node.${security} Passwords reach the pods as files (the stack Secret mounted at \`${SECRETS_DIR}\`, one file per ACL user), never environment variables.`;
  },
};
