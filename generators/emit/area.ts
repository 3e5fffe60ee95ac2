/**
 * The seam every output area plugs into (project skeleton, compose, Kubernetes, clients,
 * monitoring, backup). An area is a plain function of the spec; the project area assembles
 * the README and package.json from what the others contribute.
 */
import type { StackSpec } from '../stack/index.ts';
import type { GeneratedFile } from './files.ts';

export interface ReadmeSection {
  readonly title: string;
  /** Markdown, already rendered. */
  readonly body: string;
}

export interface PackageContribution {
  /** `engines.node`, when an area's dependencies need more than the default. */
  readonly node?: string;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

export interface AreaOutput {
  readonly files: readonly GeneratedFile[];
  readonly readme?: readonly ReadmeSection[];
  readonly packageJson?: PackageContribution;
  /** What each top-level folder or file of the area is for, for the README's layout table. */
  readonly layout?: readonly { readonly path: string; readonly purpose: string }[];
}

export interface Area {
  readonly id: string;
  applies(spec: StackSpec): boolean;
  emit(spec: StackSpec): AreaOutput;
}
