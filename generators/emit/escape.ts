/**
 * Escaping per target language. Text from the spec (descriptions, enum values, header values) is
 * data wherever it lands: in a TypeScript comment or string, in Markdown prose or a table cell, in
 * a shell word, in a PromQL string. Each function leaves text that needs no escaping unchanged,
 * so clean input renders exactly as before. Templates call these as Handlebars helpers (render.ts);
 * emitters that build code in TypeScript call them directly.
 */

const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;

/**
 * Text inside a TypeScript comment, `//` or `/* … *\/` alike: on one line (a line break would end a
 * `//` comment) and without a `*\/` that would end a block comment early.
 */
export function tsComment(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replaceAll('*/', '*\\/');
}

/** A TypeScript (and JavaScript) string literal, quotes included. */
export function tsString(text: string): string {
  return JSON.stringify(text).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/**
 * Markdown inline text (CommonMark and GitHub's tables): on one line, and every character that
 * could start markup backslash-escaped — emphasis, code spans, links, raw HTML and entities,
 * strikethrough, math, and the `|` that would split a table cell.
 */
export function md(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(/[\\`*_[\]<>&|~$]/g, (c, at: number, all: string) =>
    // An underscore between two letters or digits (RABBITMQ_URL) never starts emphasis.
    c === '_' && /[\p{L}\p{N}]/u.test(all[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[at + 1] ?? '') ? c : `\\${c}`,
  );
}

/** A Markdown table cell: inline text, never empty (an empty cell keeps the column count too, but reads as missing). */
export function mdCell(text: string): string {
  return text.trim() === '' ? ' ' : md(text);
}

/** A Markdown code span holding `text` verbatim: a backtick fence longer than any run inside it. */
export function mdCode(text: string): string {
  const flat = text.replace(LINE_BREAKS, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** One shell word: single-quoted, with `'` written as `'\''`, so nothing inside is expanded. */
export function sh(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** A PromQL string literal (label matcher values), double quotes included: Go string escapes. */
export function promqlString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/**
 * A Mermaid label (node text or edge text), double quotes included: on one line, and every character
 * but letters, digits, space and `. , / ( ) + -` written as a Mermaid entity code (`#60;`), so nothing
 * inside can close the quotes, start a comment (`%%`), HTML or Markdown, or an entity of its own. The
 * `:` goes too: mermaid reads `style…:…#…;` specially before it parses.
 */
export function mermaid(text: string): string {
  return `"${text.replace(LINE_BREAKS, ' ').replace(/[^A-Za-z0-9 .,/()+-]/gu, (c) => `#${c.codePointAt(0) ?? 0};`)}"`;
}
