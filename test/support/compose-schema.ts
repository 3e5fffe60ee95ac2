/**
 * The Compose Specification JSON schema that `docker compose` validates with: the one embedded in
 * github.com/compose-spec/compose-go/v2 (schema/compose-spec.json) at the version pins.json names
 * ("compose-go": the version docker/compose v5.6.0's go.mod requires), fetched through the Go
 * module proxy. Nothing is committed: Go's module cache is the cache (once cached, no network).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ROOT } from './cli.ts';

interface ModulePin {
  version: string;
  module: string;
}

/** `module@version` of compose-go, from pins.json. */
export function composeGoPin(): ModulePin {
  const pins = JSON.parse(readFileSync(join(ROOT, 'pins.json'), 'utf8')) as { tools: Record<string, ModulePin | undefined> };
  const pin = pins.tools['compose-go'];
  if (!pin?.module.endsWith(`@v${pin.version}`)) throw new Error('pins.json: tools["compose-go"] needs "version" and "module": "<path>@v<version>"');
  return pin;
}

export interface ComposeSchema {
  /** The compose-go version the schema comes from, e.g. v2.16.1. */
  readonly version: string;
  readonly schema: Record<string, unknown>;
  readonly validate: ValidateFunction;
}

let cached: ComposeSchema | undefined;

export function composeSchema(): ComposeSchema {
  if (cached) return cached;
  const pin = composeGoPin();
  // GOFLAGS from the caller (e.g. -mod=vendor) must not leak into a module-less download.
  const env = { ...process.env, GOFLAGS: '', GO111MODULE: 'on', GOTOOLCHAIN: 'local' };
  const r = spawnSync('go', ['mod', 'download', '-json', pin.module], { cwd: tmpdir(), env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`go is needed to fetch the Compose schema (${pin.module}): ${r.error.message}`);
  let mod: { Dir?: string; Version?: string; Error?: string } | undefined;
  try {
    mod = JSON.parse(r.stdout) as typeof mod;
  } catch {
    /* reported below */
  }
  if (!mod?.Dir || !mod.Version) throw new Error(`cannot download ${pin.module}: ${mod?.Error ?? (r.stderr.trim() || 'no output')}`);
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
