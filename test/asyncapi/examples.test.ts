/**
 * Published AsyncAPI examples (test/asyncapi/examples/, copied from github.com/asyncapi/spec):
 * `brokerplate --from` through the built bin imports each, generates the project, and the project
 * type-checks with its own tsc; its asyncapi.yaml passes @asyncapi/parser and reads back to the
 * same spec. A published example brokerplate cannot map is refused with one line naming the
 * document path, and nothing is written.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { importAsyncApi } from '../../generators/import/asyncapi.ts';
import { loadSpec } from '../../generators/stack/index.ts';
import { sharedNodeModules, typecheck } from '../clients/support.ts';
import { ROOT, runBin, tempDir } from '../support/cli.ts';

const EXAMPLES = join(ROOT, 'test', 'asyncapi', 'examples');

interface Case {
  readonly file: string;
  /** What the spec must hold: broker, kind and name of each channel, and the message types. */
  readonly channels: readonly string[];
  readonly types: readonly string[];
}

const IMPORTED: readonly Case[] = [
  {
    file: 'streetlights-mqtt-asyncapi-3.0.0.yml',
    channels: ['rabbitmq queue lightingMeasured', 'rabbitmq queue lightTurnOn', 'rabbitmq queue lightTurnOff', 'rabbitmq queue lightsDim'],
    types: ['LightMeasured', 'TurnOnOff', 'TurnOnOff', 'DimLight'],
  },
  {
    file: 'streetlights-mqtt-2.6.0.yml',
    // 2.x channels are named by their address, as @asyncapi/converter names them (words joined by ".").
    channels: ['event.{streetlightId}.lighting.measured', 'action.{streetlightId}.turn.on', 'action.{streetlightId}.turn.off', 'action.{streetlightId}.dim'].map((a) => `rabbitmq queue smartylighting.streetlights.1.0.${a.replace(/[{}]/g, '')}`),
    types: ['LightMeasured', 'TurnOnOff', 'TurnOnOff', 'DimLight'],
  },
  { file: 'rpc-server-asyncapi-3.0.0.yml', channels: ['rabbitmq rpc rpc_queue'], types: ['Sum'] },
  { file: 'rpc-client-asyncapi-3.0.0.yml', channels: ['rabbitmq rpc rpc_queue'], types: ['RequestSum'] },
  { file: 'rpc-server-2.6.0.yml', channels: ['rabbitmq rpc rpc_queue'], types: ['Sum'] },
];

describe('published AsyncAPI examples', () => {
  it('every fixture is a case here (imported or refused)', () => {
    const listed = [...IMPORTED.map((c) => c.file), 'streetlights-kafka-asyncapi-3.0.0.yml'].sort();
    expect(readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).sort()).toEqual(listed);
  });

  for (const c of IMPORTED) {
    it(`${c.file}: imports, generates, and the project type-checks`, { timeout: 600_000 }, async () => {
      const dest = join(tempDir('brokerplate-asyncapi-'), 'project');
      const r = await runBin([dest, '--from', join(EXAMPLES, c.file)], { timeoutMs: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const spec = loadSpec(readFileSync(join(dest, 'brokerplate.yaml'), 'utf8'));
      if (!spec.ok) throw new Error('the written spec does not load');
      expect(spec.spec.channels.map((ch) => `${ch.broker} ${ch.kind} ${ch.name}`)).toEqual(c.channels);
      expect(spec.spec.channels.map((ch) => ch.message.type)).toEqual(c.types);
      // Its own contract passes the AsyncAPI parser and reads back to the same channels.
      const text = readFileSync(join(dest, 'asyncapi.yaml'), 'utf8');
      const { diagnostics } = await new Parser().parse(text);
      expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
      expect(importAsyncApi(text).spec.channels).toEqual(spec.spec.channels);
      symlinkSync(await sharedNodeModules(), join(dest, 'node_modules'), 'dir');
      const tsc = await typecheck(dest);
      expect(tsc.output, tsc.output).toBe('');
      expect(tsc.code).toBe(0);
    });
  }

  it('streetlights-kafka-asyncapi-3.0.0.yml: refused with the path of the parameter Kafka cannot take, nothing written', async () => {
    const dest = join(tempDir('brokerplate-asyncapi-'), 'project');
    const r = await runBin([dest, '--from', join(EXAMPLES, 'streetlights-kafka-asyncapi-3.0.0.yml')], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^brokerplate: error: --from \S+streetlights-kafka-asyncapi-3\.0\.0\.yml: channels\.lightingMeasured\.parameters\.streetlightId: has no default/)]);
    expect(existsSync(dest)).toBe(false);
    // The document itself is valid AsyncAPI: the refusal is brokerplate's, not a parse error.
    expect(parse(readFileSync(join(EXAMPLES, 'streetlights-kafka-asyncapi-3.0.0.yml'), 'utf8')).asyncapi).toBe('3.0.0');
  });
});
