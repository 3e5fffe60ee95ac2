/**
 * Redis configuration from the spec: `redis.conf` per node and role (persistence and eviction
 * follow spec.brokers.redis), the ACL users template, `sentinel.conf` for sentinel mode, and the
 * entrypoints that bring the passwords in from the environment at start. Shared by the compose
 * and Kubernetes emitters through the Topology.
 *
 * Secrets: the committed ACL template holds placeholders only. At start the entrypoint replaces
 * them with SHA-256 hashes of the .env passwords (Redis ACL `#<hash>`), writing into a private
 * runtime directory; the only clear value written is `masterauth`, which Redis must send to the
 * primary, into the same private directory (never into the committed files).
 */
import { scalingOf, settingsOf, type RedisPersistence, type StackSpec } from '../../stack/index.ts';
import { render } from '../../emit/render.ts';
import { redisConfText, type ConfigSection } from '../formats.ts';
import type { Topology } from '../topology.ts';
import { ADMIN_USER, APP_USER, MONITOR_USER } from './connection.ts';

/** Paths inside the official redis image. */
export const REDIS_PATHS = {
  /** Read-only mount of the generated files. */
  conf: '/usr/local/etc/redis',
  /** Private runtime directory (tmpfs) for the rendered ACL file and secrets. */
  run: '/run/redis',
  /** The image's data volume (RDB, AOF, nodes.conf, Sentinel's state). */
  data: '/data',
} as const;

export const REDIS_PORTS = { redis: 6379, sentinel: 26379 } as const;

/** The name Sentinel monitors the primary under (clients ask Sentinel for it). */
export const SENTINEL_MASTER = 'main';

export type RedisNodeKind = 'standalone' | 'primary' | 'replica' | 'cluster' | 'sentinel';

export interface RedisNode {
  readonly group: 'redis' | 'redis-sentinel';
  readonly ordinal: number;
  readonly kind: RedisNodeKind;
}

/** The data nodes (and sentinels) of the active profile. */
export function redisNodes(spec: StackSpec): RedisNode[] {
  const s = scalingOf(spec, 'redis');
  switch (s.mode) {
    case 'standalone':
      return [{ group: 'redis', ordinal: 0, kind: 'standalone' }];
    case 'sentinel':
      return [
        ...Array.from({ length: 1 + s.replicas }, (_, i) => ({ group: 'redis' as const, ordinal: i, kind: i === 0 ? ('primary' as const) : ('replica' as const) })),
        ...Array.from({ length: s.sentinels }, (_, i) => ({ group: 'redis-sentinel' as const, ordinal: i, kind: 'sentinel' as const })),
      ];
    case 'cluster':
      return Array.from({ length: s.shards * (1 + s.replicas) }, (_, i) => ({ group: 'redis' as const, ordinal: i, kind: 'cluster' as const }));
  }
}

export function redisDataNodes(spec: StackSpec): RedisNode[] {
  return redisNodes(spec).filter((n) => n.kind !== 'sentinel');
}

/** RDB snapshots after 1 change in an hour, 100 in 5 minutes or 10000 in a minute (Redis' own defaults). */
const SNAPSHOTS = '3600 1 300 100 60 10000';

function persistenceSection(persistence: RedisPersistence, role: 'queue' | 'cache'): ConfigSection {
  const rdb = persistence === 'rdb' || persistence === 'rdb+aof';
  const aof = persistence === 'aof' || persistence === 'rdb+aof';
  const what = { none: 'nothing is persisted (a restart empties Redis)', rdb: 'RDB snapshots', aof: 'append-only file, fsync every second', 'rdb+aof': 'append-only file (fsync every second) with an RDB preamble, plus RDB snapshots' }[persistence];
  return {
    comment: `Persistence (${role} role): ${what}`,
    entries: [
      ['dir', REDIS_PATHS.data],
      ['save', rdb ? SNAPSHOTS : '""'],
      ['dbfilename', 'dump.rdb'],
      ['stop-writes-on-bgsave-error', 'yes'],
      ['appendonly', aof ? 'yes' : 'no'],
      ...(aof
        ? ([
            ['appendfsync', 'everysec'],
            ['aof-use-rdb-preamble', 'yes'],
          ] as const)
        : []),
    ],
  };
}

