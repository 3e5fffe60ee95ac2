/** .env values for the round-trip checks (test/emit/env.test.ts with Node's parser, test/consumers/dotenv.test.ts with compose). */

/** Values a user may put in .env (or paste as a password), each of which must survive a rewrite. */
export const AWKWARD_VALUES = [
  'plain-Base64url_value',
  'abc$def #x',
  "it's",
  'back\\slash',
  'tab\there',
  'hash#inside',
  ' leading and trailing ',
  'double"quote',
  'ünïcødé ✓',
  '${NOT_EXPANDED}',
  'a=b=c',
  '$$',
  'trailing backslash\\',
  "it's #1",
  "ends \\ and '",
  'it\'s "quoted"',
  'line\nbreak',
];

/** Values no quoting carries alike for both readers: refused with a message naming the key. */
export const UNWRITABLE_VALUES = ["it's $5", 'it\'s #1 "quoted"', "back\\slash's #"];
