/**
 * The migration kits of the spec's `migrations:` (the guide's Migration Patterns): per migration a
 * module under src/migrations/<pattern>/, per pattern a command (verify, bridge) and a runbook
 * under docs/migrations/, with the phases from guide/migrations.ts.
 */
import { MIGRATION_PATTERNS, MIGRATIONS, type MigrationPattern } from '../guide/index.ts';
import { channelIdentifier, type MigrationSpec, type StackSpec } from '../stack/index.ts';
import type { Area, AreaOutput } from './area.ts';
import { migrationDiagram } from './diagrams.ts';
import { tsString } from './escape.ts';
import { file, type GeneratedFile } from './files.ts';
import { render } from './render.ts';

const runbookPath = (pattern: MigrationPattern) => `docs/migrations/${pattern}.md`;
const dir = (pattern: MigrationPattern) => `src/migrations/${pattern}`;

/** Per pattern: the command it adds and where each phase lives in the code. */
const KIT: Readonly<Record<MigrationPattern, { script: string; command: string; purpose: string; code: readonly string[]; limits: readonly string[] }>> = {
  'rabbitmq-to-kafka': {
    script: 'migrate:verify',
    command: 'node src/migrations/rabbitmq-to-kafka/verify.ts',
    purpose: 'reads the tap queue and the topic over a window (`-- --window-ms 60000 --idle-ms 5000 --grace-ms 10000`, `--json` for one JSON object per migration) and reports missing, extra and duplicated ids; exit code 1 when an id is missing on Kafka',
    code: ['`DualWriter.publish()` (both sides, one envelope; the result reports each side)', '`consumeIdempotently()` (skips ids already processed)', '`new DualWriter(rabbit, kafka, { rabbitmq: false })`'],
    limits: [
      'The tap queue keeps a copy of every message for a day (message TTL 1d): run verify at least daily while dual-writing, or copies expire unread and later show as extra on Kafka.',
      'The first verify reads the topic from its start: ids published before the tap existed show as extra.',
      'Processed ids are remembered in memory (`SeenIds`, the latest 100,000): a restarted consumer may process a message again; keep a durable record (a unique key) where that matters.',
    ],
  },
  'redis-pubsub-to-streams': {
    script: 'migrate:bridge',
    command: 'node src/migrations/redis-pubsub-to-streams/bridge.ts',
    purpose: 'runs the Pub/Sub → stream bridge until SIGINT/SIGTERM and prints its counts (received, appended, failed)',
    code: ['`startBridge()`', '`consumeGroup()`', 'publishers call `redis.append(TO, …)`; stop the bridge'],
    limits: [
      'Pub/Sub keeps nothing: a message published while the bridge is down never reaches the stream. Run the bridge before moving any subscriber.',
      'The stream needs a queue-role Redis (noeviction, append-only file); the kit\'s stream is trimmed to about 100,000 entries (the guide\'s maxlen).',
    ],
  },
};

interface Side {
  readonly name: string;
  readonly literal: string;
}

function side(name: string): Side {
  return { name, literal: tsString(name) };
}

function firstGroup(spec: StackSpec, name: string): string {
  const c = spec.channels.find((x) => x.name === name);
  return c && (c.broker === 'kafka' || (c.broker === 'redis' && c.kind === 'stream')) ? (c.consumerGroups[0] ?? name) : name;
}

function moduleFiles(spec: StackSpec, m: MigrationSpec): GeneratedFile {
  const id = channelIdentifier(m.from);
  const ctx = { from: side(m.from), to: side(m.to), firstGroup: firstGroup(spec, m.to), runbook: runbookPath(m.pattern) };
  return m.pattern === 'rabbitmq-to-kafka'
    ? file(`${dir(m.pattern)}/${id}.ts`, render('migrations/rabbitmq-to-kafka.ts', { ...ctx, tap: side(m.tap), verifyGroup: m.verifyGroup }))
    : file(`${dir(m.pattern)}/${id}.ts`, render('migrations/redis-pubsub-to-streams.ts', ctx));
}

function emitMigrations(spec: StackSpec): AreaOutput {
  const all = spec.migrations ?? [];
  const files: GeneratedFile[] = [file('src/migrations/ids.ts', render('migrations/ids.ts', {}))];
  const scripts: Record<string, string> = {};
  const sections: string[] = [];
  for (const pattern of MIGRATION_PATTERNS) {
    const mine = all.filter((m) => m.pattern === pattern);
    if (mine.length === 0) continue;
    const guide = MIGRATIONS[pattern];
    const kit = KIT[pattern];
    const migrations = mine.map((m) => ({ ...m, id: channelIdentifier(m.from), module: `${dir(pattern)}/${channelIdentifier(m.from)}.ts`, tap: 'tap' in m ? m.tap : false, verifyGroup: 'verifyGroup' in m ? m.verifyGroup : '' }));
    files.push(...mine.map((m) => moduleFiles(spec, m)));
    files.push(file(`${dir(pattern)}/${pattern === 'rabbitmq-to-kafka' ? 'verify' : 'bridge'}.ts`, render(pattern === 'rabbitmq-to-kafka' ? 'migrations/rabbitmq-to-kafka-verify.ts' : 'migrations/redis-bridge.ts', { migrations })));
    const first = mine[0] as MigrationSpec;
    const diagram = migrationDiagram(pattern, first.from, first.to);
    files.push(
      file(
        runbookPath(pattern),
        render('migrations/runbook.md', {
          title: guide.title,
          benefits: guide.benefits,
          diagram,
          migrations,
          phases: guide.phases.map((p, i) => ({ ...p, number: i + 1, code: kit.code[i] ?? '' })),
          commands: [{ run: `npm run ${kit.script}`, purpose: kit.purpose }],
          limits: kit.limits.map((text) => ({ text })),
        }),
      ),
    );
    scripts[kit.script] = kit.command;
    sections.push(render('migrations/readme.md', { title: guide.title, runbook: runbookPath(pattern), script: kit.script, purpose: kit.purpose, diagram, migrations }));
  }
  return {
    files,
    readme: [{ title: 'Migrations', body: sections.join('\n') }],
    packageJson: { scripts },
    layout: [
      { path: 'src/migrations/', purpose: 'The migration kits of `migrations:` (the guide\'s Migration Patterns): dual-write, idempotent consumers, verify, bridge.' },
      { path: 'docs/migrations/', purpose: 'One runbook per migration pattern: phases, checks, cut-over and rollback.' },
    ],
  };
}

export const migrationsArea: Area = {
  id: 'migrations',
  applies: (spec) => (spec.migrations ?? []).length > 0,
  emit: emitMigrations,
};
