/**
 * Kafka's security model (prod): who the principals are, where their passwords and the TLS
 * material are read from, and the listener/authorizer settings of every node.
 *
 * - CONTROLLER (KRaft quorum) and REPLICATION (inter-broker) listeners: TLS with client
 *   certificates required; a node authenticates as its certificate's subject (`User:CN=kafka-1`),
 *   a super user. Nothing else holds a certificate the CA issued with a node's name.
 * - INTERNAL (in-network clients) and EXTERNAL (compose: host clients on 127.0.0.1): SASL_SSL with
 *   SCRAM-SHA-512; the credentials are written at storage format time from password files.
 * - KRaft's StandardAuthorizer, nothing allowed without an ACL (acl.ts says who may do what).
 * dev keeps PLAINTEXT on loopback (compose publishes 127.0.0.1 only).
 */
import { composeSecret } from '../../emit/compose-model.ts';
import { TLS_FILES, type NodeGroupCerts } from '../../emit/tls-model.ts';
import type { StackSpec } from '../../stack/index.ts';
import { propertiesText, type ConfigSection } from '../formats.ts';

export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

/** Who authenticates with a password, each with its own (.env / the stack's Secret). */
export interface KafkaPrincipal {
  readonly user: string;
  /** The .env variable (and Pulumi config / Secret key) holding the password. */
  readonly env: string;
  readonly description: string;
}

export const KAFKA_PRINCIPALS = {
  app: { user: 'app', env: 'KAFKA_SASL_PASSWORD', description: 'Password of the Kafka SCRAM user "app" (the application: produce/consume its channels)' },
  admin: { user: 'admin', env: 'KAFKA_ADMIN_PASSWORD', description: 'Password of the Kafka SCRAM user "admin" (a super user: the init job creating topics and ACLs, operators)' },
  monitor: { user: 'monitor', env: 'KAFKA_MONITOR_PASSWORD', description: 'Password of the Kafka SCRAM user "monitor" (kafka_exporter: describe topics and groups, read nothing)' },
  backup: { user: 'backup', env: 'KAFKA_BACKUP_PASSWORD', description: 'Password of the Kafka SCRAM user "backup" (backup jobs: read and describe, write nothing)' },
  mirrormaker: { user: 'mirrormaker', env: 'KAFKA_MIRRORMAKER_PASSWORD', description: 'Password of the Kafka SCRAM user "mirrormaker" (MirrorMaker 2 on the primary cluster)' },
} as const satisfies Record<string, KafkaPrincipal>;

export type KafkaPrincipalId = keyof typeof KAFKA_PRINCIPALS;

/** True when the profile secures Kafka (TLS on every listener, SASL, ACLs). */
export function kafkaSecure(spec: StackSpec): boolean {
  return spec.profile === 'prod';
}

/** Where a principal's password file is inside a container (compose `secrets:`, the Kubernetes Secret mounted alike). */
export function passwordFile(p: KafkaPrincipal): string {
  return composeSecret(p.env).target;
}

/** Its file name under that folder. */
export function passwordFileName(p: KafkaPrincipal): string {
  return composeSecret(p.env).source;
}

/** The nodes' certificate group: one per node in compose (CN = service name), one per StatefulSet in Kubernetes (CN = `kafka`). */
export function kafkaCertGroup(nodes: number): NodeGroupCerts {
  return { group: 'kafka', nodes, usage: 'both', publishedOnHost: true, services: ['kafka'], combinedPem: true };
}

/** The principals the nodes authenticate as on the mutual-TLS listeners: their certificates' subjects. */
export function nodePrincipals(site: 'compose' | 'k8s', hosts: readonly string[]): string[] {
  const names = site === 'compose' ? hosts : [kafkaCertGroup(hosts.length).group];
  return [...new Set(names)].map((cn) => `User:CN=${cn}`);
}

const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

/** Listener names by their security protocol in prod. */
export const SECURE_PROTOCOLS = { CONTROLLER: 'SSL', REPLICATION: 'SSL', INTERNAL: 'SASL_SSL', EXTERNAL: 'SASL_SSL' } as const;

/** The TLS, SASL and authorizer sections of a prod node. */
export function securitySections(listenerNames: readonly string[], superUsers: readonly string[]): ConfigSection[] {
  const mutual = listenerNames.filter((l) => SECURE_PROTOCOLS[l as keyof typeof SECURE_PROTOCOLS] === 'SSL');
  const sasl = listenerNames.filter((l) => SECURE_PROTOCOLS[l as keyof typeof SECURE_PROTOCOLS] === 'SASL_SSL');
  return [
    {
      comment: `TLS on every listener (the node's certificate and key, and the stack's CA, mounted at ${TLS_FILES.pem.slice(0, TLS_FILES.pem.lastIndexOf('/'))}).\nPeers' host names are verified (https); nodes present their certificate to each other.`,
      entries: [
        ['ssl.keystore.type', 'PEM'],
        ['ssl.keystore.location', TLS_FILES.pem],
        ['ssl.truststore.type', 'PEM'],
        ['ssl.truststore.location', TLS_FILES.ca],
        ['ssl.enabled.protocols', 'TLSv1.3,TLSv1.2'],
        ['ssl.endpoint.identification.algorithm', 'https'],
        ['ssl.client.auth', 'none'],
        ...mutual.map((l) => [`listener.name.${l.toLowerCase()}.ssl.client.auth`, 'required'] as const),
      ],
    },
    {
      comment: `Clients authenticate with SASL/${SCRAM_MECHANISM} (users created at storage format time, see entrypoint.sh).`,
      entries: [
        ['sasl.enabled.mechanisms', SCRAM_MECHANISM],
        ...sasl.map((l) => [`listener.name.${l.toLowerCase()}.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config`, SCRAM_LOGIN] as const),
      ],
    },
    {
      comment: 'Authorization: nothing is allowed without an ACL (create-topics.sh writes them); the nodes and admin are super users.',
      entries: [
        ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
        ['allow.everyone.if.no.acl.found', 'false'],
        ['super.users', [...superUsers, `User:${KAFKA_PRINCIPALS.admin.user}`].join(';')],
      ],
    },
  ];
}

/** A client config for a node's own tools (healthcheck): the mutual-TLS listener with the node's certificate; no password in it. */
export function nodeClientProperties(): string {
  return propertiesText('Generated by brokerplate: the node\'s own client settings (healthchecks) for its mutual-TLS listener.', [
    {
      entries: [
        ['security.protocol', 'SSL'],
        ['ssl.keystore.type', 'PEM'],
        ['ssl.keystore.location', TLS_FILES.pem],
        ['ssl.truststore.type', 'PEM'],
        ['ssl.truststore.location', TLS_FILES.ca],
        ['ssl.endpoint.identification.algorithm', 'https'],
      ],
    },
  ]);
}
