/**
 * How each pinned image runs under docker compose with the least privilege it tolerates: the
 * user it runs as, the Linux capabilities it still needs once compose drops them all, whether its
 * root file system can be read-only (and the scratch directories it then needs as tmpfs), and the
 * directories its Dockerfile creates owned by that user (a fresh named volume mounted there takes
 * that owner: Docker copies the image directory's ownership into an empty volume).
 *
 * Facts from the images' Dockerfiles and entrypoints (the pins in images.ts):
 * - The official redis and rabbitmq entrypoints (docker-entrypoint.sh) only chown their data
 *   directory and drop to their user (gosu/setpriv) when started as root; started as that user,
 *   they skip both, so no capability is needed (CHOWN/SETUID/SETGID/DAC_OVERRIDE otherwise).
 * - apache/kafka already runs as `appuser` (1000); /var/lib/kafka is owned by it. Without
 *   LOG_DIR, kafka-run-class.sh writes its log files under /opt/kafka/logs.
 * - prom/prometheus, prom/alertmanager and prom/pushgateway run as nobody (65534) and create
 *   /prometheus, /alertmanager, /pushgateway owned by it; grafana/grafana runs as 472 and owns
 *   /var/lib/grafana; oliver006/redis_exporter (alpine) runs as 59000; node's user is `node`
 *   (1000); curlimages/curl's `curl_user` is 100; busybox has `nobody` (65534).
 * The same uids run the Kubernetes pods (emit/k8s-model.ts IMAGE_UIDS).
 */
import type { ImageId } from './images.ts';

/** The capabilities an exception may add back (Docker's default set has more; none is granted by default here). */
export type Capability = 'CHOWN' | 'DAC_OVERRIDE' | 'FOWNER' | 'SETUID' | 'SETGID';

export interface ImageHardening {
  /** `uid:gid` the container runs as: the image's own non-root user. */
  readonly user: string;
  /** Whether the root file system can be mounted read-only (writable paths are volumes or tmpfs). */
  readonly readOnly: boolean;
  /** Scratch directories (tmpfs) the image writes to besides its volumes, with a size cap in MiB. */
  readonly tmpfs: Readonly<Record<string, number>>;
  /** Directories the image creates owned by `user`: a fresh named volume mounted there is writable without a chown. */
  readonly ownedDirs: readonly string[];
}

export const IMAGE_HARDENING: Readonly<Record<ImageId, ImageHardening>> = {
  // /opt/kafka/logs: server.log and the GC log of kafka-server-start.sh (compose sets no LOG_DIR); capped in memory.
  kafka: { user: '1000:1000', readOnly: true, tmpfs: { '/tmp': 64, '/opt/kafka/logs': 64 }, ownedDirs: ['/var/lib/kafka/data'] },
  rabbitmq: { user: '999:999', readOnly: true, tmpfs: { '/tmp': 64, '/var/log/rabbitmq': 16 }, ownedDirs: ['/var/lib/rabbitmq'] },
  redis: { user: '999:999', readOnly: true, tmpfs: { '/tmp': 16 }, ownedDirs: ['/data'] },
  prometheus: { user: '65534:65534', readOnly: true, tmpfs: { '/tmp': 16 }, ownedDirs: ['/prometheus'] },
  alertmanager: { user: '65534:65534', readOnly: true, tmpfs: { '/tmp': 16 }, ownedDirs: ['/alertmanager'] },
  pushgateway: { user: '65534:65534', readOnly: true, tmpfs: { '/tmp': 16 }, ownedDirs: ['/pushgateway'] },
  // The same scratch directories as its Kubernetes Deployment (logs, tmp).
  grafana: { user: '472:0', readOnly: true, tmpfs: { '/tmp': 64, '/var/log/grafana': 16 }, ownedDirs: ['/var/lib/grafana'] },
  redisExporter: { user: '59000:59000', readOnly: true, tmpfs: {}, ownedDirs: [] },
  // Its Dockerfile ends with USER nobody (a static binary on busybox; reads only the mounted CA).
  kafkaExporter: { user: '65534:65534', readOnly: true, tmpfs: {}, ownedDirs: [] },
  curl: { user: '100:101', readOnly: true, tmpfs: { '/tmp': 16 }, ownedDirs: ['/home/curl_user'] },
  busybox: { user: '65534:65534', readOnly: true, tmpfs: {}, ownedDirs: [] },
};
