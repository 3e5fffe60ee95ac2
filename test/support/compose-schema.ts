/**
 * The Compose Specification JSON schema that `docker compose` v2 validates with: the one embedded
 * in github.com/compose-spec/compose-go/v2 (schema/compose-spec.json), fetched through the Go
 * module proxy. Nothing is committed: Go's module cache is the cache (a repeated run costs one
 * `@latest` lookup), and without network the newest cached version is used.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const MODULE = 'github.com/compose-spec/compose-go/v2';

export interface ComposeSchema {
  /** The compose-go version the schema comes from, e.g. v2.16.2. */
  readonly version: string;
  readonly schema: Record<string, unknown>;
  readonly validate: ValidateFunction;
}

function goModDownload(env: NodeJS.ProcessEnv): { Dir?: string; Version?: string; Error?: string } | undefined {
  const r = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@latest`], { cwd: tmpdir(), env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`go is needed to fetch the Compose schema: ${r.error.message}`);
  try {
    return JSON.parse(r.stdout) as { Dir?: string; Version?: string; Error?: string };
  } catch {
    return undefined;
  }
}

function goEnv(name: string): string {
  return spawnSync('go', ['env', name], { encoding: 'utf8' }).stdout.trim();
}

let cached: ComposeSchema | undefined;

export function composeSchema(): ComposeSchema {
  if (cached) return cached;
  // GOFLAGS from the caller (e.g. -mod=vendor) must not leak into a module-less download.
  const env = { ...process.env, GOFLAGS: '', GO111MODULE: 'on' };
  let mod = goModDownload(env);
  if (!mod?.Dir) {
    // Offline: serve Go's own module cache as the proxy, which resolves @latest to the newest cached version.
    const proxy = `file://${join(goEnv('GOMODCACHE'), 'cache', 'download')}`;
    mod = goModDownload({ ...env, GOPROXY: proxy, GOSUMDB: 'off' });
  }
  if (!mod?.Dir || !mod.Version) throw new Error(`cannot download ${MODULE}: ${mod?.Error ?? 'no output'}`);
  const schema = JSON.parse(readFileSync(join(mod.Dir, 'schema', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
  // The schema declares draft 2020-12 (it uses unevaluatedProperties): Ajv's 2020 build, strict about types.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  cached = { version: mod.Version, schema, validate: ajv.compile(schema) };
  return cached;
}

/**
 * Compose's interpolation of `${VAR}`, `${VAR:?message}`, `${VAR:-default}` and `$$`, enough to
 * validate the document docker compose validates (it interpolates before checking the schema).
 */
export function interpolate(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (match === '$$') return '$';
      const v = env[name ?? ''];
      if (op?.endsWith('?') && !v) throw new Error(`required variable ${name} is missing: ${arg}`);
      if (op?.endsWith('-') && !v) return arg ?? '';
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}
