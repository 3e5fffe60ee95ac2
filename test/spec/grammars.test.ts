/**
 * Every value checked against the grammar of the program that consumes it: Prometheus durations,
 * cron (Kubernetes CronJob and cron(8)), Kubernetes quantities, RabbitMQ plugin names, reserved
 * JavaScript keys, text and size limits, and the YAML document itself (tags, aliases, size).
 */
import { describe, expect, it } from 'vitest';
import { emitProject } from '../../generators/emit/index.ts';
import { recommendedBrokers, type BrokerId, type ScenarioId } from '../../generators/guide/index.ts';
import {
  buildSpec,
  formatIssue,
  loadSpec,
  longestGapMinutes,
  MAX_SPEC_BYTES,
  parseCron,
  parseSpec,
  promDuration,
  quantityValue,
  serializeSpec,
  type StackSpec,
} from '../../generators/stack/index.ts';
import { RABBITMQ_PLUGINS } from '../../generators/versions/rabbitmq-plugins.ts';

function seed(scenario: ScenarioId = 'hybrid', brokers: BrokerId[] = recommendedBrokers(scenario)) {
  return structuredClone(buildSpec({ name: 'shop', scenario, brokers, profile: 'dev', targets: ['compose', 'k8s'], decision: { overridden: false } })) as unknown as Record<string, any>;
}

function issues(raw: unknown): string[] {
  const result = parseSpec(raw);
  return result.ok ? [] : result.issues.map(formatIssue);
}

function valid(raw: unknown): StackSpec {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.spec;
}

describe('monitoring.thresholds: Prometheus durations and bounded numbers', () => {
  it('turns hours into an exact duration', () => {
    expect([26, 1.5, 1, 26.25, 2232, 1 / 60 + 1].map(promDuration)).toEqual(['26h', '1h30m', '1h', '26h15m', '2232h', '1h1m']);
    expect(() => promDuration(1.51)).toThrow(/whole number of minutes/);
  });

  it('emits for: 1h30m (not 1.5h) when the schedule allows 1.5 hours', () => {
    const spec = seed();
    spec.backup.schedule = '0 * * * *';
    spec.monitoring.thresholds.backupMaxAgeHours = 1.5;
    const rules = emitProject(valid(spec)).find((f) => f.path === 'monitoring/prometheus/rules/backup.yml');
    expect(rules?.contents).toMatch(/for: 1h30m\n/);
    expect(rules?.contents).not.toMatch(/1\.5h|Infinity/);
  });

  it.each([
    [1.51, /^monitoring\.thresholds\.backupMaxAgeHours: 1\.51 is not a whole number of minutes: the alert waits for an exact Prometheus duration/],
    [1e308, /^monitoring\.thresholds\.backupMaxAgeHours: must be between 1 and 2232 \(hours\), got 1e\+308$/],
    [0, /^monitoring\.thresholds\.backupMaxAgeHours: must be between 1 and 2232 \(hours\), got 0$/],
    [1.5, /^monitoring\.thresholds\.backupMaxAgeHours: 1\.5 is not longer than the longest gap between two runs of backup\.schedule "15 3 \* \* \*" \(24 hours\)/],
  ])('refuses backupMaxAgeHours %s', (hours, message) => {
    const spec = seed();
    spec.monitoring.thresholds.backupMaxAgeHours = hours;
    expect(issues(spec)).toEqual([expect.stringMatching(message)]);
  });

  it('bounds every other threshold (counts are whole, ratios within 0-1)', () => {
    const spec = seed();
    spec.monitoring.thresholds.kafkaConsumerLag = 1e308;
    spec.monitoring.thresholds.rabbitmqQueueDepth = 10.5;
    spec.monitoring.thresholds.redisHitRatio = 1.2;
    expect(issues(spec)).toEqual([
      'monitoring.thresholds.kafkaConsumerLag: must be between 0 and 1000000000000, got 1e+308',
      'monitoring.thresholds.rabbitmqQueueDepth: must be an integer, got 10.5',
      'monitoring.thresholds.redisHitRatio: must be between 0 and 1 (a fraction), got 1.2',
    ]);
  });
});

