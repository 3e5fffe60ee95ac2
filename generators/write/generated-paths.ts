/**
 * Where brokerplate's output can live: the only paths a manifest entry may make a run delete.
 *
 * The manifest (`.brokerplate/files.json`) is committed with the project, so anyone can add an
 * entry naming one of the user's files with its real hash; without a limit, a plain re-run would
 * then delete that file as "no longer generated". An entry outside these locations is ignored with
 * a warning (plan.ts), never deleted. The list is what the emitters write across every scenario,
 * profile, target and migration (test/cli/generated-paths.test.ts renders them all and fails when
 * an emitted file falls outside it). Deliberately absent:
 * - `.env` and `secrets/`: secret material is never recorded in the manifest, so no entry may reach it;
 * - `.brokerplate/templates/`: the user's template overrides;
 * - `test/` and `src/` as wholes: only the sub-folders brokerplate owns (users keep their own code beside them).
 */

export interface GeneratedLocation {
  /** A file path, or a folder ending in `/` (everything under it). */
  readonly path: string;
  /** What the emitters put there (for readers of this list). */
  readonly what: string;
}

export const GENERATED_LOCATIONS: readonly GeneratedLocation[] = [
  { path: 'README.md', what: 'the project README' },
  { path: 'brokerplate.yaml', what: 'the stack spec' },
  { path: 'compose.yaml', what: 'the docker compose file' },
  { path: 'asyncapi.yaml', what: 'the AsyncAPI contract' },
  { path: 'package.json', what: 'the project package' },
  { path: 'tsconfig.json', what: 'the TypeScript settings' },
  { path: 'vitest.config.ts', what: 'the test settings' },
  { path: '.gitignore', what: 'the git ignore list' },
  { path: '.env.example', what: 'the environment template' },
  { path: 'scripts/require-node.mjs', what: 'the Node version check of the npm scripts' },
  { path: 'config/', what: 'broker configs' },
  { path: 'infra/', what: 'the Pulumi program' },
  { path: 'monitoring/', what: 'Prometheus, Alertmanager, Grafana and the exporters' },
  { path: 'backup/', what: 'backup scripts' },
  { path: 'bench/', what: 'the deployment measurements' },
  { path: 'src/messaging/', what: 'the typed clients' },
  { path: 'src/examples/', what: 'the runnable examples' },
  { path: 'src/migrations/', what: 'the migration kits' },
  { path: 'test/messaging/', what: 'the clients\' tests' },
  { path: 'docs/migrations/', what: 'the migration runbooks' },
];

/** Folder names brokerplate never writes into at any depth (installed packages, version control). */
const NEVER_UNDER: readonly string[] = ['.git', 'node_modules'];

/** True when `path` (a normalised project-relative path, see manifest.ts) is somewhere brokerplate can generate a file. */
export function isGeneratedLocation(path: string): boolean {
  if (path.split('/').some((segment) => NEVER_UNDER.includes(segment))) return false;
  return GENERATED_LOCATIONS.some((l) => (l.path.endsWith('/') ? path.startsWith(l.path) && path.length > l.path.length : path === l.path));
}

/**
 * Folders created with their own mode, whatever the umask (apply.ts chmods them after mkdir): `secrets/` holds
 * the private keys and what derives from passwords, so only its owner may list or change it. Compose bind-mounts
 * single files out of it, which needs no access to the folder itself; certs-init mounts secrets/tls as root.
 */
export const FOLDER_MODES: readonly { readonly path: string; readonly mode: number }[] = [{ path: 'secrets', mode: 0o700 }];

/** The mode a new folder at `path` (project-relative) gets: its own or its closest listed ancestor's; undefined for the umask's default. */
export function folderMode(path: string): number | undefined {
  return FOLDER_MODES.find((f) => path === f.path || path.startsWith(`${f.path}/`))?.mode;
}
