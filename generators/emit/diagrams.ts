/**
 * Mermaid diagrams for the generated README and runbooks, built from the spec: the topology
 * (publishers → brokers and channels → consumers, dead-letter channels, exporters, backup jobs),
 * the guide's decision flowchart with the path taken, and a migration's phases. Node ids are
 * generated (n0, n1, …); every label goes through `mermaid()` (escape.ts).
 */
import { BROKERS, FLOWCHART_ORDER, FLOWCHART_QUESTIONS, MIGRATIONS, walkFlowchart, type MigrationPattern } from '../guide/index.ts';
import { brokersOf, deadLetterName, type Channel, type StackSpec } from '../stack/index.ts';
import { mermaid } from './escape.ts';

/** Longest description shown in a channel's node (the README's channel table has it whole). */
const DESCRIPTION_CHARS = 60;

class Chart {
  readonly lines: string[];
  #next = 0;

  constructor(header: string) {
    this.lines = [header];
  }

  node(label: string, shape: 'box' | 'round' | 'db' | 'diamond' = 'box', indent = '  '): string {
    const id = `n${this.#next++}`;
    const [open, close] = { box: ['[', ']'], round: ['(', ')'], db: ['[(', ')]'], diamond: ['{', '}'] }[shape];
    this.lines.push(`${indent}${id}${open}${mermaid(label)}${close}`);
    return id;
  }

  edge(from: string, to: string, label?: string, dotted = false): void {
    const arrow = dotted ? '-.->' : '-->';
    this.lines.push(`  ${from} ${arrow}${label === undefined ? '' : `|${mermaid(label)}|`} ${to}`);
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

function short(text: string | undefined): string {
  if (!text) return '';
  const chars = [...text];
  return chars.length > DESCRIPTION_CHARS ? `${chars.slice(0, DESCRIPTION_CHARS).join('')}…` : text;
}

function consumersOf(channel: Channel): string[] {
  if (channel.broker === 'kafka' || (channel.broker === 'redis' && channel.kind === 'stream')) return channel.consumerGroups.map((g) => `group ${g}`);
  if (channel.broker === 'redis') return [`subscribers of ${channel.name}`];
  return [channel.kind === 'rpc' ? `RPC server of ${channel.name}` : `workers of ${channel.name}`];
}

/** Publishers → broker (subgraph) → channels → consumers; dead letters, exporters and backup jobs beside. */
export function topologyDiagram(spec: StackSpec): string {
  const chart = new Chart('flowchart LR');
  const app = chart.node('Publishers (src/messaging)', 'round');
  const consumers = new Map<string, string>();
  for (const broker of brokersOf(spec)) {
    chart.lines.push(`  subgraph ${broker}[${mermaid(BROKERS[broker].title)}]`);
    const channels = spec.channels.filter((c) => c.broker === broker);
    const ids = channels.map((c) => chart.node(`${c.name} (${c.kind}, ${c.semantics})${c.description ? `: ${short(c.description)}` : ''}`, c.kind === 'pubsub' ? 'round' : 'db', '    '));
    const dead = channels.map((c) => {
      const name = deadLetterName(c);
      return name === undefined ? undefined : chart.node(`${name} (dead letters)`, 'db', '    ');
    });
    chart.lines.push('  end');
    channels.forEach((c, i) => {
      const id = ids[i] as string;
      chart.edge(app, id, c.broker === 'rabbitmq' && c.kind === 'queue' ? `exchange ${c.exchange}` : undefined);
      for (const consumer of consumersOf(c)) {
        let target = consumers.get(consumer);
        if (!target) {
          target = chart.node(consumer, 'round');
          consumers.set(consumer, target);
        }
        chart.edge(id, target);
      }
      const d = dead[i];
      if (d) chart.edge(id, d, 'rejected', true);
    });
    if (spec.monitoring.enabled) chart.edge(chart.node(`${BROKERS[broker].title} metrics (Prometheus)`, 'round'), broker, 'scrapes', true);
    if (spec.backup.enabled) chart.edge(broker, chart.node(`${BROKERS[broker].title} backup job (${spec.backup.schedule})`, 'round'), 'backup', true);
  }
  return chart.toString();
}

/** The guide's decision flowchart; the answers' path (when the flowchart decided) drawn bold. */
export function decisionDiagram(spec: StackSpec): string {
  const chart = new Chart('flowchart TD');
  const start = chart.node('Start', 'round');
  const questions = FLOWCHART_ORDER.map((q) => chart.node(FLOWCHART_QUESTIONS[q].question, 'diamond'));
  const outcome = { kafka: chart.node(BROKERS.kafka.title), rabbitmq: chart.node(BROKERS.rabbitmq.title), redis: chart.node(BROKERS.redis.title) };
  const edges: { from: string; to: string; label?: string }[] = [{ from: start, to: questions[0] as string }];
  const yes = ['kafka', 'rabbitmq', 'redis'] as const;
  questions.forEach((q, i) => {
    edges.push({ from: q, to: outcome[yes[i] as (typeof yes)[number]], label: 'Yes' });
    edges.push({ from: q, to: questions[i + 1] ?? outcome.rabbitmq, label: 'No' });
  });
  edges.forEach((e) => chart.edge(e.from, e.to, e.label));
  const answers = spec.decision.flowchart;
  if (answers) {
    const walk = walkFlowchart(answers);
    const taken = walk.path.map((step, i) => edges.findIndex((e) => e.from === questions[i] && e.label === (step.answer ? 'Yes' : 'No')));
    chart.lines.push(`  linkStyle ${[0, ...taken].join(',')} stroke-width:4px`);
    chart.lines.push('  classDef chosen stroke-width:4px');
    chart.lines.push(`  class ${outcome[walk.broker]} chosen`);
  }
  return chart.toString();
}

/** A migration's phases in order, each with its rollback back to the one before. */
export function migrationDiagram(pattern: MigrationPattern, from: string, to: string): string {
  const guide = MIGRATIONS[pattern];
  const chart = new Chart('flowchart LR');
  const old = chart.node(`${from} (${BROKERS[guide.from.broker].title} ${guide.from.kind})`, 'db');
  const phases = guide.phases.map((p, i) => chart.node(`Phase ${i + 1}: ${p.title}`, 'round'));
  const next = chart.node(`${to} (${BROKERS[guide.to.broker].title} ${guide.to.kind})`, 'db');
  chart.edge(old, phases[0] as string);
  phases.forEach((p, i) => {
    const after = phases[i + 1];
    if (after) {
      chart.edge(p, after, 'done');
      chart.edge(after, p, 'rollback', true);
    }
  });
  chart.edge(phases.at(-1) as string, next);
  return chart.toString();
}
