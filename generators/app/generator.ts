/**
 * The brokerplate Yeoman generator: flags and prompts build the stack spec (or it is read from
 * an existing brokerplate.yaml), then every file is emitted from the spec and written through one
 * plan: emit → plan → (ask about conflicts) → dry run ? print : apply. Files are written with node
 * fs by generators/write/, never through Yeoman's mem-fs and conflicter, so nothing reaches the
 * disk before the plan is final. `yo brokerplate` and the `brokerplate` bin both run this class
 * (through index.ts, which ends an expected failure with one line).
 */
import { join, resolve } from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { parseDocument } from 'yaml';
import { compileOverrides, emitProject, ENV_FILE, envFile, formatOverrides, OVERRIDES_DIR, parseEnv, readTemplateSources, type GeneratedFile, type MergedEnv, type Overrides } from '../emit/index.ts';
import { webConfigFiles } from '../emit/monitoring-auth.ts';
import { hasTlsMaterial, tlsMaterial, tlsNote, type Rotation, type TlsMaterial } from '../emit/tls-files.ts';
import { caName, composeCertificates } from '../emit/tls.ts';
import { flowchartAnswers, walkFlowchart, FLOWCHART_QUESTIONS, scenarioForFlowchart, type FlowchartQuestion } from '../guide/index.ts';
import { BrokersRefusedError, buildSpec, formatIssues, type Choices, loadSpec, MAX_SPEC_BYTES, parseSpec, SPEC_FILE, type SpecIssue, type StackSpec } from '../stack/index.ts';
import { apply } from '../write/apply.ts';
import { checkDestination, readDisk, type Disk } from '../write/disk.ts';
import { WriteError } from '../write/errors.ts';
import { conflictsOf, entryProblem, formatPlan, isNoop, plan, settle, type Plan, type PlannedFile } from '../write/plan.ts';
import { repeatedFlag } from './flags.ts';
import { FROM_FLAG, specFromDocument } from './from.ts';
import { EXIT_USAGE } from './errors.ts';
import { conflictError, envNotes, invalidSpec, loadIssuer, secret } from './run-messages.ts';
import {
  BrokerplateError,
  brokersSetting,
  FLOWCHART_FLAGS,
  scenarioSetting,
  SETTINGS,
  SWITCHES,
  wantsFlowchart,
  withMigration,
  type Answers,
  type Question,
  type Setting,
} from './settings.ts';

type Options = BaseOptions & Record<string, unknown>;

const REGEN_FIXED = ['scenario', 'brokers', 'name', 'scale', 'migration', FROM_FLAG.flag, ...FLOWCHART_FLAGS.map((f) => f.flag)];

export default class BrokerplateGenerator extends Generator<Options> {
  #destination = '';
  /** The destination as read once at the start; the plan is computed from it. */
  #disk: Disk | undefined;
  #spec: StackSpec | undefined;
  /** On a re-run: the spec file's text to keep (the user's, edited where --profile/--targets changed it). */
  #specText: string | undefined;
  #regenerating = false;
  #plan: Plan | undefined;
  #envNotes: readonly string[] = [];
  /** The project's template overrides (.brokerplate/templates/), compiled before anything is asked. */
  #overrides: Overrides | undefined;

  constructor(args?: string[], options?: Options) {
    // No automatic npm install: the generated README says when to install what (root and infra/).
    // inheritTasks: the lifecycle methods (initializing, prompting, writing, end) are the only tasks,
    // found on this class and its subclasses (index.ts).
    super(args ?? [], options, { customInstallTask: true, inheritTasks: true });
    this.argument('destination', { type: String, required: false, description: 'Folder to generate into (default: the current folder)' });
    for (const s of SETTINGS) this.option(s.flag, { type: String, description: `${s.description} [${s.valueHint}]` });
    this.option(FROM_FLAG.flag, { type: String, description: `${FROM_FLAG.description} [${FROM_FLAG.valueHint}]` });
    for (const f of FLOWCHART_FLAGS) this.option(f.flag, { type: Boolean, description: `${f.description} (--no-${f.flag} for no)` });
    for (const s of SWITCHES) this.option(s.flag, { type: Boolean, description: s.description });
  }

  /**
   * Ends the run on a failure (the underscore keeps Yeoman from running it as a task). Here it
   * throws, for yeoman-test and other hosts; the bin and `yo brokerplate` run index.ts, which
   * prints one line and exits.
   */
  protected _fail(error: unknown): never {
    throw error;
  }

