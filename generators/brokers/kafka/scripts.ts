/**
 * Kafka's shell scripts, shared by compose and Kubernetes: the node entrypoint (storage format,
 * in prod with the SCRAM users read from password files, then the server) and the one-shot init
 * script (topics, and in prod the ACLs of acl.ts, as `admin` over SASL_SSL).
 */
import { render } from '../../emit/render.ts';
import { SECRETS_DIR } from '../../emit/compose-model.ts';
import { TLS_FILES } from '../../emit/tls-model.ts';
import type { StackSpec } from '../../stack/index.ts';
import { shellCommand } from '../formats.ts';
import { aclArgs, kafkaAcls } from './acl.ts';
import { KAFKA_PATHS, kafkaTopics, topicCreateArgs } from './config.ts';
import { KAFKA_PRINCIPALS, kafkaSecure, passwordFileName, SCRAM_MECHANISM, type KafkaPrincipal } from './security.ts';

/**
 * prod: the shell lines that log a script's Kafka tools in as `principal` over SASL_SSL, shared by
 * create-topics.sh and the backup scripts: the password from its file (KAFKA_SECRETS_DIR overrides
 * the folder) checked for its shape, the CA from KAFKA_CA_FILE, both written into a client config
 * only the script's user can read ($CLIENT_CONFIG, removed on exit) that the tools take with
 * --command-config. No password on a command line or in the environment.
 */
export function kafkaClientLogin(principal: KafkaPrincipal, script: string): string {
  return render('config/kafka/client-login.sh', {
    secretsDir: SECRETS_DIR,
    caFile: TLS_FILES.ca,
    mechanism: SCRAM_MECHANISM,
    user: principal.user,
    file: passwordFileName(principal),
    script,
  }).trimEnd();
}

/** What the scripts read in prod: password files (KAFKA_SECRETS_DIR overrides the folder) and the CA (KAFKA_CA_FILE). */
function securityContext(spec: StackSpec) {
  if (!kafkaSecure(spec)) return undefined;
  return {
    secretsDir: SECRETS_DIR,
    caFile: TLS_FILES.ca,
    mechanism: SCRAM_MECHANISM,
    admin: { user: KAFKA_PRINCIPALS.admin.user, file: passwordFileName(KAFKA_PRINCIPALS.admin) },
    users: Object.values(KAFKA_PRINCIPALS).map((p) => ({ user: p.user, file: passwordFileName(p) })),
    login: kafkaClientLogin(KAFKA_PRINCIPALS.admin, 'create-topics'),
  };
}

/** The one-shot init script: topics (idempotent), then in prod the ACLs; KAFKA_BOOTSTRAP and KAFKA_HOME may be overridden from the environment. */
export function createTopicsScript(spec: StackSpec, bootstrap: string): string {
  const topics = kafkaTopics(spec);
  const security = securityContext(spec);
  return render('config/kafka/create-topics.sh', {
    profile: spec.profile,
    bootstrap,
    home: KAFKA_PATHS.home,
    commands: topics.map((t) => ({ name: t.name, args: shellCommand(topicCreateArgs(t)) })),
    security: security ?? false,
    acls: security ? kafkaAcls(spec).map((g) => ({ principal: KAFKA_PRINCIPALS[g.principal].user, why: g.why, args: shellCommand(aclArgs(g)) })) : [],
  });
}

/** Formats the KRaft storage on first start (a no-op afterwards; prod: with the SCRAM users), then runs the node in the foreground. */
export function kafkaEntrypoint(spec: StackSpec): string {
  return render('config/kafka/entrypoint.sh', { home: KAFKA_PATHS.home, config: `${KAFKA_PATHS.config}/server.properties`, security: securityContext(spec) ?? false });
}
