/**
 * One hardening step over the assembled compose model, the same for every service whatever part
 * defined it: `cap_drop: [ALL]`, `security_opt: [no-new-privileges:true]`, the image's own
 * non-root user, a read-only root file system with the tmpfs scratch directories the image needs
 * (all per image, generators/versions/image-hardening.ts). The few services that must differ are
 * SERVICE_EXCEPTIONS below, each with its reason.
 *
 * Running as the image's user leaves one gap: a fresh named volume mounted where the image has no
 * directory of that user's is owned by root. The one-shot `volumes-init` (root, CHOWN and
 * DAC_OVERRIDE only, no network) gives each such volume to the user that writes it, before that
 * service starts; a volume mounted over a directory the image's user owns needs nothing (Docker
 * copies the directory's owner into the empty volume).
 */
import { IMAGES, type ImageId } from '../versions/images.ts';
import { IMAGE_HARDENING, type Capability } from '../versions/image-hardening.ts';
import type { ComposeMount, ComposeService } from './compose-model.ts';

export const VOLUMES_INIT = 'volumes-init';
const VOLUMES_ROOT = '/volumes';

/** The README's hardening note, naming only the root one-shots this stack has (from SERVICE_EXCEPTIONS). */
export function hardeningNote(services: Readonly<Record<string, ComposeService>>): string {
  const root = Object.keys(SERVICE_EXCEPTIONS).filter((name) => services[name]);
  const rootText = root.length === 0 ? 'every service runs unprivileged' : `only the one-shot${root.length > 1 ? 's' : ''} ${root.map((n) => `\`${n}\``).join(' and ')} run${root.length > 1 ? '' : 's'} as root, with CHOWN/FOWNER/DAC_OVERRIDE at most and no network`;
  return `**Hardening**: every service drops all Linux capabilities (\`cap_drop: [ALL]\`), cannot gain privileges (\`no-new-privileges\`), runs as its image's non-root user with a read-only root file system (scratch directories are size-capped tmpfs); ${rootText}.`;
}
export const VOLUMES_INIT_NOTE = `\`${VOLUMES_INIT}\` gives the volumes non-root services write to (backups, Pushgateway, the JMX agent) to their users before those start, and exits.`;

/** A service that cannot run as its image's user with no capability. */
export interface ServiceException {
  /** Runs as root, with only `capAdd`. */
  readonly root: true;
  readonly capAdd: readonly Capability[];
  /** Touches volumes only: no network at all. */
  readonly noNetwork: boolean;
  readonly reason: string;
}

export const SERVICE_EXCEPTIONS: Readonly<Record<string, ServiceException>> = {
  'certs-init': {
    root: true,
    capAdd: ['CHOWN', 'FOWNER', 'DAC_OVERRIDE'],
    noNetwork: true,
    reason: "reads secrets/tls (0600, owned by whoever ran brokerplate: DAC_OVERRIDE), gives each node's copy to the broker image's uid (CHOWN) and sets its modes (FOWNER)",
  },
  [VOLUMES_INIT]: {
    root: true,
    capAdd: ['CHOWN', 'DAC_OVERRIDE'],
    noNetwork: true,
    reason: 'gives root-owned fresh volumes (and files an older, root-run version wrote in them) to the non-root user that writes them (CHOWN; DAC_OVERRIDE to walk directories of other users)',
  },
};

/**
 * Volumes several non-root services mount writable: the service that writes them, which owns
 * them. `jmx-exporter`: jmx-exporter-fetch downloads the agent into it; the Kafka nodes only read it (0644).
 */
export const SHARED_VOLUME_WRITERS: Readonly<Record<string, string>> = { 'jmx-exporter': 'jmx-exporter-fetch' };

export function imageOf(service: ComposeService, name: string): ImageId {
  const id = (Object.keys(IMAGES) as ImageId[]).find((i) => IMAGES[i] === service.image);
  if (!id) throw new Error(`compose hardening: service ${name} uses ${service.image}, which is not a pinned image (versions/images.ts)`);
  return id;
}

const MIB = 1024 * 1024;

function withTmpfs(volumes: readonly ComposeMount[], tmpfs: Readonly<Record<string, number>>): ComposeMount[] {
  const mounted = new Set(volumes.map((v) => v.target));
  const extra = Object.entries(tmpfs).filter(([target]) => !mounted.has(target)).map(([target, mib]): ComposeMount => ({ type: 'tmpfs', target, tmpfs: { size: mib * MIB } }));
  return [...volumes, ...extra];
}

