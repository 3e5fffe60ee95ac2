/** The stack spec: types, defaults, parsing/validation and YAML I/O. */
export * from './build.ts';
export * from './io.ts';
export * from './naming.ts';
export * from './parse.ts';
export { formatIssue, type SpecIssue } from './reader.ts';
export * from './resolve.ts';
export * from './types.ts';
