/**
 * Without a terminal, a prompt would wait forever on an open stdin pipe. This adapter answers
 * nothing: it fails with the question, so the run exits non-zero and says which flag to pass.
 */
import { TerminalAdapter } from '@yeoman/adapter';
import type { PromptAnswers, PromptQuestions } from '@yeoman/adapter/types';
import { BrokerplateError } from '../app/errors.ts';

export class NoTerminalAdapter extends TerminalAdapter {
  override async prompt<A extends PromptAnswers = PromptAnswers>(questions: PromptQuestions<A>, initialAnswers?: Partial<A>): Promise<A> {
    if (process.stdin.isTTY) return super.prompt(questions, initialAnswers);
    const list = Array.isArray(questions) ? questions : [questions];
    // Only --interactive gets here without a terminal (otherwise a missing answer names its flag first).
    const asked = list.map((q) => (typeof q === 'object' && q !== null && 'message' in q ? `"${String(q.message).replace(/:$/, '')}"` : 'a question')).join(', ');
    throw new BrokerplateError(`--interactive: stdin is not a terminal, so nobody can answer ${asked}; run it in a terminal, or drop --interactive and pass the answers as flags (brokerplate --help lists them)`);
  }
}
