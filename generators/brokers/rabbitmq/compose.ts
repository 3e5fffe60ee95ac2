/**
 * RabbitMQ under docker compose: one service per node (a classic_config cluster in prod), a
 * one-shot `rabbitmq-init` that creates the users from .env, named volumes.
 */
import { channelsOf, scalingOf, settingsOf, type StackSpec } from '../../stack/index.ts';
import { priorityLevels } from './topology.ts';
import { bindMount, composeResources, envRef, loopbackPort, type ComposePart, type ComposePort, type ComposeService } from '../../emit/compose-model.ts';
import { file, jsonFile } from '../../emit/files.ts';
import { IMAGES } from '../../versions/images.ts';
import { composeTopology } from '../topology.ts';
import { enabledPluginsFile, rabbitConf, rabbitDefinitions, rabbitEntrypoint, rabbitInitScript, rabbitNodeCount, RABBITMQ_PATHS, RABBITMQ_PORTS } from './config.ts';
import { ADMIN_USER, rabbitHostPorts } from './connection.ts';

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
  names.forEach((name, i) => {
    const volume = `${name}-data`;
    volumes.push(volume);
    const host = rabbitHostPorts(i);
    const ports: ComposePort[] = [loopbackPort(host.amqp, RABBITMQ_PORTS.amqp), loopbackPort(host.management, RABBITMQ_PORTS.management)];
    if (mqtt) ports.push(loopbackPort(host.mqtt, RABBITMQ_PORTS.mqtt));
    services[name] = {
      image: IMAGES.rabbitmq,
      // The node name is rabbit@<hostname>: it must be stable and resolvable by the other nodes.
      hostname: name,
      restart: 'unless-stopped',
      entrypoint: ['/bin/bash', `${RABBITMQ_PATHS.scripts}/entrypoint.sh`],
      command: ['rabbitmq-server'],
      environment: { RABBITMQ_ERLANG_COOKIE: envRef('RABBITMQ_ERLANG_COOKIE') },
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
    environment: {
      RABBITMQ_ERLANG_COOKIE: envRef('RABBITMQ_ERLANG_COOKIE'),
      RABBITMQ_ADMIN_PASSWORD: envRef('RABBITMQ_ADMIN_PASSWORD'),
      RABBITMQ_PASSWORD: envRef('RABBITMQ_PASSWORD'),
    },
    volumes: [bindMount(init, `${RABBITMQ_PATHS.scripts}/init.sh`)],
    depends_on: Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' as const }])),
  };
  const quorum = scaling.queueType === 'quorum';
  const quorumPriority = channelsOf(spec, 'rabbitmq').flatMap((c) => {
    const levels = priorityLevels(spec, c);
    return levels?.kind === 'two-level' ? [{ name: c.name, ...levels }] : [];
  });
  const notes = [
    `**RabbitMQ**: ${nodes > 1 ? `a ${nodes}-node cluster (\`${names.join('`, `')}\`, peer discovery from a fixed node list, \`pause_minority\` on partitions)` : 'one node'} with ${quorum ? 'quorum queues (replicated with Raft; a message is on disk on a majority of nodes before it is confirmed)' : 'classic queues (one copy, on this node)'}. Queues, exchanges, bindings and policies come from \`config/rabbitmq/definitions.json\`, imported at boot. \`rabbitmq-init\` then creates the users \`${ADMIN_USER}\` (management UI at http://127.0.0.1:${rabbitHostPorts(0).management}) and \`app\` (\`RABBITMQ_URL\`) from \`.env\`. Because definitions are imported, no default \`guest\` user is ever created, and \`loopback_users.guest\` would keep it local anyway.`,
  ];
  if (nodes > 1 && quorum) {
    notes.push(
      `**Replicas**: every quorum queue grows to ${Math.min(nodes, 3)} members on its own, on whichever node it was first declared (continuous membership reconciliation, 10 s after a node joins), so no script names nodes. Clients list every node in \`RABBITMQ_HOSTS\` (${Array.from({ length: nodes }, (_, i) => `127.0.0.1:${rabbitHostPorts(i).amqp}`).join(', ')}) and move to the next when one dies.`,
    );
  }
  if (quorumPriority.length > 0) {
    notes.push(
      `**Priorities on quorum queues**: ${quorumPriority.map((q) => `\`${q.name}\` (priority 0-${q.max}: ${q.highFrom}-${q.max} high, 0-${q.highFrom - 1} normal)`).join(', ')}. A quorum queue refuses \`x-max-priority\`; RabbitMQ 4 gives it two levels instead, delivered 2:1 so normal work never starves. The generated client puts the upper half of the channel's range on the high level (it sends at least AMQP priority 5 for it, at most 4 for the rest). Need strict ordering of many levels? Use a queue per level, with more consumers on the urgent one.`,
    );
  }
  if (mqtt) notes.push(`**MQTT**: devices connect to 127.0.0.1:${rabbitHostPorts(0).mqtt} with a RabbitMQ user (anonymous MQTT is off); their publishes land on \`amq.topic\` in vhost \`${settings.vhost}\`.`);
  return { services, volumes, files: [conf, plugins, definitions, entrypoint, init], notes };
}
