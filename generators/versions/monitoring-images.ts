/**
 * Container images of the monitoring and backup services, pinned in one place like IMAGES
 * (kept apart only so the two could be written at the same time; IMAGES may spread these in).
 *
 * - prom/prometheus 2.x: the same major version as the promtool the test suite checks the
 *   generated config and rules with (Debian's prometheus 2.42).
 * - prom/alertmanager, prom/pushgateway: the Prometheus project's images (busybox: wget for healthchecks).
 * - grafana/grafana: provisioned from files (datasource + dashboards), no database to restore.
 * - oliver006/redis_exporter `-alpine`: the scratch variant has no shell or wget for a healthcheck.
 * - node: runs the dependency-free Kafka lag exporter script.
 * - curlimages/curl: one-shot that fetches the JMX exporter agent (checked against its sha256).
 */
export const MONITORING_IMAGES = {
  prometheus: 'prom/prometheus:v2.55.1',
  alertmanager: 'prom/alertmanager:v0.27.0',
  pushgateway: 'prom/pushgateway:v1.10.0',
  grafana: 'grafana/grafana:11.3.0',
  redisExporter: 'oliver006/redis_exporter:v1.62.0-alpine',
  node: 'node:24-alpine',
  curl: 'curlimages/curl:8.10.1',
} as const;
