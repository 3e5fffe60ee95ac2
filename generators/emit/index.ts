/** Emits the whole project for a spec: a plain, deterministic function of it. */
import type { StackSpec } from '../stack/index.ts';
import { manifestFile } from '../write/manifest.ts';
import type { Area, AreaOutput } from './area.ts';
import { asyncApiArea } from './asyncapi.ts';
import { backupArea } from './backup.ts';
import { clients } from './clients.ts';
import { composeArea } from './compose.ts';
import { k8sArea } from './k8s.ts';
import { normalise, type GeneratedFile } from './files.ts';
import { migrationsArea } from './migrations.ts';
import { monitoringArea } from './monitoring.ts';
import { overridesListing, type Overrides } from './overrides.ts';
import { projectFiles } from './project.ts';
import { withTemplates } from './render.ts';
import { tlsArea } from './tls.ts';

/** The output areas; each later issue adds one (compose, Kubernetes, clients, monitoring, backup, TLS, AsyncAPI, migrations). */
export const AREAS: readonly Area[] = [composeArea, k8sArea, clients, monitoringArea, backupArea, tlsArea, asyncApiArea, migrationsArea];

/**
 * Every file of the project, the manifest included (.env is not: its values are random, so the
 * generator adds it to the write plan). `specText` is the user's own brokerplate.yaml on a re-run,
 * kept as written (comments and all). `overrides`: the project's template overrides (overrides.ts),
 * used in place of the package's templates and listed in the manifest.
 */
export function emitProject(spec: StackSpec, specText?: string, overrides?: Overrides): GeneratedFile[] {
  return withTemplates(overrides?.lookup, () => {
    const outputs: AreaOutput[] = AREAS.filter((a) => a.applies(spec)).map((a) => a.emit(spec));
    const sorted = normalise([...projectFiles(spec, outputs, specText), ...outputs.flatMap((o) => o.files)]);
    return normalise([...sorted, manifestFile(sorted, overridesListing(overrides))]);
  });
}

export { contentHash, MANIFEST_FILE } from '../write/manifest.ts';
export { buildEnv, ENV_FILE, envExample, envFile, mergeEnv, parseEnv, type MergedEnv } from './env.ts';
export { compileOverrides, formatOverrides, OVERRIDES_DIR, readTemplateSources, type Overrides, type TemplateSource } from './overrides.ts';
export { kindOf, type FileKind, type FileMode, type GeneratedFile } from './files.ts';
