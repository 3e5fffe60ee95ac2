/** Specs and generated output for tests, without Yeoman: buildSpec → parseSpec → an area's emit. */
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { composeArea } from '../../generators/emit/compose.ts';
import { buildEnv, parseEnv } from '../../generators/emit/index.ts';
import { recommendedBrokers, type BrokerId, type ScenarioId } from '../../generators/guide/index.ts';
import { buildSpec, formatIssue, parseSpec, type Channel, type Profile, type StackSpec, type Target } from '../../generators/stack/index.ts';

export interface SpecOptions {
  name?: string;
  brokers?: readonly BrokerId[];
  targets?: readonly Target[];
  /** Rewrites the seeded channels (e.g. to add kinds the scenario does not seed). */
  channels?: (seeded: Channel[]) => Channel[];
  /** Any other change to the built spec before it is validated. */
  edit?: (spec: StackSpec) => void;
}

/** A validated spec as the generator builds it (seeded from the scenario), edited as a test needs. */
export function specFor(scenario: ScenarioId, profile: Profile, options: SpecOptions = {}): StackSpec {
  const raw = buildSpec({
    name: options.name ?? 'shop',
    scenario,
    brokers: options.brokers ?? recommendedBrokers(scenario),
    profile,
    targets: options.targets ?? ['compose', 'k8s'],
    decision: { overridden: options.brokers !== undefined },
  });
  if (options.channels) raw.channels = options.channels(raw.channels);
  options.edit?.(raw);
  const r = parseSpec(JSON.parse(JSON.stringify(raw)));
  if (!r.ok) throw new Error(`invalid test spec for ${scenario}/${profile}:\n${r.issues.map(formatIssue).join('\n')}`);
  return r.spec;
}

/** The compose area's files by path. */
export function composeOutput(spec: StackSpec): Map<string, string> {
  return new Map(composeArea.emit(spec).files.map((f) => [f.path, f.contents]));
}

export function fileOf(files: ReadonlyMap<string, string>, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`not generated: ${path} (have ${[...files.keys()].join(', ')})`);
  return text;
}

/** The compose document, parsed the way compose reads YAML. */
export function composeDocument(files: ReadonlyMap<string, string>): ComposeDoc {
  return parse(fileOf(files, 'compose.yaml')) as ComposeDoc;
}

export interface ComposeDoc {
  name: string;
  services: Record<string, ComposeServiceDoc>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

export interface ComposeServiceDoc {
  image: string;
  restart?: string;
  profiles?: string[];
  hostname?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: { target: number; published: string; host_ip?: string; protocol?: string }[] | string[];
  volumes?: ({ type: string; source?: string; target: string; read_only?: boolean } | string)[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  secrets?: ({ source: string; target?: string } | string)[];
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string }; reservations?: { cpus?: string; memory?: string } } };
}

/** A .env as brokerplate generates it (random secrets), parsed. */
export function envFor(spec: StackSpec): Record<string, string> {
  return Object.fromEntries(parseEnv(buildEnv(spec, undefined, () => randomBytes(24).toString('base64url'))));
}
