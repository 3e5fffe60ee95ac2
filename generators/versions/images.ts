/**
 * Container images, pinned in one place: compose and Kubernetes both read them.
 * Bump deliberately; the tests check every emitted image is one of these.
 *
 * - apache/kafka: the official Apache Kafka image (KRaft only since 4.0). 4.4.0 is also the
 *   version of the jars the test suite runs the generated configs on (scripts/brokers).
 * - rabbitmq: the Docker official image, `-management` variant (management UI + rabbitmqadmin;
 *   the Prometheus plugin ships with every RabbitMQ build).
 * - redis: the Docker official image (Debian based); the same binary serves Sentinel.
 */
export const IMAGES = {
  kafka: 'apache/kafka:4.4.0',
  rabbitmq: 'rabbitmq:4.3.6-management',
  redis: 'redis:8.10.2',
} as const;

export type ImageId = keyof typeof IMAGES;
