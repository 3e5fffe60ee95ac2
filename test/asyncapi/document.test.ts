/**
 * asyncapi.yaml of every scenario × profile, read by the AsyncAPI project's own parser
 * (@asyncapi/parser, pinned): no error-level diagnostic. Each message's payload is the envelope on
 * the wire, its `data` the very schema the generated clients validate with (contracts.ts); ajv,
 * as the clients run it, accepts a sample envelope against the document's payload schema and
 * refuses a contract-breaking one.
 */
import { Parser } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { asyncApiArea } from '../../generators/emit/asyncapi.ts';
import { contractsOf } from '../../generators/emit/clients-contracts.ts';
import { emitProject } from '../../generators/emit/index.ts';
import { invalidSample, sampleObject } from '../../generators/emit/clients-schema.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { PROFILES, channelIdentifier } from '../../generators/stack/index.ts';
import { specFor } from '../support/stack.ts';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const parser = new Parser();

interface Doc {
  servers: Record<string, { protocol: string; host: string; security?: unknown[] }>;
  channels: Record<string, { address: string | null; messages: Record<string, { payload: { properties: Record<string, unknown> } }> }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
}

async function errorsOf(text: string): Promise<string[]> {
  const { diagnostics } = await parser.parse(text);
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
}

function documentOf(text: string): Doc {
  return parse(text) as Doc;
}

describe('asyncapi.yaml', () => {
  it('the parser reports errors in a broken document (self-check)', async () => {
    const doc = parse(asyncApiArea.emit(specFor('hybrid', 'prod')).files[0]?.contents ?? '') as Record<string, Record<string, Record<string, unknown>>>;
    const events = doc.channels?.events as { bindings: { kafka: Record<string, unknown> } };
    events.bindings.kafka.partitionz = 3;
    const errors = await errorsOf(stringify(doc));
    expect(errors.some((e) => e.includes('partitionz'))).toBe(true);
  });

  it('is in every project, and the generated README links it and lists it in the layout', () => {
    const files = new Map(emitProject(specFor('rpc', 'dev')).map((f) => [f.path, f.contents]));
    expect(files.has('asyncapi.yaml')).toBe(true);
    expect(files.get('README.md')).toContain('[`asyncapi.yaml`](asyncapi.yaml) is the stack\'s messaging contract');
    expect(files.get('README.md')).toMatch(/\| `asyncapi\.yaml` \| The messaging contract as AsyncAPI 3\.0/);
  });

  for (const scenario of SCENARIO_IDS) {
    for (const profile of PROFILES) {
      it(`${scenario}/${profile}: passes @asyncapi/parser without errors; payload data = the runtime schema`, async () => {
        const spec = specFor(scenario, profile);
        const text = asyncApiArea.emit(spec).files[0]?.contents ?? '';
        expect(await errorsOf(text)).toEqual([]);
        const doc = documentOf(text);
        // One server per broker, the profile's protocol and security.
        expect(Object.keys(doc.servers).sort()).toEqual(Object.keys(spec.brokers).sort());
        for (const server of Object.values(doc.servers)) {
          expect(['kafka-secure', 'amqps', 'rediss'].includes(server.protocol)).toBe(profile === 'prod');
          expect(server.host).toMatch(/^127\.0\.0\.1:\d+$/);
        }
        if (profile === 'prod') expect(Object.values(doc.servers).every((s) => (s.security ?? []).length > 0)).toBe(true);
        const { descriptors } = contractsOf(spec);
        const ajv = new Ajv({ strict: true });
        addFormats(ajv);
        for (const channel of spec.channels) {
          const c = doc.channels[channelIdentifier(channel.name)];
          expect(c?.address).toBe(channel.name);
          const [message] = Object.values(c?.messages ?? {});
          const contract = descriptors[channel.name]?.message as { schema: unknown };
          expect(message?.payload.properties.data).toEqual(contract.schema);
          const validate = ajv.compile(message?.payload ?? {});
          const envelope = (data: unknown) => ({ id: 'a1', correlationId: 'a1', type: channel.message.type, version: channel.message.version, time: '2024-01-01T00:00:00.000Z', data });
          expect(validate(envelope(sampleObject(channel.message.fields))), JSON.stringify(validate.errors)).toBe(true);
          expect(validate(envelope(invalidSample(channel.message)))).toBe(false);
          // A send operation, and at least one receive operation, on the channel.
          const ops = Object.values(doc.operations).filter((o) => o.channel.$ref === `#/channels/${channelIdentifier(channel.name)}`);
          expect(ops.filter((o) => o.action === 'send')).toHaveLength(1);
          expect(ops.filter((o) => o.action === 'receive').length).toBeGreaterThan(0);
        }
      });
    }
  }
});
