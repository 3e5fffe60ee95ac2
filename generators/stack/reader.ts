/**
 * A small reader that walks untrusted YAML/JSON data, returns typed values and collects
 * issues that name the field path and the rule broken. Parsing (not just checking) keeps
 * the validated spec typed without casts.
 */
export interface SpecIssue {
  /** e.g. `channels[2].semantics` */
  readonly path: string;
  /** The rule, phrased to complete "<path> ...". */
  readonly rule: string;
}

export function formatIssue(issue: SpecIssue): string {
  return `${issue.path || '(root)'}: ${issue.rule}`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

export type Obj = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
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
      if (!allowed.includes(key)) {
        this.fail(join(path, key), hints[key] ?? `is not a known field here (allowed: ${allowed.join(', ')})`);
      }
    }
    return value as Obj;
  }

  string(value: unknown, path: string, pattern?: { re: RegExp; rule: string }): string | undefined {
    if (typeof value !== 'string') return this.fail(path, `must be a string, got ${describe(value)}`);
    if (pattern && !pattern.re.test(value)) return this.fail(path, `${JSON.stringify(value)} ${pattern.rule}`);
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

  number(value: unknown, path: string, min = -Infinity, max = Infinity): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, `must be a number, got ${describe(value)}`);
    if (value < min || value > max) return this.fail(path, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      return this.fail(path, `must be one of ${values.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  list<T>(value: unknown, path: string, item: (v: unknown, p: string) => T | undefined, minItems = 0): T[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, `must be a list, got ${describe(value)}`);
    if (value.length < minItems) return this.fail(path, `must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    const out: T[] = [];
    value.forEach((v, i) => {
      const parsed = item(v, join(path, i));
      if (parsed !== undefined) out.push(parsed);
    });
    return out.length === value.length ? out : undefined;
  }

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
