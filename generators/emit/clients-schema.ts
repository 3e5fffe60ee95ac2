/**
 * Message fields as the generated clients need them: TypeScript types, the JSON Schema ajv
 * validates at the boundary, and deterministic sample payloads (valid and contract-breaking) for
 * examples and the generated tests.
 */
import type { FieldSpec, MessageSpec } from '../stack/index.ts';
import { tsComment, tsString } from './escape.ts';

function doc(text: string | undefined, indent: string): string {
  return text ? `${indent}/** ${tsComment(text)} */\n` : '';
}

/** The TypeScript type of a field (nested objects inline). */
export function tsType(field: FieldSpec, indent = ''): string {
  switch (field.type) {
    case 'string':
      return field.enum ? field.enum.map(tsString).join(' | ') : 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'unknown';
    case 'array':
      return `Array<${tsType(field.items, indent)}>`;
    case 'object':
      return `{\n${fieldLines(field.fields, `${indent}  `)}${indent}}`;
  }
}

/** `name?: type;` lines of an object's fields, with their descriptions as doc comments. */
export function fieldLines(fields: Record<string, FieldSpec>, indent: string): string {
  return Object.entries(fields)
    .map(([name, f]) => `${doc(f.description, indent)}${indent}${name}${f.optional ? '?' : ''}: ${tsType(f, indent)};\n`)
    .join('');
}

/** The JSON Schema of a field: what ajv validates at the boundary. Unknown properties are refused. */
export function fieldSchema(field: FieldSpec): Record<string, unknown> {
  // The description is an annotation (ajv ignores it); it keeps the schema self-explaining, and asyncapi.yaml carries it.
  const schema = typeSchema(field);
  return field.description === undefined ? schema : { ...schema, description: field.description };
}

function typeSchema(field: FieldSpec): Record<string, unknown> {
  switch (field.type) {
    case 'string':
      return { type: 'string', ...(field.format && { format: field.format }), ...(field.enum && { enum: field.enum }), ...(field.maxLength !== undefined && { maxLength: field.maxLength }) };
    case 'integer':
    case 'number':
      return { type: field.type, ...(field.minimum !== undefined && { minimum: field.minimum }), ...(field.maximum !== undefined && { maximum: field.maximum }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'json':
      return {};
    case 'array':
      return { type: 'array', items: fieldSchema(field.items) };
    case 'object':
      return objectSchema(field.fields);
  }
}

export function objectSchema(fields: Record<string, FieldSpec>): Record<string, unknown> {
  const required = Object.entries(fields).filter(([, f]) => !f.optional).map(([n]) => n);
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, fieldSchema(f)])),
    required,
    additionalProperties: false,
  };
}

/** A deterministic valid value of a field, for examples and the generated tests. */
export function sampleValue(field: FieldSpec, name: string): unknown {
  switch (field.type) {
    case 'string': {
      if (field.enum?.[0] !== undefined) return field.enum[0];
      const byFormat = { 'date-time': '2024-01-01T00:00:00.000Z', uuid: '00000000-0000-4000-8000-000000000000', email: 'user@example.com', uri: 'https://example.com/' } as const;
      const value = field.format ? byFormat[field.format] : `${name}-1`;
      return field.maxLength !== undefined ? value.slice(0, Math.max(1, field.maxLength)) : value;
    }
    case 'integer':
    case 'number': {
      const low = field.minimum ?? 0;
      const value = field.type === 'integer' ? Math.ceil(low) + 1 : low + 1.5;
      return field.maximum !== undefined ? Math.min(value, field.maximum) : value;
    }
    case 'boolean':
      return true;
    case 'json':
      return { example: true };
    case 'array':
      return [sampleValue(field.items, name)];
    case 'object':
      return sampleObject(field.fields);
  }
}

export function sampleObject(fields: Record<string, FieldSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, sampleValue(f, n)]));
}

/** A top-level field the tests can number (`userId-7`) so N messages differ: free text, no length limit. */
export function varyField(message: MessageSpec): string | undefined {
  return Object.entries(message.fields).find(([, f]) => f.type === 'string' && !f.enum && !f.format && f.maxLength === undefined)?.[0];
}

/** A payload that breaks the contract: a required field of the wrong type, else an unknown property. */
export function invalidSample(message: MessageSpec): Record<string, unknown> {
  const sample = sampleObject(message.fields);
  const victim = Object.entries(message.fields).find(([, f]) => !f.optional && f.type !== 'json');
  if (victim) return { ...sample, [victim[0]]: victim[1].type === 'string' ? 42 : 'not-a-valid-value' };
  return { ...sample, unexpectedProperty: true };
}