/** The sections of one data node's redis.conf. */
export function redisConfSections(spec: StackSpec, topology: Topology, node: RedisNode): ConfigSection[] {
  const settings = settingsOf(spec, 'redis');
  const scaling = scalingOf(spec, 'redis');
  const host = topology.host(node.group, node.ordinal);
  const sections: ConfigSection[] = [
    {
      comment: 'Network. Protected mode stays on; it only ever blocks a passwordless default user, and ours is off.',
      entries: [
        ['bind', '* -::*'],
        ['port', String(REDIS_PORTS.redis)],
        ['protected-mode', 'yes'],
        ['tcp-keepalive', '300'],
        ['timeout', '0'],
      ],
    },
    {
      comment: `Users: ${ACL_SUMMARY}`,
      entries: [
        ['aclfile', `${REDIS_PATHS.run}/users.acl`],
        ['acllog-max-len', '128'],
      ],
    },
    {
      comment:
        settings.role === 'queue'
          ? 'Memory (queue role): streams and queued work must never be evicted; at the limit, writes fail loudly instead.'
          : `Memory (cache role): at the limit, ${settings.evictionPolicy} evicts keys to make room.`,
      entries: [
        ['maxmemory', scaling.maxmemory],
        ['maxmemory-policy', settings.evictionPolicy],
      ],
    },
    persistenceSection(settings.persistence, settings.role),
  ];
  if (node.kind === 'primary' || node.kind === 'replica') {
    sections.push({
      comment: `Replication (sentinel mode). Every node may become primary after a failover, so all carry the same settings;\nwrites are refused when no replica is in sync, which bounds what a cut-off primary can lose.`,
      entries: [
        ...(node.kind === 'replica' ? [['replicaof', `${topology.host('redis', 0)} ${REDIS_PORTS.redis}`] as const] : []),
        ['masteruser', ADMIN_USER],
        ['replica-read-only', 'yes'],
        ['replica-announce-ip', host],
        ['min-replicas-to-write', '1'],
        ['min-replicas-max-lag', '10'],
      ],
    });
  }
  if (node.kind === 'cluster') {
    sections.push({
      comment: `Cluster mode: ${scaling.shards} primaries with hash slots, ${scaling.replicas} replica(s) each`,
      entries: [
        ['cluster-enabled', 'yes'],
        ['cluster-config-file', 'nodes.conf'],
        ['cluster-node-timeout', '5000'],
        ['cluster-announce-hostname', host],
        ['cluster-preferred-endpoint-type', 'hostname'],
        ['masteruser', ADMIN_USER],
        ['replica-read-only', 'yes'],
      ],
    });
  }
  if (node.kind !== 'standalone') {
    // Last, so nothing above can override it: `masterauth <password>`, rendered at start.
    sections.push({ comment: 'The replication password, rendered from the environment at start', entries: [['include', `${REDIS_PATHS.run}/secrets.conf`]] });
  }
  sections.push({ comment: 'Logs to stdout', entries: [['logfile', '""'], ['loglevel', 'notice']] });
  return sections;
}

export function redisConf(spec: StackSpec, topology: Topology, node: RedisNode): string {
  const header = `Generated by brokerplate from brokerplate.yaml (profile: ${spec.profile}). Redis ${node.kind} node ${topology.host(node.group, node.ordinal)}.\nEdit brokerplate.yaml and re-run brokerplate instead of editing this file.`;
  return redisConfText(header, redisConfSections(spec, topology, node));
}

// ---------------------------------------------------------------- ACL users

/** Placeholder the entrypoint replaces with the SHA-256 of an environment variable's value. */
export function hashPlaceholder(env: string): string {
  return `@${env}_SHA256@`;
}

export interface RedisAclUser {
  readonly name: string;
  /** Environment variable holding the password; undefined for a disabled user. */
  readonly passwordEnv?: string;
  /** ACL rules after `on`/`off` and the password. */
  readonly rules: readonly string[];
  readonly purpose: string;
}

