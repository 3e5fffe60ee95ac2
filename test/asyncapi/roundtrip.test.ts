/**
 * spec → asyncapi.yaml → `--from` → spec: equal on every field the document carries (name,
 * scenario, profile, every channel with its message types, versions and fields). Partitions and
 * replication factors compare as resolved (the document states the effective values), retention
 * and timeouts as durations (7d and 1w are the same retention.ms).
 */
import { describe, expect, it } from 'vitest';
import { asyncApiArea } from '../../generators/emit/asyncapi.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { importAsyncApi } from '../../generators/import/asyncapi.ts';
import { durationMs, PROFILES, topicPartitions, topicReplication, type Channel, type StackSpec } from '../../generators/stack/index.ts';
import { specFor } from '../support/stack.ts';

function comparable(spec: StackSpec): object {
  const channel = (c: Channel) => {
    if (c.broker !== 'kafka') return c;
    const { partitions: _p, replicationFactor: _r, retention, ...rest } = c;
    return { ...rest, partitions: topicPartitions(spec, c), replicationFactor: topicReplication(spec, c), retentionMs: durationMs(retention) };
  };
  return { name: spec.name, scenario: spec.scenario, profile: spec.profile, brokers: Object.keys(spec.brokers), channels: spec.channels.map(channel) };
}

function roundTrip(spec: StackSpec): StackSpec {
  const text = asyncApiArea.emit(spec).files[0]?.contents ?? '';
  return importAsyncApi(text).spec;
}

describe('AsyncAPI round trip', () => {
  for (const scenario of SCENARIO_IDS) {
    for (const profile of PROFILES) {
      it(`${scenario}/${profile}: spec → AsyncAPI → spec keeps every carried field`, () => {
        const spec = specFor(scenario, profile);
        expect(comparable(roundTrip(spec))).toEqual(comparable(spec));
      });
    }
  }

  it('keeps what the seeds leave at defaults: explicit partitions, keys, TTL, priorities, descriptions, optional fields, hash tags', () => {
    const spec = specFor('hybrid', 'dev', {
      channels: (seeded) =>
        seeded.map((c): Channel => {
          if (c.broker === 'kafka') return { ...c, partitions: 12, replicationFactor: 1, retention: '1w', cleanupPolicy: 'compact', key: Object.keys(c.message.fields)[0] ?? 'id', consumerGroups: ['a', 'b.c'] };
          if (c.broker === 'rabbitmq' && c.kind === 'queue') return { ...c, messageTtl: '90s', maxPriority: 7, deadLetter: false, prefetch: 3, exchangeType: 'headers', bindings: [{ headers: { region: 'eu' }, match: 'any' }] };
          if (c.broker === 'redis' && c.kind === 'stream') return { ...c, name: '{orders}:stream', maxLen: 42, maxDeliveries: 9, consumerGroups: ['g1', 'g2'] };
          return { ...c, description: 'described', message: { ...c.message, version: 3, fields: { ...c.message.fields, note: { type: 'string', optional: true, maxLength: 12, description: 'a note' } } } };
        }),
    });
    expect(comparable(roundTrip(spec))).toEqual(comparable(spec));
  });
});
