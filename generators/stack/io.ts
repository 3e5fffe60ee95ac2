/** Reading and writing brokerplate.yaml. */
import { isPair, isScalar, isSeq, parseDocument, stringify, visit, type Document, type Node, type YAMLError } from 'yaml';
import { parseSpec, type ParseResult } from './parse.ts';
import { join, type SpecIssue } from './reader.ts';
import { MAX_ALIASES, MAX_SPEC_BYTES } from './text.ts';
import { SPEC_FILE, type StackSpec } from './types.ts';

const HEADER = [
  ` ${SPEC_FILE}: the brokerplate stack spec.`,
  ' Edit it, then run `npx -p generator-brokerplate brokerplate` (or `yo brokerplate`) in this folder: every generated file is rebuilt from it.',
  ' The block under brokers.<broker>.<profile> that matches `profile` applies.',
].join('\n');

export function serializeSpec(spec: StackSpec): string {
  const body = stringify(spec, { lineWidth: 0 });
  return `${HEADER.split('\n').map((l) => `#${l}`).join('\n')}\n${body}`;
}

/** The spec's field path of a node, from the collections and pairs above it. */
function fieldPath(ancestors: readonly unknown[], node: unknown): string {
  let path = '';
  const chain = [...ancestors, node];
  chain.forEach((here, i) => {
    const next = chain[i + 1];
    if (isSeq(here)) path = join(path, here.items.indexOf(next as Node));
    else if (isPair(here) && here.value === next) path = join(path, isScalar(here.key) ? String(here.key.value) : '?');
  });
  return path;
}

/**
 * Explicit tags (`!!float 1`, `!!binary …`, `!custom`) are refused: the spec is plain data, a tag
 * either restates what the value already is or turns it into something the reader does not
 * expect (a string, a Buffer, a Set, a Date).
 */
function tagIssues(doc: Document): SpecIssue[] {
  const issues: SpecIssue[] = [];
  visit(doc, {
    Node(_key, node, ancestors) {
      if (!node.tag) return;
      const shown = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      const source = isScalar(node) ? ` ${JSON.stringify(node.source ?? node.value)}` : '';
      issues.push({ path: fieldPath(ancestors, node), rule: `has the YAML tag ${shown}: tags are not allowed in ${SPEC_FILE}; write the plain value${source ? ` (e.g.${source} without the tag, quoted if it is a string)` : ''}` });
    },
  });
  return issues;
}

/**
 * A YAML parser error as where + what, the location said once: the parser's message repeats it
 * (`… at line 2, column 1:`, then a code excerpt), so that tail is dropped for the `line 2, column 1` in front.
 */
export function yamlErrorParts(error: YAMLError): { readonly where: string; readonly what: string } {
  const pos = error.linePos?.[0];
  const what = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
  return { where: pos ? `line ${pos.line}, column ${pos.col}` : 'the document', what };
}

/** Parses YAML text; syntax errors are reported like validation issues, with line and column. */
export function loadSpec(text: string): ParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return { ok: false, issues: [{ path: '', rule: `is ${bytes} bytes; a spec may be at most ${MAX_SPEC_BYTES} bytes (1 MiB)` }] };
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlIssues = (list: typeof doc.errors): SpecIssue[] =>
    list.map((e) => yamlErrorParts(e)).map(({ where, what }) => ({ path: where, rule: `is not valid YAML: ${what}` }));
  if (doc.errors.length > 0) return { ok: false, issues: yamlIssues(doc.errors) };
  // Tags first: the parser only warns about an unknown one, and the field path says more than a line.
  const tags = tagIssues(doc);
  if (tags.length > 0) return { ok: false, issues: tags };
  if (doc.warnings.length > 0) return { ok: false, issues: yamlIssues(doc.warnings) };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    // The yaml package throws a ReferenceError when aliases would expand past the count.
    if (error instanceof ReferenceError) {
      return { ok: false, issues: [{ path: '', rule: `expands YAML aliases (*name) more than ${MAX_ALIASES} times, as a "billion laughs" document does; write the values out instead` }] };
    }
    throw error;
  }
  return parseSpec(raw);
}
