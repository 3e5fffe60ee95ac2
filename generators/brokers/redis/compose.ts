/**
 * Redis under docker compose: a standalone node (dev), or a primary with replicas and three
 * Sentinels (prod), or a cluster with a one-shot slot assignment; ACL users from .env.
 */
import { scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { bindMount, composeResources, composeSecret, loopbackPort, type ComposeMount, type ComposePart, type ComposeService } from '../../emit/compose-model.ts';
import { file, type GeneratedFile } from '../../emit/files.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology } from '../topology.ts';
import { redisAclTemplate, redisConf, redisNodes, REDIS_PATHS, REDIS_PORTS, SENTINEL_MASTER, sentinelConfTemplate } from './config.ts';
import { CA_FILES, TLS_FILES } from '../../emit/tls-model.ts';
import { ADMIN_USER, PASSWORD_ENV, redisHostPort, redisTls } from './connection.ts';
import { redisClusterCreateScript, redisEntrypoint, RUNTIME_CONF, sentinelEntrypoint, sentinelReconfigScript } from './startup.ts';
import { healthCommand } from './health.ts';

/** PING as the monitor user over the node's own listener (TLS in prod), so a healthy node also proves the ACL and certificate loaded. */
function ping(spec: StackSpec, port: number): ComposeService['healthcheck'] {
  return {
    test: ['CMD-SHELL', healthCommand(spec, port)],
    interval: '10s',
    timeout: '5s',
    retries: 10,
    start_period: '20s',
    start_interval: '2s',
  };
}

/** Every principal's password as a file under /run/secrets (the entrypoints hash them into the ACL). */
const SECRETS = Object.values(PASSWORD_ENV).map(composeSecret);

const RUNTIME_TMPFS: ComposeMount = { type: 'tmpfs', target: REDIS_PATHS.run, tmpfs: { size: 1024 * 1024 } };

export function redisCompose(spec: StackSpec): ComposePart {
  const settings = settingsOf(spec, 'redis');
  const scaling = scalingOf(spec, 'redis');
  const nodes = redisNodes(spec);
  const data = nodes.filter((n) => n.kind !== 'sentinel');
  const sentinels = nodes.filter((n) => n.kind === 'sentinel');
  const topology = composeTopology({ redis: data.length, 'redis-sentinel': sentinels.length });
  const acl = file('config/redis/users.acl.template', redisAclTemplate());
  const entrypoint = file('config/redis/entrypoint.sh', redisEntrypoint(spec, topology));
  const files: GeneratedFile[] = [acl, entrypoint];
  const services: Record<string, ComposeService> = {};
  const volumes: string[] = [];
  const primary = topology.host('redis', 0);
  const sentinelNames = sentinels.map((n) => topology.host(n.group, n.ordinal));

  for (const node of data) {
    const name = topology.host(node.group, node.ordinal);
    const conf = file(`config/redis/${name}.conf`, redisConf(spec, topology, node));
    files.push(conf);
    const volume = `${name}-data`;
    volumes.push(volume);
    services[name] = {
      image: IMAGES.redis,
      hostname: name,
      restart: 'unless-stopped',
      entrypoint: ['/bin/sh', `${REDIS_PATHS.conf}/entrypoint.sh`],
      command: ['redis-server', RUNTIME_CONF.redis],
      secrets: SECRETS,
      ports: [loopbackPort(redisHostPort('redis', node.ordinal), REDIS_PORTS.redis)],
      volumes: [
        bindMount(conf, `${REDIS_PATHS.conf}/redis.conf`),
        bindMount(acl, `${REDIS_PATHS.conf}/users.acl.template`),
        bindMount(entrypoint, `${REDIS_PATHS.conf}/entrypoint.sh`),
        RUNTIME_TMPFS,
        { type: 'volume', source: volume, target: REDIS_PATHS.data },
      ],
      healthcheck: ping(spec, REDIS_PORTS.redis),
      // A node starts as the Sentinels say (primary or replica of their primary), so they come first, answering.
      ...(sentinelNames.length > 0 && { depends_on: Object.fromEntries(sentinelNames.map((s) => [s, { condition: 'service_healthy' as const }])) }),
      deploy: composeResources(scaling.resources),
      stop_grace_period: '30s',
    };
  }

  if (sentinels.length > 0) {
    const sentinelEntry = file('config/redis/sentinel-entrypoint.sh', sentinelEntrypoint());
    const reconfig = file('config/redis/sentinel-reconfig.sh', sentinelReconfigScript());
    files.push(sentinelEntry, reconfig);
    for (const node of sentinels) {
      const name = topology.host(node.group, node.ordinal);
      const template = file(`config/redis/${name}.conf.template`, sentinelConfTemplate(spec, topology, node.ordinal));
      files.push(template);
      const volume = `${name}-data`;
      volumes.push(volume);
      services[name] = {
        image: IMAGES.redis,
        hostname: name,
        restart: 'unless-stopped',
        entrypoint: ['/bin/sh', `${REDIS_PATHS.conf}/sentinel-entrypoint.sh`],
        command: ['redis-server', RUNTIME_CONF.sentinel, '--sentinel'],
        secrets: SECRETS,
        ports: [loopbackPort(redisHostPort('redis-sentinel', node.ordinal), REDIS_PORTS.sentinel)],
        volumes: [
          bindMount(template, `${REDIS_PATHS.conf}/sentinel.conf.template`),
          bindMount(sentinelEntry, `${REDIS_PATHS.conf}/sentinel-entrypoint.sh`),
          bindMount(reconfig, `${REDIS_PATHS.conf}/sentinel-reconfig.sh`),
          RUNTIME_TMPFS,
          { type: 'volume', source: volume, target: REDIS_PATHS.data },
        ],
        healthcheck: ping(spec, REDIS_PORTS.sentinel),
        deploy: { resources: { limits: { cpus: '0.25', memory: '64m' }, reservations: { cpus: '0.05', memory: '32m' } } },
      };
    }
  }

  if (scaling.mode === 'cluster') {
    const script = file('config/redis/cluster-create.sh', redisClusterCreateScript(spec, topology));
    files.push(script);
    services['redis-cluster-init'] = {
      image: IMAGES.redis,
      restart: 'no',
      entrypoint: ['/bin/sh', `${REDIS_PATHS.conf}/cluster-create.sh`],
      secrets: [composeSecret(PASSWORD_ENV[ADMIN_USER])],
      volumes: [
        bindMount(script, `${REDIS_PATHS.conf}/cluster-create.sh`),
        // prod: the CA certificate (public) to verify the nodes with.
        ...(redisTls(spec) ? [{ type: 'bind' as const, source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true as const }] : []),
      ],
      depends_on: Object.fromEntries(data.map((n) => [topology.host(n.group, n.ordinal), { condition: 'service_healthy' as const }])),
    };
  }

  const role =
    settings.role === 'queue'
      ? `Role **queue** (streams and work queues): \`maxmemory-policy noeviction\` and an append-only file fsynced every second, so queued work survives restarts and is never evicted`
      : `Role **cache** (pub/sub and cache): \`maxmemory-policy ${settings.evictionPolicy}\` with ${settings.persistence === 'none' ? 'no persistence' : `${settings.persistence} persistence`}`;
  const shape = {
    standalone: 'one node.',
    sentinel: `first primary \`${primary}\` with ${scaling.replicas} replica(s) and ${scaling.sentinels} Sentinels (\`${sentinelNames.join('`, `')}\`, master name \`${SENTINEL_MASTER}\`). No node's config names its role: each data node asks the Sentinels at start, so a restarted node rejoins whichever node is primary now, and each Sentinel keeps its state (no password) in its volume. Clients follow the primary through the Sentinels (\`REDIS_SENTINELS\`; on the host, \`REDIS_NODE_MAP\` maps the names the Sentinels announce to the published ports); \`REDIS_URL\` points at \`${primary}\` only and does not follow a failover. Passwords live in \`.env\` and in the containers' memory (tmpfs), never in a volume: to rotate one, change \`.env\` and restart every Redis service.`,
    cluster: `a cluster of ${scaling.shards} primaries with ${scaling.replicas} replica(s) each; \`redis-cluster-init\` assigns the hash slots. Cluster clients follow redirects to container host names, so run them inside the compose network.`,
  }[scaling.mode];
  const notes = [
    `**Redis**: ${shape} ${role}, \`maxmemory ${scaling.maxmemory}\`. The default user is off; one ACL user per component: \`app\` (applications, \`REDIS_URL\`), \`monitor\` (the exporter and healthchecks, read-only introspection, no CONFIG), \`replica\` (replication), \`sentinel\` (Sentinels), \`backup\` (the backup job), \`${ADMIN_USER}\` (operators). The containers read the passwords as compose secrets (files under \`/run/secrets\`, filled from \`.env\`), never environment variables; \`config/redis/users.acl.template\` holds placeholders and the entrypoint writes their SHA-256 hashes into a tmpfs at start.${spec.profile === 'prod' ? ' prod: every Redis and Sentinel port speaks TLS only (`port 0`), replication too; clients verify the nodes with `secrets/tls/ca.crt` (`REDIS_CA_FILE`).' : ' dev: plaintext, published on 127.0.0.1 only.'}`,
  ];
  return { services, volumes, files, notes };
}