const ACL_SUMMARY = 'the default user is off (every client authenticates), "app" is for applications (no server administration,\nno KEYS/FLUSHALL/DEBUG), "admin" for replication, Sentinel, backups and operators, "monitor" for the metrics exporter\n(read-only introspection). users.acl is rendered at start from users.acl.template with SHA-256 hashes of the .env passwords';

/** The users of every data node. Monitoring/backup may extend this list with their own users. */
export function redisAclUsers(): RedisAclUser[] {
  return [
    { name: 'default', rules: ['resetpass', 'resetkeys', 'resetchannels', '-@all'], purpose: 'disabled: every client must authenticate' },
    {
      name: APP_USER,
      passwordEnv: 'REDIS_PASSWORD',
      // Everything an application needs (streams, pub/sub, keys) but no server administration
      // and none of the commands that can take the server down (KEYS, FLUSHALL, DEBUG, ...).
      rules: ['~*', '&*', '+@all', '-@admin', '-@dangerous'],
      purpose: 'applications (REDIS_URL)',
    },
    { name: ADMIN_USER, passwordEnv: 'REDIS_ADMIN_PASSWORD', rules: ['~*', '&*', '+@all'], purpose: 'replication, Sentinel, backups and operators' },
    {
      name: MONITOR_USER,
      passwordEnv: 'REDIS_MONITOR_PASSWORD',
      // What redis_exporter sends (server introspection, and SCAN/TYPE/XINFO for the stream checks;
      // XINFO STREAM shows a stream's first and last entries), keys read-only: a leaked exporter
      // password reads metadata, never GET/XRANGE, writes or administration. Proven against the
      // real exporter by test/monitoring/live.test.ts (Redis's ACL LOG stays empty).
      rules: MONITOR_RULES,
      purpose: 'the metrics exporter (read-only introspection)',
    },
  ];
}

/** The monitor user's ACL rules (exported for the tests, which grant them on a test server). */
export const MONITOR_RULES: readonly string[] = [
  'resetchannels',
  '%R~*',
  '-@all',
  // Connecting, one by one: @connection would also grant CLIENT KILL and CLIENT PAUSE.
  '+auth',
  '+hello',
  '+ping',
  '+select',
  '+quit',
  '+reset',
  '+client|getname',
  '+client|id',
  '+info',
  '+role',
  '+dbsize',
  '+config|get',
  '+client|setname',
  '+client|info',
  '+cluster|info',
  '+slowlog|get',
  '+slowlog|len',
  '+latency|latest',
  '+latency|histogram',
  '+scan',
  '+type',
  '+xinfo',
  '+xlen',
  '+memory|usage',
];

function aclLine(user: RedisAclUser): string {
  const state = user.passwordEnv ? ['on', `#${hashPlaceholder(user.passwordEnv)}`] : ['off'];
  return ['user', user.name, ...state, ...user.rules].join(' ');
}

/**
 * The ACL file template (placeholders instead of password hashes): safe to commit. Redis refuses
 * any line of an ACL file that is not a `user` line, comments included, so the users are
 * described in redis.conf and the README instead.
 */
export function redisAclTemplate(users: readonly RedisAclUser[] = redisAclUsers()): string {
  return `${users.map(aclLine).join('\n')}\n`;
}

/**
 * Sentinel's own users: the default user off, `admin` for sentinel-to-sentinel traffic and
 * operators, `app` for applications that discover the primary (no failover, no reconfiguration).
 */
export function sentinelAclUsers(): RedisAclUser[] {
  return [
    { name: 'default', rules: ['resetpass', '-@all'], purpose: 'disabled' },
    { name: ADMIN_USER, passwordEnv: 'REDIS_ADMIN_PASSWORD', rules: ['~*', '&*', '+@all'], purpose: 'other sentinels and operators' },
    {
      name: APP_USER,
      passwordEnv: 'REDIS_PASSWORD',
      // Every SENTINEL subcommand is @admin; grant the read-only ones clients use for discovery
      // (and the +switch-master notifications), never FAILOVER, SET, MONITOR, REMOVE or RESET.
      rules: [
        '&*', '-@all', '+@connection', '+ping', '+role', '+info',
        '+subscribe', '+psubscribe', '+unsubscribe', '+punsubscribe',
        ...['get-master-addr-by-name', 'master', 'masters', 'replicas', 'slaves', 'sentinels', 'myid'].map((sub) => `+sentinel|${sub}`),
      ],
      purpose: 'applications discovering the primary',
    },
  ];
}

