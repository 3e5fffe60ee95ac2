/** Builds a fresh spec from the user's choices: the scenario's seed channels plus per-profile defaults. */
import { BROKER_IDS, recommendedBrokers, type BrokerId, type ScenarioId } from '../guide/index.ts';
import { backupDefaults, brokerDefaults, monitoringDefaults } from './defaults.ts';
import { seedChannels } from './seeds.ts';
import { SPEC_VERSION, type BrokersSpec, type Decision, type Profile, type StackSpec, type Target } from './types.ts';

export interface Choices {
  name: string;
  scenario: ScenarioId;
  brokers: readonly BrokerId[];
  profile: Profile;
  targets: readonly Target[];
  decision: Decision;
}

export function buildSpec(choices: Choices): StackSpec {
  const brokers = BROKER_IDS.filter((b) => choices.brokers.includes(b));
  const channels = seedChannels(choices.scenario, brokers, recommendedBrokers(choices.scenario, choices.decision.scale));
  // Streams and work queues need a Redis that never evicts; otherwise Redis serves as cache + pub/sub.
  const redisRole = channels.some((c) => c.broker === 'redis' && c.kind === 'stream') ? 'queue' : 'cache';
  const settings: BrokersSpec = {};
  for (const broker of brokers) {
    Object.assign(settings, { [broker]: brokerDefaults(broker, choices.scenario, choices.name, redisRole) });
  }
  return {
    version: SPEC_VERSION,
    name: choices.name,
    scenario: choices.scenario,
    profile: choices.profile,
    targets: [...choices.targets],
    decision: choices.decision,
    brokers: settings,
    channels,
    monitoring: monitoringDefaults(),
    backup: backupDefaults(),
  };
}