describe('backup.schedule: cron as a Kubernetes CronJob and cron(8) both read it', () => {
  it.each([
    ['15 3 * * *', 1440],
    ['*/15 * * * *', 15],
    ['0 3 * * 0', 7 * 1440],
    ['0 3 1,15 * *', 17 * 1440],
    ['0 0 29 2 *', 4 * 365 * 1440 + 1440],
    ['@hourly', 60],
    ['0 9-17/4 * * 1-5', 64 * 60],
  ])('%s runs at least every %i minutes', (text, gap) => {
    const cron = parseCron(text);
    expect(cron.ok && longestGapMinutes(cron.schedule)).toBe(gap);
  });

  it.each([
    ['99 99 99 99 99', /the minute field has 99, outside 0-59/],
    ['0 3 * * * ; rm -rf ~', /must be five cron fields separated by single spaces.*no shell characters/],
    ['$(touch pwned) * * * *', /no shell characters/],
    ['0 3 * * `id`', /no shell characters/],
    ['0 3 * * MON', /no names/],
    ['0 3 * * 7', /the day of week field has 7, outside 0-6 \(write 0 for Sunday/],
    ['0 25 * * *', /the hour field has 25, outside 0-23/],
    ['0 3 0 * *', /the day of month field has 0, outside 1-31/],
    ['0 3 * 13 *', /the month field has 13, outside 1-12/],
    ['5-1 * * * *', /the range 5-1, which runs backwards/],
    ['*/0 * * * *', /the step \/0, outside 1-60/],
    ['5/10 * * * *', /a step needs a range or \* \(write 5-59\/10\); cron\(8\) refuses n\/step/],
    ['0 3 * *', /must be five cron fields/],
    ['0  3 * * *', /separated by single spaces/],
    ['@reboot', /is not a schedule: the descriptors are @yearly/],
  ])('refuses %j', (text, message) => {
    const spec = seed();
    spec.backup.schedule = text;
    expect(issues(spec)).toEqual([expect.stringMatching(new RegExp(`^backup\\.schedule: ${JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*${message.source}`))]);
  });

  it('refuses a schedule that never runs, and a stale-backup alert shorter than the schedule', () => {
    const spec = seed();
    spec.backup.schedule = '0 3 30 2 *';
    expect(issues(spec)).toEqual(['backup.schedule: "0 3 30 2 *" never runs (no date matches its day and month fields)']);
    spec.backup.schedule = '0 3 * * 0';
    expect(issues(spec)).toEqual([expect.stringMatching(/^monitoring\.thresholds\.backupMaxAgeHours: 26 is not longer than .*"0 3 \* \* 0" \(168 hours\).*raise it above 168$/)]);
    spec.monitoring.enabled = false;
    expect(issues(spec)).toEqual([]);
  });
});

describe('resources: Kubernetes quantities every consumer reads alike, bounded', () => {
  it('reads the values compose and the brokers are given', () => {
    expect([quantityValue('cpu', '250m'), quantityValue('cpu', '1.5'), quantityValue('memory', '512Mi'), quantityValue('storage', '10G')]).toEqual([0.25, 1.5, 512 * 2 ** 20, 1e10]);
    expect([quantityValue('cpu', '1k'), quantityValue('memory', '1.5Gi'), quantityValue('memory', '500m'), quantityValue('cpu', '0.0001')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each([
    ['limits.memory', '99999999999999999999Ti', /"99999999999999999999Ti" is out of bounds: memory must be between 16Mi and 4Ti$/],
    ['storage', '0', /"0" is out of bounds: storage must be between 1Mi and 64Ti$/],
    ['limits.memory', '1.5Gi', /"1\.5Gi" must be a memory quantity: a whole number with a unit/],
    ['limits.cpu', '1k', /"1k" must be a CPU quantity: millicores such as 250m/],
    ['limits.cpu', '0', /"0" is out of bounds: cpu must be between 1m/],
    ['requests.memory', '4Mi', /"4Mi" is out of bounds: memory must be between 16Mi and 4Ti$/],
    ['storage', '1e3', /"1e3" must be a storage quantity/],
  ])('refuses %s: %s', (field, value, message) => {
    const spec = seed();
    const [group, key] = field.split('.') as [string, string | undefined];
    if (key) spec.brokers.kafka.dev.resources[group][key] = value;
    else spec.brokers.kafka.dev.resources[group] = value;
    expect(issues(spec)).toContainEqual(expect.stringMatching(new RegExp(`^brokers\\.kafka\\.dev\\.resources\\.${field.replace('.', '\\.')}: ${message.source}`)));
  });

  it('refuses a request above its limit', () => {
    const spec = seed();
    spec.brokers.rabbitmq.prod.resources.requests.memory = '3Gi';
    expect(issues(spec)).toEqual(['brokers.rabbitmq.prod.resources.requests.memory: 3Gi exceeds brokers.rabbitmq.prod.resources.limits.memory (2Gi): Kubernetes refuses a request above its limit']);
  });
});

describe('brokers.rabbitmq.plugins: the plugins the pinned RabbitMQ ships', () => {
  it('accepts every known plugin once and refuses duplicates and unknown names', () => {
    const spec = seed('iot-mqtt');
    spec.brokers.rabbitmq.plugins = ['rabbitmq_mqtt', 'rabbitmq_shovel', 'rabbitmq_mqtt', 'rabbitmq_mqqt', 'rabbitmq_delayed_message_exchange'];
    expect(issues(spec)).toEqual([
      expect.stringMatching(/^brokers\.rabbitmq\.plugins\[3\]: "rabbitmq_mqqt" is not a plugin RabbitMQ ships \(rabbitmq:4\.[0-9.]+-management\); a name it lacks stops the node from booting \(known: rabbitmq_amqp1_0, /),
      expect.stringMatching(/^brokers\.rabbitmq\.plugins\[4\]: "rabbitmq_delayed_message_exchange" is not a plugin RabbitMQ ships/),
    ]);
    spec.brokers.rabbitmq.plugins = ['rabbitmq_mqtt', 'rabbitmq_shovel', 'rabbitmq_mqtt'];
    expect(issues(spec)).toEqual(['brokers.rabbitmq.plugins[2]: duplicate plugin "rabbitmq_mqtt"']);
    spec.brokers.rabbitmq.plugins = [...RABBITMQ_PLUGINS];
    expect(issues(spec)).toEqual([]);
  });
});

describe('reserved JavaScript keys as names', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses a message field named %s (it used to vanish from the type and schema)', (name) => {
    const spec = seed('rpc');
    spec.channels[0].message.fields = JSON.parse(`{"sku": {"type": "string"}, ${JSON.stringify(name)}: {"type": "string"}}`);
    expect(issues(spec)).toEqual([`channels[0].message.fields.${name}: "${name}" is reserved: JavaScript objects treat __proto__, constructor and prototype specially, so no name in the spec may be one of them`]);
  });

  it('refuses reserved names for channels, header keys, consumer groups and nested fields, also read from YAML', () => {
    const spec = seed('complex-routing');
    spec.channels[0].name = 'prototype';
    spec.channels[1].bindings[0].headers = JSON.parse('{"__proto__": "x", "kind": "invoice"}');
    expect(issues(spec)).toEqual([
      expect.stringMatching(/^channels\[0\]\.name: "prototype" is reserved/),
      expect.stringMatching(/^channels\[1\]\.bindings\[0\]\.headers\.__proto__: is reserved/),
    ]);
    const kafka = seed('event-streaming');
    kafka.channels[0].consumerGroups = ['constructor'];
    expect(issues(kafka)).toEqual([expect.stringMatching(/^channels\[0\]\.consumerGroups\[0\]: "constructor" is reserved/)]);
    kafka.channels[0].consumerGroups = ['analytics'];
    kafka.channels[0].message.fields.page = { type: 'object', fields: { constructor: { type: 'string' } } };
    const text = serializeSpec(kafka as unknown as StackSpec);
    const result = loadSpec(text);
    expect(!result.ok && result.issues.map(formatIssue)).toEqual([expect.stringMatching(/^channels\[0\]\.message\.fields\.page\.fields\.constructor: "constructor" is reserved/)]);
    const proto = loadSpec(text.replace('userId:', '__proto__:').replace('key: userId', 'key: page'));
    expect(!proto.ok && proto.issues.map(formatIssue)).toEqual(expect.arrayContaining([expect.stringMatching(/^channels\[0\]\.message\.fields\.__proto__: "__proto__" is reserved/)]));
  });

  it('refuses a channel whose identifier would be reserved', () => {
    const spec = seed('realtime-notifications');
    spec.channels[0].name = 'Constructor';
    expect(issues(spec)).toEqual([expect.stringMatching(/^channels\[0\]\.name: "Constructor" becomes the TypeScript identifier constructor, which is reserved/)]);
  });
});

describe('free text: bounded, no control characters', () => {
  it.each([
    ['NUL', 'a\u0000b', /U\+0000 \(NUL\) at position 1/],
    ['ESC', 'red \u001b[31m', /U\+001B \(ESC\) at position 4/],
    ['RTL override', 'abc\u202Edef', /U\+202E \(right-to-left override\)/],
    ['a bidi isolate', 'x\u2067y', /U\+2067/],
    ['carriage return', 'a\r\nb', /U\+000D \(carriage return\)/],
    ['line separator', 'a\u2028b', /U\+2028 \(line separator\)/],
    ['a C1 control', 'a\u009bb', /U\+009B/],
    ['a lone surrogate', 'a\ud800b', /is not valid Unicode/],
  ])('refuses %s in a description, a field description, an enum value and a header value', (_name, text, message) => {
    const spec = seed('complex-routing');
    spec.channels[0].description = text;
    spec.channels[0].message.fields.orderId.description = text;
    spec.channels[0].message.fields.region.enum = ['eu', text];
    spec.channels[1].bindings[0].headers.kind = text;
    const got = issues(spec);
    expect(got).toHaveLength(4);
    expect(got.map((i) => i.replace(/:.*/, ''))).toEqual(['channels[0].description', 'channels[0].message.fields.orderId.description', 'channels[0].message.fields.region.enum[1]', 'channels[1].bindings[0].headers.kind']);
    for (const i of got) expect(i).toMatch(message);
  });

  it('keeps tabs, newlines and any printable Unicode', () => {
    const spec = seed('rpc');
    spec.channels[0].description = 'Prices\tper SKU\nin € and ¥ — "quoted" `code` <b> | pipes | 👩‍💻 עברית';
    expect(issues(spec)).toEqual([]);
  });

  it('caps every string and list, with the limit in the message', () => {
    const spec = seed('rpc');
    spec.channels[0].description = 'x'.repeat(50 * 1024 * 1024);
    spec.channels[0].message.fields.sku = { type: 'string', enum: Array.from({ length: 500 }, (_, i) => `v${i}`) };
    expect(issues(spec)).toEqual([
      'channels[0].description: is 52428800 characters long; at most 2000 are allowed',
      'channels[0].message.fields.sku.enum: has 500 items; at most 200 are allowed',
    ]);
  });
});

describe('the YAML document', () => {
  const text = serializeSpec(valid(seed('rpc')));

  it('refuses explicit tags, naming the field (version: !!float 1 used to say "must be an integer, got "1"")', () => {
    const result = loadSpec(text.replace('version: 1', 'version: !!float 1').replace('keep: 7', 'keep: !!binary aGk='));
    expect(!result.ok && result.issues.map(formatIssue)).toEqual([
      'version: has the YAML tag !!float: tags are not allowed in brokerplate.yaml; write the plain value (e.g. "1" without the tag, quoted if it is a string)',
      expect.stringMatching(/^backup\.keep: has the YAML tag !!binary/),
    ]);
  });

  it('refuses an alias bomb with one issue, without expanding it', () => {
    const bomb = `${text}x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`;
    const started = Date.now();
    const result = loadSpec(bomb);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(!result.ok && result.issues.map(formatIssue)).toEqual(['expands YAML aliases (*name) more than 100 times, as a "billion laughs" document does; write the values out instead']);
  });

  it('refuses a file over the size cap before parsing it', () => {
    const big = `${text}# ${'x'.repeat(MAX_SPEC_BYTES)}\n`;
    const result = loadSpec(big);
    expect(!result.ok && result.issues.map(formatIssue)).toEqual([`is ${Buffer.byteLength(big)} bytes; a spec may be at most 1048576 bytes (1 MiB)`]);
  });

  it('reads a few aliases, as a hand-written spec may use them', () => {
    const result = loadSpec(text.replace(/(\n {2}dev:\n)/, '\n  dev: &dev\n').replace(/\n {2}prod:\n( {4}.*\n)+?(?= {2}\w|\S)/, '\n  prod: *dev\n'));
    expect(result.ok).toBe(true);
  });
});

describe('decision.flowchart: only the questions the chart asked', () => {
  it('reads the answers up to the first yes, and ignores answers past it (older versions stored every question as false)', () => {
    const spec = seed('event-streaming');
    spec.decision.flowchart = { replay: true, complexRouting: false, lowLatencyOrRedis: false };
    expect(valid(spec).decision.flowchart).toEqual({ replay: true });
    spec.decision.flowchart = { replay: false, complexRouting: true };
    expect(valid(spec).decision.flowchart).toEqual({ replay: false, complexRouting: true });
  });

  it('needs each question the chart reaches', () => {
    const spec = seed('event-streaming');
    spec.decision.flowchart = { replay: false };
    expect(issues(spec)).toEqual(['decision.flowchart.complexRouting: is required']);
  });
});
