/**
 * Reading an AsyncAPI document for `brokerplate --from`: the text (YAML or JSON, untrusted: size,
 * aliases, tags as for brokerplate.yaml), local `$ref`s followed on demand, and one shape for both
 * versions: 3.x as it is, 2.x (2.6 and earlier) converted the way @asyncapi/converter does
 * (`subscribe` → the application sends, `publish` → it receives; the channel key is the address).
 * Every value keeps its document path, so a refusal names where it comes from.
 */
import { parseDocument } from 'yaml';
import { MappingError, objectAt, type JsonObject } from '../emit/asyncapi-model.ts';
import { MAX_ALIASES, MAX_SPEC_BYTES, yamlErrorParts } from '../stack/index.ts';

/** A value of the document with the path it was found at (after references: the path of the target). */
export interface At<T = JsonObject> {
  readonly path: string;
  readonly value: T;
  /** A message's key where it is listed (3.x `channels.x.messages.<key>`; 2.x: the operationId), when it has one. */
  readonly key?: string;
}

export interface DocOperation {
  readonly path: string;
  /** 3.x: its key; 2.x: its operationId, else publish/subscribe. */
  readonly id: string;
  readonly action: 'send' | 'receive';
  readonly bindings: JsonObject | undefined;
  readonly extensions: JsonObject;
  /** Messages of the operation's reply (request-reply), when it declares one. */
  readonly reply: readonly At[] | undefined;
}

export interface DocChannel {
  readonly path: string;
  readonly id: string;
  /** null: set at run time (a reply address). */
  readonly address: string | null;
  readonly description: string | undefined;
  /** Names of the servers the channel lists (all servers when it lists none). */
  readonly servers: readonly string[] | undefined;
  readonly parameters: JsonObject;
  readonly bindings: JsonObject | undefined;
  readonly extension: JsonObject | undefined;
  readonly messages: readonly At[];
  readonly operations: readonly DocOperation[];
}

export interface DocServer {
  readonly path: string;
  readonly name: string;
  readonly protocol: string;
}

export interface AsyncApiDoc {
  readonly version: string;
  readonly title: string | undefined;
  readonly info: JsonObject;
  readonly servers: readonly DocServer[];
  readonly channels: readonly DocChannel[];
  /** Follows `$ref`s (local only) from a value found at `path`. */
  deref(value: unknown, path: string): At<unknown>;
}

