/**
 * `monitoring.thresholds`: the bounds of each alert threshold, and hours as the Prometheus
 * duration an alert's `for:` takes. Every threshold lands in PromQL (`> 10000`) or in a `for:`,
 * so each is a finite number in a range that makes a meaningful alert.
 */
import type { Thresholds } from './types.ts';

export interface ThresholdBounds {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** What the number counts, for the message. */
  readonly unit: string;
}

const count = (max: number, unit: string): ThresholdBounds => ({ min: 0, max, integer: true, unit });
const ratio: ThresholdBounds = { min: 0, max: 1, integer: false, unit: 'a fraction' };

/** Longest backup age an alert waits for: 93 days, past the longest gap of a quarterly schedule. */
export const MAX_BACKUP_AGE_HOURS = 2232;

export const THRESHOLD_BOUNDS: Readonly<Record<keyof Thresholds, ThresholdBounds>> = {
  kafkaConsumerLag: count(1e12, 'messages'),
  kafkaUnderReplicatedPartitions: count(1e6, 'partitions'),
  kafkaRequestLatencyP99Ms: { min: 1, max: 600_000, integer: false, unit: 'milliseconds' },
  rabbitmqQueueDepth: count(1e12, 'messages'),
  rabbitmqUnackedMessages: count(1e12, 'messages'),
  rabbitmqConnections: count(1e7, 'connections'),
  rabbitmqMemoryRatio: ratio,
  redisMemoryRatio: ratio,
  redisHitRatio: ratio,
  redisConnectedClients: count(1e7, 'clients'),
  // Whole minutes, so the duration is exact: 1.5 → 1h30m.
  backupMaxAgeHours: { min: 1, max: MAX_BACKUP_AGE_HOURS, integer: false, unit: 'hours' },
};

/** Minutes in `hours`, when it is a whole number of minutes (within float noise), else undefined. */
export function wholeMinutes(hours: number): number | undefined {
  const minutes = hours * 60;
  const rounded = Math.round(minutes);
  return Math.abs(minutes - rounded) < 1e-6 ? rounded : undefined;
}

/** Hours as an exact Prometheus duration (26 → "26h", 1.5 → "1h30m"); `hours` must be whole minutes. */
export function promDuration(hours: number): string {
  const total = wholeMinutes(hours);
  if (total === undefined || total <= 0) throw new Error(`not a whole number of minutes: ${hours}h`);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}
