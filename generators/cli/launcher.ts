/**
 * The bin's entry (dist/brokerplate.mjs): checks the Node version before the CLI is loaded. An ES
 * module that imports a name an older Node lacks fails while being linked, before any of its own
 * code could say why; this module imports nothing an old Node lacks.
 */
import { tooOldMessage } from './node-version.ts';

/** package.json's engines.node minimum, put in by scripts/build.mjs. */
declare const __MIN_NODE__: string;

const tooOld = tooOldMessage(process.versions.node, __MIN_NODE__);
if (tooOld === undefined) {
  await import('./brokerplate.ts');
} else {
  process.stderr.write(tooOld);
  process.exitCode = 1;
}
