/**
 * The prod profile's RabbitMQ security on a real RabbitMQ 4 node (Debian 13's 4.0.5, chroot): the
 * generated rabbitmq.conf (AMQPS and HTTPS only), enabled_plugins, definitions.json, entrypoint.sh
 * and init.sh (users from secret files), the TLS material a first run issues, the generated
 * TypeScript client (amqps://, RABBITMQ_CA_FILE, hostname verification) and backup scripts.
 *
 * Adapted for the test only, and only these (a container provides them): the listener ports (own
 * ones, so the suite's files can run side by side), the paths of the TLS files (the container's
 * /etc/brokerplate/tls/ is the node's certificate folder here) and of definitions.json, the
 * cluster_formation lines (one node of the 3-node prod cluster; the cluster test runs all three),
 * the image's docker-entrypoint.sh (a pass-through). Every other key loads as generated.
 * Run inside a network namespace: /work/bin/nsrun <ns> npx vitest run test/tls/rabbitmq-prod.test.ts
 */
import net from 'node:net';
import { readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedChannels } from '../../generators/stack/seeds.ts';
import { certFiles, CA_FILES } from '../../generators/emit/tls-model.ts';
import { TLS_FILES } from '../../generators/emit/tls-compose.ts';
import { RABBITMQ_TLS_FILES } from '../../generators/brokers/rabbitmq/config.ts';
import { importMessaging, type MessagingModule, type RabbitMessaging } from '../clients/api.ts';
import { sharedNodeModules } from '../clients/support.ts';
import { tempDir } from '../support/cli.ts';
import { launch, launchInRoot, portOpen, remapLines, waitFor, writeFile, type Launched } from '../support/launch.ts';
import { mqttConnect } from '../support/mqtt.ts';
import { httpsRequest, writeProject, type WrittenProject } from '../support/rabbitmq-tls.ts';
import { specFor } from '../support/stack.ts';
import { inDebianRoot, toolPath } from '../support/tools.ts';
import { parse, stringify } from 'yaml';

// Below the ephemeral range; the plain defaults (5672, 15672) are only ever probed, never bound.
const PORTS = { amqps: 27671, https: 27871, prometheus: 27693, mqtts: 27884, dist: 27675, epmd: 27370, prometheusServer: 27990, prometheusLocal: 27694 } as const;
const NODE = 'bptls@localhost';
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
const VHOST = 'rabbit-prod';

const spec = specFor('complex-routing', 'prod', {
  name: VHOST,
  targets: ['compose'],
  edit: (raw) => {
    raw.channels.push(...seedChannels('background-jobs', ['rabbitmq']), ...seedChannels('rpc', ['rabbitmq']), ...seedChannels('iot-mqtt', ['rabbitmq']));
    const settings = raw.brokers.rabbitmq;
    if (settings) settings.plugins = ['rabbitmq_mqtt'];
  },
});

const dir = tempDir('bp-rabbitmq-tls-');
const processes: Launched[] = [];
let project: WrittenProject;
let mod: MessagingModule;
let ca: string;
const clients: RabbitMessaging[] = [];

function rabbitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RABBITMQ_|ERL_)/.test(k)));
  return { ...base, PATH: `${join(dir, 'bin')}:${RABBITMQ_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`, ERL_EPMD_PORT: String(PORTS.epmd), RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'), ...extra };
}

/** Each rabbitmqctl of init.sh starts an Erlang VM: minutes on 2 loaded cores. */
function inRoot(argv: string[], env: NodeJS.ProcessEnv, timeout = 600_000) {
  const { command, args } = inDebianRoot(argv);
  return spawnSync(command, args, { env, encoding: 'utf8', timeout });
}

const api = (path: string, auth?: string, init: { method?: string; body?: unknown } = {}) =>
  httpsRequest({ host: '127.0.0.1', port: PORTS.https, path: `/api${path}`, ca, ...(auth !== undefined && { auth }), ...init });
const as = (user: string, password: string | undefined) => `${user}:${password ?? ''}`;
const admin = () => as('admin', project.env.RABBITMQ_ADMIN_PASSWORD);

/** The generated client's settings for `url` (user, password, host), the project's CA. */
function settingsFor(url: string) {
  return mod.rabbitmqSettings({ RABBITMQ_URL: url, RABBITMQ_HOSTS: '', RABBITMQ_CA_FILE: join(project.root, CA_FILES.cert), MESSAGING_CLIENT_ID: 'tls-test' });
}
const url = (user: string, password: string, host = '127.0.0.1') => `amqps://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${PORTS.amqps}/${encodeURIComponent(VHOST)}`;

