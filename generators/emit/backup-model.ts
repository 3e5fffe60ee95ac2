/**
 * What the backup area shares with the broker modules: the shape of a broker's backup part and
 * builders for its one-shot compose service and Kubernetes CronJob (same script, same env).
 */
import type { Topology } from '../brokers/topology.ts';
import type { BrokerId } from '../guide/index.ts';
import type { StackSpec } from '../stack/index.ts';
import type { GeneratedFile } from './files.ts';
import { render } from './render.ts';
import { IMAGE_UIDS, restrictedContainer, restrictedPod, stackSecretName, type K8sObject } from './k8s-model.ts';
import { composeSecret, type ComposeMount, type ComposeSecretRef } from './compose-model.ts';
import { k8sPasswordFiles, MONITORING_PRINCIPALS, monitoringAuth, passwordFile } from './monitoring-auth.ts';
import { BACKUP_METRIC, BACKUP_PUSH_JOB, MONITORING_PORTS, type ComposePieces, type ComposeService } from './monitoring-model.ts';

/** A broker's part of backup/DR: generators/brokers/<broker>/backup.ts. */
export interface BackupPart {
  readonly broker: BrokerId;
  /** Scheduled backups (the `backup` label of the success metric); empty when nothing is worth keeping. */
  scheduled(spec: StackSpec): string[];
  /** Scripts and configs under backup/<broker>/. */
  files(spec: StackSpec): GeneratedFile[];
  /** One-shot backup services (profile `backup`) and DR services (profile `dr`). */
  compose(spec: StackSpec): ComposePieces;
  /** CronJobs (and what they mount) for Kubernetes; `topology` names the broker pods. */
  k8s(spec: StackSpec, namespace: string, topology: Topology): K8sObject[];
  /** README: the strategy from the guide's Backup & Recovery table and the restore runbook. */
  readme(spec: StackSpec): string;
}

/** Where the generated backup/ folder is mounted in the one-shot containers. */
export const SCRIPTS_MOUNT = '/backup';
/** Where the backups are written (a named volume in compose, a PVC in Kubernetes). */
export const BACKUPS_MOUNT = '/backups';

export function pushgatewayUrl(spec: StackSpec, host = 'pushgateway'): string {
  return spec.monitoring.enabled ? `http://${host}:${MONITORING_PORTS.pushgateway}` : '';
}

/**
 * prod: the backup jobs log in to the Pushgateway as `backup` (monitoring-auth.ts); lib.sh reads
 * the password from the file PUSHGATEWAY_PASSWORD_FILE names (a compose secret), never from the environment.
 */
function pushgatewayLogin(spec: StackSpec): { environment: Record<string, string>; secrets: ComposeService['secrets'] } {
  if (!monitoringAuth(spec)) return { environment: {}, secrets: undefined };
  const backup = MONITORING_PRINCIPALS.backup;
  return { environment: { PUSHGATEWAY_USER: backup.user, PUSHGATEWAY_PASSWORD_FILE: passwordFile(backup) }, secrets: [composeSecret(backup.env)] };
}

/** What a broker's backup job reads besides the scripts: its own password files and the CA (prod). */
export interface BackupFiles {
  readonly secrets: readonly ComposeSecretRef[];
  readonly volumes: readonly ComposeMount[];
}

/** The one-shot backup service: runs `backup/<broker>/backup.sh` in the broker's own image. */
export function backupService(spec: StackSpec, broker: BrokerId, image: string, environment: Record<string, string>, dependsOn: readonly string[], files?: BackupFiles): ComposeService {
  const login = pushgatewayLogin(spec);
  const secrets = [...(login.secrets ?? []), ...(files?.secrets ?? [])];
  return {
    image,
    entrypoint: ['bash', `${SCRIPTS_MOUNT}/${broker}/backup.sh`],
    environment: { ...environment, BACKUP_DIR: `${BACKUPS_MOUNT}/${broker}`, BACKUP_KEEP: String(spec.backup.keep), PUSHGATEWAY_URL: pushgatewayUrl(spec), ...login.environment },
    ...(secrets.length > 0 && { secrets }),
    volumes: [
      { type: 'bind', source: './backup', target: SCRIPTS_MOUNT, read_only: true },
      { type: 'volume', source: `${broker}-backups`, target: `${BACKUPS_MOUNT}/${broker}` },
      ...(files?.volumes ?? []),
    ],
    depends_on: Object.fromEntries(dependsOn.map((s) => [s, { condition: 'service_healthy' as const }])),
    profiles: ['backup'],
    restart: 'no',
    user: '0', // writes into the backups volume whatever user the broker image defaults to
  };
}

