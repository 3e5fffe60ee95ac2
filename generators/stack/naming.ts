/**
 * Naming rules of the systems a spec name ends up in. Each rule is a pattern plus the sentence
 * shown when a name breaks it.
 */
export interface NameRule {
  readonly re: RegExp;
  readonly rule: string;
}

/** Kubernetes object names derive from the project name (`<name>-rabbitmq-headless`), so it must stay short. */
export const PROJECT_NAME: NameRule = {
  re: /^(?=.{1,40}$)[a-z]([-a-z0-9]*[a-z0-9])?$/,
  rule: 'must be a Kubernetes DNS-1123 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit) of at most 40 characters, because Kubernetes and compose names derive from it',
};

export const KAFKA_TOPIC: NameRule = {
  re: /^(?!\.{1,2}$)(?!__)[a-zA-Z0-9._-]{1,249}$/,
  rule: 'is not a valid Kafka topic name: use 1-249 characters of letters, digits, ".", "_" and "-", not "." or "..", and not a leading "__" (reserved for internal topics)',
};

export const KAFKA_GROUP: NameRule = {
  re: /^[a-zA-Z0-9._-]{1,249}$/,
  rule: 'is not a valid consumer group id: use 1-249 letters, digits, ".", "_" and "-"',
};

export const RABBIT_NAME: NameRule = {
  re: /^(?!amq\.)[A-Za-z0-9._:-]{1,255}$/,
  rule: 'is not a valid RabbitMQ name: use 1-255 letters, digits, ".", "_", ":" and "-"; names starting with "amq." are reserved by the broker',
};

/** The exchanges every RabbitMQ vhost predeclares; a spec may bind to them but not redeclare them. */
export const RABBIT_PREDECLARED: Readonly<Record<string, string>> = {
  'amq.direct': 'direct',
  'amq.topic': 'topic',
  'amq.fanout': 'fanout',
  'amq.headers': 'headers',
};

export const RABBIT_VHOST: NameRule = {
  re: /^[A-Za-z0-9._/-]{1,255}$/,
  rule: 'is not a valid RabbitMQ vhost: use 1-255 letters, digits, ".", "_", "/" and "-"',
};

export const REDIS_KEY: NameRule = {
  re: /^[A-Za-z0-9._:{}-]{1,200}$/,
  rule: 'is not a usable Redis key or channel name: use 1-200 letters, digits, ".", "_", ":", "{", "}" and "-" (no spaces or wildcards)',
};

export const REDIS_GROUP: NameRule = {
  re: /^[A-Za-z0-9._:-]{1,200}$/,
  rule: 'is not a usable Redis consumer group name: use 1-200 letters, digits, ".", "_", ":" and "-"',
};

export const TYPE_NAME: NameRule = {
  re: /^[A-Z][A-Za-z0-9]{0,63}$/,
  rule: 'must be a PascalCase TypeScript type name (a capital letter, then letters and digits)',
};

export const FIELD_NAME: NameRule = {
  re: /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/,
  rule: 'must be a TypeScript-friendly field name (letters, digits and "_", not starting with a digit)',
};

/** The TypeScript identifier generated code uses for a channel: `cache:invalidate` → `cacheInvalidate`. */
export function channelIdentifier(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const id = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return /^[0-9]/.test(id) ? `ch${id}` : id;
}

/** The PascalCase form, for type names derived from a channel. */
export function pascalCase(name: string): string {
  const id = channelIdentifier(name);
  return id.charAt(0).toUpperCase() + id.slice(1);
}

export const DURATION: NameRule = {
  re: /^[1-9][0-9]{0,8}(ms|s|m|h|d|w)$/,
  rule: 'must be a duration such as 500ms, 30s, 15m, 12h, 7d or 2w',
};

export interface DurationLimit {
  readonly ms: number;
  readonly shown: string;
  readonly why: string;
}

/** The longest value each duration field's consumer takes. */
export const DURATION_LIMITS = {
  retention: { ms: 100 * 365 * 86_400_000, shown: '100 years (5214w)', why: 'use forever for a log kept without limit' },
  messageTtl: { ms: 2 ** 32 - 1, shown: '49 days (4294967295ms)', why: 'RabbitMQ takes x-message-ttl as a 32-bit count of milliseconds' },
  timeout: { ms: 2 ** 31 - 1, shown: '24 days (2147483647ms)', why: 'a Node.js timer longer than that fires at once' },
} as const satisfies Record<string, DurationLimit>;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration that already passed `DURATION`; `forever` is -1, as Kafka's retention.ms wants. */
export function durationMs(value: string): number {
  if (value === 'forever') return -1;
  const m = /^([0-9]+)([a-z]+)$/.exec(value);
  const unit = m?.[2] === undefined ? undefined : UNIT_MS[m[2]];
  if (!m?.[1] || unit === undefined) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * unit;
}

export const REDIS_MEMORY: NameRule = {
  re: /^[1-9][0-9]{0,8}(kb|mb|gb)$/,
  rule: 'must be a Redis memory size such as 384mb or 3gb',
};
