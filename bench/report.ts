/**
 * BENCHMARKS.md from one `npm run bench` run: machine, commands, the tables of the three parts
 * (generation, generated clients vs raw drivers, Kafka's own producer tool) and the issue's
 * targets with a verdict computed from the figures. The analysis (why a target is missed, what
 * was optimised) is hand-written in bench/notes.md and included as it is.
 */
import { PERFORMANCE } from '../generators/guide/index.ts';

export interface Machine {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly brokers: Readonly<Record<string, string>>;
  readonly load: string;
}

export interface GenerationRow {
  readonly name: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly ratio: number;
}

/** A row of the generated project's `npm run bench -- --json` (bench/harness.ts `Result`). */
export interface Measure {
  readonly produce: number;
  readonly consume: number;
  readonly p50: number;
  readonly p99: number;
  readonly lost: number;
}

export interface ClientRow {
  readonly broker: string;
  readonly channel: string;
  readonly setting: string;
  readonly durable: boolean;
  readonly system: string;
  readonly payloadBytes: number;
  readonly wireBytes: number;
  readonly messages: number;
  readonly latencyMessages: number;
  readonly batch: number;
  readonly window: number;
  readonly generated: Measure;
  readonly raw: Measure;
  readonly ratio: { readonly produce: number; readonly consume: number; readonly p50: number; readonly p99: number };
  readonly rounds: { readonly generated: readonly Measure[]; readonly raw: readonly Measure[] };
}

export interface ToolRow {
  readonly acks: string;
  readonly recordSize: number;
  readonly records: number;
  /** Records/s of each repetition. */
  readonly runs: readonly number[];
  readonly median: number;
  /** The raw Node driver's and the generated client's produce msgs/s for the same acks and size, from this run. */
  readonly raw?: number;
  readonly generated?: number;
}

/** redis-benchmark on the same server: what Redis itself reaches with deep pipelining, no JSON work per message. */
export interface ServerRow {
  readonly command: string;
  readonly pipeline: number;
  readonly messageBytes: number;
  readonly requests: number;
  readonly perSecond: number;
  /** The generated client's produce msgs/s for the same command and message size, from this run. */
  readonly generated?: number;
  readonly raw?: number;
}

export interface Report {
  readonly machine: Machine;
  readonly commands: readonly string[];
  readonly options: { readonly rounds: number; readonly seconds: number; readonly latencyMessages: number; readonly sizes: readonly number[]; readonly generationRounds: number };
  readonly generation?: readonly GenerationRow[];
  readonly clients: readonly ClientRow[];
  readonly tool: readonly ToolRow[];
  readonly redisServer?: readonly ServerRow[];
  readonly wallSeconds: number;
  readonly notes?: string;
}

const rate = (v: number): string => (Number.isFinite(v) ? (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e4 ? `${Math.round(v / 1e3)} k` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0)) : 'n/a');
const ms = (v: number): string => (Number.isFinite(v) ? (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)) : 'n/a');
const ratio = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const check = (ok: boolean): string => (ok ? 'met' : '**missed**');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The targets, each with the figure that decides it. */
export function targets(report: Report): { target: string; measured: string; verdict: string }[] {
  const out: { target: string; measured: string; verdict: string }[] = [];
  const gen = report.generation?.find((r) => r.name.includes('hybrid/prod'));
  if (gen) out.push({ target: 'Generation (hybrid/prod, non-interactive) under 0.5 s', measured: `${ms(gen.medianMs)} ms median`, verdict: check(gen.medianMs < 500) });
  for (const r of report.clients) {
    const worst = Math.min(r.ratio.produce, r.ratio.consume);
    out.push({
      target: `${r.broker} ${r.setting}, ${r.payloadBytes} B: generated ≥ 90 % of raw throughput`,
      measured: `produce ${ratio(r.ratio.produce)}, consume ${ratio(r.ratio.consume)}`,
      verdict: check(worst >= 0.9),
    });
  }
  const best = (system: string, durable?: boolean) => {
    const rows = report.clients.filter((r) => r.system === system && (durable === undefined || r.durable === durable));
    return rows.length === 0 ? undefined : rows.reduce((a, b) => (b.generated.produce > a.generated.produce ? b : a));
  };
  const goal = (label: string, row: ClientRow | undefined, msgs: number) => {
    if (row) out.push({ target: label, measured: `${rate(row.generated.produce)} msgs/s produce, ${rate(row.generated.consume)} consume (generated, ${row.payloadBytes} B)`, verdict: check(row.generated.produce >= msgs) });
  };
  goal('Redis Pub/Sub ≥ 500 k msgs/s', best('Redis Pub/Sub'), 500_000);
  goal('Redis Streams ≥ 100 k msgs/s', best('Redis Streams'), 100_000);
  goal('RabbitMQ ≥ 20 k msgs/s with confirms', best('RabbitMQ', true), 20_000);
  goal('Kafka: the guide\'s 1,000,000+ msgs/s (a multi-broker cluster figure)', best('Kafka'), 1_000_000);
  return out;
}

