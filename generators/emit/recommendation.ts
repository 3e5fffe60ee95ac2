/** Why these brokers: the guide's reasoning for this spec, as data for the README. */
import {
  BROKERS,
  DELIVERY_SEMANTICS,
  FLOWCHART_QUESTIONS,
  RESOURCE_USAGE,
  SCALING,
  SCENARIOS,
  recommendedBrokers,
  walkFlowchart,
  type BrokerId,
} from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';

export interface Recommendation {
  scenario: { id: string; title: string; guideRecommendation: string; reasons: readonly string[] };
  /** One sentence per step of the decision, in order. */
  path: string[];
  recommended: string[];
  chosen: string[];
  overridden: boolean;
  /** The brokers came from an imported AsyncAPI document (`--from`), not from the guide's decision. */
  imported: boolean;
  brokers: { id: BrokerId; title: string; primaryUse: string; throughput: string; latency: string; retention: string; replay: string; ordering: string; learningCurve: string; model: string; resources: string; scaling: string }[];
  channels: { name: string; broker: string; kind: string; semantics: string; how: string; description: string }[];
}

function yesNo(answer: boolean): string {
  return answer ? 'yes' : 'no';
}

/** The decision as the guide makes it: the flowchart's answers, the scenario table, or the hybrid architecture. */
function guidePath(spec: StackSpec): string[] {
  const scenario = SCENARIOS[spec.scenario];
  const path: string[] = [];
  const flow = spec.decision.flowchart ?? scenario.flowchart;
  if (spec.decision.flowchart) path.push('You answered the guide\'s Decision Flowchart:');
  else if (flow) path.push(`The guide's Summary Recommendations table recommends **${scenario.guideRecommendation}** for *${scenario.title}*; its Decision Flowchart agrees:`);
  if (flow) {
    const result = walkFlowchart(flow);
    for (const step of result.path) path.push(`${step.question} **${yesNo(step.answer)}**`);
    path.push(`→ **${BROKERS[result.broker].title}**`);
  } else if (scenario.recommendation.kind === 'by-scale') {
    const scale = spec.decision.scale ?? 'moderate';
    path.push(`The guide recommends *${scenario.guideRecommendation}* for ${scenario.title}.`);
    path.push(`Expected scale: **${scale}** → **${BROKERS[recommendedBrokers(spec.scenario, scale)[0] ?? 'rabbitmq'].title}** (Kafka at high volume and when several consumers need the same data; RabbitMQ for moderate volume, routing and request-reply).`);
  } else {
    path.push(`The guide's Hybrid Architecture uses each system for its strengths, behind one facade: Kafka for event logs, analytics and the audit trail; RabbitMQ for task queues, RPC calls and notifications; Redis for cache, sessions and Pub/Sub.`);
  }
  return path;
}

/** An imported document decided the brokers: say so, and where the guide would have stood. */
function importedPath(spec: StackSpec): string[] {
  const scenario = SCENARIOS[spec.scenario];
  const verdict = spec.decision.overridden ? ': not what the document uses, so weigh the trade-offs below' : ': the brokers the document uses';
  return [
    'The brokers and channels come from the AsyncAPI document this project was imported from (`brokerplate --from`): one broker per protocol its channels use. The guide did not choose them.',
    `The guide's closest scenario is *${scenario.title}*, for which its Summary Recommendations table says **${scenario.guideRecommendation}**${verdict}.`,
  ];
}

export function recommendation(spec: StackSpec): Recommendation {
  const scenario = SCENARIOS[spec.scenario];
  const imported = spec.decision.source === 'asyncapi';
  const path = imported ? importedPath(spec) : guidePath(spec);
  const recommended = recommendedBrokers(spec.scenario, spec.decision.scale).map((b) => BROKERS[b].title);
  const chosen = brokersOf(spec);
  return {
    scenario: { id: scenario.id, title: scenario.title, guideRecommendation: scenario.guideRecommendation, reasons: scenario.reasons },
    path,
    recommended,
    chosen: chosen.map((b) => BROKERS[b].title),
    overridden: spec.decision.overridden,
    imported,
    brokers: chosen.map((id) => {
      const b = BROKERS[id];
      const r = RESOURCE_USAGE[id];
      return {
        id,
        title: b.title,
        primaryUse: b.primaryUse,
        throughput: b.throughput,
        latency: b.latency,
        retention: b.retention,
        replay: b.replay,
        ordering: b.ordering,
        learningCurve: b.learningCurve,
        model: b.model,
        resources: `memory ${r.memory}, disk ${r.disk}, CPU ${r.cpu} (${r.note})`,
        scaling: SCALING[id].horizontal,
      };
    }),
    channels: spec.channels.map((c) => ({
      name: c.name,
      broker: BROKERS[c.broker].title,
      kind: c.kind,
      semantics: c.semantics,
      how: DELIVERY_SEMANTICS[c.broker][c.semantics].how,
      description: c.description ?? '',
    })),
  };
}
