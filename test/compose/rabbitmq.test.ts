/**
 * A real RabbitMQ 4 node (Debian 13's 4.0.5 in the root of scripts/tools, run with chroot; the
 * compose file runs the 4.x image) boots from the generated rabbitmq.conf, enabled_plugins and
 * definitions.json through the generated entrypoint (which writes the Erlang cookie), and the
 * generated init script creates the users from the environment, exactly as compose runs them.
 *
 * Adapted for the test only, and only these: listener ports (own 127.0.0.1 ports), the path of
 * definitions.json and the management/Prometheus listeners bound to 127.0.0.1. Every other key,
 * 4.x-only ones such as `anonymous_login_user` included, is loaded as generated. The image's
 * `docker-entrypoint.sh` (ownership + dropping to the rabbitmq user) is replaced by a
 * pass-through. The prod definitions (quorum queues) are imported into a second vhost at runtime.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedChannels } from '../../generators/stack/seeds.ts';
import type { StackSpec } from '../../generators/stack/index.ts';
import { tempDir } from '../support/cli.ts';
import { launchInRoot, portOpen, remapLines, waitFor, writeFile, type Launched } from '../support/launch.ts';
import { mqttConnect } from '../support/mqtt.ts';
import { composeOutput, envFor, fileOf, specFor } from '../support/stack.ts';
import { inDebianRoot } from '../support/tools.ts';

// Below the ephemeral port range (32768+), so an outgoing connection of another process never holds one.
const PORTS = { amqp: 27672, management: 27673, prometheus: 27692, mqtt: 27883, dist: 27674, epmd: 27369 } as const;
const NODE = 'bptest@localhost';
/** Inside the Debian root: the scripts that run as the calling user (/usr/sbin's wrappers switch to the rabbitmq user). */
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

/** Every RabbitMQ channel kind of the seeds in one spec: direct + priority, topic + TTL, headers, RPC, MQTT on amq.topic. */
function rabbitSpec(profile: 'dev' | 'prod', name: string): StackSpec {
  return specFor('complex-routing', profile, {
    name,
    edit: (raw) => {
      raw.channels.push(...seedChannels('background-jobs', ['rabbitmq']), ...seedChannels('rpc', ['rabbitmq']), ...seedChannels('iot-mqtt', ['rabbitmq']));
      const settings = raw.brokers.rabbitmq;
      if (settings) settings.plugins = ['rabbitmq_mqtt'];
      const euOrders = raw.channels.find((c) => c.name === 'eu-orders');
      if (euOrders?.kind === 'queue') euOrders.messageTtl = '1h';
    },
  });
}

const dev = rabbitSpec('dev', 'rabbit-dev');
const devFiles = composeOutput(dev);
const prod = rabbitSpec('prod', 'rabbit-prod');
const prodFiles = composeOutput(prod);
// Generated passwords are base64url and may start with "-", which a CLI would take for an option: make sure they do here.
const env = Object.fromEntries(Object.entries(envFor(dev)).map(([k, v]) => [k, /PASSWORD$/.test(k) ? `-${v}` : v]));
const DEV_VHOST = 'rabbit-dev';
const PROD_VHOST = 'rabbit-prod';

const dir = tempDir('bp-rabbitmq-');
const processes: Launched[] = [];

