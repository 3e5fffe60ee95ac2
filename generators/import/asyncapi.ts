/**
 * `brokerplate --from <document>`: a stack spec from an AsyncAPI 3.x (or 2.x) document. Brokers come
 * from the servers' protocols, channels and their typed messages from channels, messages and
 * operations, each broker's own fields from its bindings (brokers/<b>/asyncapi.ts `read`). What
 * cannot be mapped is refused with its document path and the reason (MappingError); what is
 * left out without changing a channel or a payload (headers, traits, security schemes: the profile
 * brings its own) is listed in `notes`, never dropped unsaid.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { CHANNEL_EXTENSION, MappingError, objectAt, type ChannelInput, type JsonObject } from '../emit/asyncapi-model.ts';
import { BROKER_IDS, isScenarioId, recommendedBrokers, SEMANTICS, type BrokerId, type ScenarioId } from '../guide/index.ts';
import { backupDefaults, brokerDefaults, monitoringDefaults } from '../stack/defaults.ts';
import { parseSpec, pascalCase, PROJECT_NAME, SPEC_VERSION, TYPE_NAME, type MessageSpec, type Profile, type StackSpec, type Target } from '../stack/index.ts';
import { readDocument, type AsyncApiDoc, type At, type DocChannel } from './document.ts';
import { fields } from './schema.ts';

export interface ImportOptions {
  readonly name?: string;
  /** The project name when there is no --name and the title makes no DNS label. */
  readonly fallbackName?: string;
  readonly profile?: Profile;
  readonly targets?: readonly Target[];
}

export interface Imported {
  readonly spec: StackSpec;
  /** What was left out (or chosen) without changing a channel or a payload, one line each. */
  readonly notes: readonly string[];
}

const SECURE = new Set(['kafka-secure', 'amqps', 'secure-mqtt', 'rediss']);
const JSON_FORMATS = /^application\/(schema\+json|schema\+yaml|vnd\.aai\.asyncapi(\+json|\+yaml)?)(;version=.*)?$/;

function brokerOfProtocol(protocol: string): BrokerId | undefined {
  if (protocol === 'mqtt' || protocol === 'secure-mqtt') return 'rabbitmq';
  return BROKER_IDS.find((b) => BROKER_PLUGINS[b].asyncapi.protocols.includes(protocol));
}

/** The envelope brokerplate writes (asyncapi.ts), recognised by its shape: then `data` is the payload. */
function envelope(payload: JsonObject): { data: unknown; type: string; version: number } | undefined {
  const p = objectAt(payload.properties);
  const type = objectAt(p?.type)?.const;
  const version = objectAt(p?.version)?.const;
  return p && p.data !== undefined && p.id !== undefined && typeof type === 'string' && typeof version === 'number' ? { data: p.data, type, version } : undefined;
}

function messageSpec(doc: AsyncApiDoc, m: At, fallbackName: string, notes: string[]): MessageSpec {
  if (m.value.headers !== undefined || m.value.traits !== undefined) notes.push(`${m.path}: headers and traits not mapped (the generated clients carry their metadata in the envelope)`);
  const raw = doc.deref(m.value.payload, `${m.path}.payload`);
  let payload = objectAt(raw.value);
  let path = raw.path;
  const format = m.value.schemaFormat ?? payload?.schemaFormat;
  if (payload?.schemaFormat !== undefined) {
    const inner = doc.deref(payload.schema, `${path}.schema`);
    payload = objectAt(inner.value);
    path = inner.path;
  }
  if (format !== undefined && (typeof format !== 'string' || !JSON_FORMATS.test(format))) throw new MappingError(`${m.path}.payload.schemaFormat`, `${JSON.stringify(format)}: brokerplate maps JSON Schema payloads only (not Avro, Protobuf or RAML)`);
  if (!payload) throw new MappingError(`${m.path}.payload`, 'is missing: a brokerplate message has a JSON object payload');
  const wrapped = envelope(payload);
  const data = wrapped ? doc.deref(wrapped.data, `${path}.properties.data`) : { path, value: payload };
  const body = objectAt(data.value);
  if (!body || body.type !== 'object') throw new MappingError(data.path, 'must be an object schema (type: object with properties): brokerplate payloads are JSON objects with named fields');
  // The message's name, else its key (3.x: channels.x.messages.<key>; 2.x: its operationId), else the fallback.
  const key = m.key !== undefined && /^[A-Za-z]/.test(m.key) ? m.key : undefined;
  const name = wrapped?.type ?? pascalCase(typeof m.value.name === 'string' ? m.value.name : (key ?? fallbackName));
  if (!TYPE_NAME.re.test(name)) throw new MappingError(`${m.path}.name`, `${JSON.stringify(name)} as a type name ${TYPE_NAME.rule}`);
  return { type: name, version: wrapped?.version ?? 1, fields: fields(doc, body, data.path) };
}

