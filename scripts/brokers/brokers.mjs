#!/usr/bin/env node
// Real Redis, RabbitMQ and Kafka (KRaft) on 127.0.0.1 for the test suite, without Docker: Redis 8 and
// RabbitMQ 4 from the Debian 13 root (scripts/tools: debian-trixie, run with chroot, see debian-root.mjs),
// Kafka from the Maven jars of the version pins.json names, on this machine's Java 17.
// CLI:    node scripts/brokers/brokers.mjs up|down [--purge]|status|env|install [names...]
//                                        start|stop|kill|restart <name>
//         node scripts/brokers/brokers.mjs kafka-run <MainClass> [args...]   (e.g. TopicCommand)
// Module: import { up, down, start, stop, kill, restart, readEnv, kafkaRun } from './brokers.mjs'
// State (data, logs, pids, env) lives in .brokers/ at the repo root; see README.md beside this file.
// Plain ESM with no dependencies so it also runs on the system Node 20.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inRoot, inRootShell } from './debian-root.mjs';

const E = process.env;
const HERE = dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';
const int = (name, dflt) => Number.parseInt(E[name] || dflt, 10);
const PINS = JSON.parse(fs.readFileSync(join(HERE, '..', '..', 'pins.json'), 'utf8')).tools;
export const NAMES = ['redis', 'rabbitmq', 'kafka'];

// Everything configurable comes from the environment, read once at import.
export const config = {
  stateDir: resolve(E.BROKERS_STATE_DIR || join(HERE, '..', '..', '.brokers')),
  startTimeoutS: int('BROKERS_START_TIMEOUT', 120),
  stopTimeoutS: int('BROKERS_STOP_TIMEOUT', 30),
  redis: { port: int('REDIS_PORT', 16379), password: E.REDIS_PASSWORD || '' },
  rabbitmq: {
    port: int('RABBITMQ_PORT', 15673),
    managementPort: int('RABBITMQ_MANAGEMENT_PORT', 15674),
    prometheusPort: int('RABBITMQ_PROMETHEUS_PORT', 15694),
    distPort: int('RABBITMQ_DIST_PORT', 25673), // Erlang distribution (rabbitmqctl talks to the node here)
    epmdPort: int('RABBITMQ_EPMD_PORT', 14369), // our own epmd, so the system one on 4369 is never touched
    nodename: E.RABBITMQ_NODENAME || 'brokerplate@localhost',
    user: E.RABBITMQ_USER || 'brokerplate',
    password: E.RABBITMQ_PASSWORD || 'brokerplate-test',
    bin: '/usr/lib/rabbitmq/bin', // inside the Debian root; NOT /usr/sbin: that wrapper su's to the rabbitmq user
  },
  kafka: {
    port: int('KAFKA_PORT', 19092),
    controllerPort: int('KAFKA_CONTROLLER_PORT', 19093),
    version: PINS.kafka.version,
    heap: E.KAFKA_HEAP || '512m',
    extraJvmOpts: (E.KAFKA_EXTRA_JVM_OPTS || '').split(/\s+/).filter(Boolean), // e.g. -javaagent:...
  },
};
const K = config.kafka;
K.home = resolve(E.KAFKA_CACHE_DIR || join(E.XDG_CACHE_HOME || join(homedir(), '.cache'), 'brokerplate', `kafka-${K.version}`));
K.libs = join(K.home, 'libs');
K.classpath = join(K.libs, '*');
const JAVA = E.JAVA_HOME ? join(E.JAVA_HOME, 'bin', 'java') : 'java';

