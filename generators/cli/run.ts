/** Runs the generator in a Yeoman environment and turns the outcome into an exit code. */
import { fileURLToPath } from 'node:url';
import { QueuedAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import BrokerplateGenerator from '../app/generator.ts';
import { BrokerplateError } from '../app/settings.ts';
import { NoTerminalAdapter } from './adapter.ts';

/** Yeoman's progress log goes to stdout (it is the normal output); brokerplate's errors go to stderr. */
export async function runGenerator(destination: string | undefined, options: Record<string, unknown>): Promise<number> {
  const env = createEnv({ adapter: new QueuedAdapter({ adapter: new NoTerminalAdapter({ stderr: process.stdout }) }), skipInstall: true });
  env.register(BrokerplateGenerator, { namespace: 'brokerplate:app', resolved: fileURLToPath(import.meta.url) });
  try {
    // env.run rejects on failure; a bare .catch(console.error) would exit 0.
    await env.run(['brokerplate:app', ...(destination ? [destination] : [])], { ...options, skipInstall: true });
    return 0;
  } catch (error) {
    const message = error instanceof BrokerplateError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`brokerplate: error: ${message}\n`);
    return 1;
  }
}
