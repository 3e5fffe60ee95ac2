/** The monitoring services of the docker compose stack, plugged in through the compose addon seam. */
import { BROKER_PLUGINS } from '../brokers/index.ts';
import { brokersOf, type StackSpec } from '../stack/index.ts';
import { IMAGES } from '../versions/images.ts';
import { composeSecret, loopbackPort, type ComposeAddon, type ServiceAdditions } from './compose-model.ts';
import { authHealthcheckShell, MONITORING_PRINCIPALS, monitoringAuth, WEB_CONFIG_MOUNT, webConfigPath, type WebService } from './monitoring-auth.ts';
import { MONITORING_PORTS, type ComposePieces, type ComposeService } from './monitoring-model.ts';
import { SCRAPE_CA_FILE, scrapeCaSecret, scrapeLogins } from './monitoring-prometheus.ts';
import { CA_FILES } from './tls-model.ts';

function wgetHealth(port: number, path: string): NonNullable<ComposeService['healthcheck']> {
  return { test: ['CMD', 'wget', '-qO-', `http://127.0.0.1:${port}${path}`], interval: '15s', timeout: '5s', retries: 5, start_period: '20s' };
}

/**
 * prod: the service asks for Basic credentials (--web.config.file, the hashes in secrets/monitoring/),
 * holds the `prometheus` principal's password as a compose secret (Prometheus logs in with it;
 * every healthcheck does), and its healthcheck sends it.
 */
function withWebAuth(spec: StackSpec, name: WebService, service: ComposeService, path: string): ComposeService {
  if (!monitoringAuth(spec)) return service;
  const port = MONITORING_PORTS[name];
  return {
    ...service,
    command: [...(service.command ?? []), `--web.config.file=${WEB_CONFIG_MOUNT}`],
    volumes: [...(service.volumes ?? []), { type: 'bind', source: `./${webConfigPath(name)}`, target: WEB_CONFIG_MOUNT, read_only: true }],
    secrets: [composeSecret(MONITORING_PRINCIPALS.prometheus.env)],
    healthcheck: { ...wgetHealth(port, path), test: ['CMD-SHELL', authHealthcheckShell(port, path)] },
  };
}

/** Grafana reads its admin password (and in prod its datasource password) from compose secrets, not the environment. */
function grafanaSecrets(spec: StackSpec, service: ComposeService): ComposeService {
  const admin = composeSecret('GRAFANA_ADMIN_PASSWORD');
  return {
    ...service,
    // Grafana reads any GF_* setting from the file named by GF_<setting>__FILE.
    environment: { ...service.environment, GF_SECURITY_ADMIN_PASSWORD__FILE: admin.target },
    secrets: monitoringAuth(spec) ? [admin, composeSecret(MONITORING_PRINCIPALS.grafana.env)] : [admin],
  };
}

const dir = (source: string, target: string) => ({ type: 'bind' as const, source: `./${source}`, target, read_only: true as const });
const volume = (source: string, target: string) => ({ type: 'volume' as const, source, target });

/**
 * The monitoring services for docker compose (Prometheus, Alertmanager, Grafana, the Pushgateway
 * the backups report to, and the brokers' exporters) with loopback ports and healthchecks, plus
 * what the broker services need (the Kafka JMX agent). Listed by composeAddons() in compose.ts.
 */
