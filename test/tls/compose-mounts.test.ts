/**
 * How the compose prod stack hands each broker node its TLS material: compose.yaml wires a
 * `certs-init` one-shot before every node that has a certificate, each node mounts only its own
 * volume, read-only; the generated certs-init.sh, run for real (as root, as in its container),
 * copies the files the generator issued with the owner of the broker image and modes 0400/0444.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CERTS_INIT, TLS_MOUNT, tlsVolume } from '../../generators/emit/tls-compose.ts';
import { IMAGE_UIDS } from '../../generators/versions/images.ts';
import { runBin } from '../support/cli.ts';

interface Service {
  image: string;
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  depends_on?: Record<string, { condition: string }>;
}

const work = mkdtempSync(join(tmpdir(), 'brokerplate-tls-mounts-'));
const project = join(work, 'hp');
let services: Record<string, Service> = {};

beforeAll(async () => {
  const r = await runBin([project, '--scenario', 'hybrid', '--profile', 'prod', '--targets', 'compose', '--yes']);
  expect(r.code, r.stderr).toBe(0);
  services = (parse(readFileSync(join(project, 'compose.yaml'), 'utf8')) as { services: Record<string, Service> }).services;
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const nodes = ['kafka-1', 'kafka-2', 'kafka-3', 'rabbitmq-1', 'rabbitmq-2', 'rabbitmq-3', 'redis-1', 'redis-2', 'redis-3', 'redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'];

describe('compose prod: each node gets its own TLS volume from certs-init', () => {
  it('mounts only its own volume, read-only, and starts after certs-init succeeded', () => {
    for (const node of nodes) {
      const tls = (services[node]?.volumes ?? []).filter((v) => v.target === TLS_MOUNT);
      expect(tls, node).toEqual([{ type: 'volume', source: tlsVolume(node), target: TLS_MOUNT, read_only: true }]);
      expect(services[node]?.depends_on?.[CERTS_INIT], node).toEqual({ condition: 'service_completed_successfully' });
    }
    const written = (services[CERTS_INIT]?.volumes ?? []).filter((v) => v.type === 'volume').map((v) => v.source).sort();
    expect(written).toEqual(nodes.map(tlsVolume).sort());
  });

  it('certs-init.sh copies each node its files with the broker user as owner and the key readable by it alone', () => {
    const out = join(work, 'volumes');
    for (const node of nodes) mkdirSync(join(out, node), { recursive: true });
    const r = spawnSync('sh', [join(project, 'config/tls/certs-init.sh'), join(project, 'secrets/tls'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const node of nodes) {
      const owner = node.startsWith('kafka') ? IMAGE_UIDS.kafka : node.startsWith('rabbitmq') ? IMAGE_UIDS.rabbitmq : IMAGE_UIDS.redis;
      const [uid, gid] = owner.split(':').map(Number);
      const expected: Record<string, number> = { 'ca.crt': 0o444, 'tls.crt': 0o444, 'tls.key': 0o400, ...(node.startsWith('kafka') && { 'tls.pem': 0o400 }) };
      for (const [name, mode] of Object.entries(expected)) {
        const st = statSync(join(out, node, name));
        expect({ name, node, mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ name, node, mode, uid, gid });
      }
      expect(readFileSync(join(out, node, 'tls.crt'))).toEqual(readFileSync(join(project, 'secrets/tls', `${node}.crt`)));
      expect(readFileSync(join(out, node, 'tls.key'))).toEqual(readFileSync(join(project, 'secrets/tls', `${node}.key`)));
    }
  });

  it('dev has no certs-init and no TLS volume', async () => {
    const dev = join(work, 'dev');
    const r = await runBin([dev, '--scenario', 'hybrid', '--profile', 'dev', '--targets', 'compose', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dev, 'compose.yaml'), 'utf8');
    expect(text).not.toContain(CERTS_INIT);
    expect(text).not.toContain(TLS_MOUNT);
  }, 60_000);
});
