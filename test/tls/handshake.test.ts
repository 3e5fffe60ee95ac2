/**
 * The generated certificates in real TLS handshakes, with hostname verification on:
 * - Java 17 through Kafka 4.4's own DefaultSslEngineFactory (`ssl.keystore.type=PEM` with the
 *   combined PEM, `ssl.truststore.type=PEM` with ca.crt): broker-to-broker mutual TLS, as a
 *   broker dials a peer by its compose name, localhost or 127.0.0.1; a wrong name is refused;
 * - Node's tls (what the generated clients use) against `openssl s_server` (OpenSSL 3) serving a
 *   node's certificate: the right name, localhost and 127.0.0.1 verify, a wrong name or another CA
 *   does not; with client certificates required, a node certificate is accepted, none or a
 *   server-only one is refused.
 * The end-to-end example of the interface: the certificate issued for `redis-1` is served and Node
 * verifies it with `servername: 'redis-1'`. Listens on 127.0.0.1:47443-47444 (run it inside a
 * network namespace next to other work: /work/bin/nsrun <ns> npm exec -- vitest run test/tls).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLS_DIR } from '../../generators/emit/tls-model.ts';
import { kafkaClasspath } from '../support/kafka.ts';
import { talk, writeMaterial } from '../support/tls.ts';

const HOST = '127.0.0.1';
const SERVER_PORT = 47443;
const MUTUAL_PORT = 47444;

const root = mkdtempSync(join(tmpdir(), 'brokerplate-tls-handshake-'));
const dir = join(root, TLS_DIR);
const other = join(root, 'other', TLS_DIR);
const at = (d: string, name: string) => join(d, name);
const servers: ChildProcess[] = [];

/** `openssl s_server -rev` (answers each line reversed) with a node's certificate, until the suite ends. */
async function serve(port: number, name: string, extra: readonly string[] = []): Promise<void> {
  const child = spawn('openssl', ['s_server', '-accept', `${HOST}:${port}`, '-cert', at(dir, `${name}.crt`), '-key', at(dir, `${name}.key`), '-CAfile', at(dir, 'ca.crt'), '-rev', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  servers.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl s_server did not start:\n${out}`)), 10_000);
    const seen = (d: Buffer) => {
      out += d.toString();
      if (out.includes('ACCEPT')) (clearTimeout(timer), resolve());
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', () => reject(new Error(`openssl s_server exited:\n${out}`)));
  });
}

beforeAll(async () => {
  await writeMaterial(dir);
  await writeMaterial(other);
  await serve(SERVER_PORT, 'redis-1');
  await serve(MUTUAL_PORT, 'kafka-1', ['-Verify', '1', '-verify_return_error']);
}, 60_000);

afterAll(() => {
  for (const s of servers) {
    try {
      if (s.pid) process.kill(-s.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
});

describe('Java 17: Kafka 4.4 loads the PEM material (ssl.keystore.type=PEM) and completes mutual TLS with hostname verification', () => {
  const results = new Map<string, string>();
  const cases = [
    'kafka-1,kafka-2,kafka-1',
    'kafka-2,kafka-3,localhost',
    'kafka-3,kafka-1,127.0.0.1',
    'kafka-1,kafka-2,kafka-9',
  ];

  beforeAll(async () => {
    const { classpath } = await kafkaClasspath();
    const r = spawnSync('java', ['-cp', classpath, join(import.meta.dirname, 'KafkaPemHandshake.java'), dir, ...cases], { encoding: 'utf8', timeout: 180_000 });
    const lines = r.stdout.trim().split('\n').filter((l) => /^(OK|FAILED)/.test(l));
    expect(lines, `${r.stdout}\n${r.stderr}`).toHaveLength(cases.length);
    cases.forEach((c, i) => results.set(c, lines[i] ?? ''));
  }, 200_000);

  it('keytool (Java 17) reads each certificate with its names', () => {
    const r = spawnSync('keytool', ['-printcert', '-file', at(dir, 'kafka-2.crt')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Owner: CN=kafka-2/);
    expect(r.stdout).toMatch(/DNSName: kafka-2\s+DNSName: localhost\s+IPAddress: 127\.0\.0\.1/);
  });

  it.each([
    ['kafka-1,kafka-2,kafka-1', 'CN=kafka-1 client=CN=kafka-2'],
    ['kafka-2,kafka-3,localhost', 'CN=kafka-2 client=CN=kafka-3'],
    ['kafka-3,kafka-1,127.0.0.1', 'CN=kafka-3 client=CN=kafka-1'],
  ])('%s (server, client, name dialled): TLS 1.3, each side sees the other\'s principal', (c, peers) => {
    expect(results.get(c)).toMatch(new RegExp(`^OK TLSv1\\.3 TLS_\\S+ ${peers}$`));
  });

  it('a peer dialled by a name its certificate does not hold is refused', () => {
    expect(results.get('kafka-1,kafka-2,kafka-9')).toBe('FAILED: SSLHandshakeException: No subject alternative DNS name matching kafka-9 found.');
  });
});

describe('Node tls against openssl s_server (OpenSSL 3) serving the certificate issued for redis-1', () => {
  const ca = () => readFileSync(at(dir, 'ca.crt'));

  it('servername redis-1, trusting ca.crt: verified, and the server answers', async () => {
    expect(await talk({ port: SERVER_PORT, ca: ca(), servername: 'redis-1' })).toEqual({ ok: true, reply: 'etalprekorb', authorized: true });
  });

  it('host clients dial 127.0.0.1 or localhost: both verified', async () => {
    expect(await talk({ port: SERVER_PORT, ca: ca() })).toMatchObject({ ok: true, authorized: true });
    expect(await talk({ port: SERVER_PORT, ca: ca(), host: 'localhost' })).toMatchObject({ ok: true, authorized: true });
  });

  it('a wrong name (redis-2) is refused by hostname verification', async () => {
    const r = await talk({ port: SERVER_PORT, ca: ca(), servername: 'redis-2' });
    expect(r).toMatchObject({ ok: false });
    expect(r.ok ? '' : r.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*Host: redis-2\. is not in the cert's altnames: DNS:redis-1, DNS:localhost, IP Address:127\.0\.0\.1/);
  });

  it('trusting another project\'s CA instead: refused', async () => {
    const r = await talk({ port: SERVER_PORT, ca: readFileSync(at(other, 'ca.crt')), servername: 'redis-1' });
    expect(r.ok ? '' : r.error).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });
});

describe('mutual TLS: openssl s_server requiring a client certificate from the CA (kafka-1 serving)', () => {
  const ca = () => readFileSync(at(dir, 'ca.crt'));
  const client = (name: string, from = dir) => ({ cert: readFileSync(at(from, `${name}.crt`)), key: readFileSync(at(from, `${name}.key`)) });

  it('a node certificate used as a client certificate (kafka-2, usage both) is accepted', async () => {
    expect(await talk({ port: MUTUAL_PORT, ca: ca(), servername: 'kafka-1', ...client('kafka-2') })).toEqual({ ok: true, reply: 'etalprekorb', authorized: true });
  });

  it('no client certificate, a server-only one (rabbitmq-1) or one from another CA: refused', async () => {
    for (const options of [{}, client('rabbitmq-1'), client('kafka-2', other)]) {
      const r = await talk({ port: MUTUAL_PORT, ca: ca(), servername: 'kafka-1', ...options });
      expect(r.ok, JSON.stringify(r)).toBe(false);
    }
  });
});
