/**
 * Consumer lag from kafka_exporter (danielqsj/kafka_exporter, the exporter the alert rules' metric
 * names come from): `kafka_consumergroup_lag{consumergroup,topic,partition}`, offsets and partition
 * state, read with the Kafka protocol on every scrape. Kafka has no broker-side lag metric.
 *
 * prod: SASL_SSL as the `monitor` user (describe topics and groups, read nothing: acl.ts), the
 * broker certificates verified against the stack's CA and the host names of the bootstrap servers.
 * kafka_exporter takes its password only as a flag: a shell reads it from the password file and
 * passes it on, so it is in no compose/Kubernetes object and no environment variable, but is in the
 * exporter process's arguments (visible to `ps` on the Docker host or node).
 */
import { composeSecret, loopbackPort, type ComposeMount } from '../../emit/compose-model.ts';
import { IMAGE_UIDS, restrictedContainer, restrictedPod, stackSecretName, type K8sObject } from '../../emit/k8s-model.ts';
import { MONITORING_PORTS, type ComposeService } from '../../emit/monitoring-model.ts';
import { CA_FILES, TLS_FILES, tlsSecretName } from '../../emit/tls-model.ts';
import type { StackSpec } from '../../stack/index.ts';
import { IMAGES } from '../../versions/images.ts';
import { kafkaCertGroup, KAFKA_PRINCIPALS, kafkaSecure, passwordFile, passwordFileName } from './security.ts';

export const KAFKA_EXPORTER = 'kafka-exporter';

/**
 * The protocol version kafka_exporter's client (Sarama) speaks: Kafka 4 refuses the request
 * versions of its default (2.0.0, KIP-896); 3.6.0 is known to Sarama and served by Kafka 4.x.
 */
export const KAFKA_EXPORTER_PROTOCOL = '3.6.0';

/** The documented metric families the alert rules and dashboard read (README of danielqsj/kafka_exporter, Consumer Groups). */
export const KAFKA_EXPORTER_METRICS = { lag: 'kafka_consumergroup_lag', lagLabels: ['consumergroup', 'topic', 'partition'] } as const;

/** The exporter's flags (its password excepted, see command()). */
export function exporterArgs(spec: StackSpec, servers: readonly string[]): string[] {
  const secure = kafkaSecure(spec);
  return [
    ...servers.map((s) => `--kafka.server=${s}`),
    `--kafka.version=${KAFKA_EXPORTER_PROTOCOL}`,
    `--web.listen-address=:${MONITORING_PORTS.kafkaLag}`,
    ...(secure
      ? ['--sasl.enabled', '--sasl.mechanism=scram-sha512', `--sasl.username=${KAFKA_PRINCIPALS.monitor.user}`, '--tls.enabled', `--tls.ca-file=${TLS_FILES.ca}`]
      : []),
  ];
}

/** The container's command: straight to the binary in dev; in prod through sh, which reads the password file (`$$`: compose and Kubernetes both turn it into `$`). */
function command(spec: StackSpec, servers: readonly string[]): string[] {
  const args = exporterArgs(spec, servers);
  if (!kafkaSecure(spec)) return ['/bin/kafka_exporter', ...args];
  const file = passwordFile(KAFKA_PRINCIPALS.monitor);
  return ['/bin/sh', '-c', `password="$$(cat ${file})" && exec /bin/kafka_exporter --sasl.password="$$password" "$$@"`, KAFKA_EXPORTER, ...args];
}

const UID = IMAGE_UIDS.kafkaExporter;

export function exporterCompose(spec: StackSpec, servers: readonly string[], dependsOn: ComposeService['depends_on']): ComposeService {
  const secure = kafkaSecure(spec);
  const ca: ComposeMount = { type: 'bind', source: `./${CA_FILES.cert}`, target: TLS_FILES.ca, read_only: true };
  return {
    image: IMAGES.kafkaExporter,
    restart: 'unless-stopped',
    // The image (Prometheus' busybox) runs as root by default; nothing here needs it.
    user: `${UID}:${UID}`,
    entrypoint: command(spec, servers),
    ...(secure && { volumes: [ca], secrets: [composeSecret(KAFKA_PRINCIPALS.monitor.env)] }),
    ports: [loopbackPort(MONITORING_PORTS.kafkaLag, MONITORING_PORTS.kafkaLag)],
    ...(dependsOn && { depends_on: dependsOn }),
    healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${MONITORING_PORTS.kafkaLag}/`], interval: '15s', timeout: '5s', retries: 5, start_period: '20s' },
  };
}

export function exporterK8s(spec: StackSpec, namespace: string, servers: readonly string[]): K8sObject[] {
  const labels = { 'app.kubernetes.io/name': KAFKA_EXPORTER, 'app.kubernetes.io/part-of': spec.name };
  const secure = kafkaSecure(spec);
  const monitor = KAFKA_PRINCIPALS.monitor;
  const volumes = secure
    ? [
        { name: 'tls', secret: { secretName: tlsSecretName(kafkaCertGroup(1).group), defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { name: 'password', secret: { secretName: stackSecretName(spec), defaultMode: 0o440, items: [{ key: monitor.env, path: passwordFileName(monitor) }] } },
      ]
    : [];
  const mounts = secure
    ? [
        { name: 'tls', mountPath: TLS_FILES.ca.slice(0, TLS_FILES.ca.lastIndexOf('/')), readOnly: true },
        { name: 'password', mountPath: passwordFile(monitor).slice(0, passwordFile(monitor).lastIndexOf('/')), readOnly: true },
      ]
    : [];
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: KAFKA_EXPORTER, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': KAFKA_EXPORTER } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(UID),
            containers: [
              {
                name: 'kafka-exporter',
                image: IMAGES.kafkaExporter,
                securityContext: restrictedContainer(),
                command: command(spec, servers),
                ports: [{ name: 'metrics', containerPort: MONITORING_PORTS.kafkaLag }],
                readinessProbe: { httpGet: { path: '/', port: 'metrics' }, periodSeconds: 15 },
                livenessProbe: { httpGet: { path: '/', port: 'metrics' }, periodSeconds: 30 },
                resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                volumeMounts: mounts,
              },
            ],
            volumes,
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: KAFKA_EXPORTER, namespace, labels },
      spec: { selector: { 'app.kubernetes.io/name': KAFKA_EXPORTER }, ports: [{ name: 'metrics', port: MONITORING_PORTS.kafkaLag, targetPort: 'metrics' }] },
    },
  ];
}
