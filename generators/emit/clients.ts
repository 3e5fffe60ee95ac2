/**
 * The typed client boilerplate of the generated project (always emitted): channel contracts
 * typed from the spec's messages, envelope + validation, settings from the environment, retry,
 * graceful shutdown, one client module per broker, the facade, examples and the project's own
 * tests. Each broker's part lives in generators/brokers/<broker>/client.ts; the shared types in
 * clients-model.ts.
 */
import { BROKERS, PERFORMANCE } from '../guide/index.ts';
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { nodeEngineFor, npmDeps } from '../versions/npm.ts';
import type { Area, AreaOutput } from './area.ts';
import { benchTargets } from './clients-bench.ts';
import { contractsOf } from './clients-contracts.ts';
import { facadeContext } from './clients-facade.ts';
import type { ClientsContext } from './clients-model.ts';
import { file, type GeneratedFile } from './files.ts';
import { render } from './render.ts';

/** What the generated tests say when the brokers do not answer: how to start them, or which variables to set. */
function startHint(spec: StackSpec, ctx: ClientsContext): string {
  const variables = ctx.envVars.map((v) => v.name).join(', ');
  return spec.targets.includes('compose')
    ? `Start the brokers with \`docker compose up -d\` (and wait until \`docker compose ps\` shows them healthy), or set ${variables} to running brokers.`
    : `Set ${variables} to running brokers (see README.md).`;
}

function emitClients(spec: StackSpec): AreaOutput {
  const brokers = brokersOf(spec);
  const { types, views, descriptors } = contractsOf(spec);
  const ctx: ClientsContext = {
    ...facadeContext(spec, views),
    types,
    channels: views,
    channelsJson: JSON.stringify(descriptors, null, 2),
    envVars: brokers.flatMap((b) => BROKER_PLUGINS[b].connection.connection(spec).map((c) => ({ name: c.env, description: c.description }))),
  };
  const partFiles = brokers.flatMap((b) => BROKER_PLUGINS[b].client.files(spec, ctx));
  const benchContext = { ...ctx, benchTargetsJson: JSON.stringify(benchTargets(spec), null, 2), guideJson: JSON.stringify(PERFORMANCE.map(({ system, producerMsgsPerSec, p99LatencyMs, guideText }) => ({ system, producerMsgsPerSec, p99LatencyMs, guideText })), null, 2) };
  const files: GeneratedFile[] = [
    file('src/messaging/contracts.ts', render('clients/messaging/contracts.ts', ctx)),
    file('src/messaging/envelope.ts', render('clients/messaging/envelope.ts', ctx)),
    file('src/messaging/validation.ts', render('clients/messaging/validation.ts', ctx)),
    file('src/messaging/settings.ts', render('clients/messaging/settings.ts', ctx)),
    file('src/messaging/retry.ts', render('clients/messaging/retry.ts', ctx)),
    file('src/messaging/lifecycle.ts', render('clients/messaging/lifecycle.ts', ctx)),
    file('src/messaging/facade.ts', render('clients/messaging/facade.ts', ctx)),
    file('src/messaging/index.ts', render('clients/messaging/index.ts', ctx)),
    // Hyphenated names: a channel's example (src/examples/<camelCaseId>.ts) can never take them.
    file('src/examples/load-env.ts', render('clients/examples/load-env.ts', ctx)),
    file('src/examples/messaging-facade.ts', render('clients/examples/facade.ts', ctx)),
    file('test/messaging/contracts.test.ts', render('clients/test/contracts.test.ts', ctx)),
    file('test/messaging/facade.test.ts', render('clients/test/facade.test.ts', ctx)),
    file('test/messaging/helpers.ts', render('clients/test/helpers.ts', ctx)),
    file('test/messaging/brokers-up.ts', render('clients/test/brokers-up.ts', { ...ctx, startHint: startHint(spec, ctx) })),
    file('vitest.config.ts', render('clients/vitest.config.ts', ctx)),
    file('bench/run.ts', render('clients/bench/run.ts', benchContext)),
    file('bench/harness.ts', render('clients/bench/harness.ts', ctx)),
    ...partFiles,
  ];
  const examples = Object.fromEntries(views.map((v) => [`example:${v.id}`, `node src/examples/${v.id}.ts`]));
  const readme = render('clients/README.md', {
    ...ctx,
    brokerSections: brokers.map((b) => ({ title: BROKERS[b].title, body: BROKER_PLUGINS[b].client.readme(spec) })),
  });
  const dependencies = npmDeps('ajv', 'ajv-formats', ...brokers.flatMap((b) => BROKER_PLUGINS[b].client.dependencies));
  return {
    files,
    readme: [{ title: 'Typed messaging clients', body: readme }],
    packageJson: {
      node: nodeEngineFor(dependencies),
      scripts: {
        test: 'vitest run',
        typecheck: 'tsc --noEmit',
        example: 'node src/examples/messaging-facade.ts',
        bench: 'node bench/run.ts',
        ...examples,
      },
      dependencies,
      devDependencies: npmDeps('typescript', 'vitest', '@types/node'),
    },
    layout: [
      { path: 'src/messaging/', purpose: 'Typed clients: channel contracts from the spec, envelope and validation, one client per broker, the MessagingFacade.' },
      { path: 'src/examples/', purpose: 'Runnable examples, one per channel: `npm run example:<channel>`.' },
      { path: 'test/messaging/', purpose: 'The clients\' tests against the brokers named by the environment (`npm test`).' },
      { path: 'bench/', purpose: 'The deployment measured against the guide\'s Performance table, generated clients next to the raw drivers (`npm run bench`).' },
    ],
  };
}

export const clients: Area = {
  id: 'clients',
  applies: () => true,
  emit: emitClients,
};
