/**
 * What the namespace's NetworkPolicies (emit/network-policy.ts) are built from: who is who (pod
 * labels), the tokens the generated program fills from Pulumi config, and the few egress
 * exceptions to outside the cluster, each with its reason.
 */
import type { BrokerId } from '../guide/index.ts';

export type Labels = Readonly<Record<string, string>>;

/**
 * Every pod of one broker (servers, Sentinels, init Jobs), as the broker components label them
 * (`peers()` in templates/infra/components/common.ts): they talk to each other, and the broker's
 * own NetworkPolicy admits clients, monitoring and operators on its ports.
 */
export function brokerPeers(stackName: string, broker: BrokerId): Labels {
  return { 'app.kubernetes.io/name': broker, 'app.kubernetes.io/instance': `${stackName}-${broker}` };
}

/** The broker servers among a broker's pods (`labels(id, 'server')` in the components), not its init Jobs. */
export const SERVER_COMPONENT = { 'app.kubernetes.io/component': 'server' } as const;

/** The label the monitoring and backup addons give each of their pods (their workload's name). */
export const NAME_LABEL = 'app.kubernetes.io/name';

/**
 * Stands, as a whole `podSelector` value, for the application's pods: the program substitutes
 * `{ matchLabels: <clientPodSelector> }` from Pulumi config (default `brokerplate/access: client`).
 */
export const CLIENT_SELECTOR_TOKEN = '__CLIENT_POD_SELECTOR__';
/**
 * Stands, as an element of a `from` list, for the pods of the namespace Pulumi config names
 * `monitoringNamespace` (a Prometheus outside the stack); the program drops it when unset. Only
 * ever next to another peer, so the list never becomes empty (an empty `from` admits everyone).
 */
export const MONITORING_NAMESPACE_PEER_TOKEN = '__MONITORING_NAMESPACE_PEER__';

/**
 * Stands, as an element of a `from` list, for the pods matching `monitoringPodSelector` (default
 * `brokerplate/access: monitoring`): a Prometheus of the user's own (the operator's) in the
 * namespace scrapes the exporters, Alertmanager and the Pushgateway. Admitting them costs nothing
 * for the stack's own monitoring pods, which carry that label too: their egress stays as narrow as
 * their own policies make it (Grafana: Prometheus only).
 */
export const MONITORING_PEER_TOKEN = '__MONITORING_PODS_PEER__';

/** The monitoring workloads with a role of their own; every other monitoring workload is an exporter. */
export const MONITORING_ROLES = { prometheus: 'prometheus', alertmanager: 'alertmanager', pushgateway: 'pushgateway', grafana: 'grafana' } as const;

/** Cluster DNS: every pod resolves names through kube-system on port 53 (CoreDNS/kube-dns, whatever its pod labels). */
export const DNS = { namespace: 'kube-system', port: 53 } as const;

/** Outside the cluster: any address but the private ranges (the cluster's pods and nodes are there). */
export const PUBLIC_INTERNET = { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } as const;

/** An egress to outside the cluster, granted to one kind of pod only, and why. */
export interface ExternalEgress {
  readonly name: string;
  readonly port: number;
  readonly reason: string;
}

export const ALERTMANAGER_EGRESS: ExternalEgress = {
  name: 'alertmanager-receivers',
  port: 443,
  reason: 'Alertmanager delivers to receivers outside the cluster (Slack, PagerDuty, webhooks, all HTTPS); the generated placeholder receiver sends nowhere.',
};

export const KAFKA_AGENT_EGRESS: ExternalEgress = {
  name: 'kafka-jmx-agent-fetch',
  port: 443,
  reason: "the Kafka pods' init container downloads the Prometheus JMX agent from Maven Central (checked against its sha256); a policy cannot tell the init container from the broker, so the Kafka pods keep HTTPS egress to public addresses while monitoring is on.",
};
