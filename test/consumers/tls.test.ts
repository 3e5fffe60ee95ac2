/**
 * The generated certificates read by the TLS stacks of the brokers' own runtimes, from the Debian 13
 * root (pins.json `debian-trixie`): Erlang/OTP 27's ssl (what RabbitMQ 4.0 serves AMQPS and HTTPS
 * with) and Redis 8 built against OpenSSL 3, each serving a node's certificate and key, with Node's
 * tls verifying the name as the generated clients do. Redis asks for a client certificate
 * (`tls-auth-clients yes`, its default): a node certificate is accepted, none is refused.
 * Listens on 127.0.0.1:47445-47446 (run it inside a network namespace next to other work).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inTrixie } from '../../scripts/tools/recipes.mjs';
import { talk, writeMaterial } from '../support/tls.ts';

const OTP_PORT = 47445;
const REDIS_PORT = 47446;
const root = inject('tools')['debian-trixie'] ?? '';
/** The material, as the chrooted servers see it and as this process sees it. */
const inside = `/var/tmp/brokerplate-tls-${process.pid}`;
const dir = join(root, inside);
const servers: ChildProcess[] = [];

/** Starts `argv` in the Debian root (its own process group) and waits until its output shows `ready`. */
async function start(argv: string[], ready: RegExp): Promise<{ log: () => string }> {
  const line = inTrixie(root, argv);
  const child = spawn(line.command, line.args, { env: { ...process.env, HOME: '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  servers.push(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  for (const end = Date.now() + 60_000; !ready.test(log); ) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`${argv[0]} did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { log: () => log };
}

/** An OTP ssl server: every accepted handshake is answered with `otp <release>` and closed; failures are logged. */
const OTP_SERVER = `
{ok, _} = application:ensure_all_started(ssl),
Dir = "${inside}",
{ok, L} = ssl:listen(${OTP_PORT}, [{certfile, Dir ++ "/rabbitmq-1.crt"}, {keyfile, Dir ++ "/rabbitmq-1.key"}, {cacertfile, Dir ++ "/ca.crt"},
                                   {ip, {127,0,0,1}}, {reuseaddr, true}, {active, false}, {versions, ['tlsv1.3', 'tlsv1.2']}]),
io:format("LISTENING OTP ~s~n", [erlang:system_info(otp_release)]),
Loop = fun Loop() ->
  {ok, T} = ssl:transport_accept(L),
  case ssl:handshake(T, 10000) of
    {ok, S} -> ssl:send(S, ["otp ", erlang:system_info(otp_release), "\\n"]), timer:sleep(100), ssl:close(S);
    {error, E} -> io:format("HANDSHAKE_ERROR ~p~n", [E])
  end,
  Loop()
end,
Loop().
`;

beforeAll(async () => {
  expect(root, 'globalSetup gave no debian-trixie root').not.toBe('');
  await writeMaterial(dir);
}, 60_000);

afterAll(() => {
  for (const s of servers) {
    try {
      if (s.pid) process.kill(-s.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('Erlang/OTP 27 ssl (RabbitMQ\'s TLS) serving rabbitmq-1\'s certificate and PKCS#8 P-256 key', () => {
  let otp: { log: () => string };
  beforeAll(async () => {
    otp = await start(['erl', '-noshell', '-eval', OTP_SERVER], /LISTENING OTP \d+/);
  }, 90_000);

  it('is OTP 27; Node verifies it as rabbitmq-1, localhost and 127.0.0.1', async () => {
    expect(otp.log()).toMatch(/LISTENING OTP 27\b/);
    const ca = readFileSync(join(dir, 'ca.crt'));
    for (const name of [{ servername: 'rabbitmq-1' }, { host: 'localhost' }, {}]) {
      expect(await talk({ port: OTP_PORT, ca, ...name }), JSON.stringify(name)).toEqual({ ok: true, reply: 'otp 27', authorized: true });
    }
  });

  it('a wrong name (rabbitmq-2) is refused by Node', async () => {
    const r = await talk({ port: OTP_PORT, ca: readFileSync(join(dir, 'ca.crt')), servername: 'rabbitmq-2' });
    expect(r.ok ? '' : r.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe('Redis 8 (OpenSSL 3) serving redis-1\'s certificate, client certificates required', () => {
  beforeAll(async () => {
    mkdirSync(join(dir, 'redis-data'), { recursive: true });
    await start([
      'redis-server', '--port', '0', '--bind', '127.0.0.1', '--tls-port', String(REDIS_PORT), '--dir', `${inside}/redis-data`, '--save', '', '--appendonly', 'no',
      '--tls-cert-file', `${inside}/redis-1.crt`, '--tls-key-file', `${inside}/redis-1.key`, '--tls-ca-cert-file', `${inside}/ca.crt`, '--tls-auth-clients', 'yes',
    ], /Ready to accept connections tls/);
  }, 90_000);

  const ca = () => readFileSync(join(dir, 'ca.crt'));
  const client = (name: string) => ({ cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) });

  it('a node\'s certificate as the client\'s (redis-2, as a replica dials its primary): PING answers PONG, the server verified as redis-1', async () => {
    expect(await talk({ port: REDIS_PORT, ca: ca(), servername: 'redis-1', ...client('redis-2') }, 'PING\r\n')).toEqual({ ok: true, reply: '+PONG', authorized: true });
  });

  it('no client certificate, or a wrong server name: refused', async () => {
    expect((await talk({ port: REDIS_PORT, ca: ca(), servername: 'redis-1' }, 'PING\r\n')).ok).toBe(false);
    const wrong = await talk({ port: REDIS_PORT, ca: ca(), servername: 'redis-3', ...client('redis-2') }, 'PING\r\n');
    expect(wrong.ok ? '' : wrong.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
