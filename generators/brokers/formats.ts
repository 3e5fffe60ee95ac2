/**
 * Serialisers for the brokers' own config formats. Config is built as data (ordered sections
 * of key/value entries) and only turned into text here, so escaping lives in one place and the
 * tests can read the same data the files were written from.
 */

/** One commented block of a config file; entries keep their order. */
export interface ConfigSection {
  readonly comment?: string;
  readonly entries: readonly (readonly [key: string, value: string])[];
}

function commentLines(prefix: string, text: string | undefined): string[] {
  return text === undefined ? [] : text.split('\n').map((l) => (l ? `${prefix} ${l}` : prefix));
}

function sectionsText(header: string, sections: readonly ConfigSection[], line: (k: string, v: string) => string): string {
  const blocks = [commentLines('#', header).join('\n')];
  for (const s of sections) {
    if (s.entries.length === 0) continue;
    blocks.push([...commentLines('#', s.comment), ...s.entries.map(([k, v]) => line(k, v))].join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

const PROPERTIES_SPECIAL = /[\\\n\r\t\f=: #!]/g;

/** java.util.Properties text (Kafka's server.properties). */
export function propertiesText(header: string, sections: readonly ConfigSection[]): string {
  const escapeKey = (k: string) => k.replace(PROPERTIES_SPECIAL, (c) => ESCAPES[c] ?? `\\${c}`);
  // Values may contain '=' and ':' unescaped; only backslashes, line breaks and a leading space matter.
  const escapeValue = (v: string) => v.replace(/[\\\n\r\t\f]/g, (c) => ESCAPES[c] ?? c).replace(/^ /, '\\ ');
  return sectionsText(header, sections, (k, v) => `${escapeKey(k)}=${escapeValue(v)}`);
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

/** RabbitMQ's new-style `rabbitmq.conf` (sysctl-like `key = value`). */
export function rabbitConfText(header: string, sections: readonly ConfigSection[]): string {
  for (const s of sections) {
    for (const [k, v] of s.entries) {
      if (/[\n\r]/.test(v) || v.trim() !== v || v === '') throw new Error(`rabbitmq.conf cannot carry the value of ${k}: ${JSON.stringify(v)}`);
    }
  }
  return sectionsText(header, sections, (k, v) => `${k} = ${v}`);
}

/** redis.conf / sentinel.conf: `directive arg...`; arguments are already split, quoted when needed. */
export function redisConfText(header: string, sections: readonly ConfigSection[]): string {
  return sectionsText(header, sections, (k, v) => `${k} ${v}`);
}

/** A redis.conf argument: bare when safe, else double-quoted with the escapes redis understands. */
export function redisArg(value: string): string {
  if (/^[A-Za-z0-9._:/@+*&~%<>#=|,-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** POSIX shell single-quoting of one word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The Erlang term list of an `enabled_plugins` file. */
export function enabledPluginsText(plugins: readonly string[]): string {
  for (const p of plugins) if (!/^[a-z][a-z0-9_]*$/.test(p)) throw new Error(`not a RabbitMQ plugin name: ${p}`);
  return `[${plugins.join(',')}].\n`;
}
