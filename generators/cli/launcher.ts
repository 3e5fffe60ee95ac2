/**
 * The bin's entry (dist/brokerplate.mjs): checks the Node version before the CLI is loaded. An ES
 * module that imports a name an older Node lacks fails while being linked, before any of its own
 * code could say why; this module imports nothing an old Node lacks.
 */
import { unsupportedMessage } from './node-version.ts';

/** package.json's engines.node range, put in by scripts/build.mjs. */
declare const __NODE_ENGINES__: string;

const tooOld = unsupportedMessage(process.versions.node, __NODE_ENGINES__);
if (tooOld === undefined) {
  await import('./brokerplate.ts');
} else {
  process.stderr.write(tooOld);
  process.exitCode = 1;
}
