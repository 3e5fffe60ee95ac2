/**
 * A message payload's JSON Schema as the spec's typed fields (`--from`). The spec's field types are
 * a subset of JSON Schema: string (format, enum, maxLength), integer and number (minimum, maximum),
 * boolean, any JSON (`{}`), array (items) and object (properties, required). A keyword outside it
 * would change what the contract accepts, so it is refused with its path rather than dropped;
 * annotations (title, examples, default…) change nothing and are left out.
 */
import { MappingError, objectAt, type JsonObject } from '../emit/asyncapi-model.ts';
import { FIELD_NAME, RESERVED_NAMES, STRING_FORMATS, type FieldSpec, type StringFormat } from '../stack/index.ts';
import type { AsyncApiDoc } from './document.ts';

const ANNOTATIONS = new Set(['title', 'description', 'examples', 'example', 'default', '$comment', 'readOnly', 'writeOnly', 'deprecated', '$schema', '$id', 'x-parser-schema-id']);
const KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  string: ['type', 'format', 'enum', 'maxLength'],
  integer: ['type', 'minimum', 'maximum'],
  number: ['type', 'minimum', 'maximum'],
  boolean: ['type'],
  array: ['type', 'items'],
  object: ['type', 'properties', 'required', 'additionalProperties'],
};
const SUPPORTED = 'string (format, enum, maxLength), integer/number (minimum, maximum), boolean, array (items), object (properties, required) or {} for any JSON';

function checkKeywords(o: JsonObject, path: string, allowed: readonly string[], type: string): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key) || ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    throw new MappingError(`${path}.${key}`, `has no equivalent in brokerplate's ${type} fields (they take ${SUPPORTED})`);
  }
}

function field(doc: AsyncApiDoc, raw: unknown, at: string, depth: number): FieldSpec {
  const { value, path } = doc.deref(raw, at);
  const o = objectAt(value);
  if (!o) throw new MappingError(path, 'must be a schema object');
  const description = typeof o.description === 'string' ? { description: o.description } : {};
  if (o.type === undefined) {
    checkKeywords(o, path, [], 'any-JSON');
    return { type: 'json', ...description };
  }
  if (typeof o.type !== 'string' || !(o.type in KEYWORDS)) throw new MappingError(`${path}.type`, `${JSON.stringify(o.type)} is not one type brokerplate maps (${Object.keys(KEYWORDS).join(', ')}; no null, no type lists)`);
  const type = o.type;
  checkKeywords(o, path, KEYWORDS[type] ?? [], type);
  switch (type) {
    case 'string': {
      if (o.format !== undefined && !(STRING_FORMATS as readonly unknown[]).includes(o.format)) throw new MappingError(`${path}.format`, `${JSON.stringify(o.format)} is not a format the generated clients check (${STRING_FORMATS.join(', ')})`);
      if (o.enum !== undefined && (!Array.isArray(o.enum) || o.enum.length === 0 || o.enum.some((v) => typeof v !== 'string'))) throw new MappingError(`${path}.enum`, 'must list strings');
      return {
        type,
        ...(o.format !== undefined && { format: o.format as StringFormat }),
        ...(Array.isArray(o.enum) && { enum: o.enum as string[] }),
        ...(typeof o.maxLength === 'number' && { maxLength: o.maxLength }),
        ...description,
      };
    }
    case 'integer':
    case 'number':
      return { type, ...(typeof o.minimum === 'number' && { minimum: o.minimum }), ...(typeof o.maximum === 'number' && { maximum: o.maximum }), ...description };
    case 'boolean':
      return { type, ...description };
    case 'array':
      if (o.items === undefined || Array.isArray(o.items)) throw new MappingError(`${path}.items`, 'must be one schema (the type of every item)');
      return { type, items: field(doc, o.items, `${path}.items`, depth + 1), ...description };
    default:
      return { type: 'object', fields: fields(doc, o, path, depth + 1), ...description };
  }
}

/** The fields of an object schema (the payload itself, or a nested object). */
export function fields(doc: AsyncApiDoc, o: JsonObject, path: string, depth = 0): Record<string, FieldSpec> {
  if (depth > 4) throw new MappingError(path, 'nests objects and arrays more than 4 levels deep');
  checkKeywords(o, path, KEYWORDS.object ?? [], 'object');
  if (o.additionalProperties !== undefined && o.additionalProperties !== false && o.additionalProperties !== true) throw new MappingError(`${path}.additionalProperties`, 'must be true or false (a schema for extra properties has no equivalent)');
  const properties = objectAt(doc.deref(o.properties, `${path}.properties`).value);
  if (!properties || Object.keys(properties).length === 0) throw new MappingError(`${path}.properties`, 'must name at least one property: a brokerplate message has named, typed fields');
  const required = Array.isArray(o.required) ? o.required : [];
  const unknown = required.find((r) => typeof r !== 'string' || !(r in properties));
  if (unknown !== undefined) throw new MappingError(`${path}.required`, `lists ${JSON.stringify(unknown)}, which is not a property`);
  const out: Record<string, FieldSpec> = {};
  for (const [name, raw] of Object.entries(properties)) {
    const p = `${path}.properties.${name}`;
    if (!FIELD_NAME.re.test(name) || RESERVED_NAMES.has(name)) throw new MappingError(p, `${JSON.stringify(name)} ${FIELD_NAME.rule}`);
    const f = field(doc, raw, p, depth);
    out[name] = required.includes(name) ? f : { ...f, optional: true };
  }
  return out;
}