export function monitoringCompose(spec: StackSpec, brokers: Readonly<Record<string, ComposeService>>): ComposePieces {
  const P = MONITORING_PORTS;
  const services: Record<string, ComposeService> = {
    prometheus: withWebAuth(spec, 'prometheus', {
      image: IMAGES.prometheus,
      restart: 'unless-stopped',
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d', '--web.enable-lifecycle'],
      volumes: [
        dir('monitoring/prometheus', '/etc/prometheus'),
        volume('prometheus-data', '/prometheus'),
        // prod: the stack CA, to check the brokers' HTTPS metrics endpoints (a certificate: public).
        ...(scrapeCaSecret(spec) ? [dir(CA_FILES.cert, SCRAPE_CA_FILE)] : []),
      ],
      ports: [loopbackPort(P.prometheus, P.prometheus)],
      depends_on: { alertmanager: { condition: 'service_healthy' } },
      healthcheck: wgetHealth(P.prometheus, '/-/healthy'),
    }, '/-/healthy'),
    alertmanager: withWebAuth(spec, 'alertmanager', {
      image: IMAGES.alertmanager,
      restart: 'unless-stopped',
      command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      volumes: [dir('monitoring/alertmanager', '/etc/alertmanager'), volume('alertmanager-data', '/alertmanager')],
      ports: [loopbackPort(P.alertmanager, P.alertmanager)],
      healthcheck: wgetHealth(P.alertmanager, '/-/healthy'),
    }, '/-/healthy'),
    grafana: grafanaSecrets(spec, {
      image: IMAGES.grafana,
      restart: 'unless-stopped',
      environment: {
        GF_SECURITY_ADMIN_USER: 'admin',
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
      },
      volumes: [
        dir('monitoring/grafana/provisioning', '/etc/grafana/provisioning'),
        dir('monitoring/grafana/dashboards', '/var/lib/grafana/dashboards'),
        volume('grafana-data', '/var/lib/grafana'),
      ],
      ports: [loopbackPort(P.grafana, P.grafana)],
      depends_on: { prometheus: { condition: 'service_healthy' } },
      healthcheck: wgetHealth(P.grafana, '/api/health'),
    }),
  };
  // prod: the brokers' principals Prometheus logs in as (RabbitMQ's monitor): their passwords as secret files too.
  const logins = scrapeLogins(spec);
  if (logins.length > 0 && services.prometheus) services.prometheus = { ...services.prometheus, secrets: [...(services.prometheus.secrets ?? []), ...logins.map((l) => composeSecret(l.env))] };
  const volumes = ['prometheus-data', 'alertmanager-data', 'grafana-data'];
  if (spec.backup.enabled) {
    services.pushgateway = withWebAuth(spec, 'pushgateway', {
      image: IMAGES.pushgateway,
      restart: 'unless-stopped',
      // Persisted so backup timestamps survive a restart (else "never recorded" alerts after every restart).
      command: ['--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
      volumes: [volume('pushgateway-data', '/data')],
      ports: [loopbackPort(P.pushgateway, P.pushgateway)],
      healthcheck: wgetHealth(P.pushgateway, '/-/healthy'),
      user: '0', // a fresh named volume is root-owned; the image runs as nobody
    }, '/-/healthy');
    volumes.push('pushgateway-data');
  }
  const notes = [
    `**Monitoring**: Prometheus http://127.0.0.1:${P.prometheus}, Alertmanager http://127.0.0.1:${P.alertmanager}, Grafana http://127.0.0.1:${P.grafana} (user admin, password GRAFANA_ADMIN_PASSWORD from .env)${spec.backup.enabled ? `, Pushgateway http://127.0.0.1:${P.pushgateway} (backups report success there)` : ''}.`,
    ...(monitoringAuth(spec)
      ? [`**Monitoring logins (prod)**: Prometheus, Alertmanager${spec.backup.enabled ? ' and the Pushgateway' : ''} answer 401 without Basic credentials: user \`${MONITORING_PRINCIPALS.admin.user}\`, password ${MONITORING_PRINCIPALS.admin.env} from .env (e.g. \`amtool --alertmanager.url=http://${MONITORING_PRINCIPALS.admin.user}:<password>@127.0.0.1:${P.alertmanager} silence query\`). Their bcrypt hashes are in secrets/monitoring/ (see Monitoring).`]
      : []),
  ];
  const extend: Record<string, ServiceAdditions> = {};
  for (const broker of brokersOf(spec)) {
    const part = BROKER_PLUGINS[broker].monitoring.compose(spec, brokers);
    Object.assign(services, part.services);
    volumes.push(...part.volumes);
    notes.push(...part.notes);
    Object.assign(extend, part.extend ?? {});
  }
  return { services, volumes: [...new Set(volumes)].sort(), files: [], notes, extend };
}

/** The compose seam: listed by composeAddons() in generators/emit/compose.ts. */
export const monitoringComposeAddon: ComposeAddon = {
  id: 'monitoring',
  applies: (spec) => spec.monitoring.enabled,
  part: monitoringCompose,
};
