/**
 * A small reader that walks untrusted YAML/JSON data, returns typed values and collects
 * issues that name the field path and the rule broken. Parsing (not just checking) keeps
 * the validated spec typed without casts.
 */
import { MAX_ITEMS, MAX_TEXT, RESERVED_NAMES, RESERVED_RULE, textProblem } from './text.ts';

export interface SpecIssue {
  /** e.g. `channels[2].semantics` */
  readonly path: string;
  /** The rule, phrased to complete "<path> ...". */
  readonly rule: string;
}

export function formatIssue(issue: SpecIssue): string {
  return issue.path ? `${issue.path}: ${issue.rule}` : issue.rule;
}

/** Every issue on one line (an expected failure is one line): `a: rule; b: rule`. */
export function formatIssues(issues: readonly SpecIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (key.length > 60 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${describe(key)}]`;
  return path ? `${path}.${key}` : key;
}

export type Obj = Record<string, unknown>;

/** A value as a message shows it: short, on one line, control characters escaped by JSON. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

export class Reader {
  readonly issues: SpecIssue[] = [];

  fail(path: string, rule: string): undefined {
    this.issues.push({ path, rule });
    return undefined;
  }

  /** A mapping; keys outside `allowed` are reported, with `hints` explaining common mistakes. */
  object(value: unknown, path: string, allowed: readonly string[], hints: Readonly<Record<string, string>> = {}): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(path, `must be a mapping, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (RESERVED_NAMES.has(key)) this.fail(join(path, key), RESERVED_RULE);
      else if (!allowed.includes(key)) {
        this.fail(join(path, key), hints[key] ?? `is not a known field here (allowed: ${allowed.join(', ')})`);
      }
    }
    return value as Obj;
  }

  /**
   * A string: free text (bounded, no control characters) unless `pattern` gives the grammar of a
   * name, which then may not be a reserved key either.
   */
  string(value: unknown, path: string, pattern?: { re: RegExp; rule: string }, max: number = MAX_TEXT): string | undefined {
    if (typeof value !== 'string') return this.fail(path, `must be a string, got ${describe(value)}`);
    const problem = textProblem(value, max);
    if (problem) return this.fail(path, problem);
    if (pattern && !pattern.re.test(value)) return this.fail(path, `${describe(value)} ${pattern.rule}`);
    if (pattern && RESERVED_NAMES.has(value)) return this.fail(path, `${describe(value)} ${RESERVED_RULE}`);
    return value;
  }

  integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(path, `must be an integer, got ${describe(value)}`);
    if (value < min || value > max) {
      const rule = min === max ? `must be ${min}` : max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`;
      return this.fail(path, `${rule}, got ${value}`);
    }
    return value;
  }

  number(value: unknown, path: string, min = -Infinity, max = Infinity, unit?: string): number | undefined {
    if (typeof value !== 'number') return this.fail(path, `must be a number, got ${describe(value)}`);
    if (!Number.isFinite(value)) return this.fail(path, `must be a finite number, got ${value}`);
    if (value < min || value > max) return this.fail(path, `must be between ${min} and ${max}${unit ? ` (${unit})` : ''}, got ${value}`);
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describe(value)}`);
    return value;
  }

  /** One of `values`; `what` names the set in the message when the list is long. */
  oneOf<T extends string>(value: unknown, path: string, values: readonly T[], what?: string): T | undefined {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      if (what) return this.fail(path, `${describe(value)} is not ${what} (known: ${values.join(', ')})`);
      return this.fail(path, `must be one of ${values.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  list<T>(value: unknown, path: string, item: (v: unknown, p: string) => T | undefined, minItems = 0, maxItems = MAX_ITEMS): T[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, `must be a list, got ${describe(value)}`);
    if (value.length < minItems) return this.fail(path, `must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    if (value.length > maxItems) return this.fail(path, `has ${value.length} items; at most ${maxItems} are allowed`);
    const out: T[] = [];
    value.forEach((v, i) => {
      const parsed = item(v, join(path, i));
      if (parsed !== undefined) out.push(parsed);
    });
    return out.length === value.length ? out : undefined;
  }

  /** Reports values listed twice, at the later position. */
  unique(values: readonly string[], path: string, what: string): void {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) this.fail(join(path, i), `duplicate ${what} ${JSON.stringify(v)}`);
      seen.add(v);
    });
  }

  /** Reads a field that may be absent. */
  optional<T>(obj: Obj, key: string, path: string, read: (v: unknown, p: string) => T | undefined): T | undefined {
    return obj[key] === undefined ? undefined : read(obj[key], join(path, key));
  }

  /** Reads a field that must be present. */
  required<T>(obj: Obj, key: string, path: string, read: (v: unknown, p: string) => T | undefined): T | undefined {
    if (obj[key] === undefined) return this.fail(join(path, key), 'is required');
    return read(obj[key], join(path, key));
  }
}
