/**
 * One definition per setting gives its flag, its prompt, its default under --yes, and how a
 * flag value is checked. The generator, `--help` and the README's option table all read this.
 */
import { basename } from 'node:path';
import {
  BROKER_IDS,
  FLOWCHART_ORDER,
  FLOWCHART_QUESTIONS,
  SCALES,
  SCENARIO_IDS,
  SCENARIOS,
  BROKERS,
  isBrokerId,
  MIGRATION_PATTERNS,
  MIGRATIONS,
  type MigrationPattern,
  isScenarioId,
  recommendedBrokers,
  type BrokerId,
  type FlowchartAnswers,
  type Scale,
  type ScenarioId,
} from '../guide/index.ts';
import { addMigration, MigrationRefusedError, PROFILES, PROJECT_NAME, TARGETS, type Profile, type StackSpec, type Target } from '../stack/index.ts';
import { BrokerplateError } from './errors.ts';

export { BrokerplateError };

/** Answers gathered so far; later settings read earlier ones (the recommendation needs the scenario). */
export interface Answers {
  scenario?: ScenarioId;
  flowchart?: FlowchartAnswers;
  scale?: Scale;
  brokers?: BrokerId[];
  profile?: Profile;
  targets?: Target[];
  name?: string;
  migration?: MigrationChoice;
}

export const NO_MIGRATION = 'none';
export type MigrationChoice = MigrationPattern | typeof NO_MIGRATION;

interface Choice {
  name: string;
  value: string;
  checked?: boolean;
}

/** Checks an answer where it is typed: true, or the message shown while the prompt asks again. */
export type Validate = (answer: unknown) => true | string;

export type Question =
  | { type: 'select'; name: string; message: string; choices: Choice[] }
  | { type: 'checkbox'; name: string; message: string; choices: Choice[]; validate?: Validate }
  | { type: 'confirm'; name: string; message: string; default: boolean }
  | { type: 'input'; name: string; message: string; default: string; validate?: Validate };

/** The values ticked in a checkbox prompt (inquirer hands validate its choice objects, the answer plain values). */
function ticked(answer: unknown): unknown[] {
  return Array.isArray(answer) ? answer.map((c: unknown) => (typeof c === 'object' && c !== null && 'value' in c ? (c as { value: unknown }).value : c)) : [];
}

const atLeastOne = (what: string): Validate => (answer) => ticked(answer).length > 0 || `Pick at least one ${what} (space ticks, enter confirms)`;

export interface Setting<K extends keyof Answers> {
  readonly key: K;
  readonly flag: string;
  readonly valueHint: string;
  readonly description: string;
  /** Whether the setting is asked at all, given earlier answers. */
  applies(answers: Answers): boolean;
  /** Never prompted: the flag's value, else the default (an opt-in most runs leave out, like the migration kits). */
  readonly flagOnly?: boolean;
  /** Why the setting does not apply (its flag is then refused rather than ignored); needed when `applies` can be false. */
  ignoredBecause?(answers: Answers): string;
  /** Checks a flag value; throws a BrokerplateError naming the flag and the rule. */
  parse(raw: string, answers: Answers): NonNullable<Answers[K]>;
  /** The value `--yes` takes; undefined when there is no sensible default (the flag is then required). */
  defaultValue(answers: Answers, destination: string): Answers[K] | undefined;
  question(answers: Answers, destination: string): Question;
  /** Turns the prompt's raw answer into the setting's value. */
  fromPrompt(raw: unknown, answers: Answers): NonNullable<Answers[K]>;
}

function oneOf<T extends string>(flag: string, values: readonly T[], raw: string, what: string): T {
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw new BrokerplateError(`--${flag}: unknown ${what} ${JSON.stringify(raw)} (choose one of: ${values.join(', ')})`);
}

function list<T extends string>(flag: string, values: readonly T[], raw: string, what: string): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BrokerplateError(`--${flag}: give at least one ${what} (choose from: ${values.join(', ')})`);
  const out = items.map((item) => oneOf(flag, values, item, what));
  const dup = out.find((v, i) => out.indexOf(v) !== i);
  if (dup) throw new BrokerplateError(`--${flag}: ${dup} is listed twice`);
  return out;
}

/** A project name derived from the destination folder, made into a DNS-1123 label. */
export function nameFromFolder(destination: string): string {
  const slug = basename(destination).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 40).replace(/-+$/, '');
  return PROJECT_NAME.re.test(slug) ? slug : 'messaging';
}

const FLOWCHART_CHOICE = '__flowchart__';