export interface CronEnv {
  readonly name: string;
  readonly value?: string;
  readonly secret?: string;
}

/** Files a CronJob mounts besides scripts and backups (password files, the CA), each a pod volume and its mount. */
export interface CronFiles {
  readonly volumes: readonly Record<string, unknown>[];
  readonly mounts: readonly { readonly name: string; readonly mountPath: string; readonly readOnly: true }[];
}

/**
 * The same backup as a CronJob: scripts from a ConfigMap, backups on a PVC, secrets from the
 * stack's Secret (`<name>-secrets`, keyed by the .env names, created by the Pulumi program).
 */
export function backupCronJob(spec: StackSpec, namespace: string, broker: BrokerId, image: string, env: readonly CronEnv[], storage = '5Gi', files?: CronFiles): K8sObject[] {
  const uid = IMAGE_UIDS[broker];
  const labels = { 'app.kubernetes.io/name': `${broker}-backup`, 'app.kubernetes.io/part-of': spec.name };
  // prod: push_success (lib.sh) logs in to the Pushgateway as `backup`, the password a file from the
  // stack's Secret in a folder of its own (not /run/secrets: other mounts may claim that one).
  const backupLogin = MONITORING_PRINCIPALS.backup;
  const login = monitoringAuth(spec) ? k8sPasswordFiles(stackSecretName(spec), [backupLogin], 'pushgateway-login', '/etc/brokerplate/pushgateway-login') : undefined;
  const loginEnv: CronEnv[] = login ? [{ name: 'PUSHGATEWAY_USER', value: backupLogin.user }, { name: 'PUSHGATEWAY_PASSWORD_FILE', value: login.file(backupLogin) }] : [];
  const envList = [
    ...env,
    { name: 'BACKUP_DIR', value: `${BACKUPS_MOUNT}/${broker}` },
    { name: 'BACKUP_KEEP', value: String(spec.backup.keep) },
    { name: 'PUSHGATEWAY_URL', value: pushgatewayUrl(spec, `pushgateway.${namespace}.svc`) },
    // The root file system is read-only: scratch files and tool logs (Kafka's CLI) go to /tmp.
    { name: 'TMPDIR', value: '/tmp' },
    { name: 'LOG_DIR', value: '/tmp' },
    ...loginEnv,
  ].map((e) => (e.secret ? { name: e.name, valueFrom: { secretKeyRef: { name: stackSecretName(spec), key: e.secret } } } : { name: e.name, value: e.value ?? '' }));
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `${broker}-backups`, namespace, labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: `${broker}-backup`, namespace, labels },
      spec: {
        schedule: spec.backup.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'OnFailure',
                automountServiceAccountToken: false,
                securityContext: restrictedPod(uid),
                containers: [
                  {
                    name: 'backup',
                    image,
                    securityContext: restrictedContainer(),
                    command: ['bash', `${SCRIPTS_MOUNT}/${broker}/backup.sh`],
                    env: envList,
                    volumeMounts: [
                      { name: 'scripts', mountPath: `${SCRIPTS_MOUNT}/lib.sh`, subPath: 'lib.sh' },
                      { name: 'scripts', mountPath: `${SCRIPTS_MOUNT}/${broker}/backup.sh`, subPath: 'backup.sh' },
                      { name: 'backups', mountPath: `${BACKUPS_MOUNT}/${broker}` },
                      { name: 'tmp', mountPath: '/tmp' },
                      ...(files?.mounts ?? []),
                      ...(login ? [login.mount] : []),
                    ],
                    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
                  },
                ],
                volumes: [
                  { name: 'scripts', configMap: { name: `${broker}-backup-scripts`, defaultMode: 0o555 } },
                  { name: 'backups', persistentVolumeClaim: { claimName: `${broker}-backups` } },
                  { name: 'tmp', emptyDir: {} },
                  ...(files?.volumes ?? []),
                  ...(login ? [login.volume] : []),
                ],
              },
            },
          },
        },
      },
    },
  ];
}

export function scriptsConfigMap(spec: StackSpec, namespace: string, broker: BrokerId, data: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${broker}-backup-scripts`, namespace, labels: { 'app.kubernetes.io/part-of': spec.name } },
    data,
  };
}

/** backup/lib.sh: HTTP over /dev/tcp, the Pushgateway report, pruning (sourced by every script). */
export function libScript(spec: StackSpec): string {
  return render('backup/lib.sh', { name: spec.name, metric: BACKUP_METRIC, job: BACKUP_PUSH_JOB });
}
