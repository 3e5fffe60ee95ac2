/**
 * Container images, pinned in one place: compose and Kubernetes both read them.
 * Bump deliberately; the tests check every emitted image is one of these.
 *
 * - apache/kafka: the official Apache Kafka image (KRaft only since 4.0). 4.4.0 is also the
 *   version of the jars the test suite runs the generated configs on (scripts/brokers).
 * - rabbitmq: the Docker official image, `-management` variant (management UI + rabbitmqadmin;
 *   the Prometheus plugin ships with every RabbitMQ build).
 * - redis: the Docker official image (Debian based); the same binary serves Sentinel.
 *
 * Monitoring and backup services:
 * - prom/prometheus, prom/alertmanager, prom/pushgateway: the Prometheus project's images (busybox:
 *   wget for healthchecks), at the versions of pins.json's `prometheus`, `alertmanager` and
 *   `pushgateway`: the test suite builds promtool/amtool and the servers at exactly these versions
 *   and judges the generated config, rules and web configs with them (test/monitoring).
 * - grafana/grafana: provisioned from files (datasource + dashboards), no database to restore; the
 *   dashboards are type-checked against @grafana/schema of the same version (a devDependency,
 *   pinned exact; test/monitoring/grafana-schema.test.ts).
 * - oliver006/redis_exporter `-alpine`: the scratch variant has no shell or wget for a healthcheck.
 * - danielqsj/kafka-exporter: kafka_exporter, Kafka consumer lag (the alert rules use its metric names);
 *   release 1.10.0 as its repository's README names it (read 2026-12-05); not buildable here (the Go
 *   module proxy refuses github.com/danielqsj/kafka_exporter), so only its documented names are tested.
 * - curlimages/curl: one-shot that fetches the JMX exporter agent (checked against its sha256).
 * - busybox: the one-shot `certs-init` that copies each node's TLS files into its own volume, owned
 *   by the uid the broker image runs as (IMAGE_UIDS).
 */
export const IMAGES = {
  kafka: 'apache/kafka:4.4.0',
  rabbitmq: 'rabbitmq:4.3.6-management',
  redis: 'redis:8.10.2',
  prometheus: 'prom/prometheus:v3.16.0',
  alertmanager: 'prom/alertmanager:v0.35.0',
  pushgateway: 'prom/pushgateway:v1.11.5',
  grafana: 'grafana/grafana:13.2.3',
  redisExporter: 'oliver006/redis_exporter:v1.91.1-alpine',
  kafkaExporter: 'danielqsj/kafka-exporter:v1.10.0',
  curl: 'curlimages/curl:8.10.1',
  busybox: 'busybox:1.37.0',
} as const;

/**
 * The uid:gid each broker image runs its server as (the official images' own users: Kafka's
 * `appuser`, RabbitMQ's and Redis' `rabbitmq`/`redis`): files the broker must read, such as its
 * TLS key (0400), are owned by it.
 */
export const IMAGE_UIDS = {
  kafka: '1000:1000',
  rabbitmq: '999:999',
  redis: '999:999',
} as const satisfies Partial<Record<ImageId, string>>;

export type ImageId = keyof typeof IMAGES;
