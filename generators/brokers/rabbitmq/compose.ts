/**
 * RabbitMQ under docker compose: one service per node (a classic_config cluster in prod), a
 * one-shot `rabbitmq-init` that creates the users, named volumes. Secrets (the Erlang cookie, the
 * passwords) reach the containers as compose secret files filled from .env, never as environment
 * variables; prod nodes get their TLS material from the `certs-init` volume (emit/tls-compose.ts).
 */
import { channelsOf, scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { priorityLevels } from './topology.ts';
import { bindMount, composeResources, composeSecret, loopbackPort, type ComposePart, type ComposePort, type ComposeService } from '../../emit/compose-model.ts';
import { file, jsonFile } from '../../emit/files.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology } from '../topology.ts';
import { enabledPluginsFile, rabbitConf, rabbitDefinitions, rabbitEntrypoint, rabbitInitScript, rabbitNodeCount, rabbitPorts, RABBITMQ_PATHS, secretFileEnv } from './config.ts';
import { ADMIN_USER, APP_USER, BACKUP_USER, MONITOR_USER, rabbitHostPorts, rabbitTls, rabbitUsers } from './connection.ts';

const COOKIE = 'RABBITMQ_ERLANG_COOKIE';

export function rabbitmqCompose(spec: StackSpec): ComposePart {
  const nodes = rabbitNodeCount(spec);
  const topology = composeTopology({ rabbitmq: nodes });
  const settings = settingsOf(spec, 'rabbitmq');
  const scaling = scalingOf(spec, 'rabbitmq');
  const mqtt = settings.plugins.includes('rabbitmq_mqtt');
  const conf = file('config/rabbitmq/rabbitmq.conf', rabbitConf(spec, topology, { discovery: 'classic' }));
  const plugins = file('config/rabbitmq/enabled_plugins', enabledPluginsFile(spec));
  const definitions = jsonFile('config/rabbitmq/definitions.json', rabbitDefinitions(spec));
  const entrypoint = file('config/rabbitmq/entrypoint.sh', rabbitEntrypoint());
  const init = file('config/rabbitmq/init.sh', rabbitInitScript(spec, topology));
  const services: Record<string, ComposeService> = {};
  const volumes: string[] = [];
  const names = Array.from({ length: nodes }, (_, i) => topology.host('rabbitmq', i));
  const listen = rabbitPorts(spec);
  const passwords = rabbitUsers(spec).map((u) => u.passwordEnv);
  names.forEach((name, i) => {
    const volume = `${name}-data`;
    volumes.push(volume);
    const host = rabbitHostPorts(spec, i);
    const ports: ComposePort[] = [loopbackPort(host.amqp, listen.amqp), loopbackPort(host.management, listen.management)];
    if (mqtt) ports.push(loopbackPort(host.mqtt, listen.mqtt));
    services[name] = {
      image: IMAGES.rabbitmq,
      // The node name is rabbit@<hostname>: it must be stable and resolvable by the other nodes.
      hostname: name,
      restart: 'unless-stopped',
      entrypoint: ['/bin/bash', `${RABBITMQ_PATHS.scripts}/entrypoint.sh`],
      command: ['rabbitmq-server'],
      environment: secretFileEnv([COOKIE]),
      secrets: [composeSecret(COOKIE)],
      ports,
      volumes: [
        bindMount(conf, RABBITMQ_PATHS.conf),
        bindMount(plugins, RABBITMQ_PATHS.enabledPlugins),
        bindMount(definitions, RABBITMQ_PATHS.definitions),
        bindMount(entrypoint, `${RABBITMQ_PATHS.scripts}/entrypoint.sh`),
        { type: 'volume', source: volume, target: RABBITMQ_PATHS.data },
      ],
      healthcheck: {
        // Every listener (AMQP, management, Prometheus, MQTT) accepts connections.
        test: ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity'],
        interval: '15s',
        timeout: '10s',
        retries: 10,
        start_period: '60s',
        start_interval: '5s',
      },
      deploy: composeResources(scaling.resources),
      stop_grace_period: '60s',
      ulimits: { nofile: { soft: 65536, hard: 65536 } },
    };
  });
  services['rabbitmq-init'] = {
    image: IMAGES.rabbitmq,
    restart: 'no',
    entrypoint: ['/bin/bash', `${RABBITMQ_PATHS.scripts}/init.sh`],
    environment: secretFileEnv([COOKIE, ...passwords]),
    secrets: [COOKIE, ...passwords].map(composeSecret),
    volumes: [bindMount(init, `${RABBITMQ_PATHS.scripts}/init.sh`)],
    depends_on: Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' as const }])),
  };
  const quorum = scaling.queueType === 'quorum';
  const quorumPriority = channelsOf(spec, 'rabbitmq').flatMap((c) => {
    const levels = priorityLevels(spec, c);
    return levels?.kind === 'two-level' ? [{ name: c.name, ...levels }] : [];
  });
  const tls = rabbitTls(spec);
  const first = rabbitHostPorts(spec, 0);
  const notes = [
    `**RabbitMQ**: ${nodes > 1 ? `a ${nodes}-node cluster (\`${names.join('`, `')}\`, peer discovery from a fixed node list, \`pause_minority\` on partitions)` : 'one node'} with ${quorum ? 'quorum queues (replicated with Raft; a message is on disk on a majority of nodes before it is confirmed)' : 'classic queues (one copy, on this node)'}. Queues, exchanges, bindings and policies come from \`config/rabbitmq/definitions.json\`, imported at boot. \`rabbitmq-init\` then creates the users \`${APP_USER}\` (\`RABBITMQ_URL\`), \`${MONITOR_USER}\`, \`${BACKUP_USER}\` and \`${ADMIN_USER}\` (management UI at ${tls ? 'https' : 'http'}://127.0.0.1:${first.management}) from their passwords in \`.env\`, which compose hands to the containers as secret files (\`/run/secrets/\`). Because definitions are imported, no default \`guest\` user is ever created, and \`loopback_users.guest\` would keep it local anyway.`,
    tls
      ? `**RabbitMQ TLS** (prod): AMQPS only (127.0.0.1:${first.amqp}; no plain AMQP listener), the management API over HTTPS (127.0.0.1:${first.management}) and the metrics endpoint over HTTPS with the \`${MONITOR_USER}\` login (port ${rabbitPorts(spec).prometheus} inside the stack's network, not published); each node presents its certificate from \`secrets/tls/\` (copied by \`certs-init\`), clients check it against \`RABBITMQ_CA_FILE\` and the host name.`
      : '**RabbitMQ** (dev): plain AMQP and HTTP, published on 127.0.0.1 only; the prod profile speaks TLS only.',
  ];
  if (nodes > 1 && quorum) {
    notes.push(
      `**Replicas**: every quorum queue grows to ${Math.min(nodes, 3)} members on its own, on whichever node it was first declared (continuous membership reconciliation, 10 s after a node joins), so no script names nodes. Clients list every node in \`RABBITMQ_HOSTS\` (${Array.from({ length: nodes }, (_, i) => `127.0.0.1:${rabbitHostPorts(spec, i).amqp}`).join(', ')}) and move to the next when one dies.`,
    );
  }
  if (quorumPriority.length > 0) {
    notes.push(
      `**Priorities on quorum queues**: ${quorumPriority.map((q) => `\`${q.name}\` (priority 0-${q.max}: ${q.highFrom}-${q.max} high, 0-${q.highFrom - 1} normal)`).join(', ')}. A quorum queue refuses \`x-max-priority\`; RabbitMQ 4 gives it two levels instead, delivered 2:1 so normal work never starves. The generated client puts the upper half of the channel's range on the high level (it sends at least AMQP priority 5 for it, at most 4 for the rest). Need strict ordering of many levels? Use a queue per level, with more consumers on the urgent one.`,
    );
  }
  if (mqtt) notes.push(`**MQTT**: devices connect to 127.0.0.1:${first.mqtt}${tls ? ' (MQTT over TLS)' : ''} with a RabbitMQ user (anonymous MQTT is off); their publishes land on \`amq.topic\` in vhost \`${settings.vhost}\`.`);
  return { services, volumes, files: [conf, plugins, definitions, entrypoint, init], notes };
}
