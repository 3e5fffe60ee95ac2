/** The readiness check of a Redis node or Sentinel, compose and Kubernetes alike: PING as the monitor user, over TLS in prod. */
import type { StackSpec } from '../../stack/index.ts';
import { MONITOR_USER, PASSWORD_ENV } from './connection.ts';
import { cliTls, SECRETS_DIR, secretFile } from './startup.ts';

/**
 * A shell command that succeeds once the node answers PONG to the monitor user on `port` (its
 * password read from its file, handed to redis-cli through REDISCLI_AUTH, never on a command line).
 * redis-cli checks the certificate chain against the CA; it does not check the host name.
 */
export function healthCommand(spec: StackSpec, port: number): string {
  const { tls, ca } = cliTls(spec);
  const file = `${SECRETS_DIR}/${secretFile(PASSWORD_ENV[MONITOR_USER])}`;
  return `REDISCLI_AUTH="$(cat ${file})" redis-cli --no-auth-warning${tls ? ` --tls --cacert ${ca}` : ''} --user ${MONITOR_USER} -h 127.0.0.1 -p ${port} ping | grep -q PONG`;
}