const log = (...a) => console.error('[brokers]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
export const paths = (name) => {
  const dir = join(config.stateDir, name);
  return { dir, data: join(dir, 'data'), log: join(dir, `${name}.log`), pid: join(dir, `${name}.pid`) };
};
const write = (file, text, mode) => { fs.mkdirSync(dirname(file), { recursive: true }); fs.writeFileSync(file, text, { mode }); };
const tail = (file, n = 25) => { try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch { return '(no log yet)'; } };

// ---------------------------------------------------------------- processes
function readPid(file) {
  try { return Number.parseInt(fs.readFileSync(file, 'utf8'), 10) || null; } catch { return null; }
}
function alive(pid) {
  if (!pid) return false;
  try { process.kill(pid, 0); } catch (e) { return e.code === 'EPERM'; }
  try { return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z'; } catch { return true; } // zombie = dead
}
// A recorded pid only counts as ours if it still runs inside .brokers (guards against pid reuse after a reboot):
// every process we start gets its broker's state dir as cwd (seen from here as <root>/<state dir> when chrooted).
function ours(pid) {
  if (!alive(pid)) return false;
  try { return `${fs.readlinkSync(`/proc/${pid}/cwd`)}/`.includes(`${config.stateDir}/`); } catch { return true; }
}
function spawnDetached(cmd, args, { cwd, env = E, logFile, pidFile }) {
  fs.mkdirSync(cwd, { recursive: true });
  const out = fs.openSync(logFile, 'a'); // append: a restart keeps the earlier log
  fs.writeSync(out, `\n===== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  // detached => own process group (so kill() can take helpers like erl_child_setup along) and it outlives us
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.on('error', (e) => log(`failed to run ${cmd}: ${e.message}`));
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd} (is it installed?)`);
  write(pidFile, `${child.pid}\n`);
  return child.pid;
}
// A SIGKILLed JVM can show as a zombie while its threads still hold the listening sockets: wait for the ports too.
async function waitPortsFree(name, ms = 10000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    if (!(await Promise.all(brokers[name].ports().map(portOpen))).some(Boolean)) return;
  }
}
async function waitDead(pid, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (!alive(pid)) return true;
  return !alive(pid);
}
const signal = (pid, sig) => { try { process.kill(pid, sig); } catch {} };
const killGroup = (pid, sig) => { try { process.kill(-pid, sig); } catch { signal(pid, sig); } };

// ---------------------------------------------------------------- protocol probes (no client libraries)
// Send `request`, resolve with the reply once `done(buf)` says it is complete; reject on error/timeout.
function exchange(port, request, done, ms = 3000) {
  return new Promise((res, rej) => {
    const sock = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const finish = (err) => { sock.destroy(); clearTimeout(timer); err ? rej(err) : res(buf); };
    const timer = setTimeout(() => finish(new Error('timeout')), ms);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); if (done(buf)) finish(); });
    sock.on('error', finish);
    sock.on('close', () => finish(new Error('closed')));
  });
}
const portOpen = (port) => new Promise((res) => {
  const s = net.connect({ host: HOST, port }, () => { s.destroy(); res(true); });
  s.on('error', () => res(false));
});
const resp = (...words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

async function redisPing() {
  const { port, password } = config.redis;
  const req = (password ? resp('AUTH', password) : '') + resp('PING');
  const buf = await exchange(port, req, (b) => /\+PONG\r\n|-[^\r]*\r\n/.test(b.toString()));
  return buf.toString().includes('+PONG'); // "-LOADING" while replaying the AOF => not ready yet
}
// AMQP 0-9-1 protocol header => the broker must answer with a Connection.Start method frame.
async function amqpHandshake() {
  const buf = await exchange(config.rabbitmq.port, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (b) => b.length >= 11);
  return buf[0] === 1 && buf.readUInt16BE(7) === 10 && buf.readUInt16BE(9) === 10; // frame=method, class/method 10/10
}
async function rabbitApi(path, init = {}) {
  const { managementPort, user, password } = config.rabbitmq;
  const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  return fetch(`http://${HOST}:${managementPort}/api${path}`, { ...init, headers: { authorization: auth }, signal: AbortSignal.timeout(5000) });
}
// Kafka Metadata v4 request for no topics: ready once the broker lists itself (it is registered and unfenced).
async function kafkaMetadata() {
  const client = Buffer.from('brokerplate-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4 + 1);
  let o = body.writeInt16BE(3, 0); // api_key Metadata
  o = body.writeInt16BE(4, o); // api_version 4
  o = body.writeInt32BE(7, o); // correlation id
  o = body.writeInt16BE(client.length, o); o += client.copy(body, o);
  o = body.writeInt32BE(0, o); // topics: empty array
  body.writeInt8(0, o); // allow_auto_topic_creation=false
  const size = Buffer.alloc(4); size.writeInt32BE(body.length);
  const buf = await exchange(K.port, Buffer.concat([size, body]), (b) => b.length >= 4 && b.length >= 4 + b.readInt32BE(0));
  // response: size, correlation id, throttle_time_ms, brokers[] ...
  return buf.readInt32BE(4) === 7 && buf.readInt32BE(12) > 0;
}
const probe = async (fn) => { try { return await fn(); } catch { return false; } };

// ---------------------------------------------------------------- installation
// Async so that a slow one-off step (Kafka's storage format, a JVM) does not hold up the other brokers.
const runAsync = (cmd, args, opts) => new Promise((res) => {
  const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.on('data', (d) => (out += d)); c.stderr.on('data', (d) => (out += d));
  c.on('error', (e) => res({ status: -1, out: `${cmd}: ${e.message}` }));
  c.on('close', (status) => res({ status, out }));
});
// The Debian 13 root with Redis 8 and RabbitMQ 4: scripts/tools builds it once (debootstrap) into the tools
// cache; DEBIAN_TRIXIE_ROOT points at another one (e.g. while developing the root itself).
let rootDir = E.DEBIAN_TRIXIE_ROOT ? resolve(E.DEBIAN_TRIXIE_ROOT) : undefined;
export async function debianRoot() {
  if (!rootDir) {
    const tools = await import(pathToFileURL(join(HERE, '..', 'tools', 'tools.mjs')).href);
    rootDir = (await tools.ensure(['debian-trixie']))['debian-trixie'];
  }
  return rootDir;
}
// spawn arguments that run a program of the Debian root with the state dir visible at the same path
async function rooted(argv, cwd) {
  const { command, args } = inRoot(await debianRoot(), argv, { binds: [config.stateDir], cwd });
  return [command, args];
}
// Kafka jars come from Maven Central once per version into a cache outside the repo, then never again.
function installKafka() {
  if (fs.existsSync(K.libs)) return;
  const tmp = `${K.libs}.tmp-${process.pid}`;
  log(`downloading Kafka ${K.version} jars with Maven into ${K.libs}`);
  const t0 = Date.now();
  const r = spawnSync('mvn', ['-q', '-B', '-f', join(HERE, 'kafka', 'pom.xml'), `-Dkafka.version=${K.version}`,
    'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`], { encoding: 'utf8' }); // output only shown on failure
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`mvn dependency:copy-dependencies failed: ${r.error?.message ?? ''}\n${r.stdout}${r.stderr}`);
  }
  try { fs.renameSync(tmp, K.libs); } catch { fs.rmSync(tmp, { recursive: true, force: true }); } // a parallel run won
  log(`Kafka jars ready in ${secs(t0)}`);
}
export async function install(names = NAMES) {
  if (names.some((n) => n !== 'kafka')) await debianRoot();
  if (names.includes('kafka')) installKafka();
}

// ---------------------------------------------------------------- the brokers
const R = config.rabbitmq;
// Environment for rabbitmq-server and the CLI tools alike; inherited RABBITMQ_*/ERL_* vars are dropped so that
// nothing from the caller's shell (or /etc/rabbitmq/rabbitmq-env.conf) leaks into our node.
function rabbitEnv() {
  const p = paths('rabbitmq');
  const env = Object.fromEntries(Object.entries(E).filter(([k]) => !/^(RABBITMQ_|ERL_)/.test(k)));
  return Object.assign(env, {
    HOME: join(p.dir, 'home'), // holds our .erlang.cookie, shared by the node and rabbitmqctl
    ERL_EPMD_PORT: String(R.epmdPort),
    RABBITMQ_NODENAME: R.nodename,
    RABBITMQ_DIST_PORT: String(R.distPort),
    RABBITMQ_CONF_ENV_FILE: join(p.dir, 'rabbitmq-env.conf'), // absent on purpose: skips /etc/rabbitmq's
    RABBITMQ_CONFIG_FILE: join(p.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(p.dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(p.dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: p.data,
    RABBITMQ_LOG_BASE: p.dir,
    RABBITMQ_LOGS: '-', // to stdout, i.e. our rabbitmq.log
    RABBITMQ_PID_FILE: join(p.dir, 'beam.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  });
}
async function rabbitmqctl(args, { quiet = false } = {}) {
  const [cmd, argv] = await rooted([join(R.bin, 'rabbitmqctl'), ...args], paths('rabbitmq').dir);
  const r = await runAsync(cmd, argv, { env: rabbitEnv(), cwd: paths('rabbitmq').dir });
  if (!quiet && r.status !== 0) log(`rabbitmqctl ${args[0]} failed:\n${r.out}`);
  return r.status === 0;
}

const brokers = {
  redis: {
    ports: () => [config.redis.port],
    async prepare(p) {
      const pw = config.redis.password;
      write(join(p.dir, 'redis.conf'), [
        `bind ${HOST}`, `port ${config.redis.port}`, 'protected-mode yes', 'daemonize no', 'logfile ""',
        `dir ${p.data}`, 'appendonly yes', 'appendfsync everysec', // AOF: writes survive the fault tests' SIGKILL
        pw ? `requirepass ${pw}` : '', ''].join('\n'));
      fs.mkdirSync(p.data, { recursive: true });
      return [...(await rooted(['/usr/bin/redis-server', join(p.dir, 'redis.conf')], p.dir)), E];
    },
    ready: () => probe(redisPing),
  },

  rabbitmq: {
    ports: () => [R.port, R.managementPort, R.prometheusPort, R.distPort],
    async prepare(p) {
      const env = rabbitEnv();
      const cookie = join(env.HOME, '.erlang.cookie');
      if (!fs.existsSync(cookie)) write(cookie, randomBytes(15).toString('hex').toUpperCase(), 0o400);
      write(env.RABBITMQ_CONFIG_FILE, [
        `listeners.tcp.default = ${HOST}:${R.port}`,
        `management.tcp.ip = ${HOST}`, `management.tcp.port = ${R.managementPort}`,
        `prometheus.tcp.ip = ${HOST}`, `prometheus.tcp.port = ${R.prometheusPort}`,
        'log.console = true', 'log.console.level = info', ''].join('\n'));
      write(env.RABBITMQ_ENABLED_PLUGINS_FILE, '[rabbitmq_management,rabbitmq_prometheus].\n');
      await ensureEpmd(p);
      return [...(await rooted([join(R.bin, 'rabbitmq-server')], p.dir)), env];
    },
    // management HTTP first (cheap, logs nothing), then one real AMQP handshake
    ready: async () => (await probe(async () => (await fetch(`http://${HOST}:${R.managementPort}/`)).ok)) && probe(amqpHandshake),
    // First boot only: the test user (full rights on "/"); `await_startup` also proves rabbitmqctl reaches the node.
    async afterReady() {
      if (!(await rabbitmqctl(['await_startup', '--timeout', '60']))) {
        throw new Error(`rabbitmqctl cannot reach ${R.nodename} (cookie in ${rabbitEnv().HOME}); see ${paths('rabbitmq').log}`);
      }
      if (await probe(async () => (await rabbitApi('/whoami')).ok)) return;
      log(`rabbitmq: creating user ${R.user}`);
      if (!(await rabbitmqctl(['add_user', R.user, R.password], { quiet: true }))) await rabbitmqctl(['change_password', R.user, R.password]);
      await rabbitmqctl(['set_user_tags', R.user, 'administrator']);
      await rabbitmqctl(['set_permissions', '-p', '/', R.user, '.*', '.*', '.*']);
      if (!(await probe(async () => (await rabbitApi('/whoami')).ok))) throw new Error(`rabbitmq: user ${R.user} cannot log in`);
    },
  },

  kafka: {
    ports: () => [K.port, K.controllerPort],
    async prepare(p) {
      const props = join(p.dir, 'server.properties');
      write(props, [
        'process.roles=broker,controller', 'node.id=1',
        `controller.quorum.voters=1@${HOST}:${K.controllerPort}`, // static single-voter quorum: ports may change later
        `listeners=PLAINTEXT://${HOST}:${K.port},CONTROLLER://${HOST}:${K.controllerPort}`,
        `advertised.listeners=PLAINTEXT://${HOST}:${K.port}`,
        'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${p.data}`, 'num.partitions=1',
        // single node: internal topics with RF 1, and few partitions so that the first consumer group starts fast
        'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'transaction.state.log.num.partitions=1',
        'share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        // after a SIGKILL the restarted broker is refused (DUPLICATE_BROKER_REGISTRATION) until its old session
        // expires: 4s instead of the default 9s keeps the fault tests' kill+start quick
        'broker.session.timeout.ms=4000', 'broker.heartbeat.interval.ms=1000', ''].join('\n'));
      const log4j = join(p.dir, 'log4j2.properties');
      write(log4j, log4j2('SYSTEM_OUT', 'info')); // stdout goes to kafka.log
      write(join(p.dir, 'tools-log4j2.properties'), log4j2('SYSTEM_ERR', 'warn'));
      // Format only a fresh data dir: fault tests restart on the same data.
      if (!fs.existsSync(join(p.data, 'meta.properties'))) {
        let id; do id = randomBytes(16).toString('base64url'); while (id.startsWith('-')); // Kafka's Uuid rules
        log(`kafka: formatting ${p.data} (cluster id ${id})`);
        const r = await runAsync(JAVA, ['-cp', K.classpath, `-Dlog4j2.configurationFile=${log4j}`, 'kafka.tools.StorageTool',
          'format', '-t', id, '-c', props], { cwd: p.dir });
        fs.appendFileSync(p.log, r.out);
        if (r.status !== 0) throw new Error(`kafka storage format failed:\n${r.out}`);
      }
      return [JAVA, [`-Xms${K.heap}`, `-Xmx${K.heap}`, // flags as in kafka-run-class.sh
        '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${p.dir}`,
        `-Dlog4j2.configurationFile=${log4j}`, ...K.extraJvmOpts, '-cp', K.classpath, 'kafka.Kafka', props], E];
    },
    ready: () => probe(kafkaMetadata),
  },
};
const log4j2 = (target, level) => [
  'status = warn', 'shutdownHook = disable', // else log4j stops before Kafka's shutdown is logged
  'appender.out.type = Console', 'appender.out.name = out', `appender.out.target = ${target}`,
  'appender.out.layout.type = PatternLayout', 'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  `rootLogger.level = ${level}`, 'rootLogger.appenderRef.out.ref = out', ''].join('\n');

// epmd (Erlang's name server) on a port of our own: rabbitmq-server would otherwise leave a shared one on 4369.
async function ensureEpmd(p) {
  const pidFile = join(p.dir, 'epmd.pid');
  if (ours(readPid(pidFile)) && (await portOpen(R.epmdPort))) return;
  if (await portOpen(R.epmdPort)) throw new Error(`port ${R.epmdPort} (RABBITMQ_EPMD_PORT) is used by another process`);
  const [cmd, args] = await rooted(['/usr/bin/epmd', '-address', HOST, '-port', String(R.epmdPort)], p.dir);
  spawnDetached(cmd, args, { cwd: p.dir, logFile: join(p.dir, 'epmd.log'), pidFile });
  for (let i = 0; i < 50 && !(await portOpen(R.epmdPort)); i++) await sleep(100);
}

// Commands of the Debian root in .brokers/bin, for tests, generated scripts and humans: redis-cli,
// redis-server and redis-benchmark as they are, rabbitmqctl & co. bound to OUR node (right cookie, epmd and node name).
async function writeCommands() {
  const bin = join(config.stateDir, 'bin');
  const root = await debianRoot();
  const run = (argv) => inRootShell(root, argv, { binds: [config.stateDir] });
  const header = ['#!/bin/sh', '# generated by scripts/brokers/brokers.mjs: runs the command of the Debian 13 root (chroot)'];
  // absolute paths inside the root: this folder may be on PATH there too (it is bound at the same path)
  for (const tool of ['redis-cli', 'redis-server', 'redis-benchmark']) write(join(bin, tool), [...header, `exec ${run([`/usr/bin/${tool}`])} "$@"`, ''].join('\n'), 0o755);
  const env = rabbitEnv();
  write(join(bin, 'rabbitmqctl'), [...header,
    ...Object.entries(env).filter(([k]) => /^(HOME|ERL_|RABBITMQ_)/.test(k)).map(([k, v]) => `export ${k}='${v}'`),
    `exec ${run(['/bin/sh', '-c', `exec ${R.bin}/"$0" "$@"`])} "$(basename "$0")" "$@"`, ''].join('\n'), 0o755);
  for (const tool of ['rabbitmq-diagnostics', 'rabbitmq-plugins', 'rabbitmq-queues']) {
    const link = join(bin, tool);
    if (!fs.existsSync(link)) fs.symlinkSync('rabbitmqctl', link);
  }
}

// ---------------------------------------------------------------- lifecycle
function check(names) {
  const list = names?.length ? names : NAMES;
  for (const n of list) if (!brokers[n]) throw new Error(`unknown broker "${n}" (expected ${NAMES.join(', ')})`);
  return list;
}
const pidOf = (name) => { const pid = readPid(paths(name).pid); return ours(pid) ? pid : null; };

// Data written by another broker build (a bumped pin, or Debian 12's RabbitMQ 3.10 before the Debian 13
// root) may not load (RabbitMQ refuses to skip majors): such data is test data, so it starts over.
async function dataOfThisVersion(name, p) {
  const build = name === 'kafka' ? `kafka ${K.version}` : `${name} of ${await debianRoot()}`;
  const stamp = join(p.dir, 'data.version');
  let was = '';
  try { was = fs.readFileSync(stamp, 'utf8').trim(); } catch {}
  if (was !== build && fs.existsSync(p.data)) {
    log(`${name}: removing ${p.data}, written by ${was || 'an older build'} (now: ${build})`);
    fs.rmSync(p.data, { recursive: true, force: true });
  }
  write(stamp, `${build}\n`);
}

// Start one broker (reusing a running one of ours) and wait until it really answers.
async function startOne(name) {
  const b = brokers[name], p = paths(name), t0 = Date.now();
  let pid = pidOf(name);
  if (pid && (await b.ready())) log(`${name}: already running (pid ${pid})`);
  else {
    if (!pid) {
      for (const port of b.ports()) if (await portOpen(port)) throw new Error(`${name}: port ${port} is already used by another process (override with the port env vars)`);
      await dataOfThisVersion(name, p);
      const [cmd, args, env] = await b.prepare(p);
      pid = spawnDetached(cmd, args, { cwd: p.dir, env, logFile: p.log, pidFile: p.pid });
      log(`${name}: started pid ${pid}, waiting (log: ${p.log})`);
    } else log(`${name}: pid ${pid} is running but not answering yet, waiting`);
    for (const end = Date.now() + config.startTimeoutS * 1000; !(await b.ready()); await sleep(200)) {
      if (!alive(pid)) throw new Error(`${name} exited during start-up; see ${p.log}:\n${tail(p.log)}`);
      if (Date.now() > end) throw new Error(`${name} not ready after ${config.startTimeoutS}s; see ${p.log}:\n${tail(p.log)}`);
    }
  }
  await b.afterReady?.();
  log(`${name}: ready in ${secs(t0)}`);
}

export async function up(names) {
  const list = check(names);
  await install(list);
  if (list.some((n) => n !== 'kafka')) await writeCommands();
  const results = await Promise.allSettled(list.map(startOne)); // in parallel: start-up time is the max, not the sum
  writeEnv();
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((r) => r.reason.message).join('\n'));
  return readEnv();
}
export async function start(name) { check([name]); return up([name]); }

// Graceful stop of the processes recorded in OUR pid files only; SIGKILL after the deadline.
export async function stop(name, { withEpmd = true } = {}) {
  check([name]);
  const p = paths(name), pid = pidOf(name);
  if (pid) {
    log(`${name}: stopping pid ${pid}`);
    // TERM to the leader only: for RabbitMQ it is the sh wrapper that turns it into a clean node shutdown
    // (TERM to the whole group would also hit erl_child_setup and crash the VM).
    signal(pid, 'SIGTERM');
    if (!(await waitDead(pid, config.stopTimeoutS * 1000))) { log(`${name}: still alive, SIGKILL`); killGroup(pid, 'SIGKILL'); await waitDead(pid, 5000); }
    await waitPortsFree(name);
  }
  fs.rmSync(p.pid, { force: true });
  if (name === 'rabbitmq' && withEpmd) {
    const epmd = readPid(join(p.dir, 'epmd.pid'));
    if (ours(epmd)) { killGroup(epmd, 'SIGTERM'); await waitDead(epmd, 3000); }
    fs.rmSync(join(p.dir, 'epmd.pid'), { force: true });
  }
  writeEnv();
}
// SIGKILL the broker's whole process group, as a crash would; data and pid file stay for start().
export async function kill(name) {
  check([name]);
  const pid = pidOf(name);
  if (!pid) return log(`${name}: not running`);
  killGroup(pid, 'SIGKILL');
  await waitDead(pid, 5000);
  await waitPortsFree(name);
  log(`${name}: killed pid ${pid}`);
}
export async function restart(name) { await stop(name, { withEpmd: false }); return start(name); }

export async function down({ purge = false } = {}) {
  await Promise.all(NAMES.map((n) => stop(n)));
  if (purge) { fs.rmSync(config.stateDir, { recursive: true, force: true }); log(`removed ${config.stateDir}`); }
}

export async function status() {
  return Promise.all(NAMES.map(async (name) => {
    const pid = pidOf(name);
    return { name, pid, running: !!pid, ready: !!pid && (await brokers[name].ready()), log: paths(name).log };
  }));
}

// ---------------------------------------------------------------- env for tests
export function env() {
  const { redis } = config;
  const q = (v) => (/^[\w@%+=:,./*-]*$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`); // quote only when needed
  const e = {
    REDIS_URL: `redis://${redis.password ? `:${encodeURIComponent(redis.password)}@` : ''}${HOST}:${redis.port}`,
    REDIS_PORT: redis.port,
    // "%2F" = the default vhost "/": a bare trailing "/" means the empty vhost to some AMQP clients
    RABBITMQ_URL: `amqp://${encodeURIComponent(R.user)}:${encodeURIComponent(R.password)}@${HOST}:${R.port}/%2F`,
    RABBITMQ_USER: R.user, RABBITMQ_PASSWORD: R.password, RABBITMQ_PORT: R.port,
    RABBITMQ_MANAGEMENT_URL: `http://${HOST}:${R.managementPort}`, RABBITMQ_MANAGEMENT_PORT: R.managementPort,
    RABBITMQ_PROMETHEUS_URL: `http://${HOST}:${R.prometheusPort}/metrics`, RABBITMQ_PROMETHEUS_PORT: R.prometheusPort,
    RABBITMQ_NODENAME: R.nodename, RABBITMQ_DIST_PORT: R.distPort, RABBITMQ_EPMD_PORT: R.epmdPort,
    RABBITMQCTL: join(config.stateDir, 'bin', 'rabbitmqctl'),
    BROKERS_BIN: join(config.stateDir, 'bin'), // redis-cli, redis-server, rabbitmqctl & co. of the Debian root
    KAFKA_BROKERS: `${HOST}:${K.port}`, KAFKA_PORT: K.port, KAFKA_CONTROLLER_PORT: K.controllerPort,
    KAFKA_VERSION: K.version, KAFKA_CLASSPATH: K.classpath,
    KAFKA_TOOLS_LOG4J: join(paths('kafka').dir, 'tools-log4j2.properties'),
    BROKERS_STATE_DIR: config.stateDir,
  };
  for (const n of NAMES) { const pid = pidOf(n); if (pid) e[`${n.toUpperCase()}_PID`] = pid; }
  return { vars: e, text: Object.entries(e).map(([k, v]) => `${k}=${q(String(v))}\n`).join('') };
}
function writeEnv() { write(join(config.stateDir, 'env'), env().text); }
// Parse .brokers/env (as written by up/start) into an object; {} when brokers were never started.
export function readEnv(file = join(config.stateDir, 'env')) {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { return {}; }
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => {
    const i = l.indexOf('='), v = l.slice(i + 1);
    return [l.slice(0, i), v.startsWith("'") ? v.slice(1, -1).replaceAll("'\\''", "'") : v];
  }));
}

// Run a Kafka tool class (org.apache.kafka.tools.*, kafka.tools.*) from the cached jars; returns spawnSync's result.
export function kafkaRun(mainClass, args = [], opts = {}) {
  const cls = /^(org|kafka)\./.test(mainClass) ? mainClass : `org.apache.kafka.tools.${mainClass}`;
  const log4j = join(paths('kafka').dir, 'tools-log4j2.properties');
  if (!fs.existsSync(log4j)) write(log4j, log4j2('SYSTEM_ERR', 'warn'));
  return spawnSync(JAVA, ['-Xmx256m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', K.classpath, cls, ...args],
    { encoding: 'utf8', ...opts });
}

// ---------------------------------------------------------------- CLI
async function cli([cmd, ...args]) {
  const one = () => { if (args.length !== 1) throw new Error(`usage: ${cmd} <${NAMES.join('|')}>`); return args[0]; };
  switch (cmd) {
    case 'up': await up(args); process.stdout.write(env().text); break;
    case 'down': await down({ purge: args.includes('--purge') }); break;
    case 'start': case 'restart': await (cmd === 'start' ? start : restart)(one()); process.stdout.write(env().text); break;
    case 'stop': await stop(one()); break;
    case 'kill': await kill(one()); break;
    case 'install': await install(check(args)); break;
    case 'env': process.stdout.write(env().text); break;
    case 'status':
      for (const s of await status()) console.log(`${s.name.padEnd(9)} ${s.running ? `pid ${s.pid}` : 'stopped'}${s.running ? (s.ready ? ' ready' : ' NOT answering') : ''}  ${s.log}`);
      break;
    case 'kafka-run': {
      const r = kafkaRun(args[0], args.slice(1), { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
      break;
    }
    default:
      console.error('usage: brokers.mjs up|down [--purge]|status|env|install [names] | start|stop|kill|restart <name> | kafka-run <Class> [args]');
      process.exitCode = 2;
  }
}
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((e) => { log(`ERROR: ${e.message}`); process.exitCode = 1; });
}
