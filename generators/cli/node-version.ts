/**
 * The Node version check the bin runs before anything else (see launcher.ts), against package.json's
 * engines.node: alternatives joined by `||`, each `>=X.Y.Z` or `^X.Y.Z` (at least X.Y.Z, below X+1).
 * The generator's Yeoman packages declare `^22.18.0 || >=24.11.0`, so Node 23 and 24.0-24.10 are refused too.
 */

function parts(version: string): number[] {
  return version.trim().replace(/^[^0-9]*/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`, part by part (missing parts count as 0). */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y ? 1 : -1;
  }
  return 0;
}

/** True when `actual` (e.g. "20.20.2") is at least `minimum` (e.g. "22.18"). */
export function meetsMinimum(actual: string, minimum: string): boolean {
  return compare(parts(actual), parts(minimum)) >= 0;
}

/** True when `actual` satisfies an engines range of `>=X.Y.Z` / `^X.Y.Z` alternatives; throws on any other form. */
export function satisfiesEngines(actual: string, range: string): boolean {
  const version = parts(actual);
  return range.split('||').some((alternative) => {
    const m = /^\s*(>=|\^)\s*(\d+(?:\.\d+){0,2})\s*$/.exec(alternative);
    if (!m?.[1] || !m[2]) throw new Error(`engines.node: cannot read "${alternative.trim()}" (expected >=X.Y.Z or ^X.Y.Z)`);
    const low = parts(m[2]);
    if (compare(version, low) < 0) return false;
    return m[1] === '>=' || compare(version, [(low[0] ?? 0) + 1]) < 0;
  });
}

/** The message for a Node outside the engines range, or undefined when it is supported. */
export function unsupportedMessage(actual: string, range: string): string | undefined {
  if (satisfiesEngines(actual, range)) return undefined;
  return `brokerplate needs Node ${range}; this is Node ${actual}. Install a supported Node and run it again.\n`;
}