/** Environment of the node and of the CLI tools (inside the root): our own epmd, no /etc/rabbitmq/rabbitmq-env.conf, nothing inherited. */
function rabbitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RABBITMQ_|ERL_)/.test(k)));
  return {
    ...base,
    PATH: `${join(dir, 'bin')}:${RABBITMQ_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
    ERL_EPMD_PORT: String(PORTS.epmd),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    ...extra,
  };
}

/** Runs `argv` inside the Debian root with the node's environment. */
function inRoot(argv: string[], env: NodeJS.ProcessEnv, timeout: number) {
  const { command, args } = inDebianRoot(argv);
  return spawnSync(command, args, { env, encoding: 'utf8', timeout });
}

function cli(tool: string, args: string[], extra: Record<string, string> = {}) {
  return inRoot([join(RABBITMQ_BIN, tool), '--node', NODE, ...args], rabbitEnv({ HOME: join(dir, 'home'), ...extra }), 60_000);
}

function runInit(files: ReadonlyMap<string, string>, secrets: Record<string, string>) {
  const script = join(dir, `init-${Math.random().toString(36).slice(2)}.sh`);
  writeFile(script, fileOf(files, 'config/rabbitmq/init.sh'));
  const secretsEnv = rabbitEnv({
    RABBITMQ_NODE: NODE,
    RABBITMQ_ERLANG_COOKIE: env.RABBITMQ_ERLANG_COOKIE ?? '',
    RABBITMQ_ADMIN_PASSWORD: secrets.RABBITMQ_ADMIN_PASSWORD ?? '',
    RABBITMQ_PASSWORD: secrets.RABBITMQ_PASSWORD ?? '',
    RABBITMQ_MONITOR_PASSWORD: secrets.RABBITMQ_MONITOR_PASSWORD ?? '',
    RABBITMQ_BACKUP_PASSWORD: secrets.RABBITMQ_BACKUP_PASSWORD ?? '',
  });
  return inRoot(['bash', script], secretsEnv, 240_000);
}

async function api(path: string, init: { method?: string; body?: unknown; user?: string; password?: string } = {}): Promise<{ status: number; json: unknown }> {
  const auth = Buffer.from(`${init.user ?? 'admin'}:${init.password ?? env.RABBITMQ_ADMIN_PASSWORD}`).toString('base64');
  const res = await fetch(`http://127.0.0.1:${PORTS.management}/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json };
}

/** An MQTT login: a real network authentication against the node's user database (0 = accepted). */
async function mqttLogin(username: string, password: string): Promise<number> {
  const session = await mqttConnect(PORTS.mqtt, { clientId: `login-${username}`, username, password });
  session.close();
  return session.returnCode;
}

const q = (vhost: string, name: string) => `/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`;

async function publish(vhost: string, exchange: string, routingKey: string, payload: string, properties: Record<string, unknown> = {}): Promise<boolean> {
  const r = await api(`/exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(exchange)}/publish`, {
    method: 'POST',
    body: { properties, routing_key: routingKey, payload, payload_encoding: 'string' },
  });
  expect(r.status).toBe(200);
  return (r.json as { routed: boolean }).routed;
}

interface Got {
  payload: string;
  properties: { priority?: number; headers?: Record<string, unknown> };
}

async function get(vhost: string, queue: string, count: number, ackmode = 'ack_requeue_false'): Promise<Got[]> {
  const r = await api(`${q(vhost, queue)}/get`, { method: 'POST', body: { count, ackmode, encoding: 'auto' } });
  expect(r.status).toBe(200);
  return r.json as Got[];
}

interface QueueInfo {
  name: string;
  type: string;
  arguments: Record<string, unknown>;
  policy?: string | null;
  effective_policy_definition?: Record<string, unknown>;
}

beforeAll(async () => {
  // The generated files, with the test-only adaptations listed at the top.
  const conf = remapLines(
    fileOf(devFiles, 'config/rabbitmq/rabbitmq.conf'),
    {
      'listeners.tcp.default': `127.0.0.1:${PORTS.amqp}`,
      'management.tcp.port': String(PORTS.management),
      'prometheus.tcp.port': String(PORTS.prometheus),
      'mqtt.listeners.tcp.default': `127.0.0.1:${PORTS.mqtt}`,
      load_definitions: join(dir, 'definitions.json'),
    },
    ' = ',
  );
  writeFile(join(dir, 'rabbitmq.conf'), `${conf}management.tcp.ip = 127.0.0.1\nprometheus.tcp.ip = 127.0.0.1\n`);
  writeFile(join(dir, 'definitions.json'), fileOf(devFiles, 'config/rabbitmq/definitions.json'));
  writeFile(join(dir, 'enabled_plugins'), fileOf(devFiles, 'config/rabbitmq/enabled_plugins'));
  writeFile(join(dir, 'entrypoint.sh'), fileOf(devFiles, 'config/rabbitmq/entrypoint.sh'));
  writeFile(join(dir, 'bin', 'docker-entrypoint.sh'), '#!/bin/sh\n# test stand-in for the image entrypoint (chown + gosu)\nexec "$@"\n', 0o755);
  writeFile(join(dir, 'home', '.keep'), '');

  const epmd = launchInRoot('epmd', ['epmd', '-address', '127.0.0.1', '-port', String(PORTS.epmd)], { logFile: join(dir, 'epmd.log') });
  processes.push(epmd);
  await waitFor('epmd', () => portOpen(PORTS.epmd), { timeoutMs: 5_000, process: epmd, intervalMs: 50 });

  const node = launchInRoot('rabbitmq', ['bash', join(dir, 'entrypoint.sh'), 'rabbitmq-server'], {
    env: rabbitEnv({
      HOME: join(dir, 'home'),
      RABBITMQ_DATA_DIR: join(dir, 'home'),
      RABBITMQ_ERLANG_COOKIE: env.RABBITMQ_ERLANG_COOKIE ?? '',
      RABBITMQ_NODENAME: NODE,
      RABBITMQ_DIST_PORT: String(PORTS.dist),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    }),
    logFile: join(dir, 'rabbitmq.log'),
  });
  processes.push(node);
  await waitFor('rabbitmq management listener', () => portOpen(PORTS.management), { timeoutMs: 90_000, process: node, intervalMs: 250 });
  const init = runInit(devFiles, env);
  if (init.status !== 0) throw new Error(`init.sh failed:\n${init.stdout}${init.stderr}\n${node.tail()}`);
}, 300_000);

