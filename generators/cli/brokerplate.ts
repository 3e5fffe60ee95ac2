/**
 * The `brokerplate` bin: runs the same generator as `yo brokerplate`, with strict flag parsing,
 * `--help`, honest exit codes, and no prompt that can hang without a terminal.
 */
import { parseArgs } from 'node:util';
import { EXIT_USAGE, printable } from '../app/errors.ts';
import { repeatedFlag } from '../app/flags.ts';
import { helpText, PARSE_CONFIG } from './options.ts';

const OPTIONS_HINT = '(brokerplate --help lists the options)';

/**
 * parseArgs' error as `<what>: <why>`. Its unknown-option text ends in an unbalanced quote
 * (`as in '-- "--bogus"`), so that one is reworded; the rest keep Node's words.
 */
function usageMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '(.*?)'\. To specify/s.exec(message)?.[1] : undefined;
  if (unknown !== undefined) return `${unknown}: unknown option (brokerplate --help lists the options; a destination that starts with "-" goes after "--")`;
  return `${message} ${OPTIONS_HINT}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: PARSE_CONFIG, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    process.stderr.write(`brokerplate: error: ${printable(usageMessage(error))}\n`);
    return EXIT_USAGE;
  }
  const repeated = repeatedFlag(argv);
  if (repeated) {
    process.stderr.write(`brokerplate: error: ${printable(repeated)}\n`);
    return EXIT_USAGE;
  }
  if (parsed.values.help === true) {
    process.stdout.write(helpText());
    return 0;
  }
  if (parsed.positionals.length > 1) {
    process.stderr.write(`brokerplate: error: ${printable(parsed.positionals.join(' '))}: expected at most one destination folder\n`);
    return EXIT_USAGE;
  }
  const { help: _help, ...options } = parsed.values;
  // Loaded lazily: --help and usage errors should not pay for Yeoman's start-up.
  const { runGenerator } = await import('./run.ts');
  return runGenerator(parsed.positionals[0], options);
}

process.exitCode = await main(process.argv.slice(2));
