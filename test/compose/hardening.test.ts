/**
 * The compose hardening step (generators/emit/compose-hardening.ts) on every scenario × profile:
 * every service drops all capabilities, cannot gain privileges, runs read-only as its image's
 * non-root user; only the listed exceptions run as root, with exactly their capabilities; every
 * writable volume of a non-root service is either its image's own directory or handed to it by
 * volumes-init before it starts. The real compose CLI's view of the same is in test/consumers.
 */
import { describe, expect, it } from 'vitest';
import { composeModel } from '../../generators/emit/compose.ts';
import { hardenServices, imageOf, SERVICE_EXCEPTIONS, SHARED_VOLUME_WRITERS, VOLUMES_INIT } from '../../generators/emit/compose-hardening.ts';
import type { ComposeService } from '../../generators/emit/compose-model.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import { PROFILES } from '../../generators/stack/index.ts';
import { IMAGE_HARDENING } from '../../generators/versions/image-hardening.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { specFor } from '../support/stack.ts';

const combos = SCENARIO_IDS.flatMap((scenario) => PROFILES.map((profile) => ({ scenario, profile })));
const isRoot = (user: string | undefined) => user === undefined || /^(0|root)(:|$)/.test(user);

describe.each(combos)('compose hardening: $scenario / $profile', ({ scenario, profile }) => {
  const services = composeModel(specFor(scenario, profile)).services;

  it('every service: cap_drop ALL, no-new-privileges, read-only root file system with its tmpfs', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.cap_drop, name).toEqual(['ALL']);
      expect(s.security_opt, name).toEqual(['no-new-privileges:true']);
      expect(s.read_only, name).toBe(true);
      const tmpfs = (s.volumes ?? []).filter((v) => v.type === 'tmpfs').map((v) => v.target);
      for (const dir of Object.keys(IMAGE_HARDENING[imageOf(s, name)].tmpfs)) expect(tmpfs, `${name} ${dir}`).toContain(dir);
    }
  });

  it("non-root as the image's user with no capability; root only for the exceptions, with only theirs", () => {
    for (const [name, s] of Object.entries(services)) {
      const exception = SERVICE_EXCEPTIONS[name];
      if (exception) {
        expect(s.user, name).toBe('0:0');
        expect(s.cap_add, name).toEqual(exception.capAdd);
        expect(s.network_mode, name).toBe('none');
      } else {
        expect(isRoot(s.user), `${name} runs as ${String(s.user)}`).toBe(false);
        expect(s.user, name).toBe(IMAGE_HARDENING[imageOf(s, name)].user);
        expect(s.cap_add, name).toBeUndefined();
      }
    }
    for (const name of ['pushgateway', 'jmx-exporter-fetch', 'kafka-backup', 'rabbitmq-backup', 'redis-backup']) {
      if (services[name]) expect(isRoot(services[name].user), name).toBe(false);
    }
  });

  it('each writable named volume of a non-root service is its image directory, or volumes-init gives it to that user first', () => {
    const init = services[VOLUMES_INIT];
    const script = init?.command?.join('\n') ?? '';
    for (const [name, s] of Object.entries(services)) {
      if (SERVICE_EXCEPTIONS[name]) continue;
      const image = IMAGE_HARDENING[imageOf(s, name)];
      for (const v of s.volumes ?? []) {
        if (v.type !== 'volume' || v.read_only === true || image.ownedDirs.includes(v.target)) continue;
        const writer = SHARED_VOLUME_WRITERS[v.source];
        if (writer && writer !== name) continue;
        expect(script, `${name}: ${v.source}`).toContain(`chown -R ${image.user} /volumes/${v.source}\n`.trimEnd());
        expect(s.depends_on?.[VOLUMES_INIT], `${name} waits for ${VOLUMES_INIT}`).toEqual({ condition: 'service_completed_successfully' });
      }
    }
  });
});

describe('compose hardening controls', () => {
  const base: ComposeService = { image: IMAGES.pushgateway, restart: 'unless-stopped', volumes: [{ type: 'volume', source: 'pg', target: '/data' }] };

  it('a fresh volume outside the image directories gets volumes-init; inside them it does not', () => {
    expect(hardenServices({ pushgateway: base })[VOLUMES_INIT]?.command).toEqual(['chown -R 65534:65534 /volumes/pg']);
    expect(hardenServices({ pushgateway: { ...base, volumes: [{ type: 'volume', source: 'pg', target: '/pushgateway' }] } })[VOLUMES_INIT]).toBeUndefined();
  });

  it('an image that is not pinned, a non-root user that is not the image’s, two writers of one volume: refused', () => {
    expect(() => hardenServices({ x: { ...base, image: 'nginx:latest' } })).toThrow(/not a pinned image/);
    expect(() => hardenServices({ x: { ...base, user: '1234' } })).toThrow(/sets user 1234/);
    expect(() => hardenServices({ a: base, b: { ...base, image: IMAGES.redis, volumes: [{ type: 'volume', source: 'pg', target: '/x' }] } })).toThrow(/name its writer/);
  });
});
