/**
 * The generated hybrid project (the guide's MessagingFacade: Kafka + RabbitMQ + Redis) as a user
 * gets it: it type-checks, a wrong payload for a channel does not compile, its own `npm test`
 * passes against the real brokers, and its example runs on Node's type stripping.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrokers, type BrokerUrls } from '../support/global-brokers.ts';
import { generateProject, run, specFor, typecheck } from './support.ts';

let root: string;
let urls: BrokerUrls;

beforeAll(async () => {
  [root, urls] = await Promise.all([generateProject('hybrid', specFor('hybrid')), useBrokers(['redis', 'rabbitmq', 'kafka'])]);
});

describe('generated hybrid project', () => {
  it('type-checks, including the facade test\'s @ts-expect-error lines (each must be an error)', async () => {
    const r = await typecheck(root);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);

  it('does not compile a payload that does not fit its channel (and compiles one that does)', async () => {
    const probe = join(root, 'test', 'messaging', 'probe.ts');
    const lines = [
      "import { MessagingFacade } from '../../src/messaging/index.ts';",
      'const m = new MessagingFacade();',
      "void m.logEvent('events', { type: 'order.created', data: { id: 1 }, timestamp: '2024-01-01T00:00:00Z' });",
      "void m.enqueueTask('tasks', { type: 'send_email' }, 9);",
      "void m.notifyRealtime('notifications', { userId: 'u1', event: 'order_confirmed' });",
      "void m.enqueueTask('tasks', { type: 'send_fax' });",
      "void m.logEvent('tasks', { type: 'send_email' });",
      "void m.notifyRealtime('notifications', { userId: 42, event: 'x' });",
      "void m.logEvent('events', { type: 'order.created' });",
    ];
    writeFileSync(probe, `${lines.join('\n')}\n`);
    try {
      const r = await typecheck(root);
      const errorLines = [...r.output.matchAll(/probe\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) => Number(m[1]));
      expect(r.code).not.toBe(0);
      expect([...new Set(errorLines)]).toEqual([6, 7, 8, 9]); // the well-typed calls on lines 3-5 compile
    } finally {
      rmSync(probe, { force: true });
    }
  }, 300_000);

  it('passes its own npm test against the brokers', async () => {
    const r = await run('npm', ['test'], root, { ...urls }, 240_000);
    const summary = /Tests\s+(\d+) passed/.exec(r.output.replace(/\u001b\[[0-9;]*m/g, ''));
    if (r.code !== 0) console.error(r.output);
    expect(r.code).toBe(0);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(25);
    expect(r.output).not.toMatch(/\d+ failed/);
  }, 300_000);

  it('runs its facade example with plain node (type stripping)', async () => {
    const r = await run('npm', ['run', '-s', 'example'], root, { ...urls }, 120_000);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/logEvent\(events\) → Kafka [0-9a-f-]{36}/);
    expect(r.output).toMatch(/enqueueTask\(tasks\) → RabbitMQ [0-9a-f-]{36}/);
    expect(r.output).toMatch(/notifyRealtime\(notifications\) → Redis pub\/sub, receivers: \d+/);
    expect(r.output).toContain('invalidateCache → Redis DEL');
  });
});
