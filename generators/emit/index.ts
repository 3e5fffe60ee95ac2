/** Emits the whole project for a spec: a plain, deterministic function of it. */
import type { StackSpec } from '../stack/index.ts';
import type { Area, AreaOutput } from './area.ts';
import { backupArea } from './backup.ts';
import { clients } from './clients.ts';
import { composeArea } from './compose.ts';
import { k8sArea } from './k8s.ts';
import { contentHash, jsonFile, normalise, type GeneratedFile } from './files.ts';
import { monitoringArea } from './monitoring.ts';
import { MANIFEST_FILE, projectFiles } from './project.ts';

/** The output areas; each later issue adds one (compose, Kubernetes, clients, monitoring, backup). */
export const AREAS: readonly Area[] = [composeArea, k8sArea, clients, monitoringArea, backupArea];

/** `specText` is the user's own brokerplate.yaml on a re-run, kept as written (comments and all). */
export function emitProject(spec: StackSpec, specText?: string): GeneratedFile[] {
  const outputs: AreaOutput[] = AREAS.filter((a) => a.applies(spec)).map((a) => a.emit(spec));
  const files = [...projectFiles(spec, outputs, specText), ...outputs.flatMap((o) => o.files)];
  const sorted = normalise(files);
  const hashes = Object.fromEntries(sorted.filter((f) => !f.seed).map((f) => [f.path, contentHash(f.contents)]));
  return normalise([...sorted, jsonFile(MANIFEST_FILE, { generator: 'brokerplate', files: hashes })]);
}

export { MANIFEST_FILE } from './project.ts';
export { buildEnv, envExample, parseEnv } from './env.ts';
export { contentHash, type GeneratedFile } from './files.ts';
