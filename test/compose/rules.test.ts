/** Spec rules the broker configs rely on: refused at validation with the field path and the reason. */
import { describe, expect, it } from 'vitest';
import { buildSpec, formatIssue, parseSpec, type StackSpec } from '../../generators/stack/index.ts';

function issues(edit: (spec: StackSpec) => void): string[] {
  const raw = buildSpec({ name: 'shop', scenario: 'queue-and-cache', brokers: ['redis'], profile: 'dev', targets: ['compose'], decision: { overridden: false } });
  edit(raw);
  const r = parseSpec(JSON.parse(JSON.stringify(raw)));
  return r.ok ? [] : r.issues.map(formatIssue);
}

describe('rules for the Redis configs', () => {
  it('a queue-role Redis must write an append-only file (redis.conf gets appendonly yes)', () => {
    for (const persistence of ['rdb', 'none'] as const) {
      const found = issues((s) => {
        if (s.brokers.redis) s.brokers.redis.persistence = persistence;
      });
      expect(found).toEqual([expect.stringMatching(/^brokers\.redis\.persistence: must be aof or rdb\+aof when role is queue/)]);
    }
    for (const persistence of ['aof', 'rdb+aof'] as const) {
      expect(issues((s) => {
        if (s.brokers.redis) s.brokers.redis.persistence = persistence;
      })).toEqual([]);
    }
  });

  it('maxmemory must leave headroom below the container memory limit', () => {
    const found = issues((s) => {
      if (s.brokers.redis) s.brokers.redis.prod.maxmemory = '4gb';
    });
    expect(found).toEqual([expect.stringMatching(/^brokers\.redis\.prod\.maxmemory: 4gb is more than 80% of brokers\.redis\.prod\.resources\.limits\.memory \(4Gi\)/)]);
    expect(issues(() => undefined)).toEqual([]);
  });
});
