/**
 * Redis configuration from the spec: `redis.conf` per node (persistence and eviction follow
 * spec.brokers.redis), the ACL users template, and `sentinel.conf` templates for sentinel mode.
 * Shared by the compose and Kubernetes emitters through the Topology.
 *
 * Nothing here holds a secret or a role: the committed ACL template holds placeholders, and no
 * node's file says whether it is a primary or a replica (that is decided at start, from the
 * Sentinels; see startup.ts, which also renders the passwords into memory).
 */
import { scalingOf, settingsOf, type RedisPersistence, type StackSpec } from '../../stack/index.ts';
import { redisConfText, type ConfigSection } from '../formats.ts';
import type { Topology } from '../topology.ts';
import { ADMIN_USER, APP_USER, MONITOR_USER, REDIS_PORTS, SENTINEL_MASTER } from './connection.ts';

/** Paths inside the official redis image. */
export const REDIS_PATHS = {
  /** Read-only mount of the generated files. */
  conf: '/usr/local/etc/redis',
  /** Private runtime directory (memory) for the config Redis and Sentinel run and rewrite, the ACL file and the passwords. */
  run: '/run/redis',
  /** The image's data volume (RDB, AOF, nodes.conf, Sentinel's state without secrets). */
  data: '/data',
} as const;

export { REDIS_PORTS, SENTINEL_MASTER };

/** Sentinel's timings: a primary silent this long is down (then a quorum agrees and a leader fails over). */
export const SENTINEL_TIMINGS = { downAfterMs: 5_000, failoverTimeoutMs: 60_000 } as const;

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
      comment: `Replication (sentinel mode). Every node may be primary or replica, so all carry the same settings and none names\nits role: the entrypoint asks the Sentinels at start (the first primary is ${topology.host('redis', 0)}, in their config).\nWrites are refused when no replica is in sync, which bounds what a cut-off primary can lose.`,
      entries: [
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

/**
 * sentinel.conf template. The entrypoint renders the file Sentinel runs (and rewrites) into memory at
 * each start, from this template and the state in its volume, whose primary replaces the first one here.
 */
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
      comment: `Monitoring: ${quorum} of ${s.sentinels} sentinels must agree the primary is down before a failover. The primary named here is the\nfirst one; after a failover, the Sentinel's state in its volume names the current one.`,
      entries: [
        ['sentinel monitor', `${SENTINEL_MASTER} ${topology.host('redis', 0)} ${REDIS_PORTS.redis} ${quorum}`],
        ['sentinel down-after-milliseconds', `${SENTINEL_MASTER} ${SENTINEL_TIMINGS.downAfterMs}`],
        ['sentinel failover-timeout', `${SENTINEL_MASTER} ${SENTINEL_TIMINGS.failoverTimeoutMs}`],
        ['sentinel parallel-syncs', `${SENTINEL_MASTER} 1`],
        ['sentinel auth-user', `${SENTINEL_MASTER} ${ADMIN_USER}`],
        ['sentinel sentinel-user', ADMIN_USER],
      ],
    },
    {
      comment: 'Users (hash placeholders; `sentinel auth-pass` and `sentinel sentinel-pass` are added at each start, in memory only)',
      entries: sentinelAclUsers().map((u) => ['user', aclLine(u).slice('user '.length)] as const),
    },
  ];
  const header = `Generated by brokerplate from brokerplate.yaml (profile: ${spec.profile}). Redis Sentinel ${topology.host('redis-sentinel', ordinal)}.`;
  return redisConfText(header, sections);
}