function pathOf(pointer: string): string {
  return pointer.replace(/^#\/?/, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function makeDeref(root: JsonObject): AsyncApiDoc['deref'] {
  return (value, path) => {
    let here: At<unknown> = { path, value };
    const seen = new Set<string>();
    for (let o = objectAt(here.value); o && typeof o.$ref === 'string'; o = objectAt(here.value)) {
      const target = o.$ref;
      if (!target.startsWith('#')) throw new MappingError(`${here.path}.$ref`, `${JSON.stringify(target)} points outside the document; brokerplate reads one self-contained document (bundle it first, e.g. \`asyncapi bundle\`)`);
      if (seen.has(target)) throw new MappingError(`${here.path}.$ref`, `${JSON.stringify(target)} refers to itself in a circle`);
      seen.add(target);
      let node: unknown = root;
      for (const part of target.replace(/^#\/?/, '').split('/').filter(Boolean)) {
        const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
        node = Array.isArray(node) ? node[Number(key)] : objectAt(node)?.[key];
      }
      if (node === undefined) throw new MappingError(`${here.path}.$ref`, `${JSON.stringify(target)} points to nothing in the document`);
      here = { path: pathOf(target), value: node };
    }
    return here;
  };
}

/** Parses the text; YAML is a superset of JSON, so one parser reads both. */
export function parseText(text: string): JsonObject {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw new MappingError('(document)', `is ${bytes} bytes; at most ${MAX_SPEC_BYTES} bytes (1 MiB) are read`);
  const doc = parseDocument(text, { uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const { where, what } = yamlErrorParts(first);
    throw new MappingError(where, `is not valid YAML or JSON: ${what}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError) throw new MappingError('(document)', `expands YAML aliases more than ${MAX_ALIASES} times`);
    throw error;
  }
  const root = objectAt(raw);
  if (!root) throw new MappingError('(document)', 'is not a mapping (an AsyncAPI document is an object with asyncapi, info, channels…)');
  return root;
}

function entries(value: unknown, path: string): [string, unknown][] {
  if (value === undefined) return [];
  const o = objectAt(value);
  if (!o) throw new MappingError(path, 'must be a mapping');
  return Object.entries(o);
}

function extensions(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('x-')));
}

function serversOf(root: JsonObject, deref: AsyncApiDoc['deref']): DocServer[] {
  return entries(root.servers, 'servers').map(([name, raw]) => {
    const { value, path } = deref(raw, `servers.${name}`);
    const o = objectAt(value) ?? {};
    if (typeof o.protocol !== 'string') throw new MappingError(`${path}.protocol`, 'is missing: brokerplate picks the broker from the server\'s protocol');
    return { path: `servers.${name}`, name, protocol: o.protocol.toLowerCase() };
  });
}

/** The server names a channel's `servers` list refers to (3.x: `$ref: '#/servers/x'`; 2.x: names). */
function channelServers(list: unknown, path: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new MappingError(path, 'must be a list of servers');
  return list.map((s, i) => {
    const name = typeof s === 'string' ? s : typeof objectAt(s)?.$ref === 'string' ? String(objectAt(s)?.$ref).replace(/^#\/servers\//, '') : undefined;
    if (name === undefined) throw new MappingError(`${path}[${i}]`, 'must name a server');
    return name.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

/** The same message listed twice (by reference, or written out twice as a 2.x document on both operations) is one message. */
function distinct(messages: readonly At[]): At[] {
  return messages.filter((m, i) => messages.findIndex((x) => x.path === m.path || JSON.stringify(x.value) === JSON.stringify(m.value)) === i);
}

function readV3(root: JsonObject, deref: AsyncApiDoc['deref']): DocChannel[] {
  const ops = entries(root.operations, 'operations').map(([id, raw]) => {
    const { value } = deref(raw, `operations.${id}`);
    const o = objectAt(value) ?? {};
    const path = `operations.${id}`;
    if (o.action !== 'send' && o.action !== 'receive') throw new MappingError(`${path}.action`, 'must be send or receive');
    const channel = objectAt(o.channel)?.$ref;
    if (typeof channel !== 'string') throw new MappingError(`${path}.channel`, 'must be a $ref to a channel');
    const reply = objectAt(deref(o.reply, `${path}.reply`).value);
    let replyMessages: At[] | undefined;
    if (reply) {
      const listed = Array.isArray(reply.messages) ? reply.messages : [];
      const fromChannel = reply.channel === undefined ? [] : entries(objectAt(deref(reply.channel, `${path}.reply.channel`).value)?.messages, `${path}.reply.channel.messages`).map(([, m]) => m);
      replyMessages = (listed.length > 0 ? listed : fromChannel).map((m, i) => {
        const at = deref(m, `${path}.reply.messages[${i}]`);
        return { path: at.path, value: objectAt(at.value) ?? {} };
      });
    }
    const op: DocOperation = { path, id, action: o.action, bindings: objectAt(deref(o.bindings, `${path}.bindings`).value), extensions: extensions(o), reply: replyMessages };
    return { channel: pathOf(channel), op };
  });
  return entries(root.channels, 'channels').map(([id, raw]) => {
    const path = `channels.${id}`;
    const { value } = deref(raw, path);
    const o = objectAt(value) ?? {};
    const address = o.address === undefined ? id : o.address;
    if (address !== null && typeof address !== 'string') throw new MappingError(`${path}.address`, 'must be a string or null');
    return {
      path,
      id,
      address,
      description: typeof o.description === 'string' ? o.description : undefined,
      servers: channelServers(o.servers, `${path}.servers`),
      parameters: Object.fromEntries(entries(o.parameters, `${path}.parameters`).map(([k, p]) => [k, deref(p, `${path}.parameters.${k}`).value])),
      bindings: objectAt(deref(o.bindings, `${path}.bindings`).value),
      extension: objectAt(o['x-brokerplate']),
      messages: distinct(
        entries(o.messages, `${path}.messages`).map(([k, m]) => {
          const at = deref(m, `${path}.messages.${k}`);
          // @asyncapi/converter names a 2.x inline message `<operationId>.message`.
          return { path: at.path, value: objectAt(at.value) ?? {}, key: k.replace(/\.message$/, '') };
        }),
      ),
      operations: ops.filter((x) => x.channel === path).map((x) => x.op),
    };
  });
}

/** 2.x: the channel key is the address; publish/subscribe hold the operations and their message (or oneOf). */
function readV2(root: JsonObject, deref: AsyncApiDoc['deref']): DocChannel[] {
  return entries(root.channels, 'channels').map(([address, raw]) => {
    const path = `channels.${address}`;
    const o = objectAt(deref(raw, path).value) ?? {};
    const messages: At[] = [];
    const operations: DocOperation[] = [];
    for (const [verb, action] of [['subscribe', 'send'], ['publish', 'receive']] as const) {
      if (o[verb] === undefined) continue;
      const opPath = `${path}.${verb}`;
      const op = objectAt(deref(o[verb], opPath).value) ?? {};
      operations.push({ path: opPath, id: typeof op.operationId === 'string' ? op.operationId : verb, action, bindings: objectAt(deref(op.bindings, `${opPath}.bindings`).value), extensions: extensions(op), reply: undefined });
      const m = deref(op.message, `${opPath}.message`);
      const one = objectAt(m.value);
      const list = Array.isArray(one?.oneOf) ? one.oneOf.map((x, i) => deref(x, `${m.path}.oneOf[${i}]`)) : one ? [m] : [];
      const key = typeof op.operationId === 'string' && !Array.isArray(one?.oneOf) ? { key: op.operationId } : {};
      for (const x of list) messages.push({ path: x.path, value: objectAt(x.value) ?? {}, ...key });
    }
    // As @asyncapi/converter does: the channel's id is its 2.x key, the address.
    return {
      path,
      id: address,
      address,
      description: typeof o.description === 'string' ? o.description : undefined,
      servers: channelServers(o.servers, `${path}.servers`),
      parameters: Object.fromEntries(entries(o.parameters, `${path}.parameters`).map(([k, p]) => {
        // 2.x: the parameter's constraints are in its schema.
        const v = objectAt(deref(p, `${path}.parameters.${k}`).value) ?? {};
        return [k, objectAt(deref(v.schema, `${path}.parameters.${k}.schema`).value) ?? v];
      })),
      bindings: objectAt(deref(o.bindings, `${path}.bindings`).value),
      extension: objectAt(o['x-brokerplate']),
      messages: distinct(messages),
      operations,
    };
  });
}

export function readDocument(text: string): AsyncApiDoc {
  const root = parseText(text);
  const version = root.asyncapi;
  if (typeof version !== 'string') throw new MappingError('asyncapi', 'is missing: not an AsyncAPI document (brokerplate reads AsyncAPI 3.0 and 2.6)');
  const major = /^([23])\.\d+\.\d+$/.exec(version)?.[1];
  if (!major) throw new MappingError('asyncapi', `${JSON.stringify(version)} is not a version brokerplate reads (3.x, or 2.x converted; 2.6 is the tested one)`);
  const deref = makeDeref(root);
  const info = objectAt(root.info) ?? {};
  return {
    version,
    title: typeof info.title === 'string' ? info.title : undefined,
    info,
    servers: serversOf(root, deref),
    channels: major === '3' ? readV3(root, deref) : readV2(root, deref),
    deref,
  };
}
