/**
 * The benchmark harness runs (not the benchmark itself: that is `npm run bench`, minutes long and
 * not part of `npm test`). A smoke run on Redis moves a few thousand messages through the
 * generated project's bench and the raw driver and writes the report; the report's target
 * verdicts are checked on fixed figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, targets, type ClientRow, type Report } from '../../bench/report.ts';
import { ROOT } from '../support/cli.ts';
import { useBrokers } from '../support/global-brokers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runSmoke(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'index.ts'), '--smoke', '--only', 'redis', '--out', join(dir, 'BENCHMARKS.md')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The cells of the clients table's row for a setting. */
function row(markdown: string, setting: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith('| redis |') && l.includes(setting));
  if (!line) throw new Error(`no row for ${setting} in:\n${markdown}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

describe('bench harness (smoke run on Redis)', () => {
  let markdown = '';
  let stderr = '';

  beforeAll(async () => {
    const urls = await useBrokers(['redis']);
    const r = await runSmoke({ REDIS_URL: urls.REDIS_URL ?? '' });
    stderr = r.stderr;
    expect(r.code, stderr).toBe(0);
    markdown = readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8');
  }, 120_000);

  it('measures both Redis settings, generated and raw, with figures and ratios', () => {
    for (const setting of ['streams, XACK (durable)', 'pub/sub (fast)']) {
      const [, , sizes, , produce, produceRatio, consume, consumeRatio, p50, , lost] = row(markdown, setting);
      expect(sizes).toMatch(/^100 \/ \d{3} *$/); // 100 B payloads, the envelope on the wire
      for (const pair of [produce, consume]) expect(pair).toMatch(/^\d[\d.]* ?[kM]? · \d[\d.]* ?[kM]?$/);
      for (const ratio of [produceRatio, consumeRatio]) expect(Number(ratio)).toBeGreaterThan(0);
      expect(p50).toMatch(/^[\d.]+ · [\d.]+$/);
      expect(lost).toBe('0 · 0'); // the smoke run is tiny: nothing may go missing, even on pub/sub
    }
    expect(markdown).toContain('| Redis Streams | 100,000+ | 1-2ms |');
    expect(markdown).toMatch(/\| Redis \| \d+\.\d+\.\d+ \|/);
  });

  it('includes the generation benchmark and the targets', () => {
    expect(markdown).toMatch(/\| brokerplate hybrid\/prod --yes \| \d+ \|/);
    expect(markdown).toContain('Redis Pub/Sub ≥ 500 k msgs/s');
    expect(stderr).not.toContain('stopping redis'); // a broker named by the environment is left alone
  });
});

describe('bench report', () => {
  const measure = (produce: number) => ({ produce, consume: produce, p50: 0.2, p99: 0.9, lost: 0 });
  const clientRow = (system: string, durable: boolean, generated: number, raw: number): ClientRow => ({
    broker: system.startsWith('Redis') ? 'redis' : 'rabbitmq',
    channel: 'c',
    setting: durable ? 'durable one' : 'fast one',
    durable,
    system,
    payloadBytes: 100,
    wireBytes: 275,
    messages: 1000,
    latencyMessages: 10,
    batch: 100,
    window: 2,
    generated: measure(generated),
    raw: measure(raw),
    ratio: { produce: generated / raw, consume: generated / raw, p50: 1, p99: 1 },
    rounds: { generated: [measure(generated)], raw: [measure(raw)] },
  });
  const report: Report = {
    machine: { date: '2026-01-01', cpus: 2, cpuModel: 'x', memoryGiB: 1, node: 'v24', os: 'linux', brokers: {}, load: '0' },
    commands: [],
    options: { rounds: 1, seconds: 1, latencyMessages: 10, sizes: [100], generationRounds: 1 },
    generation: [{ name: 'brokerplate hybrid/prod --yes', medianMs: 620, p90Ms: 700, ratio: 15 }],
    clients: [clientRow('Redis Pub/Sub', false, 510_000, 520_000), clientRow('Redis Streams', true, 80_000, 100_000), clientRow('RabbitMQ', true, 21_000, 20_000)],
    tool: [],
    wallSeconds: 60,
  };

  it('decides each target from the figures', () => {
    const verdicts = Object.fromEntries(targets(report).map((t) => [t.target, t.verdict]));
    expect(verdicts['Generation (hybrid/prod, non-interactive) under 0.5 s']).toBe('**missed**');
    expect(verdicts['Redis Pub/Sub ≥ 500 k msgs/s']).toBe('met');
    expect(verdicts['Redis Streams ≥ 100 k msgs/s']).toBe('**missed**');
    expect(verdicts['RabbitMQ ≥ 20 k msgs/s with confirms']).toBe('met');
    expect(verdicts['redis fast one, 100 B: generated ≥ 90 % of raw throughput']).toBe('met'); // 0.98
    expect(verdicts['redis durable one, 100 B: generated ≥ 90 % of raw throughput']).toBe('**missed**'); // 0.80
  });

  it('renders the tables', () => {
    const md = renderReport(report);
    expect(md).toContain('| redis | fast one (fast) | 100 / 275 | 1.0 k | 510 k · 520 k | 0.98 |');
    expect(md).toContain('| Redis Pub/Sub | 500,000+ | < 1ms | 510 k · 510 k |');
  });
});
