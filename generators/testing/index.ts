/**
 * `generator-brokerplate/testing`: renders a project in memory, for snapshot tests of the output and
 * of a project's template overrides. No prompt, no disk write, nothing random: `.env` (secrets) and
 * `secrets/tls/` (keys and certificates) are added by a real run's write plan, never emitted, so
 * they are not in the result; everything else is what `npx -p generator-brokerplate brokerplate` writes, byte for byte.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { compileOverrides, emitProject, readTemplateSources, type Overrides } from '../emit/index.ts';
import { formatIssues, loadSpec, parseSpec, SPEC_FILE, type Profile, type StackSpec, type Target } from '../stack/index.ts';
import { readDisk } from '../write/disk.ts';

export type { Profile, StackSpec, Target } from '../stack/index.ts';

export interface RenderOptions {
  /** Render this profile instead of the spec's own (as `npx -p generator-brokerplate brokerplate --profile …` on a re-run). */
  readonly profile?: Profile;
  /** Render these targets instead of the spec's own (as `--targets …` on a re-run). */
  readonly targets?: readonly Target[];
  /**
   * A folder of template overrides laid out like the package's `templates/` (a project's
   * `.brokerplate/templates`): a path (relative to the working directory, or absolute) or a file URL.
   */
  readonly templatesDir?: string | URL;
  /** Called with each warning (an orphaned override); the default prints it with console.warn. */
  readonly onWarning?: (line: string) => void;
}

export interface RenderedFile {
  readonly contents: string;
  /** The permission bits a run gives the file (0o644 unless the file says otherwise). */
  readonly mode: number;
}

/** Project-relative path (forward slashes) → file, sorted by path. */
export type RenderedProject = Readonly<Record<string, RenderedFile>>;

function invalid(message: string): Error {
  return new Error(`${SPEC_FILE}: ${message}`);
}

/** The spec text with --profile/--targets applied as a re-run applies them (the text kept when nothing changes). */
function fromText(text: string, options: RenderOptions): { spec: StackSpec; text: string } {
  const current = loadSpec(text);
  if (!current.ok) throw invalid(formatIssues(current.issues));
  const doc = parseDocument(text);
  let changed = false;
  for (const key of ['profile', 'targets'] as const) {
    const value = options[key];
    if (value === undefined || JSON.stringify(current.spec[key]) === JSON.stringify(value)) continue;
    doc.set(key, value);
    changed = true;
  }
  if (!changed) return { spec: current.spec, text };
  const edited = doc.toString({ lineWidth: 0 });
  const result = loadSpec(edited);
  if (!result.ok) throw invalid(formatIssues(result.issues));
  return { spec: result.spec, text: edited };
}

function fromObject(spec: StackSpec, options: RenderOptions): StackSpec {
  const result = parseSpec({ ...spec, ...(options.profile && { profile: options.profile }), ...(options.targets && { targets: [...options.targets] }) });
  if (!result.ok) throw invalid(formatIssues(result.issues));
  return result.spec;
}

function overridesIn(dir: string, onWarning: (line: string) => void): Overrides {
  const overrides = compileOverrides(readTemplateSources(readDisk(resolve(dir)), '', dir.replace(/\/+$/, '')));
  for (const t of overrides.orphaned) onWarning(`${t.path} overrides ${t.name}, a template this version of brokerplate does not have (renamed or removed): not used`);
  return overrides;
}

/**
 * Every file a run would write for `spec` (a parsed spec, or the text of a `brokerplate.yaml`),
 * except `.env` and `secrets/tls/`. Throws on an invalid spec, and on a template override that does
 * not compile or render (the message names the override's file and line).
 */
export function renderProject(spec: StackSpec | string, options: RenderOptions = {}): RenderedProject {
  const input = typeof spec === 'string' ? fromText(spec, options) : { spec: fromObject(spec, options), text: undefined };
  const dir = options.templatesDir instanceof URL ? fileURLToPath(options.templatesDir) : options.templatesDir;
  const overrides = dir === undefined ? undefined : overridesIn(dir, options.onWarning ?? ((line) => console.warn(line)));
  const files = emitProject(input.spec, input.text, overrides);
  return Object.fromEntries(files.map((f) => [f.path, { contents: f.contents, mode: f.mode ?? 0o644 }]));
}