export const scenarioSetting: Setting<'scenario'> = {
  key: 'scenario',
  flag: 'scenario',
  valueHint: SCENARIO_IDS.join('|'),
  description: 'The messaging scenario (a row of the guide\'s Summary Recommendations, or hybrid)',
  applies: () => true,
  parse: (raw) => oneOf('scenario', SCENARIO_IDS, raw, 'scenario'),
  defaultValue: () => undefined,
  question: () => ({
    type: 'select',
    name: 'scenario',
    message: 'Which scenario fits your use?',
    choices: [
      ...SCENARIO_IDS.map((id) => ({ name: `${SCENARIOS[id].title} → ${SCENARIOS[id].guideRecommendation}`, value: id })),
      { name: 'Not sure: answer the guide\'s decision flowchart', value: FLOWCHART_CHOICE },
    ],
  }),
  fromPrompt: (raw) => {
    if (typeof raw === 'string' && isScenarioId(raw)) return raw;
    throw new BrokerplateError(`unexpected scenario answer ${String(raw)}`);
  },
};

/** True when the user picked "answer the flowchart" at the scenario prompt. */
export function wantsFlowchart(raw: unknown): boolean {
  return raw === FLOWCHART_CHOICE;
}

export const scaleSetting: Setting<'scale'> = {
  key: 'scale',
  flag: 'scale',
  valueHint: SCALES.join('|'),
  description: 'Expected scale, for the microservices scenario: RabbitMQ at moderate scale, Kafka at high scale (the guide\'s "based on scale")',
  applies: (a) => a.scenario === 'microservices',
  ignoredBecause: (a) =>
    `only the microservices scenario is decided by scale (the guide: "${SCENARIOS.microservices.guideRecommendation}"); ${a.flowchart ? 'the flowchart answers' : `--scenario ${a.scenario ?? '?'}`} ${a.flowchart ? 'decide' : 'decides'} the brokers without it`,
  parse: (raw) => oneOf('scale', SCALES, raw, 'scale'),
  defaultValue: () => 'moderate',
  question: () => ({
    type: 'select',
    name: 'scale',
    message: 'Expected scale? (the guide: "RabbitMQ or Kafka based on scale")',
    choices: [
      { name: 'moderate: tens of thousands of messages/s, routing and request-reply → RabbitMQ', value: 'moderate' },
      { name: 'high: millions of events/s, several consumers of the same data → Kafka', value: 'high' },
    ],
  }),
  fromPrompt: (raw) => oneOf('scale', SCALES, String(raw), 'scale'),
};

function recommendationOf(a: Answers): BrokerId[] {
  return a.scenario ? recommendedBrokers(a.scenario, a.scale) : [];
}

function titles(brokers: readonly BrokerId[]): string {
  return brokers.map((b) => BROKERS[b].title).join(' + ');
}

export const brokersSetting: Setting<'brokers'> = {
  key: 'brokers',
  flag: 'brokers',
  valueHint: BROKER_IDS.join(','),
  description: 'Brokers to use, overriding the guide\'s recommendation (comma-separated)',
  applies: () => true,
  parse: (raw) => list('brokers', BROKER_IDS, raw, 'broker'),
  defaultValue: (a) => recommendationOf(a),
  question: (a) => ({
    type: 'checkbox',
    name: 'brokers',
    message: `Brokers (the guide recommends ${titles(recommendationOf(a))}):`,
    choices: BROKER_IDS.map((b) => ({ name: BROKERS[b].title, value: b, checked: recommendationOf(a).includes(b) })),
    validate: atLeastOne('broker'),
  }),
  fromPrompt: (raw) => {
    const picked = ticked(raw).filter((b): b is BrokerId => typeof b === 'string' && isBrokerId(b));
    if (picked.length === 0) throw new BrokerplateError('pick at least one broker');
    return picked;
  },
};

export const profileSetting: Setting<'profile'> = {
  key: 'profile',
  flag: 'profile',
  valueHint: PROFILES.join('|'),
  description: 'dev: single nodes, small limits; prod: replicated, durable, hardened',
  applies: () => true,
  parse: (raw) => oneOf('profile', PROFILES, raw, 'profile'),
  defaultValue: () => 'dev',
  question: () => ({
    type: 'select',
    name: 'profile',
    message: 'Profile?',
    choices: [
      { name: 'dev: single nodes, small resource limits', value: 'dev' },
      { name: 'prod: three-node clusters, replication, PodDisruptionBudgets, NetworkPolicies', value: 'prod' },
    ],
  }),
  fromPrompt: (raw) => oneOf('profile', PROFILES, String(raw), 'profile'),
};

export const targetsSetting: Setting<'targets'> = {
  key: 'targets',
  flag: 'targets',
  valueHint: TARGETS.join(','),
  description: 'Deployment targets: docker compose and/or Pulumi/Kubernetes (comma-separated)',
  applies: () => true,
  parse: (raw) => list('targets', TARGETS, raw, 'target'),
  defaultValue: () => [...TARGETS],
  question: () => ({
    type: 'checkbox',
    name: 'targets',
    message: 'Deployment targets?',
    choices: [
      { name: 'docker compose', value: 'compose', checked: true },
      { name: 'Pulumi / Kubernetes', value: 'k8s', checked: true },
    ],
    validate: atLeastOne('target'),
  }),
  fromPrompt: (raw) => {
    const picked = ticked(raw).filter((t): t is Target => (TARGETS as readonly unknown[]).includes(t));
    if (picked.length === 0) throw new BrokerplateError('pick at least one target');
    return picked;
  },
};