/** Writable named volumes of non-root services that the image does not give to its user. */
function volumesToChown(services: Readonly<Record<string, ComposeService>>): Map<string, { owner: string; services: string[] }> {
  const owners = new Map<string, { owner: string; service: string }[]>();
  for (const [name, s] of Object.entries(services)) {
    if (SERVICE_EXCEPTIONS[name]) continue;
    const image = IMAGE_HARDENING[imageOf(s, name)];
    for (const v of s.volumes ?? []) {
      if (v.type !== 'volume' || v.read_only || image.ownedDirs.includes(v.target)) continue;
      owners.set(v.source, [...(owners.get(v.source) ?? []), { owner: image.user, service: name }]);
    }
  }
  const chosen = new Map<string, { owner: string; services: string[] }>();
  for (const [volume, list] of owners) {
    const writer = SHARED_VOLUME_WRITERS[volume];
    const pick = writer ? list.find((o) => o.service === writer) : list[0];
    if (!pick) throw new Error(`compose hardening: ${volume}'s writer ${String(writer)} does not mount it`);
    const others = new Set(list.map((o) => o.owner));
    if (others.size > 1 && !writer) throw new Error(`compose hardening: ${volume} is written by users ${[...others].join(', ')}; name its writer in SHARED_VOLUME_WRITERS`);
    chosen.set(volume, { owner: pick.owner, services: list.filter((o) => o.owner === pick.owner).map((o) => o.service) });
  }
  return chosen;
}

function volumesInit(chown: ReadonlyMap<string, { owner: string }>): ComposeService {
  const script = [...chown].sort(([a], [b]) => a.localeCompare(b)).map(([volume, { owner }]) => {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(volume) || !/^[0-9]+:[0-9]+$/.test(owner)) throw new Error(`compose hardening: unexpected volume ${volume} or owner ${owner}`);
    return `chown -R ${owner} ${VOLUMES_ROOT}/${volume}`;
  });
  return {
    image: IMAGES.busybox,
    restart: 'no',
    entrypoint: ['/bin/sh', '-ec'],
    command: [script.join('\n')],
    volumes: [...chown.keys()].sort().map((source) => ({ type: 'volume' as const, source, target: `${VOLUMES_ROOT}/${source}` })),
  };
}

function harden(name: string, service: ComposeService): ComposeService {
  const exception = SERVICE_EXCEPTIONS[name];
  const image = IMAGE_HARDENING[imageOf(service, name)];
  if (!exception && service.user !== undefined && service.user !== '0' && service.user !== image.user) {
    throw new Error(`compose hardening: ${name} sets user ${service.user}; declare its image's user in versions/image-hardening.ts instead`);
  }
  const { user: _user, ...rest } = service;
  return {
    ...rest,
    // Root only for the exceptions (the image's default user is root for busybox there).
    ...(exception ? { user: '0:0' } : { user: image.user }),
    cap_drop: ['ALL'],
    ...(exception && exception.capAdd.length > 0 && { cap_add: [...exception.capAdd] }),
    security_opt: ['no-new-privileges:true'],
    read_only: image.readOnly,
    ...(image.readOnly && { volumes: withTmpfs(service.volumes ?? [], image.tmpfs) }),
    ...(exception?.noNetwork && { network_mode: 'none' as const }),
  };
}

/**
 * The hardened services (and the volumes-init one-shot when a volume needs an owner): every
 * service as harden() makes it, each writer of such a volume starting after volumes-init.
 */
export function hardenServices(services: Readonly<Record<string, ComposeService>>): Record<string, ComposeService> {
  if (services[VOLUMES_INIT]) throw new Error(`compose hardening: a part already defines ${VOLUMES_INIT}`);
  const chown = volumesToChown(services);
  const all: Record<string, ComposeService> = chown.size > 0 ? { ...services, [VOLUMES_INIT]: volumesInit(chown) } : { ...services };
  const waits = new Set([...chown.values()].flatMap((o) => o.services));
  return Object.fromEntries(Object.entries(all).map(([name, s]) => {
    const hardened = harden(name, s);
    return [name, waits.has(name) ? { ...hardened, depends_on: { ...hardened.depends_on, [VOLUMES_INIT]: { condition: 'service_completed_successfully' as const } } } : hardened];
  }));
}
