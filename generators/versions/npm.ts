/**
 * npm versions the generated project depends on, in one place. The repo's own tests install
 * and run exactly these, so keep them in step with this repo's devDependencies where shared.
 *
 * Clients (checked together on Node 24 with `npm view` and an install of a generated project):
 * - @platformatic/kafka: pure-JS Kafka client with idempotent/transactional producers; needs Node >= 22.22 or >= 24.6.
 * - rabbitmq-client: AMQP 0-9-1 with reconnects, publisher confirms and an RPC client (direct reply-to).
 * - redis: node-redis (Pub/Sub, Streams, consumer groups).
 * - ajv + ajv-formats: payload validation at the boundary, compiled once per channel.
 * - typescript 6 (not 7: the repo stays on 6, see TOOLCHAIN-NOTES), vitest 5.1, @types/node 24.
 */
export const NPM_VERSIONS = {
  '@platformatic/kafka': '2.12.1',
  'rabbitmq-client': '5.0.8',
  redis: '6.3.1',
  ajv: '8.20.0',
  'ajv-formats': '3.0.1',
  typescript: '6.0.3',
  vitest: '5.1.2',
  '@types/node': '24.19.4',
} as const;

export type NpmPackage = keyof typeof NPM_VERSIONS;

/** The generated project's `engines.node`: Node's type stripping (>= 22.18), raised where a dependency needs more. */
export const NODE_ENGINE = '>=22.18';
const NODE_ENGINE_OF: Partial<Record<NpmPackage, string>> = { '@platformatic/kafka': '^22.22.0 || >=24.6.0' };

export function nodeEngineFor(dependencies: Readonly<Record<string, string>>): string {
  return Object.keys(dependencies).map((d) => NODE_ENGINE_OF[d as NpmPackage]).find((e) => e !== undefined) ?? NODE_ENGINE;
}

/** `{ name: version }` for a list of packages, for package.json contributions. */
export function npmDeps(...names: readonly NpmPackage[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, NPM_VERSIONS[n]]));
}