/** Fills in parameters that have a default (or one enum value); the others stay `{name}` for the broker to map or refuse. */
function address(channel: DocChannel, broker: BrokerId, notes: string[]): string {
  const raw = channel.address ?? '';
  return raw.replace(/\{([^}]*)\}/g, (whole, name: string) => {
    // Braces without a declared parameter are part of the name (a Redis hash tag).
    if (!(name in channel.parameters)) return whole;
    const p = objectAt(channel.parameters[name]) ?? {};
    const fixed = typeof p.default === 'string' ? p.default : Array.isArray(p.enum) && p.enum.length === 1 && typeof p.enum[0] === 'string' ? p.enum[0] : undefined;
    if (fixed !== undefined) {
      notes.push(`${channel.path}.address: parameter {${name}} set to its ${typeof p.default === 'string' ? 'default' : 'only value'} ${JSON.stringify(fixed)}`);
      return fixed;
    }
    if (broker !== 'rabbitmq') throw new MappingError(`${channel.path}.parameters.${name}`, `has no default: a ${BROKER_PLUGINS[broker].names.short} ${broker === 'kafka' ? 'topic' : 'key'} is one fixed name per channel (give the parameter a default, or use an amqp/mqtt server, where it becomes a * in a topic binding)`);
    return whole;
  });
}

function brokerOf(channel: DocChannel, servers: ReadonlyMap<string, { broker: BrokerId; protocol: string }>): { broker: BrokerId; protocol: string } {
  const names = channel.servers ?? [...servers.keys()];
  const found = names.map((n) => {
    const s = servers.get(n);
    if (!s) throw new MappingError(`${channel.path}.servers`, `names server ${JSON.stringify(n)}, which the document does not define`);
    return s;
  });
  const brokers = [...new Set(found.map((s) => s.broker))];
  const x = channel.extension?.broker;
  const chosen = typeof x === 'string' && brokers.includes(x as BrokerId) ? (x as BrokerId) : brokers.length === 1 ? brokers[0] : undefined;
  if (!chosen) throw new MappingError(`${channel.path}.servers`, `is served by ${brokers.join(' and ')}; a channel lives on one broker (list only its servers)`);
  return found.find((s) => s.broker === chosen) ?? { broker: chosen, protocol: '' };
}

function generalScenario(brokers: readonly BrokerId[], mqtt: boolean): ScenarioId {
  if (brokers.length > 1) return 'hybrid';
  const only = brokers[0];
  return only === 'kafka' ? 'event-streaming' : only === 'redis' ? 'realtime-notifications' : mqtt ? 'iot-mqtt' : 'background-jobs';
}

function slug(title: string | undefined, fallback: string): string {
  const s = (title ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 40).replace(/-+$/, '');
  return PROJECT_NAME.re.test(s) ? s : fallback;
}

/**
 * Request-reply over a queue named at run time (the requester's exclusive reply queue, as in the
 * AsyncAPI RPC examples): a channel whose address is one parameter, paired with the one other
 * channel whose message has the same correlationId location. brokerplate answers over direct
 * reply-to, so the pair becomes one RPC channel.
 */
function replyQueues(doc: AsyncApiDoc, servers: ReadonlyMap<string, { broker: BrokerId; protocol: string }>, notes: string[]): Map<string, At> {
  const correlation = (m: At | undefined) => {
    const c = m === undefined ? undefined : objectAt(doc.deref(m.value.correlationId, `${m.path}.correlationId`).value)?.location;
    return typeof c === 'string' ? c : undefined;
  };
  const pairs = new Map<string, At>();
  for (const channel of doc.channels) {
    if (channel.address === null || !/^\{[^}]+\}$/.test(channel.address) || brokerOf(channel, servers).broker !== 'rabbitmq') continue;
    const [message] = channel.messages;
    const location = correlation(message);
    const requests = doc.channels.filter((c) => c !== channel && c.address !== null && !c.address.includes('{') && location !== undefined && c.messages.some((m) => correlation(m) === location));
    const [request] = requests;
    if (!message || !request || requests.length > 1) throw new MappingError(`${channel.path}.address`, `${JSON.stringify(channel.address)} is a queue named at run time; brokerplate maps it as the reply queue of a request channel whose message has the same correlationId location (${requests.length > 1 ? `found ${requests.length}` : 'found none'})`);
    pairs.set(request.path, message);
    notes.push(`${channel.path}: the run-time reply queue of ${request.path}; the generated RPC answers over direct reply-to`);
  }
  return pairs;
}

