/**
 * Expected failures and how they end a run: one line, `brokerplate: error: <what>: <why>`, on
 * stderr, with an honest exit code (1 invalid input or a failed write, nothing written; 2 bad usage;
 * 130 interrupted). Only an unexpected error (a bug) shows a stack trace.
 */
import { fsProblem, isErrno, WriteError } from '../write/errors.ts';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A usage or validation failure: printed without a stack trace. */
export class BrokerplateError extends Error {
  override name = 'BrokerplateError';

  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface Failure {
  /** The whole message, starting with `brokerplate: error: `. */
  readonly text: string;
  readonly exitCode: number;
}

/** Inquirer's error for Ctrl-C at a prompt (its class is not exported by the bundle we ship). */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/**
 * `text` safe to print on a terminal as one line: control characters (C0 with newline and tab, DEL, C1),
 * bidirectional overrides and isolates and the Unicode line separators become `\xNN` / `\uNNNN`. A flag,
 * path or value typed by someone else (ESC sequences can rewrite the screen or the title) is shown, not obeyed.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function describeFailure(error: unknown): Failure {
  const line = (message: string, exitCode: number = EXIT_FAILURE): Failure => ({ text: `brokerplate: error: ${printable(message)}\n`, exitCode });
  if (error instanceof BrokerplateError) return line(error.message, error.exitCode);
  if (error instanceof WriteError) return line(error.message);
  if (isPromptExit(error)) return line('interrupted: Ctrl-C at a prompt; nothing was written', EXIT_INTERRUPTED);
  if (isErrno(error)) {
    const problem = fsProblem(error.path ?? error.syscall ?? 'a file', error);
    return line(`${problem.what}: ${problem.why}`);
  }
  // A bug: the stack trace keeps its lines (each escaped on its own).
  const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { text: `brokerplate: error: internal error (please report it): ${trace.split('\n').map(printable).join('\n')}\n`, exitCode: EXIT_FAILURE };
}

/** Prints the failure and ends the process (the bin and `yo brokerplate`: Yeoman would otherwise add its own lines). */
export function exitWith(error: unknown): never {
  const failure = describeFailure(error);
  process.stderr.write(failure.text);
  process.exit(failure.exitCode);
}
