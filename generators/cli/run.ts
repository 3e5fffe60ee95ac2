/** Runs the generator in a Yeoman environment and turns the outcome into an exit code. */
import { fileURLToPath } from 'node:url';
import { QueuedAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import { describeFailure } from '../app/errors.ts';
import BrokerplateCliGenerator from '../app/index.ts';
import { NoTerminalAdapter } from './adapter.ts';

/**
 * Yeoman's progress log goes to stdout (it is the normal output); brokerplate's errors go to stderr.
 * A failure inside the generator prints its line and exits there (app/index.ts); this catches what
 * fails around it (Yeoman's own option handling).
 */
export async function runGenerator(destination: string | undefined, options: Record<string, unknown>): Promise<number> {
  const env = createEnv({ adapter: new QueuedAdapter({ adapter: new NoTerminalAdapter({ stderr: process.stdout }) }), skipInstall: true });
  env.register(BrokerplateCliGenerator, { namespace: 'brokerplate:app', resolved: fileURLToPath(import.meta.url) });
  try {
    // env.run rejects on failure; a bare .catch(console.error) would exit 0.
    await env.run(['brokerplate:app', ...(destination ? [destination] : [])], { ...options, skipInstall: true });
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    process.stderr.write(failure.text);
    return failure.exitCode;
  }
}
