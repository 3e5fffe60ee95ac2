/**
 * Rules of the spec's `migrations:`: the pattern's brokers are in the stack, each named channel
 * exists on the broker and of the kind the pattern moves between, both sides carry the same
 * message (one envelope goes to both), and RabbitMQ's tap queue sees every message `from` sees.
 */
import { BROKERS, MIGRATIONS } from '../guide/index.ts';
import { join, type Reader } from './reader.ts';
import type { Channel, MigrationSpec, RabbitQueueChannel, StackSpec } from './types.ts';

function sameMessage(a: Channel, b: Channel): boolean {
  return JSON.stringify(a.message) === JSON.stringify(b.message);
}

function find(spec: StackSpec, name: string): Channel | undefined {
  return spec.channels.find((c) => c.name === name);
}

/** The channel `name` if it is a `kind` channel on `broker`, else a failure at `path`. */
function side(r: Reader, spec: StackSpec, name: string, want: { broker: Channel['broker']; kind: Channel['kind'] }, path: string, role: string): Channel | undefined {
  const channel = find(spec, name);
  const what = `a ${want.kind} channel on ${BROKERS[want.broker].title}`;
  if (!channel) return r.fail(path, `names ${JSON.stringify(name)}, which is not a channel of channels; ${role} must be ${what}`);
  if (channel.broker !== want.broker || channel.kind !== want.kind) return r.fail(path, `names ${JSON.stringify(name)}, a ${channel.broker} ${channel.kind}; ${role} must be ${what}`);
  return channel;
}

function checkTap(r: Reader, spec: StackSpec, m: Extract<MigrationSpec, { pattern: 'rabbitmq-to-kafka' }>, from: RabbitQueueChannel, path: string): void {
  const p = join(path, 'tap');
  if (m.tap === m.from) {
    r.fail(p, `must be a queue of its own, not ${JSON.stringify(m.from)}: verify reads the tap, and reading from's own queue would take messages from its consumers`);
    return;
  }
  const tap = side(r, spec, m.tap, { broker: 'rabbitmq', kind: 'queue' }, p, 'tap');
  if (!tap || tap.broker !== 'rabbitmq' || tap.kind !== 'queue') return;
  if (tap.exchange !== from.exchange || JSON.stringify(tap.bindings) !== JSON.stringify(from.bindings)) {
    r.fail(p, `must be bound to exchange ${from.exchange} with the bindings of ${from.name} (${JSON.stringify(from.bindings)}), so it receives a copy of every message ${from.name} receives; it is bound to ${tap.exchange} with ${JSON.stringify(tap.bindings)}`);
  }
  if (!sameMessage(tap, from)) r.fail(join(p, 'message'), `must be the message of ${from.name}: the tap receives the same envelopes`);
}

export function checkMigrations(r: Reader, spec: StackSpec): void {
  const used = new Map<string, number>();
  (spec.migrations ?? []).forEach((m, i) => {
    const path = join('migrations', i);
    const guide = MIGRATIONS[m.pattern];
    const missing = [guide.from.broker, guide.to.broker].filter((b, at, all) => all.indexOf(b) === at && !spec.brokers[b]);
    if (missing.length > 0) {
      r.fail(join(path, 'pattern'), `${m.pattern} needs ${missing.map((b) => `brokers.${b}`).join(' and ')} in the stack (it has ${Object.keys(spec.brokers).join(', ')}): a migration moves messages between brokers the stack runs`);
      return;
    }
    for (const key of ['from', 'to'] as const) {
      const before = used.get(m[key]);
      if (before !== undefined) r.fail(join(path, key), `${JSON.stringify(m[key])} is already part of migrations.${before}: a channel takes part in one migration`);
      used.set(m[key], i);
    }
    const from = side(r, spec, m.from, guide.from, join(path, 'from'), 'from');
    const to = side(r, spec, m.to, guide.to, join(path, 'to'), 'to');
    if (!from || !to) return;
    if (!sameMessage(from, to)) {
      r.fail(join(path, 'to'), `${to.name} must carry the message of ${from.name} (type, version and fields alike): the kit sends one envelope to both sides, and its consumers read either`);
    }
    if (m.pattern === 'rabbitmq-to-kafka' && from.broker === 'rabbitmq' && from.kind === 'queue' && to.broker === 'kafka') {
      checkTap(r, spec, m, from, path);
      if (!to.consumerGroups.includes(m.verifyGroup)) r.fail(join(path, 'verifyGroup'), `${m.verifyGroup} is not a consumer group of ${to.name} (${to.consumerGroups.join(', ')}): add it there, so verify reads the topic with a group of its own`);
    }
  });
}
