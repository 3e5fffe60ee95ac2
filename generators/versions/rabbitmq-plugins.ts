/**
 * The plugins RabbitMQ ships (its Tier 1 plugins), which `brokers.rabbitmq.plugins` may enable. A
 * name outside this list makes the node refuse to boot ("plugins_not_found"), so the spec refuses it
 * first. Measured: `rabbitmq-plugins list -m` of RabbitMQ 4.0.5 (Debian 13's package, the broker the
 * tests load the generated config into: `node scripts/tools/tools.mjs exec debian-trixie --
 * rabbitmq-plugins list -m`) gives every name below but the last; the `plugins.mk` of
 * rabbitmq-server v4.3.5 (the series of the pinned image, IMAGES.rabbitmq) lists the same plus
 * `rabbitmq_auth_backend_internal_loopback` (new in 4.1). Bump this with the image.
 */
export const RABBITMQ_PLUGINS = [
  'rabbitmq_amqp1_0',
  'rabbitmq_auth_backend_cache',
  'rabbitmq_auth_backend_http',
  'rabbitmq_auth_backend_ldap',
  'rabbitmq_auth_backend_oauth2',
  'rabbitmq_auth_mechanism_ssl',
  'rabbitmq_consistent_hash_exchange',
  'rabbitmq_event_exchange',
  'rabbitmq_federation',
  'rabbitmq_federation_management',
  'rabbitmq_federation_prometheus',
  'rabbitmq_jms_topic_exchange',
  'rabbitmq_management',
  'rabbitmq_management_agent',
  'rabbitmq_mqtt',
  'rabbitmq_peer_discovery_aws',
  'rabbitmq_peer_discovery_common',
  'rabbitmq_peer_discovery_consul',
  'rabbitmq_peer_discovery_etcd',
  'rabbitmq_peer_discovery_k8s',
  'rabbitmq_prometheus',
  'rabbitmq_random_exchange',
  'rabbitmq_recent_history_exchange',
  'rabbitmq_sharding',
  'rabbitmq_shovel',
  'rabbitmq_shovel_management',
  'rabbitmq_shovel_prometheus',
  'rabbitmq_stomp',
  'rabbitmq_stream',
  'rabbitmq_stream_management',
  'rabbitmq_top',
  'rabbitmq_tracing',
  'rabbitmq_trust_store',
  'rabbitmq_web_dispatch',
  'rabbitmq_web_mqtt',
  'rabbitmq_web_mqtt_examples',
  'rabbitmq_web_stomp',
  'rabbitmq_web_stomp_examples',
  'rabbitmq_auth_backend_internal_loopback',
] as const;

/** Only in the 4.1+ image, not in the 4.0.5 broker the tests run: a spec may name it, the tests do not. */
export const RABBITMQ_PLUGINS_IMAGE_ONLY: readonly string[] = ['rabbitmq_auth_backend_internal_loopback'];
