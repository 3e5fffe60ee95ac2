/** The messaging guide as typed data: the single source every emitter reads. */
export * from './brokers.ts';
export * from './flowchart.ts';
export * from './operations.ts';
export * from './scenarios.ts';
export * from './semantics.ts';
export * from './equivalents.ts';
export * from './migrations.ts';
