#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine (idempotent; a fast no-op when all is present):
#  - Debian packages: real brokers, Prometheus tooling, Java 17 + Maven for Kafka
#  - Kafka broker/tools jars from Maven Central into ${XDG_CACHE_HOME:-$HOME/.cache}/brokerplate (see scripts/brokers)
# Note: on a machine that allows it, apt starts Debian's own services (redis 6379, rabbitmq 5672, prometheus 9090,
# alertmanager 9093, redis exporter 9121). The tests never use them: scripts/brokers runs its own on other ports.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(redis-server rabbitmq-server prometheus prometheus-alertmanager prometheus-redis-exporter prometheus-pushgateway
      openjdk-17-jre-headless maven)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo -n)
  apt_install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
  echo "install-deps: installing ${missing[*]}" >&2
  # only refresh the package lists when the install fails (stale or missing lists)
  apt_install || { "${SUDO[@]}" apt-get update -q && apt_install; }
fi

# Kafka jars (no-op once cached). Plain ESM without dependencies: the system node is fine before `npm ci`.
NODE=node; [ -x node_modules/.bin/node ] && NODE=node_modules/.bin/node
"$NODE" scripts/brokers/brokers.mjs install kafka
