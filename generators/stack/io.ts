/** Reading and writing brokerplate.yaml. */
import { parseDocument, stringify } from 'yaml';
import { parseSpec, type ParseResult } from './parse.ts';
import { SPEC_FILE, type StackSpec } from './types.ts';

const HEADER = [
  ` ${SPEC_FILE}: the brokerplate stack spec.`,
  ' Edit it, then run `npx brokerplate` (or `yo brokerplate`) in this folder: every generated file is rebuilt from it.',
  ' The block under brokers.<broker>.<profile> that matches `profile` applies.',
].join('\n');

export function serializeSpec(spec: StackSpec): string {
  const body = stringify(spec, { lineWidth: 0 });
  return `${HEADER.split('\n').map((l) => `#${l}`).join('\n')}\n${body}`;
}

/** Parses YAML text; syntax errors are reported like validation issues, with line and column. */
export function loadSpec(text: string): ParseResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { ok: false, issues: doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, rule: `is not valid YAML: ${e.message.split('\n')[0]}` })) };
  }
  return parseSpec(doc.toJS());
}