/** The first outcome of a connection of the generated client's AMQP library: connected, or the error it reports. */
async function connectOutcome(settingsUrl: string): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  const client = new mod.RabbitMessaging(settingsFor(settingsUrl), { log: () => undefined });
  const connection = client.connection as unknown as { on(e: string, f: (x: unknown) => void): void; ready: boolean };
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, code: 'TIMEOUT', message: 'no outcome within 20 s' }), 20_000);
      connection.on('connection', () => (clearTimeout(timer), resolve({ ok: true })));
      connection.on('error', (e) => {
        clearTimeout(timer);
        const err = e as { code?: string; message?: string };
        resolve({ ok: false, code: String(err.code ?? ''), message: String(err.message ?? e) });
      });
    });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** An AMQP operation on a channel of the given user's connection: 'ok' or the broker's refusal code. */
async function attempt(client: RabbitMessaging, op: (ch: Awaited<ReturnType<RabbitMessaging['connection']['acquire']>>) => Promise<unknown>): Promise<string> {
  const ch = await client.connection.acquire();
  try {
    await op(ch);
    return 'ok';
  } catch (error) {
    return String((error as { code?: string }).code ?? error);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

function client(user: string, password: string): RabbitMessaging {
  const c = new mod.RabbitMessaging(settingsFor(url(user, password)), { log: () => undefined, readyTimeoutMs: 20_000 } as never);
  clients.push(c);
  return c;
}

/** A plain AMQP 0-9-1 protocol header to `port`: what comes back before the socket closes (and whether it closed). */
function plainAmqp(port: number): Promise<{ connected: boolean; reply: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    let connected = false;
    const done = () => (s.destroy(), resolve({ connected, reply }));
    const timer = setTimeout(done, 5_000);
    s.once('connect', () => ((connected = true), s.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'))));
    s.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    s.once('error', () => (clearTimeout(timer), done()));
    s.once('close', () => (clearTimeout(timer), done()));
  });
}

beforeAll(async () => {
  project = await writeProject(join(dir, 'project'), spec);
  symlinkSync(await sharedNodeModules(), join(project.root, 'node_modules'), 'dir');
  ca = readFileSync(join(project.root, CA_FILES.cert), 'utf8');
  const node = certFiles('rabbitmq-1');
  const tlsPaths: Record<string, string> = { [RABBITMQ_TLS_FILES.ca]: join(project.root, CA_FILES.cert), [RABBITMQ_TLS_FILES.cert]: join(project.root, node.cert), [RABBITMQ_TLS_FILES.key]: join(project.root, node.key) };
  const generated = readFileSync(join(project.root, 'config/rabbitmq/rabbitmq.conf'), 'utf8');
  const fileKeys = generated.split('\n').flatMap((l) => {
    const m = /^(\S+(?:cacertfile|certfile|keyfile)) = (\S+)$/.exec(l);
    return m?.[1] && m[2] ? [[m[1], tlsPaths[m[2]] ?? m[2]] as const] : [];
  });
  const conf = remapLines(
    generated,
    {
      'listeners.ssl.default': String(PORTS.amqps),
      'management.ssl.port': String(PORTS.https),
      'prometheus.ssl.port': String(PORTS.prometheus),
      'prometheus.tcp.port': String(PORTS.prometheusLocal),
      'mqtt.listeners.ssl.default': String(PORTS.mqtts),
      load_definitions: join(project.root, 'config/rabbitmq/definitions.json'),
      'cluster_formation.peer_discovery_backend': null,
      'cluster_formation.classic_config.nodes.1': null,
      'cluster_formation.classic_config.nodes.2': null,
      'cluster_formation.classic_config.nodes.3': null,
      ...Object.fromEntries(fileKeys),
    },
    ' = ',
  );
  writeFile(join(dir, 'rabbitmq.conf'), conf);
  writeFile(join(dir, 'bin', 'docker-entrypoint.sh'), '#!/bin/sh\n# test stand-in for the image entrypoint (chown + gosu)\nexec "$@"\n', 0o755);
  writeFile(join(dir, 'home', '.keep'), '');

  const epmd = launchInRoot('epmd', ['epmd', '-address', '127.0.0.1', '-port', String(PORTS.epmd)], { logFile: join(dir, 'epmd.log') });
  processes.push(epmd);
  await waitFor('epmd', () => portOpen(PORTS.epmd), { timeoutMs: 5_000, process: epmd, intervalMs: 50 });
  const broker = launchInRoot('rabbitmq', ['bash', join(project.root, 'config/rabbitmq/entrypoint.sh'), 'rabbitmq-server'], {
    env: rabbitEnv({
      HOME: join(dir, 'home'),
      RABBITMQ_DATA_DIR: join(dir, 'home'),
      // The cookie as compose hands it over: a secret file.
      RABBITMQ_ERLANG_COOKIE_FILE: project.secretFiles.RABBITMQ_ERLANG_COOKIE_FILE ?? '',
      RABBITMQ_NODENAME: NODE,
      RABBITMQ_DIST_PORT: String(PORTS.dist),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(project.root, 'config/rabbitmq/enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    }),
    logFile: join(dir, 'rabbitmq.log'),
  });
  processes.push(broker);
  await waitFor('rabbitmq HTTPS listener', () => portOpen(PORTS.https), { timeoutMs: 120_000, process: broker, intervalMs: 250 });
  // init.sh reads every secret from its file, as in the rabbitmq-init container.
  const init = inRoot(['bash', join(project.root, 'config/rabbitmq/init.sh')], rabbitEnv({ HOME: join(dir, 'home'), RABBITMQ_NODE: NODE, ...project.secretFiles }));
  if (init.status !== 0) throw new Error(`init.sh failed:\n${init.stdout}${init.stderr}\n${broker.tail()}`);
  mod = await importMessaging(project.root);
}, 900_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  for (const p of [...processes].reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RabbitMQ prod: TLS only, on the real broker', () => {
  it('the generated files point at the path both targets mount the certificates at', () => {
    expect(RABBITMQ_TLS_FILES).toEqual({ ca: TLS_FILES.ca, cert: TLS_FILES.cert, key: TLS_FILES.key });
  });

  it('listens for AMQP over TLS and HTTPS only: no plain AMQP or HTTP listener, the plain default ports closed', async () => {
    const overview = await api('/overview', admin());
    expect(overview.status).toBe(200);
    const listeners = (JSON.parse(overview.body) as { listeners: { protocol: string; port: number; ip_address: string }[] }).listeners;
    const protocols = listeners.map((l) => `${l.protocol}:${l.port}`).sort();
    expect(protocols).toEqual([`amqp/ssl:${PORTS.amqps}`, 'clustering:' + PORTS.dist, `http/prometheus:${PORTS.prometheusLocal}`, `https/prometheus:${PORTS.prometheus}`, `https:${PORTS.https}`, `mqtt/ssl:${PORTS.mqtts}`].sort());
    // The plugin's plain listener cannot be switched off in rabbitmq.conf: the generated file binds it to the node's own loopback.
    expect(listeners.find((l) => l.protocol === 'http/prometheus')?.ip_address).toBe('127.0.0.1');
    expect(await portOpen(PORTS.prometheusLocal, '127.0.0.2')).toBe(false);
    for (const plain of [5672, 15672, 15692, 1883]) expect(await portOpen(plain), `port ${plain}`).toBe(false);
  });

  it('metrics over HTTPS only, as monitor: the node certificate verifies against the project CA; another CA is refused; no login, app or backup get 401; plain HTTP gets no HTTP answer', async () => {
    const monitor = as('monitor', project.env.RABBITMQ_MONITOR_PASSWORD);
    // null: no Authorization header at all (undefined would take the default).
    const metrics = (path: string, trust = ca, auth: string | null = monitor) => httpsRequest({ host: 'localhost', port: PORTS.prometheus, path, ca: trust, ...(auth !== null && { auth }) });
    expect((await metrics('/metrics', ca, null)).status).toBe(401);
    expect((await metrics('/metrics', ca, as('app', project.env.RABBITMQ_PASSWORD))).status).toBe(401);
    expect((await metrics('/metrics', ca, as('backup', project.env.RABBITMQ_BACKUP_PASSWORD))).status).toBe(401);
    expect((await metrics('/metrics', ca, as('monitor', `${project.env.RABBITMQ_MONITOR_PASSWORD}x`))).status).toBe(401);
    const node = await metrics('/metrics');
    expect(node.status).toBe(200);
    expect(node.body).toMatch(/^rabbitmq_connections /m);
    const detailed = await metrics(`/metrics/detailed?vhost=${encodeURIComponent(VHOST)}&family=queue_coarse_metrics`);
    expect(detailed.status).toBe(200);
    expect(detailed.body).toMatch(/^rabbitmq_detailed_queue_messages_ready\{/m);
    await expect(metrics('/metrics', readFileSync(join(project.root, certFiles('rabbitmq-2').cert), 'utf8'))).rejects.toThrow(/certificate|self-signed|issuer/i);
    const plain = await new Promise<string>((resolve) => {
      let reply = '';
      const s = net.connect({ host: '127.0.0.1', port: PORTS.prometheus }, () => s.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      s.on('data', (d: Buffer) => (reply += d.toString('latin1')));
      const done = () => (s.destroy(), resolve(reply));
      s.setTimeout(5_000, done);
      s.once('error', done);
      s.once('close', done);
    });
    expect(plain).not.toMatch(/^HTTP\/1\.[01] 200/);
    expect(plain).not.toContain('rabbitmq_connections');
  }, 60_000);

  it('the pinned Prometheus scrapes both generated RabbitMQ jobs over TLS as monitor with their tls_config and basic_auth; with another CA, or without the login, the scrape fails (controls)', async () => {
    type Job = { job_name: string; scheme?: string; tls_config?: { ca_file?: string }; basic_auth?: { username?: string; password_file?: string }; static_configs: { targets: string[] }[] };
    const generated = parse(readFileSync(join(project.root, 'monitoring/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Job[] };
    const jobs = generated.scrape_configs.filter((j) => j.job_name.startsWith('rabbitmq'));
    expect(jobs.map((j) => [j.job_name, j.scheme, j.tls_config?.ca_file, j.basic_auth])).toEqual([
      ['rabbitmq', 'https', TLS_FILES.ca, { username: 'monitor', password_file: '/run/secrets/rabbitmq_monitor_password' }],
      ['rabbitmq-queues', 'https', TLS_FILES.ca, { username: 'monitor', password_file: '/run/secrets/rabbitmq_monitor_password' }],
    ]);
    // Adapted for the test: the CA's and the password's paths (container mounts) and the target (the compose host rabbitmq-1 is localhost here, in the node's certificate too).
    const adapt = (j: Job, caFile: string, suffix = '', login = true) => ({
      ...j,
      job_name: `${j.job_name}${suffix}`,
      tls_config: { ...j.tls_config, ca_file: caFile },
      basic_auth: login ? { ...j.basic_auth, password_file: project.secretFiles.RABBITMQ_MONITOR_PASSWORD_FILE } : undefined,
      static_configs: [{ targets: j.static_configs.flatMap((s) => s.targets).filter((t) => t.startsWith('rabbitmq-1:')).map(() => `localhost:${PORTS.prometheus}`) }],
    });
    const wrongCa = join(project.root, certFiles('rabbitmq-2').cert);
    const projectCa = join(project.root, CA_FILES.cert);
    const config = { global: { scrape_interval: '1s', scrape_timeout: '1s' }, scrape_configs: [...jobs.map((j) => adapt(j, projectCa)), adapt(jobs[0] as Job, wrongCa, '-wrong-ca'), adapt(jobs[0] as Job, projectCa, '-no-login', false)] };
    writeFile(join(dir, 'prometheus', 'prometheus.yml'), stringify(config));
    const server = launch('prometheus', toolPath('prometheus'), [`--config.file=${join(dir, 'prometheus', 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prometheus', 'tsdb')}`, `--web.listen-address=127.0.0.1:${PORTS.prometheusServer}`], { logFile: join(dir, 'prometheus.log') });
    processes.push(server);
    type Target = { labels: { job: string }; health: string; lastError: string };
    const targets = async (): Promise<Target[]> => ((await (await fetch(`http://127.0.0.1:${PORTS.prometheusServer}/api/v1/targets`)).json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
    await waitFor('four scraped targets', async () => (await targets()).filter((t) => t.health !== 'unknown').length === 4, { timeoutMs: 60_000, process: server, intervalMs: 500 });
    const health = Object.fromEntries((await targets()).map((t) => [t.labels.job, t.health]));
    expect(health).toEqual({ rabbitmq: 'up', 'rabbitmq-queues': 'up', 'rabbitmq-wrong-ca': 'down', 'rabbitmq-no-login': 'down' });
    expect((await targets()).find((t) => t.labels.job === 'rabbitmq-wrong-ca')?.lastError).toMatch(/certificate|x509/i);
    expect((await targets()).find((t) => t.labels.job === 'rabbitmq-no-login')?.lastError).toMatch(/401/);
  }, 120_000);

  it('a plain AMQP client on the AMQPS port gets no AMQP answer: the connection is closed', async () => {
    const r = await plainAmqp(PORTS.amqps);
    expect(r.connected).toBe(true);
    expect(r.reply).not.toMatch(/^AMQP|\x01\x00\x00/);
  });

  it('management over HTTPS: the certificate verifies against the project CA, no login or a wrong password is refused', async () => {
    expect((await api('/whoami')).status).toBe(401);
    expect((await api('/whoami', as('admin', `${project.env.RABBITMQ_ADMIN_PASSWORD}x`))).status).toBe(401);
    const me = await api('/whoami', admin());
    expect(me.status).toBe(200);
    expect(me.body).toContain('administrator');
    // Another CA's view: the certificate does not verify.
    await expect(httpsRequest({ host: '127.0.0.1', port: PORTS.https, path: '/api/overview', ca: readFileSync(join(project.root, certFiles('rabbitmq-2').cert), 'utf8') })).rejects.toThrow(/certificate|self-signed|issuer/i);
  });

  it('the init step created exactly admin, app, monitor and backup with their tags (no guest)', async () => {
    const users = JSON.parse((await api('/users', admin())).body) as { name: string; tags: string[] }[];
    expect(Object.fromEntries(users.map((u) => [u.name, [...u.tags].sort()]))).toEqual({ admin: ['administrator'], app: [], backup: ['management'], monitor: ['monitoring'] });
  });
});

describe('RabbitMQ prod: authentication through the generated client (amqps://, RABBITMQ_CA_FILE)', () => {
  it('no credentials: refused', async () => {
    const r = await connectOutcome(`amqps://127.0.0.1:${PORTS.amqps}/${encodeURIComponent(VHOST)}`);
    expect(r).toMatchObject({ ok: false, code: 'ACCESS_REFUSED' });
  });

  it('a wrong password: refused; the right one: connected', async () => {
    expect(await connectOutcome(url('app', `${project.env.RABBITMQ_PASSWORD}x`))).toMatchObject({ ok: false, code: 'ACCESS_REFUSED' });
    expect(await connectOutcome(url('app', project.env.RABBITMQ_PASSWORD ?? ''))).toEqual({ ok: true });
  });

  it('a server certificate for another host name is refused by the client (127.0.0.2 is this machine too, but not in the certificate)', async () => {
    const r = await connectOutcome(url('app', project.env.RABBITMQ_PASSWORD ?? '', '127.0.0.2'));
    expect(r).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('RabbitMQ prod: MQTT over TLS', () => {
  it('devices log in over TLS (certificate checked) as app and publish into amq.topic; a wrong password is refused', async () => {
    const password = project.env.RABBITMQ_PASSWORD ?? '';
    expect((await mqttConnect(PORTS.mqtts, { clientId: 'wrong', username: 'app', password: `${password}x`, tls: { ca } })).returnCode).not.toBe(0);
    expect((await mqttConnect(PORTS.mqtts, { clientId: 'anon', tls: { ca } })).returnCode).not.toBe(0);
    const device = await mqttConnect(PORTS.mqtts, { clientId: 'dev1', username: 'app', password, tls: { ca } });
    expect(device.returnCode).toBe(0);
    device.publish('sensors/dev1/temp', '{"value":21.5}');
    await expect
      .poll(async () => (JSON.parse((await api(`/queues/${encodeURIComponent(VHOST)}/telemetry`, admin())).body) as { messages?: number }).messages, { timeout: 20_000 })
      .toBe(1);
    device.close();
  }, 60_000);
});

describe('RabbitMQ prod: the permission matrix on the real broker', () => {
  beforeAll(async () => {
    // Something that is not the application's: a queue and an exchange an administrator made.
    expect((await api(`/permissions/${encodeURIComponent(VHOST)}/admin`, admin())).status).toBe(200);
    expect((await api(`/queues/${encodeURIComponent(VHOST)}/other`, admin(), { method: 'PUT', body: { durable: true, arguments: { 'x-queue-type': 'quorum' } } })).status).toBeLessThan(300);
    expect((await api(`/exchanges/${encodeURIComponent(VHOST)}/other-x`, admin(), { method: 'PUT', body: { type: 'fanout', durable: true } })).status).toBeLessThan(300);
    expect((await api(`/bindings/${encodeURIComponent(VHOST)}/e/other-x/q/other`, admin(), { method: 'POST', body: { routing_key: '' } })).status).toBeLessThan(300);
    expect((await api(`/exchanges/${encodeURIComponent(VHOST)}/other-x/publish`, admin(), { method: 'POST', body: { properties: {}, routing_key: '', payload: 'secret', payload_encoding: 'string' } })).status).toBe(200);
  });

  it('app: declares its topology and exchanges messages over AMQPS (queue with confirms, RPC through direct reply-to)', async () => {
    const app = client('app', project.env.RABBITMQ_PASSWORD ?? '');
    await app.declareTopology();
    const got: string[] = [];
    const sub = await app.consume('tasks', { handler: ({ envelope }) => void got.push(envelope.id) });
    const sent = await app.publish('tasks', { type: 'send_email', payload: { to: 'a@example.com' } });
    await expect.poll(() => got, { timeout: 20_000 }).toContain(sent.id);
    await sub.close();
    const server = await app.serve('quote-requests', (request) => ({ sku: String(request.sku), unitPrice: 42, currency: 'EUR' }));
    const reply = await app.call('quote-requests', { sku: 'abc', quantity: 1 });
    expect(reply).toMatchObject({ sku: 'abc', unitPrice: 42 });
    await server.close();
  }, 120_000);

  it('app: cannot declare or delete a queue that is not its own, read another queue, or publish to an exchange not its own', async () => {
    const app = client('app', project.env.RABBITMQ_PASSWORD ?? '');
    expect(await attempt(app, (ch) => ch.queueDeclare({ queue: 'intruder', durable: true }))).toBe('ACCESS_REFUSED');
    expect(await attempt(app, (ch) => ch.queueDelete({ queue: 'other' }))).toBe('ACCESS_REFUSED');
    expect(await attempt(app, (ch) => ch.basicGet({ queue: 'other' }))).toBe('ACCESS_REFUSED');
    expect(await attempt(app, (ch) => ch.exchangeDelete({ exchange: 'other-x' }))).toBe('ACCESS_REFUSED');
    expect(await attempt(app, (ch) => ch.queueBind({ queue: 'tasks', exchange: 'other-x', routingKey: '' }))).toBe('ACCESS_REFUSED');
    // Its own: allowed (the control that the refusals are about the names).
    expect(await attempt(app, (ch) => ch.queueDeclare({ queue: 'tasks', passive: true }))).toBe('ok');
    expect(await attempt(app, (ch) => ch.basicGet({ queue: 'tasks', noAck: false }))).toBe('ok');
    // Publishing to an exchange that is not its own: the broker closes the channel with ACCESS_REFUSED, which fails the confirm.
    const publisher = app.connection.createPublisher({ confirm: true });
    const refused = await publisher.send({ exchange: 'other-x', routingKey: '' }, Buffer.from('x')).then(
      () => 'ok',
      (e: unknown) => String((e as { code?: string }).code ?? e),
    );
    await publisher.close();
    expect(refused).toBe('ACCESS_REFUSED');
    expect(await attempt(app, async (ch) => ch.queueDeclare({ queue: 'tasks', passive: true }))).toBe('ok');
    // The message in the other queue is still there, unread (stats are refreshed every few seconds).
    await expect.poll(async () => (JSON.parse((await api(`/queues/${encodeURIComponent(VHOST)}/other`, admin())).body) as { messages?: number }).messages, { timeout: 20_000 }).toBe(1);
  }, 120_000);

  it('monitor: sees metrics and the overview, cannot read a message (HTTP get) nor open an AMQP connection to the vhost', async () => {
    const monitor = as('monitor', project.env.RABBITMQ_MONITOR_PASSWORD);
    expect((await api('/overview', monitor)).status).toBe(200);
    // Node metrics need the monitoring tag: the app user (no tag) gets none of the management API.
    expect((await api('/nodes', monitor)).status).toBe(200);
    expect((await api('/nodes', as('app', project.env.RABBITMQ_PASSWORD))).status).toBe(401);
    const get = await api(`/queues/${encodeURIComponent(VHOST)}/other/get`, monitor, { method: 'POST', body: { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' } });
    expect(get.status).not.toBe(200);
    expect(get.body).not.toContain('secret');
    const amqp = await connectOutcome(url('monitor', project.env.RABBITMQ_MONITOR_PASSWORD ?? ''));
    expect(amqp).toMatchObject({ ok: false });
    expect((amqp as { code: string }).code).toMatch(/NOT_ALLOWED|ACCESS_REFUSED/);
    expect((await api('/users', monitor)).status).toBe(401);
  }, 60_000);

  it('backup: the generated backup.sh exports the definitions over HTTPS as backup; backup cannot publish, read, or use the admin-only export', async () => {
    const backups = join(dir, 'backups');
    const env = rabbitEnv({
      BACKUP_DIR: backups,
      RABBITMQ_API: `https://localhost:${PORTS.https}`,
      RABBITMQ_PASSWORD_FILE: project.secretFiles.RABBITMQ_BACKUP_PASSWORD_FILE ?? '',
      HTTP_CA_FILE: join(project.root, CA_FILES.cert),
    });
    const run = inRoot(['bash', join(project.root, 'backup/rabbitmq/backup.sh')], env, 60_000);
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const [file] = readdirSync(backups).filter((f) => f.startsWith('definitions-'));
    const exported = JSON.parse(readFileSync(join(backups, file ?? ''), 'utf8')) as { queues: { name: string }[]; policies: { name: string }[]; exchanges: { name: string }[] };
    expect(exported.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['tasks', 'tasks.dlq', 'eu-orders', 'quote-requests', 'other']));
    expect(exported.policies.map((p) => p.name)).toEqual(expect.arrayContaining(['quorum-dead-lettering', 'rpc-quote-requests']));
    expect(exported.exchanges.map((e) => e.name)).toEqual(expect.arrayContaining(['tasks', 'orders']));

    const backup = as('backup', project.env.RABBITMQ_BACKUP_PASSWORD);
    expect((await api(`/definitions/${encodeURIComponent(VHOST)}`, backup)).status).toBe(401);
    const publish = await api(`/exchanges/${encodeURIComponent(VHOST)}/tasks/publish`, backup, { method: 'POST', body: { properties: {}, routing_key: 'send_email', payload: 'x', payload_encoding: 'string' } });
    expect(publish.status).not.toBe(200);
    const viaAmqp = client('backup', project.env.RABBITMQ_BACKUP_PASSWORD ?? '');
    expect(await attempt(viaAmqp, (ch) => ch.basicGet({ queue: 'other' }))).toBe('ACCESS_REFUSED');
    expect(await attempt(viaAmqp, (ch) => ch.queueDeclare({ queue: 'intruder', durable: true }))).toBe('ACCESS_REFUSED');

    // The export is a definitions file: restore.sh (as the administrator) imports it into another vhost.
    const restore = inRoot(['bash', join(project.root, 'backup/rabbitmq/restore.sh'), join(backups, file ?? ''), 'restored'], rabbitEnv({
      RABBITMQ_API: `https://localhost:${PORTS.https}`,
      RABBITMQ_PASSWORD_FILE: project.secretFiles.RABBITMQ_ADMIN_PASSWORD_FILE ?? '',
      HTTP_CA_FILE: join(project.root, CA_FILES.cert),
    }), 60_000);
    expect(restore.status, `${restore.stdout}${restore.stderr}`).toBe(0);
    expect(restore.stdout).toContain('app may use vhost restored');
    const restored = JSON.parse((await api('/queues/restored', admin())).body) as { name: string; type: string }[];
    expect(restored.map((q) => q.name).sort()).toEqual(exported.queues.map((q) => q.name).sort());
    expect(new Set(restored.map((q) => q.type))).toEqual(new Set(['quorum']));
  }, 120_000);

  it('backup.sh refuses a node whose certificate does not match the host name it dials', () => {
    const run = inRoot(['bash', join(project.root, 'backup/rabbitmq/backup.sh')], rabbitEnv({
      BACKUP_DIR: join(dir, 'backups-wrong'),
      RABBITMQ_API: `https://127.0.0.2:${PORTS.https}`,
      RABBITMQ_PASSWORD_FILE: project.secretFiles.RABBITMQ_BACKUP_PASSWORD_FILE ?? '',
      HTTP_CA_FILE: join(project.root, CA_FILES.cert),
    }), 60_000);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/TLS connection to 127\.0\.0\.2/);
  });
});
