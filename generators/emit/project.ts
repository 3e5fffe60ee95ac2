/**
 * The generated project's skeleton: README (explaining the recommendation), package.json,
 * tsconfig.json, .gitignore, .env.example and the spec itself. It assembles what the other
 * areas contribute (README sections, layout rows, package.json scripts and dependencies).
 */
import { brokersOf, SPEC_FILE, serializeSpec, type StackSpec } from '../stack/index.ts';
import type { AreaOutput, PackageContribution } from './area.ts';
import { envExample } from './env.ts';
import { file, jsonFile, type GeneratedFile } from './files.ts';
import { recommendation } from './recommendation.ts';
import { render } from './render.ts';
import { decisionDiagram, topologyDiagram } from './diagrams.ts';
import { nodeTsConfig } from './tsconfig.ts';
import { NODE_ENGINE } from '../versions/npm.ts';
import { stackSecretDefs } from './secrets.ts';

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The project's Node range: the default, raised where an area's dependencies need more. package.json, README and the Node check share it. */
function nodeEngine(parts: readonly (PackageContribution | undefined)[]): string {
  return parts.map((p) => p?.node).find((n) => n !== undefined) ?? NODE_ENGINE;
}

/** Runs first in every npm script: on an older Node, one line naming the Node the project needs. */
const NODE_CHECK = 'scripts/require-node.mjs';

function mergePackage(spec: StackSpec, parts: readonly (PackageContribution | undefined)[]): object {
  const pick = (key: 'scripts' | 'dependencies' | 'devDependencies') => sortedRecord(parts.flatMap((p) => Object.entries(p?.[key] ?? {})));
  return {
    name: spec.name,
    version: '0.0.0',
    private: true,
    type: 'module',
    engines: { node: nodeEngine(parts) },
    scripts: Object.fromEntries(Object.entries(pick('scripts')).map(([name, command]) => [name, `node ${NODE_CHECK} && ${command}`])),
    dependencies: pick('dependencies'),
    devDependencies: pick('devDependencies'),
  };
}

// test/, bench/ and vitest.config.ts too: tsc --noEmit also checks the tests (and their @ts-expect-error lines) and the benchmark.
const TSCONFIG = nodeTsConfig(['src', 'test', 'bench', 'vitest.config.ts']);

export function projectFiles(spec: StackSpec, outputs: readonly AreaOutput[], specText?: string): GeneratedFile[] {
  const layout = [
    { path: SPEC_FILE, purpose: 'The stack spec: brokers, profile, channels and their typed messages. Edit it and re-run brokerplate.' },
    { path: NODE_CHECK, purpose: 'Runs first in every npm script: on an older Node it names the Node the project needs.' },
    { path: '.env.example', purpose: 'The environment variables the stack and clients read; `.env` holds the generated values.' },
    ...outputs.flatMap((o) => o.layout ?? []),
  ];
  const readme = render('project/README.md', {
    name: spec.name,
    profile: spec.profile,
    prod: spec.profile === 'prod',
    rec: recommendation(spec),
    nodeEngine: nodeEngine(outputs.map((o) => o.packageJson)),
    compose: spec.targets.includes('compose'),
    rabbitmq: brokersOf(spec).includes('rabbitmq'),
    layout,
    secrets: stackSecretDefs(spec),
    sections: outputs.flatMap((o) => o.readme ?? []),
    topology: topologyDiagram(spec),
    decisionChart: decisionDiagram(spec),
    flowchartDecided: spec.decision.flowchart !== undefined,
  });
  return [
    file('README.md', readme),
    file('.gitignore', render('project/gitignore', {})),
    file(NODE_CHECK, render('project/require-node.mjs', { name: spec.name })),
    file('.env.example', envExample(spec)),
    // Input, not output: the user's text (edited by --profile/--targets where given), never a conflict.
    { ...file(SPEC_FILE, specText ?? serializeSpec(spec)), kind: 'merge' },
    jsonFile('package.json', mergePackage(spec, outputs.map((o) => o.packageJson))),
    jsonFile('tsconfig.json', TSCONFIG),
  ];
}
