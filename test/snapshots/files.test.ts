/**
 * File snapshots of a representative set of generated projects, one snapshot file per emitted file
 * (`__snapshots__/files/<case>/<path>.snap`), so a template or emitter change shows up in review as
 * a diff of the generated files themselves. The `.snap` suffix keeps tools from acting on them (a
 * generated `test/*.test.ts`, `package.json` or `.gitignore` would otherwise be run, resolved or
 * obeyed inside this repo).
 *
 * The projects are rendered by the public testing entry (generators/testing/index.ts), which never
 * emits `.env` or `secrets/tls/`: secrets and random values stay out by construction.
 * A meant change: `npm run test:update` (rewrites the snapshots and removes those of files no
 * longer emitted), then review the diff. These sit beside the meaning checks of the other suites,
 * never in place of them.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recommendedBrokers, scenarioForFlowchart, type BrokerId, type FlowchartAnswers, type ScenarioId } from '../../generators/guide/index.ts';
import { buildSpec, formatIssue, parseSpec, TARGETS, type Decision, type Profile, type StackSpec } from '../../generators/stack/index.ts';
import { renderProject } from '../../generators/testing/index.ts';

const DIR = join(import.meta.dirname, '__snapshots__', 'files');

/** The spec the CLI builds for `--scenario … --profile … --yes --name demo` (both targets). */
function cliSpec(scenario: ScenarioId, profile: Profile, decision: Decision, brokers?: readonly BrokerId[]): StackSpec {
  const raw = buildSpec({ name: 'demo', scenario, brokers: brokers ?? recommendedBrokers(scenario, decision.scale), profile, targets: [...TARGETS], decision });
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.spec;
}

const flowchart: FlowchartAnswers = { replay: false, complexRouting: true };

/** The set: hybrid dev and prod, each broker alone, the flowchart path, a --brokers override. */
export const CASES: Readonly<Record<string, () => StackSpec>> = {
  'hybrid-dev': () => cliSpec('hybrid', 'dev', { overridden: false }),
  'hybrid-prod': () => cliSpec('hybrid', 'prod', { overridden: false }),
  'kafka-event-streaming-dev': () => cliSpec('event-streaming', 'dev', { overridden: false }),
  'rabbitmq-background-jobs-dev': () => cliSpec('background-jobs', 'dev', { overridden: false }),
  'redis-realtime-notifications-dev': () => cliSpec('realtime-notifications', 'dev', { overridden: false }),
  'flowchart-complex-routing-prod': () => cliSpec(scenarioForFlowchart(flowchart), 'prod', { flowchart, overridden: false }),
  'event-streaming-brokers-kafka-redis-prod': () => cliSpec('event-streaming', 'prod', { overridden: true }, ['kafka', 'redis']),
};

function snapshotFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe('file snapshots (one per generated file; update: npm run test:update)', () => {
  for (const [name, spec] of Object.entries(CASES)) {
    it(name, async () => {
      const files = renderProject(spec());
      const paths = Object.keys(files);
      // Meaning first: what must never be in a snapshot is not in the rendering.
      expect(paths).not.toContain('.env');
      expect(paths.filter((p) => p.startsWith('secrets/'))).toEqual([]);
      expect(Object.values(files).some((f) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(f.contents))).toBe(false);
      expect(paths).toEqual(expect.arrayContaining(['README.md', 'brokerplate.yaml', 'compose.yaml', 'infra/index.ts', '.brokerplate/files.json']));
      for (const [path, file] of Object.entries(files)) await expect.soft(file.contents, `${name}/${path}`).toMatchFileSnapshot(join(DIR, name, `${path}.snap`));
      // A file no longer emitted leaves its snapshot behind: refused, or removed by an update.
      const caseDir = join(DIR, name);
      const stale = snapshotFiles(caseDir).filter((f) => !(f.slice(0, -'.snap'.length) in files));
      if (expect.getState().snapshotState.snapshotUpdateState === 'all') for (const f of stale) rmSync(join(caseDir, f));
      else expect(stale, 'snapshots of files no longer generated: run npm run test:update').toEqual([]);
    });
  }
});
