/**
 * The compose area: `compose.yaml` (Compose Specification, as `docker compose` v2 reads it) and
 * the broker config files it mounts under `config/<broker>/`.
 *
 * Each broker contributes a ComposePart from generators/brokers/<b>/compose.ts (strategy table
 * below). Other areas (monitoring, backup) plug in through composeAddons(): an addon sees the
 * brokers' services and returns its own part (services, volumes, files), plus environment,
 * volumes or dependencies to add to existing services. Add one line there; nothing else changes.
 */
import { kafkaCompose } from '../brokers/kafka/compose.ts';
import { rabbitmqCompose } from '../brokers/rabbitmq/compose.ts';
import { redisCompose } from '../brokers/redis/compose.ts';
import type { BrokerId } from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../spec/index.ts';
import type { Area, AreaOutput } from './area.ts';
import { yamlFile, type GeneratedFile } from './files.ts';
import { render } from './render.ts';

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
  | { readonly type: 'volume'; readonly source: string; readonly target: string }
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
}

export interface ComposeAddon {
  readonly id: string;
  applies(spec: StackSpec): boolean;
  part(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePart & { readonly extend?: Readonly<Record<string, ServiceAdditions>> };
}

/** Where each broker's compose services come from: generators/brokers/<b>/compose.ts. */
export const COMPOSE_PARTS = {
  kafka: kafkaCompose,
  rabbitmq: rabbitmqCompose,
  redis: redisCompose,
} satisfies Record<BrokerId, (spec: StackSpec) => ComposePart>;

/**
 * Monitoring, backup: add one line each (e.g. `monitoringComposeAddon`). A function rather than a
 * constant because addon modules import this one: the list is only built when compose runs, so
 * the import cycle is harmless.
 */
export function composeAddons(): readonly ComposeAddon[] {
  return [];
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

/** `${NAME:?...}`: compose refuses to start when .env lacks the variable, instead of starting with an empty password. */
export function envRef(name: string): string {
  return `\${${name}:?${name} is not set: run brokerplate to generate .env, or copy .env.example}`;
}

// ---------------------------------------------------------------- assembly

export interface ComposeModel {
  readonly services: Record<string, ComposeService>;
  readonly volumes: string[];
  readonly files: GeneratedFile[];
  readonly notes: string[];
}

function merge(into: ComposeModel, part: ComposePart, source: string): void {
  for (const [name, service] of Object.entries(part.services)) {
    if (into.services[name]) throw new Error(`compose: ${source} redefines service ${name}`);
    into.services[name] = service;
  }
  for (const v of part.volumes) if (!into.volumes.includes(v)) into.volumes.push(v);
  into.files.push(...part.files);
  into.notes.push(...part.notes);
}

function extend(service: ComposeService, add: ServiceAdditions): ComposeService {
  return {
    ...service,
    ...(add.environment && { environment: { ...service.environment, ...add.environment } }),
    ...(add.volumes && { volumes: [...(service.volumes ?? []), ...add.volumes] }),
    ...(add.depends_on && { depends_on: { ...service.depends_on, ...add.depends_on } }),
  };
}

/** The services, volumes and files of the stack: brokers first (in the guide's order), then addons. */
export function composeModel(spec: StackSpec): ComposeModel {
  const model: ComposeModel = { services: {}, volumes: [], files: [], notes: [] };
  for (const broker of brokersOf(spec)) merge(model, COMPOSE_PARTS[broker](spec), broker);
  const brokerServices: Readonly<Record<string, ComposeService>> = { ...model.services };
  for (const addon of composeAddons().filter((a) => a.applies(spec))) {
    const part = addon.part(spec, brokerServices);
    merge(model, part, addon.id);
    for (const [name, add] of Object.entries(part.extend ?? {})) {
      const service = model.services[name];
      if (!service) throw new Error(`compose: ${addon.id} extends unknown service ${name}`);
      model.services[name] = extend(service, add);
    }
  }
  return model;
}

function composeDocument(spec: StackSpec, model: ComposeModel): object {
  return {
    name: spec.name,
    services: model.services,
    volumes: Object.fromEntries([...model.volumes].sort().map((v) => [v, {}])),
  };
}

export interface PublishedPort {
  readonly service: string;
  readonly port: string;
  readonly target: number;
}

export function publishedPorts(model: ComposeModel): PublishedPort[] {
  return Object.entries(model.services).flatMap(([service, s]) => (s.ports ?? []).map((p) => ({ service, port: `${p.host_ip}:${p.published}`, target: p.target })));
}

export function composeFiles(spec: StackSpec, model: ComposeModel = composeModel(spec)): GeneratedFile[] {
  const header = [
    `Generated by brokerplate from brokerplate.yaml: profile ${spec.profile}, scenario ${spec.scenario}.`,
    'Start: docker compose up -d   (secrets come from .env; see README.md)',
    'Edit brokerplate.yaml and re-run brokerplate instead of editing this file.',
  ].join('\n');
  return [yamlFile(COMPOSE_FILE, composeDocument(spec, model), header), ...model.files];
}

export const composeArea: Area = {
  id: 'compose',
  applies: (spec) => spec.targets.includes('compose'),
  emit(spec): AreaOutput {
    const model = composeModel(spec);
    const files = composeFiles(spec, model);
    const healthy = Object.entries(model.services).filter(([, s]) => s.healthcheck).map(([name]) => name);
    const oneShot = Object.entries(model.services).filter(([, s]) => s.restart === 'no').map(([name]) => name);
    const body = render('compose/README.md', {
      profile: spec.profile,
      ports: publishedPorts(model),
      healthy,
      oneShot,
      notes: model.notes,
    });
    return {
      files,
      readme: [{ title: 'Run it with docker compose', body: body.trimEnd() }],
      layout: [
        { path: COMPOSE_FILE, purpose: `The ${spec.profile} stack for \`docker compose\`: brokers with healthchecks, limits and named volumes, ports on 127.0.0.1 only.` },
        { path: 'config/', purpose: 'Broker config files compose mounts read-only (server.properties, rabbitmq.conf, definitions.json, redis.conf, ACL templates, entrypoints). No secrets.' },
      ],
    };
  },
};