/** sentinel.conf template; the entrypoint renders it once into the data volume (Sentinel rewrites it to remember failovers). */
export function sentinelConfTemplate(spec: StackSpec, topology: Topology, ordinal: number): string {
  const s = scalingOf(spec, 'redis');
  const quorum = Math.floor(s.sentinels / 2) + 1;
  const sections: ConfigSection[] = [
    {
      comment: 'Network; hostnames instead of IPs, which change when a container is recreated',
      entries: [
        ['port', String(REDIS_PORTS.sentinel)],
        ['bind', '* -::*'],
        ['protected-mode', 'yes'],
        ['dir', REDIS_PATHS.data],
        ['sentinel resolve-hostnames', 'yes'],
        ['sentinel announce-hostnames', 'yes'],
        ['sentinel announce-ip', topology.host('redis-sentinel', ordinal)],
      ],
    },
    {
      comment: `Monitoring: ${quorum} of ${s.sentinels} sentinels must agree the primary is down before a failover`,
      entries: [
        ['sentinel monitor', `${SENTINEL_MASTER} ${topology.host('redis', 0)} ${REDIS_PORTS.redis} ${quorum}`],
        ['sentinel down-after-milliseconds', `${SENTINEL_MASTER} 5000`],
        ['sentinel failover-timeout', `${SENTINEL_MASTER} 60000`],
        ['sentinel parallel-syncs', `${SENTINEL_MASTER} 1`],
        ['sentinel auth-user', `${SENTINEL_MASTER} ${ADMIN_USER}`],
        ['sentinel sentinel-user', ADMIN_USER],
      ],
    },
    {
      comment: 'Users (hash placeholders; `sentinel auth-pass` and `sentinel sentinel-pass` are appended at first start)',
      entries: sentinelAclUsers().map((u) => ['user', aclLine(u).slice('user '.length)] as const),
    },
  ];
  const header = `Generated by brokerplate from brokerplate.yaml (profile: ${spec.profile}). Redis Sentinel ${topology.host('redis-sentinel', ordinal)}.`;
  return redisConfText(header, sections);
}

// ---------------------------------------------------------------- scripts

const HASHED_ENVS = ['REDIS_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_MONITOR_PASSWORD'] as const;

/** Data node entrypoint: renders users.acl and secrets.conf from the environment, then starts Redis. */
export function redisEntrypoint(): string {
  return render('config/redis/entrypoint.sh', {
    conf: REDIS_PATHS.conf,
    run: REDIS_PATHS.run,
    envs: HASHED_ENVS.map((env) => ({ env, placeholder: hashPlaceholder(env) })),
    admin: 'REDIS_ADMIN_PASSWORD',
  });
}

/** Sentinel entrypoint: renders sentinel.conf into the data volume on first start, then starts Sentinel. */
export function sentinelEntrypoint(): string {
  return render('config/redis/sentinel-entrypoint.sh', {
    conf: REDIS_PATHS.conf,
    data: REDIS_PATHS.data,
    master: SENTINEL_MASTER,
    envs: HASHED_ENVS.map((env) => ({ env, placeholder: hashPlaceholder(env) })),
    admin: 'REDIS_ADMIN_PASSWORD',
  });
}

/** Cluster mode: the one-shot step that assigns hash slots once every node is up. */
export function redisClusterCreateScript(spec: StackSpec, topology: Topology): string {
  const s = scalingOf(spec, 'redis');
  return render('config/redis/cluster-create.sh', {
    profile: spec.profile,
    admin: ADMIN_USER,
    replicas: s.replicas,
    firstHost: topology.host('redis', 0),
    port: REDIS_PORTS.redis,
    nodes: redisDataNodes(spec).map((n) => `${topology.host(n.group, n.ordinal)}:${REDIS_PORTS.redis}`),
  });
}

