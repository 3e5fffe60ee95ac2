/**
 * Reads the spec's `migrations:` list (structure and name grammar); rules.ts checks that the named
 * channels exist, sit on the pattern's brokers and carry the same message.
 */
import { MIGRATION_PATTERNS, MIGRATIONS } from '../guide/index.ts';
import * as N from './naming.ts';
import type { Reader } from './reader.ts';
import type { MigrationSpec } from './types.ts';

/** Any channel name of the spec's grammars (the rules check it names a channel of the right kind). */
const CHANNEL_NAME: N.NameRule = { re: /^[A-Za-z0-9._:{}-]{1,255}$/, rule: 'must name a channel of channels (letters, digits, ".", "_", ":", "{", "}" and "-")' };

function readMigration(r: Reader, raw: unknown, path: string): MigrationSpec | undefined {
  const head = r.object(raw, path, ['pattern', 'from', 'to', 'tap', 'verifyGroup']);
  if (!head) return undefined;
  const pattern = r.required(head, 'pattern', path, (v, p) => r.oneOf(v, p, MIGRATION_PATTERNS, 'a migration pattern of the guide'));
  if (!pattern) return undefined;
  const name = (key: string) => r.required(head, key, path, (v, p) => r.string(v, p, CHANNEL_NAME));
  const from = name('from');
  const to = name('to');
  if (pattern === 'redis-pubsub-to-streams') {
    for (const key of ['tap', 'verifyGroup']) if (head[key] !== undefined) r.fail(`${path}.${key}`, `only applies to rabbitmq-to-kafka (${MIGRATIONS[pattern].title} needs no tap queue: the bridge itself counts what it moved)`);
    return from && to ? { pattern, from, to } : undefined;
  }
  const tap = name('tap');
  const verifyGroup = r.required(head, 'verifyGroup', path, (v, p) => r.string(v, p, N.KAFKA_GROUP));
  return from && to && tap && verifyGroup ? { pattern, from, to, tap, verifyGroup } : undefined;
}

export function readMigrations(r: Reader, raw: unknown, path: string): MigrationSpec[] | undefined {
  return r.list(raw, path, (v, p) => readMigration(r, v, p), 0, 20);
}