afterAll(async () => {
  // The node first (it needs epmd to shut down cleanly), then our epmd.
  for (const p of [...processes].reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RabbitMQ dev: the generated config, definitions and init script on a real node', () => {
  it('the init script created exactly the admin, app, backup and monitor users, and no guest', async () => {
    const users = (await api('/users')).json as { name: string }[];
    expect(users.map((u) => u.name).sort()).toEqual(['admin', 'app', 'backup', 'monitor']);
    const whoami = await api('/whoami');
    expect(whoami.status).toBe(200);
    expect(JSON.stringify(whoami.json)).toContain('administrator');
  });

  it('the app user can log in over the network, guest cannot, and loopback_users from the generated config keeps guest local', async () => {
    expect(await mqttLogin('app', env.RABBITMQ_PASSWORD ?? '')).toBe(0);
    expect(await mqttLogin('app', `${env.RABBITMQ_PASSWORD}x`)).not.toBe(0);
    expect(await mqttLogin('guest', 'guest')).not.toBe(0);
    expect((await api('/whoami', { user: 'guest', password: 'guest' })).status).toBe(401);
    // The effective setting, and the broker's own check for a login from a non-loopback address
    // (192.0.2.1), as its AMQP/MQTT/HTTP listeners call it: guest refused, app allowed.
    const r = cli('rabbitmqctl', [
      'eval',
      '{application:get_env(rabbit, loopback_users), rabbit_access_control:check_user_loopback(<<"guest">>, {192,0,2,1}), rabbit_access_control:check_user_loopback(<<"app">>, {192,0,2,1})}.',
    ]);
    expect(r.stdout.trim()).toBe('{{ok,[<<"guest">>]},not_allowed,ok}');
  });

  it('declares every queue of definitions.json with its arguments and type', async () => {
    const declared = JSON.parse(fileOf(devFiles, 'config/rabbitmq/definitions.json')) as { queues: { name: string; arguments: Record<string, unknown> }[] };
    const live = (await api(`/queues/${DEV_VHOST}`)).json as QueueInfo[];
    expect(live.map((x) => x.name).sort()).toEqual(declared.queues.map((x) => x.name).sort());
    for (const d of declared.queues) {
      const l = live.find((x) => x.name === d.name);
      expect(l?.arguments, d.name).toEqual(d.arguments);
      expect(l?.type, d.name).toBe('classic');
    }
    const tasks = live.find((x) => x.name === 'tasks');
    expect(tasks?.arguments).toMatchObject({ 'x-max-priority': 10, 'x-dead-letter-exchange': 'tasks.dlx' });
    expect(live.find((x) => x.name === 'eu-orders')?.arguments).toMatchObject({ 'x-message-ttl': 3_600_000 });
  });

  it('routes by topic pattern and by headers (x-match all) as the bindings say', async () => {
    expect(await publish(DEV_VHOST, 'orders', 'order.created.eu', 'eu-1')).toBe(true);
    expect(await publish(DEV_VHOST, 'orders', 'order.paid.eu.priority', 'eu-2')).toBe(true);
    expect(await publish(DEV_VHOST, 'orders', 'order.created.us', 'us-1')).toBe(false);
    expect((await get(DEV_VHOST, 'eu-orders', 10)).map((m) => m.payload)).toEqual(['eu-1', 'eu-2']);

    expect(await publish(DEV_VHOST, 'documents', '', 'inv-pdf', { headers: { kind: 'invoice', format: 'pdf' } })).toBe(true);
    expect(await publish(DEV_VHOST, 'documents', '', 'inv-html', { headers: { kind: 'invoice', format: 'html' } })).toBe(false);
    expect((await get(DEV_VHOST, 'pdf-invoices', 10)).map((m) => m.payload)).toEqual(['inv-pdf']);
  });

  it('delivers higher priorities first on the priority queue', async () => {
    expect(await publish(DEV_VHOST, 'tasks', 'generate_report', 'low', { priority: 1 })).toBe(true);
    expect(await publish(DEV_VHOST, 'tasks', 'send_alert', 'high', { priority: 9 })).toBe(true);
    expect((await get(DEV_VHOST, 'tasks', 2)).map((m) => m.payload)).toEqual(['high', 'low']);
  });

  it('dead-letters a rejected message into <queue>.dlq through <queue>.dlx', async () => {
    expect(await publish(DEV_VHOST, 'orders', 'order.created.eu', 'poison')).toBe(true);
    await get(DEV_VHOST, 'eu-orders', 1, 'reject_requeue_false');
    await waitFor('dead letter', async () => (await get(DEV_VHOST, 'eu-orders.dlq', 1, 'ack_requeue_true')).length === 1, { timeoutMs: 5_000 });
    const [dead] = await get(DEV_VHOST, 'eu-orders.dlq', 1);
    expect(dead?.payload).toBe('poison');
    expect(JSON.stringify(dead?.properties.headers?.['x-death'])).toContain('"reason":"rejected"');
  });

  it('RPC requests reach their queue through the default exchange', async () => {
    expect(await publish(DEV_VHOST, 'amq.default', 'quote-requests', '{"sku":"a","quantity":1}')).toBe(true);
    expect((await get(DEV_VHOST, 'quote-requests', 1)).map((m) => m.payload)).toEqual(['{"sku":"a","quantity":1}']);
  });

  it('MQTT: anonymous devices and guest are refused, the app user publishes into amq.topic of the vhost', async () => {
    expect((await mqttConnect(PORTS.mqtt, { clientId: 'anon' })).returnCode).not.toBe(0);
    expect((await mqttConnect(PORTS.mqtt, { clientId: 'guest', username: 'guest', password: 'guest' })).returnCode).not.toBe(0);
    const device = await mqttConnect(PORTS.mqtt, { clientId: 'dev1', username: 'app', password: env.RABBITMQ_PASSWORD ?? '' });
    expect(device.returnCode).toBe(0);
    device.publish('sensors/dev1/temp', '{"value":21.5}');
    await waitFor('telemetry', async () => (await get(DEV_VHOST, 'telemetry', 1, 'ack_requeue_true')).length === 1, { timeoutMs: 5_000 });
    device.close();
    expect((await get(DEV_VHOST, 'telemetry', 1)).map((m) => m.payload)).toEqual(['{"value":21.5}']);
  });

  it('re-running the init script (users exist now) with a new password in .env rotates it', async () => {
    const rotated = { ...env, RABBITMQ_PASSWORD: `${env.RABBITMQ_PASSWORD}-rotated` };
    const again = runInit(devFiles, rotated);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('user app ready');
    expect(await mqttLogin('app', env.RABBITMQ_PASSWORD ?? '')).not.toBe(0);
    expect(await mqttLogin('app', rotated.RABBITMQ_PASSWORD)).toBe(0);
  }, 300_000); // the init script starts nine rabbitmqctl (an Erlang VM each): slow on loaded cores
});

describe('RabbitMQ prod definitions (quorum queues) imported into the same node', () => {
  let live: QueueInfo[];

  beforeAll(async () => {
    // The same import as at boot (proven above), through the management API this time.
    const imported = await api('/definitions', { method: 'POST', body: JSON.parse(fileOf(prodFiles, 'config/rabbitmq/definitions.json')) });
    expect(imported.status, JSON.stringify(imported.json)).toBeLessThan(300);
    expect((await api(`/permissions/${PROD_VHOST}/admin`, { method: 'PUT', body: { configure: '.*', write: '.*', read: '.*' } })).status).toBeLessThan(300);
    // Policies are applied to queues asynchronously.
    await waitFor('policies applied', async () => {
      live = (await api(`/queues/${PROD_VHOST}`)).json as QueueInfo[];
      return live.find((x) => x.name === 'eu-orders')?.policy === 'quorum-dead-lettering';
    }, { timeoutMs: 10_000 });
  });

  it('every prod queue is a replicated quorum queue, the priority queue too (no x-max-priority: it has two levels)', () => {
    const declared = JSON.parse(fileOf(prodFiles, 'config/rabbitmq/definitions.json')) as { queues: { name: string; arguments: Record<string, unknown> }[] };
    expect(live.map((x) => x.name).sort()).toEqual(declared.queues.map((x) => x.name).sort());
    for (const d of declared.queues) {
      const l = live.find((x) => x.name === d.name);
      expect(l?.arguments, d.name).toEqual(d.arguments);
      expect(l?.type, d.name).toBe('quorum');
      expect(d.arguments['x-max-priority'], d.name).toBeUndefined();
    }
    expect(live.map((x) => x.name)).toEqual(expect.arrayContaining(['tasks', 'tasks.dlq', 'eu-orders', 'eu-orders.dlq', 'pdf-invoices', 'quote-requests', 'telemetry']));
  });

  it('quorum queues refuse x-max-priority (why priority queues cannot simply become quorum queues)', async () => {
    const r = await api(q(PROD_VHOST, 'probe'), { method: 'PUT', body: { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-max-priority': 10 } } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toMatch(/x-max-priority/);
  });

  it('policies: at-least-once dead-lettering with a delivery limit on quorum queues, a TTL of the RPC timeout on the request queue', async () => {
    const euOrders = live.find((x) => x.name === 'eu-orders');
    expect(euOrders?.policy).toBe('quorum-dead-lettering');
    expect(euOrders?.effective_policy_definition).toMatchObject({ 'dead-letter-strategy': 'at-least-once', overflow: 'reject-publish', 'delivery-limit': 20 });
    const rpc = live.find((x) => x.name === 'quote-requests');
    expect(rpc?.policy).toBe('rpc-quote-requests');
    expect(rpc?.effective_policy_definition).toMatchObject({ 'message-ttl': 5000 });
    // The at-least-once dead-lettering actually moves a rejected message on 4.0's quorum queues.
    expect(await publish(PROD_VHOST, 'orders', 'order.created.eu', 'poison')).toBe(true);
    await get(PROD_VHOST, 'eu-orders', 1, 'reject_requeue_false');
    await waitFor('dead letter', async () => (await get(PROD_VHOST, 'eu-orders.dlq', 1, 'ack_requeue_true')).length === 1, { timeoutMs: 10_000 });
  });

  it('the prod rabbitmq.conf forms a 3-node cluster whose quorum queues grow to 3 members by themselves (no node named in init.sh\'s user set-up)', () => {
    const conf = fileOf(prodFiles, 'config/rabbitmq/rabbitmq.conf');
    expect(conf).toMatch(/^cluster_formation\.peer_discovery_backend = classic_config$/m);
    for (const n of [1, 2, 3]) expect(conf).toContain(`cluster_formation.classic_config.nodes.${n} = rabbit@rabbitmq-${n}`);
    expect(conf).toMatch(/^cluster_partition_handling = pause_minority$/m);
    expect(conf).toMatch(/^loopback_users\.guest = true$/m);
    expect(conf).toMatch(/^quorum_queue\.continuous_membership_reconciliation\.enabled = true$/m);
    expect(conf).toMatch(/^quorum_queue\.continuous_membership_reconciliation\.target_group_size = 3$/m);
    const init = fileOf(prodFiles, 'config/rabbitmq/init.sh');
    expect(init).not.toMatch(/rabbitmq-queues|add_member/);
  });
});
