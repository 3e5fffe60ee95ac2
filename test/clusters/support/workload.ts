/**
 * The failover measurement every cluster test shares: numbered at-least-once messages published
 * at a steady rate through a generated client, a fault injected mid-stream, a drain, then the
 * count a user cares about. Nothing is re-published by the harness: a rejected publish stays
 * rejected, so "rejected but written" (the caller was told it failed, yet a consumer got it) and
 * "acknowledged but lost" are both visible.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/cli.ts';

export interface Stream {
  /** Resolves once the broker acknowledged message `n` (as the generated client reports it); rejects if the client gives up. */
  publish(n: number): Promise<unknown>;
  /** Subscribes; `received(n)` for every delivery (duplicates included). */
  consume(received: (n: number) => void): Promise<{ close(): Promise<void> }>;
}

export interface FaultPlan {
  /** A label for the report, e.g. "partition leaders' node killed". */
  readonly name: string;
  /** Fires once this fraction of the messages has been sent. */
  readonly atFraction: number;
  /** Kills what the case kills; returns once it is dead. */
  kill(): Promise<void>;
  /** How long the node stays down before `restart`. */
  readonly downMs: number;
  /** Starts it again (same data). */
  restart(): Promise<void>;
}

export interface StreamResult {
  readonly broker: string;
  readonly fault: string;
  readonly sent: number;
  readonly acked: number;
  readonly rejected: number;
  /** Acknowledged, never consumed. Must be 0. */
  readonly lost: number;
  /** Reported to the caller as failed, yet consumed. Must be 0. */
  readonly rejectedButWritten: number;
  /** Deliveries beyond the first of a message (at-least-once allows them; the envelope id makes them detectable). */
  readonly duplicates: number;
  /** The longest interval, from the first acknowledgement until every publish settled, in which no publish was acknowledged. */
  readonly longestStallMs: number;
  /** Errors the rejected publishes ended with (distinct messages, counted). */
  readonly rejections: Readonly<Record<string, number>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function streamThroughFault(options: {
  broker: string;
  stream: Stream;
  fault: FaultPlan;
  total: number;
  ratePerSecond: number;
  /**
   * Messages issued together, in one turn of the event loop (default 1): `burst` publishes every
   * `burst / ratePerSecond` seconds, as concurrent requests of a server arrive. Same average rate.
   */
  burst?: number;
  /** How long to wait for stragglers after every acknowledged message arrived (or the deadline passed). */
  settleMs?: number;
  drainTimeoutMs?: number;
}): Promise<StreamResult> {
  const { stream, fault, total, ratePerSecond } = options;
  const burst = Math.max(1, options.burst ?? 1);
  const deliveries = new Map<number, number>();
  const subscription = await stream.consume((n) => deliveries.set(n, (deliveries.get(n) ?? 0) + 1));
  const ackTimes: number[] = [];
  const acked = new Set<number>();
  const rejected = new Map<number, string>();
  const t0 = Date.now();
  let faultDone: Promise<void> | undefined;
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = t0 + (Math.floor(n / burst) * burst * 1000) / ratePerSecond;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    if (!faultDone && n >= total * fault.atFraction) {
      faultDone = (async () => {
        await fault.kill();
        await sleep(fault.downMs);
        await fault.restart();
      })();
    }
    pending.push(
      stream.publish(n).then(
        () => {
          acked.add(n);
          ackTimes.push(Date.now());
        },
        (error: unknown) => void rejected.set(n, error instanceof Error ? error.message || error.constructor.name : String(error)),
      ),
    );
  }
  await Promise.all(pending);
  // Publishes that end rejected after the last acknowledgement are a stall too (a client that never recovers).
  const settled = Date.now();
  await faultDone;
  const deadline = Date.now() + (options.drainTimeoutMs ?? 180_000);
  while (Date.now() < deadline && [...acked].some((n) => !deliveries.has(n))) await sleep(100);
  await sleep(options.settleMs ?? 3_000);
  await subscription.close();

  const sorted = [...ackTimes].sort((a, b) => a - b);
  if (sorted.length > 0) sorted.push(settled);
  let longestStallMs = 0;
  for (let i = 1; i < sorted.length; i++) longestStallMs = Math.max(longestStallMs, (sorted[i] ?? 0) - (sorted[i - 1] ?? 0));
  const rejections: Record<string, number> = {};
  for (const message of rejected.values()) rejections[message] = (rejections[message] ?? 0) + 1;
  const result: StreamResult = {
    broker: options.broker,
    fault: fault.name,
    sent: total,
    acked: acked.size,
    rejected: rejected.size,
    lost: [...acked].filter((n) => !deliveries.has(n)).length,
    rejectedButWritten: [...rejected.keys()].filter((n) => deliveries.has(n)).length,
    duplicates: [...deliveries.values()].reduce((sum, count) => sum + count - 1, 0),
    longestStallMs,
    rejections,
  };
  record(result);
  return result;
}

/** One JSON line per case in test/.work/clusters/results.jsonl, and a line on the console, for the README's table. */
function record(result: StreamResult): void {
  const dir = join(ROOT, 'test', '.work', 'clusters');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'results.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), ...result })}\n`);
  console.log(
    `[cluster] ${result.broker} | ${result.fault} | sent ${result.sent} | acked ${result.acked} | lost ${result.lost} | rejected ${result.rejected} (written anyway ${result.rejectedButWritten}) | duplicates ${result.duplicates} | longest stall ${(result.longestStallMs / 1000).toFixed(1)} s`,
  );
}
