/**
 * The brokerplate Yeoman generator: flags and prompts build the stack spec (or it is read from
 * an existing brokerplate.yaml), then every file is emitted from the spec. `yo brokerplate` and
 * the `brokerplate` bin both run this class.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { parseDocument } from 'yaml';
import { buildEnv, emitProject, type GeneratedFile } from '../emit/index.ts';
import { walkFlowchart, FLOWCHART_QUESTIONS, scenarioForFlowchart, type FlowchartAnswers } from '../guide/index.ts';
import { buildSpec, formatIssue, loadSpec, parseSpec, SPEC_FILE, type StackSpec } from '../stack/index.ts';
import { plan, type PlannedFile } from './plan.ts';
import {
  BrokerplateError,
  brokersSetting,
  FLOWCHART_FLAGS,
  scenarioSetting,
  SETTINGS,
  SWITCHES,
  wantsFlowchart,
  type Answers,
  type Question,
  type Setting,
} from './settings.ts';

type Options = BaseOptions & Record<string, unknown>;

const REGEN_FIXED = ['scenario', 'brokers', 'name', 'scale', ...FLOWCHART_FLAGS.map((f) => f.flag)];

function secret(): string {
  return randomBytes(24).toString('base64url');
}

export default class BrokerplateGenerator extends Generator<Options> {
  #destination = '';
  #spec: StackSpec | undefined;
  /** The spec file's new text when a re-run changed it through flags. */
  #specText: string | undefined;
  #regenerating = false;

  constructor(args?: string[], options?: Options) {
    // No automatic npm install: the generated README says when to install what (root and infra/).
    super(args ?? [], options, { customInstallTask: true });
    this.argument('destination', { type: String, required: false, description: 'Folder to generate into (default: the current folder)' });
    for (const s of SETTINGS) this.option(s.flag, { type: String, description: `${s.description} [${s.valueHint}]` });
    for (const f of FLOWCHART_FLAGS) this.option(f.flag, { type: Boolean, description: `${f.description} (--no-${f.flag} for no)` });
    for (const s of SWITCHES) this.option(s.flag, { type: Boolean, description: s.description });
  }

  #opt(name: string): unknown {
    const camel = name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const options: Record<string, unknown> = this.options;
    return options[camel] ?? options[name];
  }

  #interactive(): boolean {
    if (this.#opt('yes') === true) return false;
    const flag = this.#opt('interactive');
    return typeof flag === 'boolean' ? flag : Boolean(process.stdin.isTTY);
  }

  initializing(): void {
    const dest = this.#opt('destination');
    this.#destination = resolve(this.env.cwd, typeof dest === 'string' && dest ? dest : '.');
    const specPath = join(this.#destination, SPEC_FILE);
    if (!existsSync(specPath)) return;
    this.#regenerating = true;
    const given = REGEN_FIXED.filter((f) => this.#opt(f) !== undefined);
    if (given.length > 0) {
      throw new BrokerplateError(`${given.map((f) => `--${f}`).join(', ')}: ${specPath} already exists; edit it instead (re-running regenerates from it), or generate into a new folder`);
    }
    this.#spec = this.#readSpec(specPath, readFileSync(specPath, 'utf8'));
  }

  /** Loads an existing spec, applying --profile/--targets by editing the YAML so the user's comments survive. */
  #readSpec(specPath: string, text: string): StackSpec {
    const doc = parseDocument(text);
    let changed = false;
    for (const key of ['profile', 'targets'] as const) {
      const raw = this.#opt(key);
      if (typeof raw !== 'string') continue;
      const setting = SETTINGS.find((s) => s.key === key);
      if (setting) doc.set(key, setting.parse(raw, {}));
      changed = true;
    }
    const result = loadSpec(changed ? doc.toString({ lineWidth: 0 }) : text);
    if (!result.ok) {
      throw new BrokerplateError(`${specPath} is not a valid stack spec:\n${result.issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    }
    if (changed) this.#specText = doc.toString({ lineWidth: 0 });
    return result.spec;
  }

  async prompting(): Promise<void> {
    if (this.#regenerating) return;
    const answers: Answers = {};
    await this.#resolveScenario(answers);
    for (const setting of SETTINGS) if (setting !== scenarioSetting) await this.#resolve(setting, answers);
    const { scenario, brokers, profile, targets, name } = answers;
    if (!scenario || !brokers || !profile || !targets || !name) throw new BrokerplateError('internal: an answer is missing');
    const raw = buildSpec({
      name,
      scenario,
      brokers,
      profile,
      targets,
      decision: {
        ...(answers.flowchart && { flowchart: answers.flowchart }),
        ...(answers.scale && { scale: answers.scale }),
        overridden: typeof this.#opt('brokers') === 'string' || this.#promptedBrokersDiffer(answers),
      },
    });
    // Parsing the built spec validates it and gives it the canonical key order a re-run reads back.
    const result = parseSpec(raw);
    if (!result.ok) throw new BrokerplateError(`the chosen options do not make a valid stack:\n${result.issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.#spec = result.spec;
  }

  #brokersPrompted = false;

  #promptedBrokersDiffer(answers: Answers): boolean {
    if (!this.#brokersPrompted || !answers.scenario || !answers.brokers) return false;
    const rec = brokersSetting.defaultValue(answers, this.#destination) ?? [];
    return rec.join(',') !== answers.brokers.join(',');
  }

  #missing(flags: string): never {
    throw new BrokerplateError(`missing answer: pass ${flags} (no terminal to ask on${this.#opt('yes') === true ? ', and --yes has no default for it' : '; or pass --yes to accept the defaults'})`);
  }

  async #ask(question: Question): Promise<unknown> {
    const result: Record<string, unknown> = await this.prompt([question]);
    return result[question.name];
  }

  async #resolve<K extends keyof Answers>(setting: Setting<K>, answers: Answers): Promise<void> {
    if (!setting.applies(answers)) return;
    const raw = this.#opt(setting.flag);
    if (typeof raw === 'string') {
      answers[setting.key] = setting.parse(raw, answers);
      return;
    }
    if (this.#interactive()) {
      if (setting.key === 'brokers') this.#brokersPrompted = true;
      answers[setting.key] = setting.fromPrompt(await this.#ask(setting.question(answers, this.#destination)), answers);
      return;
    }
    const fallback = this.#opt('yes') === true ? setting.defaultValue(answers, this.#destination) : undefined;
    if (fallback === undefined) this.#missing(`--${setting.flag} <${setting.valueHint}>`);
    answers[setting.key] = fallback;
  }

  /** The scenario comes from --scenario, from the flowchart flags, or from a prompt (which may walk the flowchart). */
  async #resolveScenario(answers: Answers): Promise<void> {
    const scenario = scenarioSetting;
    const raw = this.#opt(scenario.flag);
    const flowFlags = FLOWCHART_FLAGS.filter((f) => typeof this.#opt(f.flag) === 'boolean');
    if (typeof raw === 'string') {
      if (flowFlags.length > 0) throw new BrokerplateError(`--scenario and --${flowFlags[0]?.flag}: give either a scenario or the flowchart answers, not both`);
      answers.scenario = scenario.parse(raw, answers);
      return;
    }
    if (flowFlags.length > 0) return this.#walk(answers, false);
    if (!this.#interactive()) this.#missing(`--scenario <${scenario.valueHint}> (or answer the flowchart with --replay, --complex-routing, --low-latency)`);
    const picked = await this.#ask(scenario.question(answers, this.#destination));
    if (wantsFlowchart(picked)) return this.#walk(answers, true);
    answers.scenario = scenario.fromPrompt(picked, answers);
  }

  /** Asks (or reads from flags) only the flowchart questions the guide's chart actually reaches. */
  async #walk(answers: Answers, prompt: boolean): Promise<void> {
    const given: Partial<Record<keyof FlowchartAnswers, boolean>> = {};
    for (const f of FLOWCHART_FLAGS) {
      const v = this.#opt(f.flag);
      if (typeof v === 'boolean') given[f.key] = v;
    }
    const flow: { -readonly [K in keyof FlowchartAnswers]: boolean } = { replay: false, complexRouting: false, lowLatencyOrRedis: false };
    for (const f of FLOWCHART_FLAGS) {
      let value = given[f.key];
      if (value === undefined && prompt) value = Boolean(await this.#ask({ type: 'confirm', name: f.key, message: FLOWCHART_QUESTIONS[f.key].question, default: false }));
      if (value === undefined && this.#opt('yes') !== true) this.#missing(`--${f.flag} or --no-${f.flag}`);
      flow[f.key] = value ?? false;
      if (flow[f.key]) break; // the chart stops at the first yes
    }
    answers.flowchart = flow;
    answers.scenario = scenarioForFlowchart(flow);
    this.log(`Flowchart: ${walkFlowchart(flow).path.map((s) => `${s.question} ${s.answer ? 'yes' : 'no'}`).join(' → ')} → ${walkFlowchart(flow).broker}`);
  }

  #readDisk = (path: string): string | undefined => {
    const full = join(this.#destination, path);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  };

  writing(): void {
    const spec = this.#spec;
    if (!spec) throw new BrokerplateError('internal: no spec');
    // A re-run keeps the user's spec file (and its comments), edited only where a flag changed it.
    const files: GeneratedFile[] = emitProject(spec, this.#regenerating ? (this.#specText ?? this.#readDisk(SPEC_FILE)) : undefined);
    const planned = plan(files, this.#readDisk);
    const envText = buildEnv(spec, this.#readDisk('.env'), secret);
    const envStatus: PlannedFile = { path: '.env', status: this.#readDisk('.env') === undefined ? 'create' : this.#readDisk('.env') === envText ? 'identical' : 'update' };

    if (this.#opt('dry-run') === true) {
      this.log(`Dry run: nothing written. ${this.#destination}`);
      for (const p of [...planned, envStatus]) this.log(`  ${p.status.padEnd(11)} ${p.path}`);
      return;
    }
    const conflicts = planned.filter((p) => p.status === 'conflict');
    const force = this.#opt('force') === true;
    if (conflicts.length > 0 && !force && !this.#interactive()) {
      throw new BrokerplateError(
        `these files were edited by hand since brokerplate generated them:\n${conflicts.map((c) => `  - ${c.path}`).join('\n')}\npass --force to overwrite them, or run in a terminal to decide file by file`,
      );
    }
    this.destinationRoot(this.#destination);
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const p of planned) {
      const f = byPath.get(p.path);
      const target = this.destinationPath(p.path);
      if (p.status === 'delete') this.fs.delete(target);
      if (p.status === 'keep-edited') this.log(`kept ${p.path}: the spec no longer produces it, but it was edited by hand`);
      if (!f || p.status === 'identical' || p.status === 'keep-seed') continue;
      this.fs.write(target, f.contents);
      // Files brokerplate wrote last time (unchanged since) are its own to replace: no conflict prompt.
      if (p.status === 'update' || force) {
        this.#forceWrite(target);
      }
    }
    if (envStatus.status !== 'identical') {
      this.fs.write(this.destinationPath('.env'), envText);
      this.#forceWrite(this.destinationPath('.env'));
    }
  }

  /** Marks a pending file so Yeoman's conflicter writes it without asking. */
  #forceWrite(path: string): void {
    Object.assign(this.fs.store.get(path), { conflicter: 'force' });
  }

  end(): void {
    if (this.#opt('dry-run') === true || !this.#spec) return;
    this.log(`\nbrokerplate: ${this.#regenerating ? 'regenerated' : 'generated'} ${this.#spec.name} (${this.#spec.scenario}, ${this.#spec.profile}) in ${this.#destination}`);
    this.log('Next: read README.md; secrets are in .env (git-ignored).');
  }
}
