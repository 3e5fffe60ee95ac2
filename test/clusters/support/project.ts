/** The generated prod project a cluster test runs: files from the generator, a `.env` as brokerplate writes it, the shared client node_modules. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { buildEnv, emitProject, parseEnv } from '../../../generators/emit/index.ts';
import { caName, composeCertificates } from '../../../generators/emit/tls.ts';
import { tlsMaterial } from '../../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../../generators/emit/tls-issuer.ts';
import type { StackSpec } from '../../../generators/stack/index.ts';
import { ROOT } from '../../support/cli.ts';
import { sharedNodeModules } from '../../clients/support.ts';

export const CLUSTER_WORK = join(ROOT, 'test', '.work', 'clusters');

export interface ClusterProject {
  readonly root: string;
  readonly env: Readonly<Record<string, string>>;
  /** A generated file's text. */
  read(path: string): string;
  /** The `environment:` of a compose service, as compose.yaml declares it (`${VAR}`s resolved from .env). */
  serviceEnv(service: string): Record<string, string>;
  /** What compose mounts at /run/secrets: every compose secret of compose.yaml as a file, filled from .env. */
  readonly secretsDir: string;
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
  // The CA and certificates a first prod run issues into secrets/tls/ (none in dev).
  const material = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of material.files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.contents, { mode: f.mode });
  }
  symlinkSync(await sharedNodeModules(), join(root, 'node_modules'), 'dir');
  const env = Object.fromEntries(parseEnv(envText));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const compose = parse(read('compose.yaml')) as { services: Record<string, { environment?: Record<string, string> }>; secrets?: Record<string, { environment?: string }> };
  const secretsDir = join(root, 'test-run-secrets');
  mkdirSync(secretsDir, { recursive: true });
  for (const [name, def] of Object.entries(compose.secrets ?? {})) writeFileSync(join(secretsDir, name), env[def.environment ?? ''] ?? '', { mode: 0o600 });
  return {
    root,
    env,
    read,
    secretsDir,
    serviceEnv(service) {
      const declared = compose.services[service]?.environment;
      if (!declared) throw new Error(`compose.yaml has no environment for ${service}`);
      return Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z0-9_]+)(?::?[?-][^}]*)?\}/g, (_m, name: string) => env[name] ?? '')]));
    },
  };
}
