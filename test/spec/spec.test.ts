import { describe, expect, it } from 'vitest';
import { recommendedBrokers, SCENARIO_IDS, type BrokerId, type ScenarioId } from '../../generators/guide/index.ts';
import { buildSpec, formatIssue, loadSpec, parseSpec, PROFILES, serializeSpec, type Profile } from '../../generators/stack/index.ts';

/** A seeded spec as plain data, the way a user's edited YAML arrives. */
function seed(scenario: ScenarioId, profile: Profile = 'dev', brokers: BrokerId[] = recommendedBrokers(scenario)) {
  return structuredClone(buildSpec({ name: 'shop', scenario, brokers, profile, targets: ['compose', 'k8s'], decision: { overridden: false } })) as unknown as Record<string, any>;
}

function issues(raw: unknown): string[] {
  const result = parseSpec(raw);
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('seeded specs', () => {
  for (const scenario of SCENARIO_IDS) {
    for (const profile of PROFILES) {
      it(`${scenario}/${profile} is valid and round-trips through YAML byte for byte`, () => {
        const parsed = parseSpec(seed(scenario, profile));
        if (!parsed.ok) throw new Error(parsed.issues.map(formatIssue).join('\n'));
        const text = serializeSpec(parsed.spec);
        const again = loadSpec(text);
        expect(again.ok && again.spec).toEqual(parsed.spec);
        expect(again.ok && serializeSpec(again.spec)).toBe(text);
      });
    }
  }

  it('seeds channels from the guide examples', () => {
    const names = (s: ScenarioId) => (seed(s).channels as { name: string }[]).map((c) => c.name);
    expect(names('event-streaming')).toEqual(['clickstream']);
    expect(names('background-jobs')).toEqual(['tasks']);
    expect(names('realtime-notifications')).toEqual(['notifications', 'cache:invalidate']);
    expect(names('hybrid')).toEqual(['events', 'tasks', 'notifications', 'cache:invalidate']);
    expect(seed('background-jobs').channels[0].maxPriority).toBe(10);
  });

  it('gives a broker chosen against the recommendation an example channel of its own', () => {
    const spec = seed('background-jobs', 'dev', ['redis']);
    expect(spec.channels.map((c: { broker: string }) => c.broker)).toEqual(['redis']);
    expect(issues(spec)).toEqual([]);
  });

  it('carries per-profile scaling defaults of the guide\'s Scaling table', () => {
    const spec = seed('hybrid', 'prod');
    expect(spec.brokers.kafka.prod).toMatchObject({ nodes: 3, replicationFactor: 3, minInsyncReplicas: 2 });
    expect(spec.brokers.kafka.dev).toMatchObject({ nodes: 1, replicationFactor: 1 });
    expect(spec.brokers.rabbitmq.prod).toMatchObject({ nodes: 3, queueType: 'quorum' });
    expect(spec.brokers.redis.prod).toMatchObject({ mode: 'sentinel', replicas: 2, sentinels: 3 });
  });
});

describe('spec validation names the field and the rule', () => {
  it('refuses exactly-once on RabbitMQ with the guide\'s reason', () => {
    const spec = seed('background-jobs');
    spec.channels[0].semantics = 'exactly-once';
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.semantics: exactly-once is not available on RabbitMQ \(guide: "Not native \(app-level dedup\)"\)/)]);
  });

  it('refuses exactly-once on Redis with the guide\'s reason', () => {
    const spec = seed('queue-and-cache');
    spec.channels[0].semantics = 'exactly-once';
    expect(issues(spec)).toContainEqual(expect.stringMatching(/^channels\[0\]\.semantics: exactly-once is not available on Redis .*"Not supported"/));
  });

  it('accepts exactly-once on Kafka', () => {
    const spec = seed('event-streaming');
    spec.channels[0].semantics = 'exactly-once';
    expect(issues(spec)).toEqual([]);
  });

  it.each([
    ['event-streaming', 'bad topic!', /^channels\[0\]\.name: "bad topic!" is not a valid Kafka topic name/],
    ['event-streaming', '__internal', /^channels\[0\]\.name: "__internal" is not a valid Kafka topic name/],
    ['background-jobs', 'amq.jobs', /^channels\[0\]\.name: "amq.jobs" is not a valid RabbitMQ name: .*reserved/],
    ['realtime-notifications', 'user updates', /^channels\[0\]\.name: "user updates" is not a usable Redis key/],
  ] as const)('refuses an invalid channel name on %s: %s', (scenario, name, pattern) => {
    const spec = seed(scenario);
    spec.channels[0].name = name;
    expect(issues(spec)).toEqual([expect.stringMatching(pattern)]);
  });

  it('refuses a project name that is not a Kubernetes DNS-1123 label', () => {
    const spec = seed('rpc');
    spec.name = 'My_Shop';
    expect(issues(spec)).toEqual([expect.stringMatching(/^name: "My_Shop" must be a Kubernetes DNS-1123 label/)]);
  });

  it('refuses a priority on a Kafka topic, saying why', () => {
    const spec = seed('event-streaming');
    spec.channels[0].maxPriority = 10;
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.maxPriority: a Kafka topic has no message priorities/)]);
  });

  it('refuses consumer groups on a Redis pub/sub channel', () => {
    const spec = seed('realtime-notifications');
    spec.channels[0].consumerGroups = ['workers'];
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.consumerGroups: a Redis Pub\/Sub channel has no consumer groups/)]);
  });

  it('refuses partitions below 1', () => {
    const spec = seed('event-streaming');
    spec.channels[0].partitions = 0;
    expect(issues(spec)).toEqual(['channels[0].partitions: must be between 1 and 10000, got 0']);
  });

  it('refuses a replication factor above the node count', () => {
    const spec = seed('event-streaming', 'prod');
    spec.channels[0].replicationFactor = 3;
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.replicationFactor: 3 exceeds brokers\.kafka\.dev\.nodes \(1\)/)]);
    spec.channels[0].replicationFactor = 2;
    spec.brokers.kafka.prod.replicationFactor = 4;
    expect(issues(spec)).toEqual([expect.stringMatching(/^brokers\.kafka\.prod\.replicationFactor: 4 exceeds brokers\.kafka\.prod\.nodes \(3\)/), expect.stringMatching(/^channels\[0\]\.replicationFactor: 2 exceeds brokers\.kafka\.dev\.nodes/)]);
  });

  it('refuses min.insync.replicas above the replication factor', () => {
    const spec = seed('event-streaming', 'prod');
    spec.brokers.kafka.prod.minInsyncReplicas = 4;
    expect(issues(spec)).toContainEqual(expect.stringMatching(/^brokers\.kafka\.prod\.minInsyncReplicas: 4 exceeds brokers\.kafka\.prod\.replicationFactor \(3\)/));
  });

  it('refuses a prod RabbitMQ that cannot replicate its queues (classic queues, fewer than 3 nodes)', () => {
    const spec = seed('background-jobs', 'prod');
    spec.brokers.rabbitmq.prod.queueType = 'classic';
    spec.brokers.rabbitmq.prod.nodes = 1;
    expect(issues(spec)).toEqual([
      expect.stringMatching(/^brokers\.rabbitmq\.prod\.queueType: must be quorum: prod replicates every queue, and a classic queue lives on one node/),
      expect.stringMatching(/^brokers\.rabbitmq\.prod\.nodes: must be at least 3, got 1/),
    ]);
    // dev keeps classic single-node queues
    expect(issues(seed('background-jobs', 'dev'))).toEqual([]);
  });

  it('refuses at-least-once on Redis pub/sub and a stream on a cache-role Redis', () => {
    const spec = seed('realtime-notifications');
    spec.channels[0].semantics = 'at-least-once';
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.semantics: must be at-most-once for a Redis Pub\/Sub channel/)]);
    const mixed = seed('queue-and-cache');
    mixed.brokers.redis.role = 'cache';
    mixed.brokers.redis.evictionPolicy = 'allkeys-lru';
    expect(issues(mixed)).toEqual([expect.stringMatching(/^channels\[0\]\.kind: a stream needs brokers\.redis\.role: queue/)]);
  });

  it('refuses an evicting queue-role Redis', () => {
    const spec = seed('queue-and-cache');
    spec.brokers.redis.evictionPolicy = 'allkeys-lru';
    expect(issues(spec)).toEqual([expect.stringMatching(/^brokers\.redis\.evictionPolicy: must be noeviction when role is queue/)]);
  });

  it('refuses an even number of sentinels', () => {
    const spec = seed('realtime-notifications', 'prod');
    spec.brokers.redis.prod.sentinels = 2;
    expect(issues(spec)).toEqual([expect.stringMatching(/^brokers\.redis\.prod\.sentinels: must be an odd number of at least 3/)]);
  });

  it('refuses a channel on a broker that is not in the stack', () => {
    const spec = seed('event-streaming');
    spec.channels.push(seed('realtime-notifications').channels[0]);
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[1\]\.broker: redis is not in brokers: add brokers\.redis or move this channel to a broker of the stack \(kafka\)/)]);
  });

  it('refuses a record key that is not a required field', () => {
    const spec = seed('event-streaming');
    spec.channels[0].key = 'sessionId';
    expect(issues(spec)).toEqual(['channels[0].key: names "sessionId", which is not a field of message.fields']);
  });

  it('refuses headers on a direct exchange binding and routing keys on a headers exchange', () => {
    const spec = seed('complex-routing');
    spec.channels[1].bindings = [{ routingKey: 'invoice' }];
    expect(issues(spec)).toEqual([
      'channels[1].bindings[0]: needs headers: a headers exchange routes on message headers',
      'channels[1].bindings[0].routingKey: is ignored by a headers exchange; use headers',
    ]);
  });

  it('refuses channel names that collide as TypeScript identifiers', () => {
    const spec = seed('realtime-notifications');
    spec.channels[0].name = 'cache-invalidate';
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[1\]\.name: "cache:invalidate" collides with channel "cache-invalidate": both become the TypeScript identifier cacheInvalidate/)]);
  });

  it('refuses wrong types, unknown fields and missing fields with their paths', () => {
    const spec = seed('hybrid', 'prod');
    spec.brokers.kafka.prod.nodes = 'three';
    spec.channels[1].priority = 5;
    delete spec.channels[2].message;
    spec.profile = 'staging';
    expect(issues(spec)).toEqual([
      'profile: must be one of dev, prod, got "staging"',
      'brokers.kafka.prod.nodes: must be an integer, got "three"',
      expect.stringMatching(/^channels\[1\]\.priority: is not a known field here \(allowed: .*maxPriority/),
      'channels[2].message: is required',
    ]);
  });

  it('reports malformed YAML with its line and column, once', () => {
    const result = loadSpec('version: 1\nname: shop\nchannels: [unclosed\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(!result.ok && result.issues[0]?.rule).not.toMatch(/at line|:$/);
  });

  it('refuses an unknown scenario and an unsupported spec version', () => {
    const spec = seed('rpc');
    spec.scenario = 'chat';
    spec.version = 2;
    expect(issues(spec)).toEqual(['version: must be 1, got 2', expect.stringMatching(/^scenario: must be one of event-streaming, .*got "chat"$/)]);
  });
});
