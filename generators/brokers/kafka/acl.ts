/**
 * Kafka ACLs from the spec (prod), one list of grants per principal, each with only what its job
 * needs; `create-topics.sh` applies them with kafka-acls.sh as `admin` (a super user, like the
 * nodes). Anything not granted here is denied (allow.everyone.if.no.acl.found=false).
 *
 * - app: produce and consume exactly the stack's topics and their dead-letter topics, as its
 *   consumer groups; transactions under its client id prefix; no create, delete or alter.
 * - monitor (kafka_exporter): describe every topic and group (offsets, lag), read and write nothing.
 * - backup: read and describe the stack's topics, describe their groups and configs; write nothing.
 * - mirrormaker (MirrorMaker 2 on the primary): read the stack's topics and describe their groups'
 *   offsets; its own `mm2-` internal topics (offset syncs) on the primary.
 */
import { channelsOf, type StackSpec } from '../../stack/index.ts';
import { kafkaTopics } from './config.ts';
import { KAFKA_PRINCIPALS, type KafkaPrincipalId } from './security.ts';

export type AclResourceType = 'topic' | 'group' | 'transactional-id' | 'cluster';
export type AclOperation = 'Read' | 'Write' | 'Create' | 'Delete' | 'Describe' | 'DescribeConfigs';

/** One `kafka-acls.sh --add`: operations on resources of one type, all literal names or all prefixes. */
export interface AclGrant {
  readonly principal: KafkaPrincipalId;
  readonly type: AclResourceType;
  readonly pattern: 'literal' | 'prefixed';
  /** Names (or prefixes); `*` is every resource of the type; empty for the cluster. */
  readonly names: readonly string[];
  readonly operations: readonly AclOperation[];
  readonly why: string;
}

/** The consumer groups the spec declares, each once, in spec order. */
export function kafkaGroups(spec: StackSpec): string[] {
  return [...new Set(channelsOf(spec, 'kafka').flatMap((c) => c.consumerGroups))];
}

/** The prefix of the generated bench's consumer groups (templates/clients/bench/kafka.ts). */
export const BENCH_GROUP_PREFIX = 'brokerplate-bench-';
/** The backup principal's own consumer groups. */
export const BACKUP_GROUP_PREFIX = 'backup-';
/** MirrorMaker 2's internal topics on the source cluster (offset syncs, heartbeats are on the target). */
export const MM2_TOPIC_PREFIX = 'mm2-';

export function kafkaAcls(spec: StackSpec): AclGrant[] {
  const topics = kafkaTopics(spec).map((t) => t.name);
  const groups = kafkaGroups(spec);
  if (topics.length === 0) return [];
  const grants: AclGrant[] = [
    { principal: 'app', type: 'topic', pattern: 'literal', names: topics, operations: ['Read', 'Write', 'Describe'], why: "its channels' topics and dead-letter topics" },
    { principal: 'app', type: 'transactional-id', pattern: 'prefixed', names: [`${spec.name}-`], operations: ['Write', 'Describe'], why: 'transactions (exactly-once) under the client id prefix' },
    { principal: 'app', type: 'group', pattern: 'prefixed', names: [BENCH_GROUP_PREFIX], operations: ['Read', 'Describe', 'Delete'], why: 'the generated bench (groups it creates and deletes)' },
    { principal: 'monitor', type: 'topic', pattern: 'literal', names: ['*'], operations: ['Describe'], why: 'partitions, offsets and replicas of every topic' },
    { principal: 'monitor', type: 'group', pattern: 'literal', names: ['*'], operations: ['Describe'], why: "every group's committed offsets (lag)" },
    { principal: 'backup', type: 'topic', pattern: 'literal', names: topics, operations: ['Read', 'Describe', 'DescribeConfigs'], why: "the stack's topics and their configs" },
    { principal: 'backup', type: 'group', pattern: 'prefixed', names: [BACKUP_GROUP_PREFIX], operations: ['Read', 'Describe'], why: "its own consumer groups (reading never moves the application's offsets)" },
    { principal: 'mirrormaker', type: 'topic', pattern: 'literal', names: topics, operations: ['Read', 'Describe', 'DescribeConfigs'], why: 'the topics it mirrors' },
    { principal: 'mirrormaker', type: 'topic', pattern: 'prefixed', names: [MM2_TOPIC_PREFIX], operations: ['Read', 'Write', 'Create', 'Describe'], why: 'its offset-syncs topic on the primary' },
    { principal: 'mirrormaker', type: 'cluster', pattern: 'literal', names: [], operations: ['Describe'], why: 'lists topics and groups to mirror' },
  ];
  if (groups.length > 0) {
    grants.splice(1, 0, { principal: 'app', type: 'group', pattern: 'literal', names: groups, operations: ['Read', 'Describe'], why: 'its consumer groups' });
    grants.push(
      { principal: 'backup', type: 'group', pattern: 'literal', names: groups, operations: ['Describe'], why: 'committed offsets of the stack\'s groups (exported, never moved)' },
      { principal: 'mirrormaker', type: 'group', pattern: 'literal', names: groups, operations: ['Describe'], why: 'the offsets it translates for the DR cluster' },
    );
  }
  return grants;
}

const RESOURCE_FLAG: Readonly<Record<Exclude<AclResourceType, 'cluster'>, string>> = { topic: '--topic', group: '--group', 'transactional-id': '--transactional-id' };

/** The arguments of `kafka-acls.sh` after `--bootstrap-server … --command-config …` for one grant. */
export function aclArgs(grant: AclGrant): string[] {
  const type = grant.type;
  const resources = type === 'cluster' ? ['--cluster'] : grant.names.flatMap((n) => [RESOURCE_FLAG[type], n]);
  return [
    '--add',
    '--allow-principal', `User:${KAFKA_PRINCIPALS[grant.principal].user}`,
    ...grant.operations.flatMap((o) => ['--operation', o]),
    '--resource-pattern-type', grant.pattern,
    ...resources,
  ];
}
