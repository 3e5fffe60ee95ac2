/**
 * The backup/DR area: the guide's Backup & Recovery table per broker. Each broker's part
 * (generators/brokers/<b>/backup.ts) supplies scripts, one-shot compose services, CronJobs and
 * its README runbook; this module adds the shared backup/lib.sh and assembles them. Every
 * scheduled backup reports success to the Pushgateway, which the BackupStale alerts watch.
 */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { BACKUP_STRATEGY, BROKERS, type BrokerId } from '../guide/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import type { Area, AreaOutput } from './area.ts';
import { libScript } from './backup-model.ts';
import type { Topology } from '../brokers/topology.ts';
import type { ComposeAddon } from './compose-model.ts';
import { k8sTopology, type K8sAddon, type K8sObject } from './k8s-model.ts';
import { file, type GeneratedFile } from './files.ts';
import type { ComposePieces } from './monitoring-model.ts';
import { render } from './render.ts';

/** The scheduled backups of a broker in this stack (none when backups are off or the broker is absent). */
export function scheduledBackups(spec: StackSpec, broker: BrokerId): string[] {
  return spec.backup.enabled && spec.brokers[broker] ? BROKER_PLUGINS[broker].backup.scheduled(spec) : [];
}

export function backupFiles(spec: StackSpec): GeneratedFile[] {
  return [file('backup/lib.sh', libScript(spec)), ...brokersOf(spec).flatMap((b) => BROKER_PLUGINS[b].backup.files(spec))];
}

/** One-shot backup services (profile `backup`) and MirrorMaker (profile `dr`) for compose. */
export function backupCompose(spec: StackSpec): ComposePieces {
  const parts = brokersOf(spec).map((b) => BROKER_PLUGINS[b].backup.compose(spec));
  return {
    services: Object.assign({}, ...parts.map((p) => p.services)),
    volumes: [...new Set(parts.flatMap((p) => p.volumes))].sort(),
    files: [],
    notes: parts.flatMap((p) => p.notes),
  };
}

/** The compose seam: listed by composeAddons() in generators/emit/compose.ts. */
export const backupComposeAddon: ComposeAddon = {
  id: 'backup',
  applies: (spec) => spec.backup.enabled,
  part: (spec) => backupCompose(spec),
};

/** CronJobs, their PVCs and script ConfigMaps for the Pulumi program. */
export function backupK8s(spec: StackSpec, namespace: string, topology: Topology = k8sTopology()): K8sObject[] {
  return brokersOf(spec).flatMap((b) => BROKER_PLUGINS[b].backup.k8s(spec, namespace, topology));
}

/** The Kubernetes seam: listed in K8S_ADDONS in generators/emit/k8s.ts. */
export const backupK8sAddon: K8sAddon = {
  id: 'backup',
  applies: (spec) => spec.backup.enabled,
  objects: (spec, namespace, topology) => backupK8s(spec, namespace, topology),
  access: 'operator',
  description: 'Scheduled backups (CronJobs with their PVCs and scripts): Kafka metadata, RabbitMQ definitions, Redis RDB.',
};

export const backupArea: Area = {
  id: 'backup',
  applies: (spec) => spec.backup.enabled,
  emit(spec): AreaOutput {
    const brokers = brokersOf(spec);
    return {
      files: backupFiles(spec),
      readme: [
        {
          title: 'Backup and restore',
          body: render('backup/README.md', {
            schedule: spec.backup.schedule,
            keep: spec.backup.keep,
            monitoring: spec.monitoring.enabled,
            maxAge: spec.monitoring.thresholds.backupMaxAgeHours,
            brokers: brokers.map((b) => ({
              id: b,
              title: BROKERS[b].title,
              strategy: BACKUP_STRATEGY[b].strategy,
              scheduled: scheduledBackups(spec, b),
              text: BROKER_PLUGINS[b].backup.readme(spec),
            })),
          }),
        },
      ],
      layout: [{ path: 'backup/', purpose: 'Backup scripts (run as one-shot compose services or CronJobs), restore scripts, MirrorMaker 2 and standby configs.' }],
    };
  },
};
