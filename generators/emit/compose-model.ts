/**
 * The compose model shared by every part that adds services (brokers, monitoring, backup): a
 * typed subset of the Compose Specification, the addon seam, and small helpers. Kept apart from
 * the compose area so parts can import it without an import cycle through the area.
 */
import type { StackSpec } from '../stack/index.ts';
import type { Capability } from '../versions/image-hardening.ts';
import type { GeneratedFile } from './files.ts';

export const COMPOSE_FILE = 'compose.yaml';
/** Every published port binds here: the stack is reachable from this machine only. */
export const LOOPBACK = '127.0.0.1';

// ---------------------------------------------------------------- the model (a typed subset of the Compose Specification)

export interface ComposePort {
  readonly target: number;
  readonly published: string;
  readonly host_ip: typeof LOOPBACK;
  readonly protocol: 'tcp';
}

export type ComposeMount =
  | { readonly type: 'volume'; readonly source: string; readonly target: string; readonly read_only?: true }
  | { readonly type: 'bind'; readonly source: string; readonly target: string; readonly read_only: true }
  | { readonly type: 'tmpfs'; readonly target: string; readonly tmpfs?: { readonly size?: number; readonly mode?: number } };

export interface ComposeHealthcheck {
  readonly test: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly start_period: string;
  readonly start_interval?: string;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ComposeResources {
  readonly limits: { readonly cpus: string; readonly memory: string };
  readonly reservations: { readonly cpus: string; readonly memory: string };
}

export interface ComposeService {
  readonly image: string;
  readonly hostname?: string;
  readonly restart: 'unless-stopped' | 'no' | 'on-failure';
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly ports?: readonly ComposePort[];
  readonly volumes?: readonly ComposeMount[];
  readonly healthcheck?: ComposeHealthcheck;
  readonly depends_on?: Readonly<Record<string, { readonly condition: DependencyCondition }>>;
  readonly deploy?: { readonly resources: ComposeResources };
  readonly stop_grace_period?: string;
  readonly ulimits?: Readonly<Record<string, { readonly soft: number; readonly hard: number }>>;
  /** Compose profiles: the service only starts with `--profile <name>` (e.g. one-shot backups). */
  readonly profiles?: readonly string[];
  readonly user?: string;
  /**
   * Passwords as files under /run/secrets/ (composeSecret()), not environment variables that
   * `docker inspect` shows; the top-level `secrets:` entries are collected from these.
   */
  readonly secrets?: readonly ComposeSecretRef[];
  // Set by the hardening step (compose-hardening.ts) on every service; parts leave them out.
  readonly cap_drop?: readonly ['ALL'];
  readonly cap_add?: readonly Capability[];
  readonly security_opt?: readonly ['no-new-privileges:true'];
  readonly read_only?: boolean;
  /** `none` for one-shots that only touch volumes. */
  readonly network_mode?: 'none';
}

/** A service's use of a compose secret: `source` is the top-level secret, filled from the .env variable `env`. */
export interface ComposeSecretRef {
  readonly source: string;
  readonly target: string;
}

/** Where composeSecret() mounts a password inside a container. */
export const SECRETS_DIR = '/run/secrets';

/**
 * A password from .env as a compose secret file: the secret is named after the variable (lower
 * case) and filled from it (`secrets: { <name>: { environment: <ENV> } }`), mounted at
 * /run/secrets/<name>. Entrypoints read the file; nothing shows the value in `docker inspect`.
 */
export function composeSecret(env: string): ComposeSecretRef {
  if (!/^[A-Z][A-Z0-9_]*$/.test(env)) throw new Error(`compose secret: ${JSON.stringify(env)} is not an .env variable name`);
  const source = env.toLowerCase();
  return { source, target: `${SECRETS_DIR}/${source}` };
}

/** The .env variable a composeSecret() source is filled from. */
export function secretEnv(source: string): string {
  return source.toUpperCase();
}

/** What a broker (or an addon) contributes to compose.yaml. */
export interface ComposePart {
  readonly services: Readonly<Record<string, ComposeService>>;
  /** Named volumes the services use. */
  readonly volumes: readonly string[];
  /** Files the services mount (paths relative to the project root, under config/). */
  readonly files: readonly GeneratedFile[];
  /** Markdown for the README's compose section. */
  readonly notes: readonly string[];
}

/** Additions to services another part defined (e.g. a metrics agent's environment). */
export interface ServiceAdditions {
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly ComposeMount[];
  readonly depends_on?: Readonly<Record<string, { readonly condition: DependencyCondition }>>;
  readonly secrets?: readonly ComposeSecretRef[];
}

export interface ComposeAddon {
  readonly id: string;
  applies(spec: StackSpec): boolean;
  part(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePart & { readonly extend?: Readonly<Record<string, ServiceAdditions>> };
}

// ---------------------------------------------------------------- helpers for the parts

export function loopbackPort(published: number, target: number): ComposePort {
  return { target, published: String(published), host_ip: LOOPBACK, protocol: 'tcp' };
}

export function bindMount(file: GeneratedFile, target: string): ComposeMount {
  return { type: 'bind', source: `./${file.path}`, target, read_only: true };
}

/** Kubernetes CPU quantity (250m, 1, 1.5) to compose cpus ("0.25", "1", "1.5"). */
export function composeCpus(quantity: string): string {
  const milli = /^([0-9]+)m$/.exec(quantity);
  if (milli?.[1]) return String(Number(milli[1]) / 1000);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(quantity)) throw new Error(`not a CPU quantity: ${quantity}`);
  return String(Number(quantity));
}

/** Kubernetes memory quantity to a compose/docker size: binary units map 1:1 (512Mi → 512m), decimal ones go to bytes. */
export function composeMemory(quantity: string): string {
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!m?.[1]) throw new Error(`not a memory quantity: ${quantity}`);
  const binary: Readonly<Record<string, string>> = { Ki: 'k', Mi: 'm', Gi: 'g', Ti: 't' };
  const decimal: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const unit = m[2];
  if (unit === undefined) return `${m[1]}b`;
  const b = binary[unit];
  return b ? `${m[1]}${b}` : `${Number(m[1]) * (decimal[unit] ?? 1)}b`;
}

export function composeResources(resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }): { resources: ComposeResources } {
  return {
    resources: {
      limits: { cpus: composeCpus(resources.limits.cpu), memory: composeMemory(resources.limits.memory) },
      reservations: { cpus: composeCpus(resources.requests.cpu), memory: composeMemory(resources.requests.memory) },
    },
  };
}