function checkName(flag: string, raw: string): string {
  if (!PROJECT_NAME.re.test(raw)) throw new BrokerplateError(`--${flag}: ${JSON.stringify(raw)} ${PROJECT_NAME.rule}`);
  return raw;
}

export const nameSetting: Setting<'name'> = {
  key: 'name',
  flag: 'name',
  valueHint: 'name',
  description: 'Project name (a DNS-1123 label; default: the destination folder\'s name)',
  applies: () => true,
  parse: (raw) => checkName('name', raw),
  defaultValue: (_a, destination) => nameFromFolder(destination),
  question: (_a, destination) => ({
    type: 'input',
    name: 'name',
    message: 'Project name?',
    default: nameFromFolder(destination),
    validate: (answer) => PROJECT_NAME.re.test(String(answer)) || `${JSON.stringify(String(answer))} ${PROJECT_NAME.rule}`,
  }),
  fromPrompt: (raw) => checkName('name', String(raw)),
};

/** The patterns whose brokers the answers' stack has. */
function migrationsFor(a: Answers): MigrationPattern[] {
  return MIGRATION_PATTERNS.filter((p) => [MIGRATIONS[p].from.broker, MIGRATIONS[p].to.broker].every((b) => a.brokers?.includes(b)));
}

export const migrationSetting: Setting<'migration'> = {
  key: 'migration',
  flag: 'migration',
  valueHint: [NO_MIGRATION, ...MIGRATION_PATTERNS].join('|'),
  description: 'A migration kit from the guide\'s Migration Patterns (dual-write, verify, runbook; needs both brokers in the stack). Not prompted; default none',
  flagOnly: true,
  applies: () => true,
  parse: (raw, a) => {
    const value = oneOf('migration', [NO_MIGRATION, ...MIGRATION_PATTERNS] as const, raw, 'migration pattern');
    if (value === NO_MIGRATION) return value;
    const guide = MIGRATIONS[value];
    const missing = [guide.from.broker, guide.to.broker].filter((b, i, all) => all.indexOf(b) === i && !a.brokers?.includes(b));
    if (missing.length > 0) throw new BrokerplateError(`--migration ${value}: needs ${titles(missing)} in the stack, which has ${titles(a.brokers ?? [])}; add --brokers ${[...new Set([...(a.brokers ?? []), ...missing])].join(',')}`);
    return value;
  },
  defaultValue: () => NO_MIGRATION,
  question: (a) => ({
    type: 'select',
    name: 'migration',
    message: 'Generate a migration kit (the guide\'s Migration Patterns)?',
    choices: [{ name: 'none', value: NO_MIGRATION }, ...migrationsFor(a).map((p) => ({ name: `${MIGRATIONS[p].title}: ${MIGRATIONS[p].phases.map((ph) => ph.title).join(' → ')}`, value: p }))],
  }),
  fromPrompt: (raw, a) => migrationSetting.parse(String(raw), a),
};

/** The built spec with the chosen migration kit, or one line naming the flag when the stack has nothing to migrate. */
export function withMigration(spec: StackSpec, migration: MigrationChoice | undefined): StackSpec {
  if (!migration || migration === NO_MIGRATION) return spec;
  try {
    return addMigration(spec, migration);
  } catch (error) {
    if (error instanceof MigrationRefusedError) throw new BrokerplateError(`--migration ${migration}: ${error.message}`);
    throw error;
  }
}

/** The settings in the order they are asked. */
export const SETTINGS = [scenarioSetting, scaleSetting, brokersSetting, migrationSetting, profileSetting, targetsSetting, nameSetting] as const;

/** Flowchart flags: answer the guide's questions instead of naming a scenario. */
export const FLOWCHART_FLAGS = FLOWCHART_ORDER.map((key) => ({
  key,
  flag: FLOWCHART_QUESTIONS[key].flag,
  description: `Flowchart: ${FLOWCHART_QUESTIONS[key].question}`,
}));

/** Switches that are not questions. */
export const SWITCHES = [
  { flag: 'yes', description: 'Accept the recommendation and defaults without prompting (fails if a required answer is missing)' },
  { flag: 'dry-run', description: 'Print the plan (files created, updated, deleted, conflicts) and write nothing' },
  { flag: 'force', description: 'Overwrite (or delete) files that were edited by hand since they were generated' },
  { flag: 'rotate-certs', description: 'prod, compose: re-issue every certificate in secrets/tls/ (new keys) from the existing CA' },
  { flag: 'rotate-ca', description: 'prod, compose: a new CA in secrets/tls/, then every certificate re-issued from it' },
  { flag: 'interactive', description: 'Prompt for missing answers (default: only when stdin is a terminal; --no-interactive to never prompt)' },
] as const;
