/** The stack spec: types, defaults, parsing/validation and YAML I/O. */
export * from './build.ts';
export * from './io.ts';
export * from './naming.ts';
export * from './parse.ts';
export { formatIssue, formatIssues, type SpecIssue } from './reader.ts';
export * from './cron.ts';
export * from './quantity.ts';
export * from './text.ts';
export * from './thresholds.ts';
export * from './resolve.ts';
export * from './types.ts';
export { BrokersRefusedError, moveChannel } from './translate.ts';
export { addMigration, MigrationRefusedError } from './migrations.ts';
