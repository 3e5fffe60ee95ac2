/**
 * Limits on the spec as a document and rules for the text inside it. The spec is untrusted input
 * (a file anyone may have edited, committed with the project): every string is bounded, no string
 * carries characters that change how a terminal, an editor or a parser shows the text around it,
 * and no name is one that JavaScript treats specially as an object key.
 */

/** brokerplate.yaml is read whole; a spec is a few kilobytes, so 1 MiB leaves room and stops a runaway file early. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Free text (descriptions, enum values, header values): long enough for a paragraph, short enough for a comment. */
export const MAX_TEXT = 2000;
/** The most items a list in the spec may hold (channels, fields, bindings, enum values, …). */
export const MAX_ITEMS = 200;
/** The most YAML aliases a spec may expand (the `yaml` package's own guard against "billion laughs"). */
export const MAX_ALIASES = 100;

/**
 * Keys that change an object instead of adding a property to it (`__proto__` replaces the
 * prototype, even quoted in an object literal) or that shadow what every object has.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const RESERVED_RULE = 'is reserved: JavaScript objects treat __proto__, constructor and prototype specially, so no name in the spec may be one of them';

/**
 * Characters refused in any string of the spec: C0/C1 controls (NUL, ESC, …) and DEL except tab
 * and newline, the bidirectional overrides and isolates that reorder what a reader sees
 * ("Trojan Source"), the line and paragraph separators (which end a `//` comment in JavaScript),
 * and the byte order mark.
 */
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

const NAMES: Readonly<Record<string, string>> = {
  'U+0000': 'NUL',
  'U+001B': 'ESC',
  'U+000D': 'carriage return',
  'U+007F': 'DEL',
  'U+202E': 'right-to-left override',
  'U+202D': 'left-to-right override',
  'U+2028': 'line separator',
  'U+2029': 'paragraph separator',
  'U+FEFF': 'byte order mark',
};

/** Why a string may not be used, or undefined when it may. */
export function textProblem(value: string, max: number = MAX_TEXT): string | undefined {
  if (value.length > max) return `is ${value.length} characters long; at most ${max} are allowed`;
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (it holds a lone surrogate)';
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const cp = codePoint(bad[0]);
    const name = NAMES[cp];
    return `contains the control character ${cp}${name ? ` (${name})` : ''} at position ${bad.index}: text in the spec is data for code, comments, Markdown and YAML, so control, bidirectional and line-separator characters are refused (tab and newline are fine)`;
  }
  return undefined;
}
