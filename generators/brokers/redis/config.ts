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
import { TLS_FILES } from '../../emit/tls-model.ts';
import { ADMIN_USER, APP_USER, BACKUP_USER, MONITOR_USER, PASSWORD_ENV, REDIS_PORTS, redisTls, REPLICA_USER, SENTINEL_MASTER, SENTINEL_USER } from './connection.ts';

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

/**
 * Listeners. prod: TLS only (`port 0`), on the usual port numbers, with the node's certificate
 * from TLS_MOUNT; replication (and the cluster bus) over TLS too. Clients authenticate with their
 * ACL user's password and need no certificate (`tls-auth-clients optional`: a certificate they do
 * present must come from the CA); nodes present theirs to each other. dev: plaintext.
 */
function networkSection(spec: StackSpec, port: number, links: 'none' | 'replication' | 'cluster'): ConfigSection {
  const common = [
    ['bind', '* -::*'],
    ['protected-mode', 'yes'],
  ] as const;
  if (!redisTls(spec)) {
    return {
      comment: 'Network (dev: plaintext; compose publishes it on 127.0.0.1 only). Protected mode stays on; it only ever blocks a passwordless default user, and ours is off.',
      entries: [...common, ['port', String(port)], ['tcp-keepalive', '300'], ['timeout', '0']],
    };
  }
  return {
    comment: `Network (prod): TLS only, the plaintext port is off. Certificates from ${TLS_FILES.cert.slice(0, TLS_FILES.cert.lastIndexOf('/'))} (compose: certs-init; Kubernetes: cert-manager).\nClients authenticate with a password; a client certificate is optional (one presented must come from the CA).`,
    entries: [
      ...common,
      ['port', '0'],
      ['tls-port', String(port)],
      ['tls-cert-file', TLS_FILES.cert],
      ['tls-key-file', TLS_FILES.key],
      ['tls-ca-cert-file', TLS_FILES.ca],
      ['tls-auth-clients', 'optional'],
      ['tls-protocols', '"TLSv1.2 TLSv1.3"'],
      // Also for a single node: a replica added later (or a Sentinel) links over TLS.
      ['tls-replication', 'yes'],
      ...(links === 'cluster' ? ([['tls-cluster', 'yes']] as const) : []),
      ...(port === REDIS_PORTS.redis ? ([['tcp-keepalive', '300'], ['timeout', '0']] as const) : []),
    ],
  };
}

