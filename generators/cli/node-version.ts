/** The Node version check the bin runs before anything else (see launcher.ts). */

function parts(version: string): number[] {
  return version.replace(/^[^0-9]*/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
}

/** True when `actual` (e.g. "20.20.2") is at least `minimum` (e.g. "22.18"). */
export function meetsMinimum(actual: string, minimum: string): boolean {
  const a = parts(actual);
  const m = parts(minimum);
  for (let i = 0; i < m.length; i++) {
    const x = a[i] ?? 0;
    const y = m[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The message for a Node that is too old, or undefined when it is new enough. */
export function tooOldMessage(actual: string, minimum: string): string | undefined {
  if (meetsMinimum(actual, minimum)) return undefined;
  return `brokerplate needs Node >= ${minimum}; this is Node ${actual}. Install a newer Node and run it again.\n`;
}