  async #guard(work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this._fail(error);
    }
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

  initializing(): Promise<void> {
    return this.#guard(() => this.#initialize());
  }

  /**
   * The command line as typed, when the host has one to give (index.ts: the bin and `yo brokerplate`).
   * Yeoman merges a flag given twice (`--brokers kafka --brokers redis` arrives as "kafka,redis"), so
   * a repeated flag is found here.
   */
  protected _commandLine(): readonly string[] {
    return [];
  }

  #initialize(): void {
    const repeated = repeatedFlag(this._commandLine());
    if (repeated) throw new BrokerplateError(repeated, EXIT_USAGE);
    const dest = this.#opt('destination');
    this.#destination = resolve(this.env.cwd, typeof dest === 'string' && dest ? dest : '.');
    checkDestination(this.#destination);
    const disk = readDisk(this.#destination);
    this.#disk = disk;
    this.#overrides = compileOverrides(readTemplateSources(disk, OVERRIDES_DIR, OVERRIDES_DIR));
    const entry = disk.entry(SPEC_FILE);
    const problem = entryProblem(SPEC_FILE, entry);
    if (problem) throw new WriteError(problem);
    if (entry.type !== 'file') return;
    this.#regenerating = true;
    const given = REGEN_FIXED.filter((f) => this.#opt(f) !== undefined);
    if (given.length > 0) {
      throw new BrokerplateError(`${given.map((f) => `--${f}`).join(', ')}: ${join(this.#destination, SPEC_FILE)} already exists; edit it instead (re-running regenerates from it), or generate into a new folder`);
    }
    this.#spec = this.#readSpec(entry.bytes);
  }

  /**
   * Loads an existing spec, applying --profile/--targets by editing the YAML so the user's comments
   * survive. The text is validated as it stands first: it is untrusted input (size, aliases, tags).
   */
  #readSpec(bytes: Buffer): StackSpec {
    if (bytes.length > MAX_SPEC_BYTES) throw invalidSpec([{ path: '', rule: `is ${bytes.length} bytes; a spec may be at most ${MAX_SPEC_BYTES} bytes (1 MiB)` }]);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw invalidSpec([{ path: '', rule: 'is not UTF-8 text' }]);
    }
    const current = loadSpec(text);
    if (!current.ok) throw invalidSpec(current.issues);
    const doc = parseDocument(text);
    let changed = false;
    for (const key of ['profile', 'targets'] as const) {
      const raw = this.#opt(key);
      if (typeof raw !== 'string') continue;
      const setting = SETTINGS.find((s) => s.key === key);
      if (!setting) continue;
      const value = setting.parse(raw, {});
      // Rewritten only when the value changes: the user's text stays byte for byte otherwise.
      if (JSON.stringify(current.spec[key]) === JSON.stringify(value)) continue;
      doc.set(key, value);
      changed = true;
    }
    if (!changed) {
      this.#specText = text;
      return current.spec;
    }
    const edited = doc.toString({ lineWidth: 0 });
    const result = loadSpec(edited);
    if (!result.ok) throw invalidSpec(result.issues);
    this.#specText = edited;
    return result.spec;
  }

  prompting(): Promise<void> {
    return this.#guard(() => this.#prompt());
  }

  async #prompt(): Promise<void> {
    if (this.#regenerating) return;
    const from = this.#opt(FROM_FLAG.flag);
    if (typeof from === 'string') return this.#fromDocument(from);
    const answers: Answers = {};
    await this.#resolveScenario(answers);
    for (const setting of SETTINGS) if (setting !== scenarioSetting) await this.#resolve(setting, answers);
    const { scenario, brokers, profile, targets, name } = answers;
    if (!scenario || !brokers || !profile || !targets || !name) throw new BrokerplateError('internal: an answer is missing');
    const built = this.#build({
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
    const raw = withMigration(built, answers.migration);
    // Parsing the built spec validates it and gives it the canonical key order a re-run reads back.
    const result = parseSpec(raw);
    if (!result.ok) throw new BrokerplateError(`the chosen options do not make a valid stack: ${formatIssues(result.issues)}`);
    this.#spec = result.spec;
  }

  /** --from: the spec from an AsyncAPI document (app/from.ts); its notes say what it left out. */
  #fromDocument(file: string): void {
    const imported = specFromDocument(file, { cwd: this.env.cwd, destination: this.#destination, option: (name) => this.#opt(name) });
    for (const note of imported.notes) this.log(`--${FROM_FLAG.flag}: ${note}`);
    this.#spec = imported.spec;
  }

  /** buildSpec, with a --brokers choice that leaves a channel nowhere to go as one line naming the flag. */
  #build(choices: Choices): StackSpec {
    try {
      return buildSpec(choices);
    } catch (error) {
      if (error instanceof BrokersRefusedError) throw new BrokerplateError(`--brokers ${choices.brokers.join(',')}: ${error.message}`);
      throw error;
    }
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
    const raw = this.#opt(setting.flag);
    if (!setting.applies(answers)) {
      if (raw !== undefined) throw new BrokerplateError(`--${setting.flag}: ${setting.ignoredBecause?.(answers) ?? 'does not apply here'}`, EXIT_USAGE);
      return;
    }
    if (typeof raw === 'string') {
      answers[setting.key] = setting.parse(raw, answers);
      return;
    }
    if (setting.flagOnly) {
      answers[setting.key] = setting.defaultValue(answers, this.#destination);
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
    if (flowFlags.length > 0) return this.#walk(answers, this.#interactive()); // in a terminal, asks the questions the flags left open
    if (!this.#interactive()) this.#missing(`--scenario <${scenario.valueHint}> (or answer the flowchart with --replay, --complex-routing, --low-latency)`);
    const picked = await this.#ask(scenario.question(answers, this.#destination));
    if (wantsFlowchart(picked)) return this.#walk(answers, true);
    answers.scenario = scenario.fromPrompt(picked, answers);
  }

  /** Asks (or reads from flags) only the flowchart questions the guide's chart actually reaches. */
  async #walk(answers: Answers, prompt: boolean): Promise<void> {
    const given: Partial<Record<FlowchartQuestion, boolean>> = {};
    for (const f of FLOWCHART_FLAGS) {
      const v = this.#opt(f.flag);
      if (typeof v === 'boolean') given[f.key] = v;
    }
    const asked: boolean[] = [];
    for (const [i, f] of FLOWCHART_FLAGS.entries()) {
      if (asked.at(-1) === true) {
        // The chart stops at the first yes: a later answer would be ignored, so it is refused.
        const yes = FLOWCHART_FLAGS[i - 1]?.flag ?? '';
        if (given[f.key] !== undefined) throw new BrokerplateError(`--${given[f.key] ? '' : 'no-'}${f.flag}: the flowchart stops at its first yes (--${yes}), so it never asks "${FLOWCHART_QUESTIONS[f.key].question}"; leave the flag out`, EXIT_USAGE);
        continue;
      }
      let value = given[f.key];
      if (value === undefined && prompt) value = Boolean(await this.#ask({ type: 'confirm', name: f.key, message: FLOWCHART_QUESTIONS[f.key].question, default: false }));
      if (value === undefined && this.#opt('yes') !== true) this.#missing(`--${f.flag} or --no-${f.flag}`);
      asked.push(value ?? false);
    }
    const flow = flowchartAnswers(asked[0] ?? false, asked[1], asked[2]);
    if (!flow) throw new BrokerplateError('internal: the flowchart was not answered');
    answers.flowchart = flow;
    answers.scenario = scenarioForFlowchart(flow);
    this.log(`Flowchart: ${walkFlowchart(flow).path.map((s) => `${s.question} ${s.answer ? 'yes' : 'no'}`).join(' → ')} → ${walkFlowchart(flow).broker}`);
  }

  writing(): Promise<void> {
    return this.#guard(() => this.#write());
  }

  /** emit → plan → settle conflicts (ask in a terminal, or --force) → dry run ? print : apply. */
  async #write(): Promise<void> {
    const spec = this.#spec;
    const disk = this.#disk;
    if (!spec || !disk) throw new BrokerplateError('internal: no spec');
    const env = disk.entry(ENV_FILE);
    const secrets = envFile(spec, env.type === 'file' ? env.bytes.toString('utf8') : undefined, secret);
    const tls = await this.#tls(spec, disk);
    // prod monitoring: bcrypt hashes of the .env passwords for --web.config.file, kept beside secrets/tls/.
    const webConfigs = webConfigFiles(spec, { env: parseEnv(secrets.file.contents), read: (path) => this.#readPlain(disk, path) });
    const files: GeneratedFile[] = [...emitProject(spec, this.#specText, this.#overrides), secrets.file, ...tls.files, ...webConfigs];
    let planned = plan(files, disk);
    // Warnings go to stderr like errors (stdout is the plan); the run goes on.
    for (const w of planned.warnings) process.stderr.write(`brokerplate: warning: ${w}\n`);
    const dryRun = this.#opt('dry-run') === true;
    const conflicts = conflictsOf(planned);
    if (conflicts.length > 0 && this.#opt('force') === true) planned = settle(planned, disk, () => true);
    else if (conflicts.length > 0 && this.#interactive() && !dryRun) {
      const overwrite = new Set<string>();
      for (const c of conflicts) if (await this.#askOverwrite(c)) overwrite.add(c.path);
      planned = settle(planned, disk, (f) => overwrite.has(f.path));
    } else if (conflicts.length > 0 && !dryRun) throw conflictError(conflicts);
    const tlsLine = tlsNote(tls, dryRun);
    this.#envNotes = [...envNotes(secrets.merged, dryRun), ...(tlsLine ? [tlsLine] : []), ...formatOverrides(this.#overrides)];
    if (dryRun) {
      this.log(`Dry run: nothing written. The plan for ${this.#destination}:`);
      for (const line of formatPlan(planned)) this.log(line);
      if (conflicts.length > 0 && this.#opt('force') !== true) {
        this.log('A real run asks about each conflict in a terminal, stops without one (nothing written), or overwrites them with --force.');
      }
      for (const note of this.#envNotes) this.log(note);
      return;
    }
    await apply(this.#destination, planned);
    this.#plan = planned;
  }

  /** The TLS material (compose, prod): kept, completed, or rotated with --rotate-certs / --rotate-ca. */
  async #tls(spec: StackSpec, disk: Disk): Promise<TlsMaterial> {
    const rotate: Rotation = this.#opt('rotate-ca') === true ? 'ca' : this.#opt('rotate-certs') === true ? 'leaves' : 'none';
    const requests = composeCertificates(spec);
    const flag = rotate === 'ca' ? '--rotate-ca' : '--rotate-certs';
    if (rotate !== 'none' && requests.length === 0) {
      const why = spec.profile !== 'prod' ? `the ${spec.profile} profile has no TLS material (it stays plaintext on loopback)` : 'only the compose target has certificates in secrets/tls/ (in Kubernetes, cert-manager renews them: see README.md)';
      throw new BrokerplateError(`${flag}: ${why}; nothing was written`);
    }
    const read = (path: string) => this.#readPlain(disk, path);
    // A rotation on a first run (or after secrets/tls/ was lost) would quietly issue a new CA: say so instead.
    if (rotate !== 'none' && !hasTlsMaterial(requests, read)) {
      throw new BrokerplateError(`${flag}: nothing to rotate: no certificates yet; a normal run creates them; nothing was written`);
    }
    return tlsMaterial({ requests, caName: caName(spec), read, rotate, now: new Date(), loadIssuer });
  }

  /** A project file's text; nothing is read through a link (the plan then refuses the path with its reason). */
  #readPlain(disk: Disk, path: string): string | undefined {
    const parts = path.split('/');
    if (parts.slice(0, -1).some((_, i) => disk.entry(parts.slice(0, i + 1).join('/')).type === 'symlink')) return undefined;
    const entry = disk.entry(path);
    return entry.type === 'file' ? entry.bytes.toString('utf8') : undefined;
  }

  async #askOverwrite(c: PlannedFile): Promise<boolean> {
    const verb = c.overwrite === 'delete' ? 'Delete' : 'Overwrite';
    return Boolean(await this.#ask({ type: 'confirm', name: 'overwrite', message: `${c.path}: ${c.note ?? 'edited by hand'}. ${verb} it?`, default: false }));
  }

  end(): void {
    const applied = this.#plan;
    if (!applied || !this.#spec) return;
    for (const line of formatPlan(applied)) this.log(line);
    for (const note of this.#envNotes) this.log(note);
    const done = isNoop(applied) ? 'nothing to change for' : this.#regenerating ? 'regenerated' : 'generated';
    this.log(`\nbrokerplate: ${done} ${this.#spec.name} (${this.#spec.scenario}, ${this.#spec.profile}) in ${this.#destination}`);
    this.log('Next: read README.md; secrets are in .env (git-ignored).');
  }
}
