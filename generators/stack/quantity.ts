/**
 * Resource quantities (`brokers.<b>.<profile>.resources`): the subset of Kubernetes' quantity
 * grammar that every consumer of the value reads the same way — the Kubernetes API, docker
 * compose (`cpus`, `memory`, converted in emit/compose-model.ts), the RabbitMQ memory override and
 * the Kafka heap size — with bounds, so a value is refused here instead of by a cluster later.
 */

export type QuantityKind = 'cpu' | 'memory' | 'storage';

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly shown: string;
}

/** cpu in cores; memory and storage in bytes. */
const BOUNDS: Readonly<Record<QuantityKind, Bounds>> = {
  cpu: { min: 0.001, max: 256, shown: '1m (a thousandth of a core) and 256 cores' },
  // docker refuses a memory limit under 6 MB; nothing here runs in less than 16Mi.
  memory: { min: 16 * 2 ** 20, max: 4 * 2 ** 40, shown: '16Mi and 4Ti' },
  storage: { min: 2 ** 20, max: 64 * 2 ** 40, shown: '1Mi and 64Ti' },
};

const GRAMMAR: Readonly<Record<QuantityKind, string>> = {
  cpu: 'must be a CPU quantity: millicores such as 250m, or cores such as 1 or 1.5 (at most three decimals)',
  memory: 'must be a memory quantity: a whole number with a unit Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of 1000), such as 512Mi or 4Gi',
  storage: 'must be a storage quantity: a whole number with a unit Ki, Mi, Gi, Ti or k, M, G, T, such as 10Gi',
};

/** The value (cores or bytes) of a quantity of that kind, or undefined when the grammar does not match. */
export function quantityValue(kind: QuantityKind, text: string): number | undefined {
  if (kind === 'cpu') {
    const milli = /^(0|[1-9][0-9]{0,29})m$/.exec(text);
    if (milli?.[1]) return Number(milli[1]) / 1000;
    return /^(0|[1-9][0-9]{0,29})(\.[0-9]{1,3})?$/.test(text) ? Number(text) : undefined;
  }
  // Digits are not limited here: a huge number is refused by the bounds, with them in the message.
  const m = /^(0|[1-9][0-9]{0,29})(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!m?.[1]) return undefined;
  const unit = m[2];
  return Number(m[1]) * (unit === undefined ? 1 : (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

/** Why a quantity is refused, or undefined. */
export function quantityProblem(kind: QuantityKind, text: string): string | undefined {
  const value = quantityValue(kind, text);
  if (value === undefined) return `${JSON.stringify(text)} ${GRAMMAR[kind]}`;
  const b = BOUNDS[kind];
  if (value < b.min || value > b.max) return `${JSON.stringify(text)} is out of bounds: ${kind} must be between ${b.shown}`;
  return undefined;
}
