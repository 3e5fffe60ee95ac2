#!/usr/bin/env bash
# End-to-end check of brokers.mjs with real clients: up, use each broker, SIGKILL + restart Kafka/RabbitMQ/Redis
# on the same data, down. Leaves nothing running. Usage: bash scripts/brokers/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE=node; [ -x node_modules/.bin/node ] && NODE=node_modules/.bin/node
B() { "$NODE" scripts/brokers/brokers.mjs "$@"; }
step() { echo "--- $*" >&2; }
ok() { local what=$1; shift; "$@" || { echo "smoke: FAILED: $what" >&2; exit 1; }; }
trap 'B down' EXIT
T=smoke-$(date +%s)   # fresh names: data of earlier runs is kept unless `down --purge`

step up;  set -a; eval "$(B up)"; set +a
PATH=$BROKERS_BIN:$PATH   # redis-cli of the Debian 13 root
step redis;  redis-cli -u "$REDIS_URL" SET $T v1 >/dev/null
ok "redis PING" [ "$(redis-cli -u "$REDIS_URL" PING)" = PONG ]

step rabbitmq; ok "rabbitmqctl list_users" grep -q "^$RABBITMQ_USER" <("$RABBITMQCTL" -q list_users)
api() { curl -fsS -u "$RABBITMQ_USER:$RABBITMQ_PASSWORD" -H 'content-type: application/json' "$RABBITMQ_MANAGEMENT_URL/api/$1" "${@:2}"; }
api queues/%2F/$T -X PUT -d '{"durable":true}'
api exchanges/%2F/amq.default/publish -X POST \
  -d '{"properties":{"delivery_mode":2},"routing_key":"'$T'","payload":"hello","payload_encoding":"string"}' | grep -q '"routed":true'
ok "prometheus metrics" grep -q '^rabbitmq_' <(curl -fsS "$RABBITMQ_PROMETHEUS_URL")

step kafka
B kafka-run TopicCommand --bootstrap-server "$KAFKA_BROKERS" --create --if-not-exists --topic $T --partitions 2 --replication-factor 1
printf 'm1\nm2\nm3\n' | B kafka-run ConsoleProducer --bootstrap-server "$KAFKA_BROKERS" --topic $T
consume() { B kafka-run org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$KAFKA_BROKERS" --topic $T \
  --from-beginning --max-messages 3 --timeout-ms 20000 2>/dev/null | sort | tr '\n' ' '; }
ok "consume 3 messages" [ "$(consume)" = "m1 m2 m3 " ]
B kafka-run ProducerPerformance --topic $T-perf --num-records 2000 --record-size 100 --throughput -1 \
  --producer-props bootstrap.servers="$KAFKA_BROKERS" acks=all 2>/dev/null | tail -1

step "SIGKILL + start on the same data"
for b in kafka rabbitmq redis; do B kill $b; B start $b >/dev/null; done
ok "topic kept" grep -qx $T <(B kafka-run TopicCommand --bootstrap-server "$KAFKA_BROKERS" --list)
ok "messages kept" [ "$(consume)" = "m1 m2 m3 " ]
ok "durable message kept" grep -qE "^$T\s+1$" <("$RABBITMQCTL" -q list_queues name messages)
ok "redis key kept (AOF)" [ "$(redis-cli -u "$REDIS_URL" GET $T)" = v1 ]
B status
echo "smoke: 1 passed, 0 failed"
