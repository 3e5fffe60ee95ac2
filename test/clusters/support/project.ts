/**
 * The generated prod project a cluster test runs: files from the generator, a `.env` and the TLS
 * material of `secrets/tls/` as a first brokerplate run writes them, the shared client
 * node_modules. compose's `secrets:` (a `.env` value as a file at /run/secrets/<name>) are files
 * under `<root>/.run-secrets/`, and serviceEnv() points `/run/secrets/` there.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { buildEnv, emitProject, parseEnv } from '../../../generators/emit/index.ts';
import { SECRETS_DIR, secretEnv } from '../../../generators/emit/compose-model.ts';
import { tlsMaterial } from '../../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../../generators/emit/tls-issuer.ts';
import { caName, composeCertificates } from '../../../generators/emit/tls.ts';
import type { StackSpec } from '../../../generators/stack/index.ts';
import { ROOT } from '../../support/cli.ts';
import { sharedNodeModules } from '../../clients/support.ts';

export const CLUSTER_WORK = join(ROOT, 'test', '.work', 'clusters');

export interface ClusterProject {
  readonly root: string;
  readonly env: Readonly<Record<string, string>>;
  /** A generated file's text. */
  read(path: string): string;
  /** Where compose's secret files are here (what /run/secrets/ is in a container). */
  readonly secretsDir: string;
  /**
   * The `environment:` of a compose service, as compose.yaml declares it (`${VAR}`s resolved from .env). For a
   * process on the host, /run/secrets/ → secretsDir; `inContainer` keeps the paths, as the container mounts them.
   */
  serviceEnv(service: string, inContainer?: boolean): Record<string, string>;
}

export async function generateClusterProject(dir: string, spec: StackSpec): Promise<ClusterProject> {
  const root = join(CLUSTER_WORK, `${dir}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  for (const f of emitProject(spec)) {
    const path = join(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.contents);
  }
  const envText = buildEnv(spec, undefined, () => randomBytes(24).toString('base64url'));
  writeFileSync(join(root, '.env'), envText, { mode: 0o600 });
  // prod: the TLS material a first run issues into secrets/tls/ (git-ignored, like .env).
  const material = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of material.files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.contents, { mode: f.mode });
  }
  symlinkSync(await sharedNodeModules(), join(root, 'node_modules'), 'dir');
  const env = Object.fromEntries(parseEnv(envText));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const compose = parse(read('compose.yaml')) as { services: Record<string, { environment?: Record<string, string> }>; secrets?: Record<string, unknown> };
  const secretsDir = join(root, '.run-secrets');
  mkdirSync(secretsDir, { recursive: true });
  for (const source of Object.keys(compose.secrets ?? {})) writeFileSync(join(secretsDir, source), env[secretEnv(source)] ?? '', { mode: 0o600 });
  return {
    root,
    env,
    read,
    secretsDir,
    serviceEnv(service, inContainer = false) {
      if (!compose.services[service]) throw new Error(`compose.yaml has no service ${service}`);
      const declared = compose.services[service]?.environment ?? {};
      return Object.fromEntries(
        Object.entries(declared).map(([k, v]) => [
          k,
          String(v)
            .replace(/\$\{([A-Z0-9_]+)(?::?[?-][^}]*)?\}/g, (_m, name: string) => env[name] ?? '')
            .replace(new RegExp(`^${SECRETS_DIR}/`), inContainer ? `${SECRETS_DIR}/` : `${secretsDir}/`),
        ]),
      );
    },
  };
}