/** The sections of one data node's redis.conf. */
export function redisConfSections(spec: StackSpec, topology: Topology, node: RedisNode): ConfigSection[] {
  const settings = settingsOf(spec, 'redis');
  const scaling = scalingOf(spec, 'redis');
  const host = topology.host(node.group, node.ordinal);
  const sections: ConfigSection[] = [
    networkSection(spec, REDIS_PORTS.redis, node.kind === 'cluster' ? 'cluster' : node.kind === 'standalone' ? 'none' : 'replication'),
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
        ['masteruser', REPLICA_USER],
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
        ['masteruser', REPLICA_USER],
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

const ACL_SUMMARY = 'the default user is off (every client authenticates); one user per component, each with only what it needs:\n"app" (applications: no administration, no scripting, no KEYS/FLUSHALL/DEBUG), "monitor" (the metrics exporter and\nhealthchecks: read-only introspection, no CONFIG), "replica" (PSYNC/REPLCONF/PING), "sentinel" (what Sentinel sends),\n"backup" (an RDB snapshot over the replication protocol), "admin" (operators, cluster set-up). users.acl is rendered\nat start from users.acl.template with SHA-256 hashes of the passwords (files under /run/secrets)';

/** The password variable of a principal. */
const pass = (user: keyof typeof PASSWORD_ENV) => PASSWORD_ENV[user];

/** The users of every data node. */
export function redisAclUsers(): RedisAclUser[] {
  return [
    { name: 'default', rules: ['resetpass', 'resetkeys', 'resetchannels', '-@all'], purpose: 'disabled: every client must authenticate' },
    {
      name: APP_USER,
      passwordEnv: pass(APP_USER),
      // Everything an application needs (streams, pub/sub, keys) but no server administration, none of
      // the commands that can take the server down (KEYS, FLUSHALL, DEBUG, ...) and no scripting
      // (FUNCTION LOAD/FLUSH, SCRIPT FLUSH, EVAL): no generated channel uses a script.
      rules: APP_RULES,
      purpose: 'applications (REDIS_URL)',
    },
    { name: ADMIN_USER, passwordEnv: pass(ADMIN_USER), rules: ['~*', '&*', '+@all'], purpose: 'operators and the cluster set-up' },
    {
      name: MONITOR_USER,
      passwordEnv: pass(MONITOR_USER),
      // What redis_exporter sends (server introspection, and SCAN/TYPE/XINFO for the stream checks;
      // XINFO STREAM shows a stream's first and last entries), keys read-only: a leaked exporter
      // password reads metadata, never GET/XRANGE, writes, administration or CONFIG (CONFIG GET
      // would show masterauth; the exporter runs with -config-command=- and reads maxmemory from
      // INFO). Proven against the real exporter by test/compose/redis-tls.test.ts (ACL LOG stays empty).
      rules: MONITOR_RULES,
      purpose: 'the metrics exporter and healthchecks (read-only introspection)',
    },
    { name: REPLICA_USER, passwordEnv: pass(REPLICA_USER), rules: REPLICA_RULES, purpose: 'replicas of their primary (masteruser)' },
    { name: SENTINEL_USER, passwordEnv: pass(SENTINEL_USER), rules: SENTINEL_RULES, purpose: 'the Sentinels (auth-user)' },
    { name: BACKUP_USER, passwordEnv: pass(BACKUP_USER), rules: BACKUP_RULES, purpose: 'the backup job (redis-cli --rdb)' },
  ];
}

/** The application user's rules (exported for the tests). */
export const APP_RULES: readonly string[] = ['~*', '&*', '+@all', '-@admin', '-@dangerous', '-@scripting'];

/** A replica's link to its primary: nothing but the replication handshake and stream (Redis' documented replica user). */
export const REPLICA_RULES: readonly string[] = ['resetchannels', '-@all', '+psync', '+replconf', '+ping'];

/**
 * What a Sentinel sends to a data node (Redis' documented Sentinel user, plus REPLICAOF, the
 * current name of SLAVEOF): INFO and ROLE to watch it, its hello messages on __sentinel__:hello,
 * and at a failover REPLICAOF, CONFIG REWRITE and CLIENT KILL inside MULTI/EXEC.
 */
export const SENTINEL_RULES: readonly string[] = [
  'resetchannels',
  '&__sentinel__:*',
  '-@all',
  '+multi',
  '+exec',
  '+slaveof',
  '+replicaof',
  '+ping',
  '+subscribe',
  '+publish',
  '+config|rewrite',
  '+role',
  '+info',
  '+client|setname',
  '+client|kill',
  '+script|kill',
];

/** redis-cli --rdb: REPLCONF, then SYNC/PSYNC for the snapshot; no key, no other command. */
export const BACKUP_RULES: readonly string[] = ['resetchannels', '-@all', '+ping', '+replconf', '+sync', '+psync', '+info'];

/**
 * The monitor user's rules (exported for the tests). Narrower than redis_exporter's documented
 * user (which adds +config|get, all of +client, +get and +eval): only what this exporter, with
 * -config-command=- and the generated stream checks, sends.
 */
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
 * Sentinel's own users: the default user off, `admin` for operators, `sentinel` for the other
 * Sentinels (hello messages and failure votes), `app` for applications that discover the primary
 * (no failover, no reconfiguration), `backup` to find a healthy replica.
 */
export function sentinelAclUsers(): RedisAclUser[] {
  // Every SENTINEL subcommand is @admin; grant the read-only ones clients use for discovery
  // (and the +switch-master notifications), never FAILOVER, SET, MONITOR, REMOVE or RESET.
  const discovery = ['get-master-addr-by-name', 'master', 'masters', 'replicas', 'slaves', 'sentinels', 'myid'].map((sub) => `+sentinel|${sub}`);
  return [
    { name: 'default', rules: ['resetpass', '-@all'], purpose: 'disabled' },
    { name: ADMIN_USER, passwordEnv: pass(ADMIN_USER), rules: ['~*', '&*', '+@all'], purpose: 'operators' },
    {
      name: SENTINEL_USER,
      passwordEnv: pass(SENTINEL_USER),
      rules: ['resetchannels', '&__sentinel__:*', '-@all', '+ping', '+publish', '+client|setname', '+info', '+role', '+sentinel|is-master-down-by-addr'],
      purpose: 'the other Sentinels (sentinel-user)',
    },
    {
      name: APP_USER,
      passwordEnv: pass(APP_USER),
      rules: ['&*', '-@all', '+@connection', '+ping', '+role', '+info', '+subscribe', '+psubscribe', '+unsubscribe', '+punsubscribe', ...discovery],
      purpose: 'applications discovering the primary',
    },
    {
      name: MONITOR_USER,
      passwordEnv: pass(MONITOR_USER),
      rules: ['resetchannels', '-@all', '+ping', '+info', '+role', '+sentinel|master', '+sentinel|masters', '+sentinel|get-master-addr-by-name'],
      purpose: 'healthchecks, and data nodes asking for the primary',
    },
    { name: BACKUP_USER, passwordEnv: pass(BACKUP_USER), rules: ['resetchannels', '-@all', '+ping', '+sentinel|replicas', '+sentinel|get-master-addr-by-name'], purpose: 'the backup job finding a healthy replica' },
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
    networkSection(spec, REDIS_PORTS.sentinel, 'replication'),
    {
      comment: 'Hostnames instead of IPs, which change when a container is recreated',
      entries: [
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
        ['sentinel auth-user', `${SENTINEL_MASTER} ${SENTINEL_USER}`],
        ['sentinel sentinel-user', SENTINEL_USER],
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