export function importAsyncApi(text: string, options: ImportOptions = {}): Imported {
  const doc = readDocument(text);
  const notes: string[] = [];
  if (doc.servers.length === 0) throw new MappingError('servers', 'the document names no server: brokerplate picks each broker from a server\'s protocol (kafka, amqp, mqtt or redis)');
  const servers = new Map(doc.servers.map((s) => {
    const broker = brokerOfProtocol(s.protocol);
    if (!broker) throw new MappingError(`${s.path}.protocol`, `${JSON.stringify(s.protocol)} is not a protocol of a broker brokerplate generates (kafka, kafka-secure, amqp, amqps, mqtt, secure-mqtt, redis, rediss)`);
    return [s.name, { broker, protocol: s.protocol }] as const;
  }));
  const profile = options.profile ?? (doc.servers.some((s) => SECURE.has(s.protocol)) ? 'prod' : 'dev');
  const replyChannels = new Set(doc.channels.flatMap((c) => c.operations.flatMap((o) => (o.reply ?? []).map((m) => m.path.replace(/\.messages\..*$/, '')))));
  const pairs = replyQueues(doc, servers, notes);
  const pairedReplies = new Set([...pairs.values()].map((m) => m.path));
  const channels: JsonObject[] = [];
  const paths: string[] = [];
  for (const channel of doc.channels) {
    if (channel.messages.length === 1 && channel.messages.every((m) => pairedReplies.has(m.path))) continue;
    if (channel.address === null) {
      if (replyChannels.has(channel.path)) continue;
      throw new MappingError(`${channel.path}.address`, 'is null (set at run time) but no operation uses the channel as its reply');
    }
    const { broker, protocol } = brokerOf(channel, servers);
    if (channel.messages.length !== 1) throw new MappingError(`${channel.path}.messages`, `${channel.messages.length === 0 ? 'are missing' : `are ${channel.messages.length}`}: brokerplate types exactly one message per channel (split the channel)`);
    const [first] = channel.messages;
    if (!first) continue;
    const message = messageSpec(doc, first, channel.id, notes);
    const paired = pairs.get(channel.path);
    const replies = [...channel.operations.flatMap((o) => o.reply ?? []), ...(paired ? [paired] : [])];
    const x = channel.extension ?? {};
    const input: ChannelInput = {
      path: channel.path,
      id: channel.id,
      address: address(channel, broker, notes),
      protocol,
      profile,
      binding: objectAt(channel.bindings?.[broker === 'rabbitmq' ? 'amqp' : broker]),
      messageBinding: objectAt(objectAt(first.value.bindings)?.[broker]),
      extension: x,
      receivers: channel.operations.filter((o) => o.action === 'receive').map((o) => ({ path: o.path, id: o.id, bindings: o.bindings, extensions: o.extensions })),
      hasReply: replies.length > 0,
    };
    const own = BROKER_PLUGINS[broker].asyncapi.read(input);
    const reply = replies[0];
    const semantics = typeof x.semantics === 'string' && (SEMANTICS as readonly string[]).includes(x.semantics) ? x.semantics : broker === 'redis' && own.kind === 'pubsub' ? 'at-most-once' : 'at-least-once';
    channels.push({
      name: input.address,
      broker,
      ...(channel.description !== undefined && { description: channel.description }),
      semantics,
      ...own,
      message,
      ...(own.kind === 'rpc' && reply && { reply: messageSpec(doc, reply, `${message.type}Reply`, notes) }),
    });
    paths.push(channel.path);
  }
  if (channels.length === 0) throw new MappingError('channels', 'the document has no channel brokerplate can generate');
  const brokers = BROKER_IDS.filter((b) => channels.some((c) => c.broker === b));
  const mqtt = [...servers.values()].some((s) => s.protocol.endsWith('mqtt'));
  const ext = objectAt(doc.info[CHANNEL_EXTENSION])?.scenario;
  const scenario = typeof ext === 'string' && isScenarioId(ext) ? ext : generalScenario(brokers, mqtt);
  const name = options.name ?? slug(doc.title, options.fallbackName ?? 'messaging');
  const redisRole = channels.some((c) => c.broker === 'redis' && c.kind === 'stream') ? 'queue' : 'cache';
  const settings: JsonObject = Object.fromEntries(brokers.map((b) => [b, brokerDefaults(b, mqtt ? 'iot-mqtt' : scenario, name, redisRole)]));
  const raw = {
    version: SPEC_VERSION,
    name,
    scenario,
    profile,
    targets: [...(options.targets ?? ['compose', 'k8s'])],
    decision: { overridden: recommendedBrokers(scenario).join(',') !== brokers.join(','), source: 'asyncapi' },
    brokers: settings,
    channels,
    monitoring: monitoringDefaults(),
    backup: backupDefaults(),
  };
  const result = parseSpec(JSON.parse(JSON.stringify(raw)));
  if (!result.ok) {
    const issue = result.issues[0];
    const m = issue ? /^channels\[(\d+)\](.*)$/.exec(issue.path) : null;
    const where = m ? `${paths[Number(m[1])] ?? 'channels'} (as spec field ${m[2]?.replace(/^\./, '') || 'channel'})` : issue?.path || 'document';
    throw new MappingError(where, issue ? issue.rule : 'does not make a valid stack');
  }
  if (doc.servers.length > brokers.length) notes.push(`servers: ${doc.servers.length} servers became ${brokers.length} broker${brokers.length === 1 ? '' : 's'} (${brokers.join(', ')}); brokerplate generates the ${profile} profile's own servers and security`);
  return { spec: result.spec, notes: [...new Set(notes)] };
}