export function renderReport(report: Report): string {
  const { machine: m, options: o } = report;
  const parts: string[] = [];
  parts.push('# Benchmarks');
  parts.push(
    [
      `Measured on ${m.date} by \`npm run bench\` (about ${Math.round(report.wallSeconds / 60)} min). These machines are shared and noisy:`,
      'every comparison below is measured side by side in one run (interleaved rounds, alternating which side',
      'goes first) and reported as medians and ratios. Single figures move between runs by tens of per cent; a',
      'ratio generated/raw moves by about ± 0.1 (the per-round figures are in `bench/last-run.json`).',
    ].join('\n'),
  );
  parts.push('## Machine');
  parts.push(
    table(
      ['', ''],
      [
        ['CPU', `${m.cpus} × ${m.cpuModel} (\`nproc\` = ${m.cpus})`],
        ['Memory', `${m.memoryGiB.toFixed(1)} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ...Object.entries(m.brokers).map(([name, version]) => [name, version]),
        ['Load average at start', m.load],
      ],
    ),
  );
  parts.push('## Commands');
  parts.push(['```sh', ...report.commands, '```'].join('\n'));
  parts.push(
    [
      'Everything runs on this one machine: the brokers of `scripts/brokers/brokers.mjs` (single node each, on',
      '127.0.0.1), the Node client process and, for Kafka, the JVM producer tool. The brokers are started if they',
      'are not running (and stopped afterwards); brokers named by `REDIS_URL` / `RABBITMQ_URL` / `KAFKA_BROKERS`',
      'are used as they are.',
    ].join('\n'),
  );

  if (report.generation) {
    parts.push('## 1. Generation');
    parts.push(`\`bench/generation.mjs\`, ${o.generationRounds} interleaved rounds after a warm-up round; wall time of each command.`);
    parts.push(table(['Command', 'median ms', 'p90 ms', '× `node -e 0`'], report.generation.map((r) => [r.name, ms(r.medianMs), ms(r.p90Ms), r.ratio.toFixed(1)])));
  }

  parts.push('## 2. Generated clients vs raw drivers');
  parts.push(
    [
      `A project generated from \`bench/spec.ts\` (one channel per broker and delivery setting, all carrying the guide's`,
      'ClickEvent, padded to the payload size) runs its own `npm run bench` (`bench/` of the generated project).',
      `Per row: two warm-up rounds (the second calibrates N), then ${o.rounds} rounds; each round runs the generated client and the raw driver`,
      `(\`@platformatic/kafka\`, \`rabbitmq-client\`, \`redis\` used directly) one after the other. In a round, each side:`,
      '',
      `1. **produce**: publishes N messages (N calibrated to ≈ ${o.seconds} s from the warm-up) in batches (generated: \`publishMany\` /`,
      '   `appendMany`; raw: one `send` of many records, a pipeline of commands, concurrent confirmed publishes), no consumer attached;',
      '   msgs/s until the broker acknowledged the last one as the setting requires;',
      '2. **consume**: attaches its consumer and drains those N (Pub/Sub keeps nothing: N more are published while the',
      '   subscriber listens); msgs/s between the first and the last arrival;',
      `3. **latency**: ${o.latencyMessages} messages one at a time, each published once the previous one arrived; end-to-end (publish call`,
      '   to handler) p50 / p99.',
      '',
      'The raw side sends the same bytes (an envelope-shaped JSON of the same size, serialised with `JSON.stringify`, same',
      'keys, routing keys and headers) on a shadow channel configured like the real one (`bench-raw.<name>`), and parses',
      'JSON on receipt; it does not validate, generate ids or timestamps. So the ratio generated/raw is the cost of what the',
      'generated client adds: contract validation (ajv), a fresh UUID and timestamp per message, and its consumer loop',
      '(dead-lettering, retries, commits after processing). Ratio = median of the per-round ratios; > 1 means the',
      'generated client was faster. Payload = JSON bytes of the message data; wire = the whole message (envelope included).',
    ].join('\n'),
  );
  parts.push(
    table(
      ['Broker', 'Setting', 'Payload / wire B', 'N', 'Produce msgs/s gen · raw', 'ratio', 'Consume msgs/s gen · raw', 'ratio', 'p50 ms gen · raw', 'p99 ms gen · raw', 'Lost'],
      report.clients.map((r) => [
        r.broker,
        `${r.setting} (${r.durable ? 'durable' : 'fast'})`,
        `${r.payloadBytes} / ${r.wireBytes}`,
        rate(r.messages),
        `${rate(r.generated.produce)} · ${rate(r.raw.produce)}`,
        ratio(r.ratio.produce),
        `${rate(r.generated.consume)} · ${rate(r.raw.consume)}`,
        ratio(r.ratio.consume),
        `${ms(r.generated.p50)} · ${ms(r.raw.p50)}`,
        `${ms(r.generated.p99)} · ${ms(r.raw.p99)}`,
        `${r.generated.lost} · ${r.raw.lost}`,
      ]),
    ),
  );

  parts.push("### Next to the guide's Performance table");
  parts.push('The generated client, best row per guide entry (produce · consume msgs/s; p99 end-to-end at one message in flight).');
  parts.push(
    table(
      ['Guide row', 'Guide msgs/s', 'Guide p99', 'Measured msgs/s', 'Measured p99 ms (100 B · 1 KB)', 'Setting of the best row'],
      PERFORMANCE.flatMap((g) => {
        const own = report.clients.filter((r) => r.system === g.system);
        if (own.length === 0) return [];
        const best = own.reduce((a, b) => (b.generated.produce > a.generated.produce ? b : a));
        const p99s = [...new Set(own.map((r) => r.payloadBytes))].sort((a, b) => a - b).map((size) => ms(Math.min(...own.filter((r) => r.payloadBytes === size).map((r) => r.generated.p99))));
        return [[g.system, g.guideText.throughput, g.guideText.p99, `${rate(best.generated.produce)} · ${rate(best.generated.consume)}`, p99s.join(' · '), `${best.setting}, ${best.payloadBytes} B`]];
      }),
    ),
  );

  if (report.tool.length > 0) {
    parts.push("## 3. Kafka's own producer tool on the same broker");
    parts.push(
      [
        '`org.apache.kafka.tools.ProducerPerformance` (Java client, default batching: linger and 16 KB batches) on a topic with the',
        "same partitions, `--throughput -1`; median of the repetitions, next to the Node figures of part 2 for the same acks and",
        'payload size (the tool sends bare records of `--record-size` bytes, the Node rows send the wire size shown above). Its',
        'latency figures are at saturation (queueing), so they are not shown.',
      ].join('\n'),
    );
    parts.push(
      table(
        ['acks', 'Record B', 'Records', 'Tool msgs/s (runs)', 'median', 'Raw Node driver', 'Generated client', 'raw / tool'],
        report.tool.map((t) => [t.acks, String(t.recordSize), rate(t.records), t.runs.map(rate).join(', '), rate(t.median), t.raw === undefined ? 'n/a' : rate(t.raw), t.generated === undefined ? 'n/a' : rate(t.generated), t.raw === undefined ? 'n/a' : ratio(t.raw / t.median)]),
      ),
    );
  }

  if (report.redisServer && report.redisServer.length > 0) {
    parts.push("## 4. Redis's own reach on the same server");
    parts.push(
      [
        '`redis-benchmark` (C, pipelining) sending a fixed message of the wire size of part 2 (no JSON encoding, validation or ids',
        'per message): what the server does when the client costs almost nothing; next to the Node figures of part 2.',
      ].join('\n'),
    );
    parts.push(
      table(
        ['Command', 'Message B', 'Pipeline', 'Requests', 'redis-benchmark msgs/s', 'Raw Node driver', 'Generated client'],
        report.redisServer.map((r) => [`\`${r.command}\``, String(r.messageBytes), String(r.pipeline), rate(r.requests), rate(r.perSecond), r.raw === undefined ? 'n/a' : rate(r.raw), r.generated === undefined ? 'n/a' : rate(r.generated)]),
      ),
    );
  }

  parts.push('## Targets');
  parts.push(table(['Target', 'Measured', 'Verdict'], targets(report).map((t) => [t.target, t.measured, t.verdict])));
  if (report.notes) parts.push(report.notes.trim());
  return `${parts.join('\n\n')}\n`;
}
