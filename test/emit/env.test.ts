/**
 * .env: read as docker compose reads it, written so that compose and Node's loadEnvFile (what the
 * generated clients use) read the same values. Node's side is checked here with Node's own parser
 * (util.parseEnv, the parser behind process.loadEnvFile); compose's side with the real compose CLI
 * in test/consumers/dotenv.test.ts.
 */
import { parseEnv as nodeParseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envLine, mergeEnv, readEnv } from '../../generators/emit/env.ts';
import { envExample } from '../../generators/emit/index.ts';
import { WriteError } from '../../generators/write/errors.ts';
import { AWKWARD_VALUES, UNWRITABLE_VALUES } from '../support/env-values.ts';
import { specFor } from '../support/stack.ts';

describe('envLine: values both readers read alike', () => {
  it.each(AWKWARD_VALUES)('%j round-trips through Node\'s parser', (value) => {
    const line = envLine('KEY', value);
    expect(nodeParseEnv(`${line}\n`)).toEqual({ KEY: value });
    // And through brokerplate's own reader (compose's rules), unchanged and marked portable.
    expect(readEnv(`${line}\n`)).toMatchObject([{ key: 'KEY', value, portable: true }]);
  });

  it.each(UNWRITABLE_VALUES)('refuses %j with the key and the rule', (value) => {
    expect(() => envLine('RABBITMQ_PASSWORD', value)).toThrow(WriteError);
    expect(() => envLine('RABBITMQ_PASSWORD', value)).toThrow(/^\.env: RABBITMQ_PASSWORD: no quoting makes docker compose and Node's loadEnvFile read this value alike/);
  });

  it('writes plain values unquoted, the rest quoted', () => {
    expect(envLine('A', 'Zx-9_abc')).toBe('A=Zx-9_abc');
    expect(envLine('A', 'amqp://app:p%23w@127.0.0.1:5672/%2F')).toBe('A=amqp://app:p%23w@127.0.0.1:5672/%2F');
    expect(envLine('A', 'abc$def #x')).toBe("A='abc$def #x'");
    expect(envLine('A', "it's")).toBe('A="it\'s"');
  });
});

describe('readEnv: compose\'s reading of an existing .env', () => {
  it('reads quotes, escaped quotes, comments, export and bare names as compose does', () => {
    const text = ["export A='x y' # note", 'B="q\\"uote"', 'C=un quoted # comment', '# a comment', 'D', "E='multi", "line'", 'F=$HOME/x', 'G="two\\nlines"'].join('\n');
    expect(readEnv(text).map((e) => [e.key, e.value, e.portable])).toEqual([
      ['A', 'x y', true],
      ['B', 'q"uote', false],
      ['C', 'un quoted', true],
      ['D', '', true],
      ['E', 'multi\nline', true],
      ['F', '$HOME/x', false],
      ['G', 'two\nlines', true],
    ]);
  });

  it.each([
    ["A='abc", /^\.env \(line 1\): the value of A has no closing '/],
    ['A="x" y', /^\.env \(line 1\): unexpected text after the closing quote of A/],
    ['not a key=1', /^\.env \(line 1\): "not a key" is not a variable name/],
  ])('refuses %j', (text, message) => {
    expect(() => readEnv(text)).toThrow(message);
  });
});

describe('mergeEnv: the .env of a run', () => {
  const spec = specFor('rpc', 'dev');
  let n = 0;
  const random = () => `rnd${++n}`;

  it('fills every empty secret of `cp .env.example .env` and rebuilds the URL (compose then has every password)', () => {
    const merged = mergeEnv(spec, envExample(spec), random);
    expect(merged.filled).toEqual(['RABBITMQ_PASSWORD', 'RABBITMQ_ADMIN_PASSWORD', 'RABBITMQ_MONITOR_PASSWORD', 'RABBITMQ_BACKUP_PASSWORD', 'RABBITMQ_ERLANG_COOKIE', 'GRAFANA_ADMIN_PASSWORD']);
    const values = nodeParseEnv(merged.text);
    for (const key of merged.filled) expect(values[key]).toMatch(/^rnd\d+$/);
    expect(values.RABBITMQ_URL).toBe(`amqp://app:${values.RABBITMQ_PASSWORD}@127.0.0.1:5672/shop`);
  });

  it('keeps the user\'s values (quoted for both readers), percent-encodes them in URLs, keeps their own keys verbatim', () => {
    const existing = "RABBITMQ_PASSWORD='abc$def #x'\nRABBITMQ_ADMIN_PASSWORD=\"it's\"\nRABBITMQ_URL=amqp://old\nMY_OWN=$HOME # as I wrote it\n";
    const merged = mergeEnv(spec, existing, random);
    expect(merged.filled).toEqual(['RABBITMQ_MONITOR_PASSWORD', 'RABBITMQ_BACKUP_PASSWORD', 'RABBITMQ_ERLANG_COOKIE', 'GRAFANA_ADMIN_PASSWORD']);
    expect(merged.text).toContain("RABBITMQ_PASSWORD='abc$def #x'\n");
    expect(merged.text).toContain('MY_OWN=$HOME # as I wrote it\n');
    const values = nodeParseEnv(merged.text);
    expect([values.RABBITMQ_PASSWORD, values.RABBITMQ_ADMIN_PASSWORD]).toEqual(['abc$def #x', "it's"]);
    const url = new URL(values.RABBITMQ_URL ?? '');
    expect(decodeURIComponent(url.password)).toBe('abc$def #x');
    // A second run changes nothing.
    expect(mergeEnv(spec, merged.text, random).text).toBe(merged.text);
  });

  it('refuses a secret that compose and the clients would read differently, naming the line and the fix', () => {
    expect(() => mergeEnv(spec, 'RABBITMQ_PASSWORD=abc$def\n', random)).toThrow(/^\.env \(line 1\): RABBITMQ_PASSWORD: docker compose and Node's loadEnvFile \(the clients\) would read this value differently.*: put it in single quotes$/);
    expect(() => mergeEnv(spec, 'RABBITMQ_PASSWORD=abc#def\n', random)).toThrow(/RABBITMQ_PASSWORD: docker compose and Node's loadEnvFile/);
  });
});

describe('mergeEnv: a broker leaves the stack, then comes back', () => {
  it('retires its variables (secrets as #retired comments), and restores the secrets when it returns', () => {
    const hybrid = specFor('hybrid', 'dev');
    const rpc = specFor('rpc', 'dev');
    let n = 0;
    const first = mergeEnv(hybrid, undefined, () => `v${++n}`);
    const redisPassword = nodeParseEnv(first.text).REDIS_PASSWORD;
    const without = mergeEnv(rpc, `${first.text}MINE=1\n`, () => 'never');
    expect(without.retired).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'REDIS_PASSWORD', 'REDIS_URL']));
    const values = nodeParseEnv(without.text);
    expect(Object.keys(values)).not.toContain('REDIS_PASSWORD');
    expect(values.MINE).toBe('1');
    expect(without.text).toContain(`#retired REDIS_PASSWORD=${redisPassword}\n`);
    expect(without.text).not.toContain('KAFKA_BROKERS');
    const back = mergeEnv(hybrid, without.text, () => 'new');
    expect(nodeParseEnv(back.text).REDIS_PASSWORD).toBe(redisPassword);
    expect(back.filled).toEqual([]);
    expect(back.text).not.toContain('#retired REDIS_PASSWORD');
  });
});
