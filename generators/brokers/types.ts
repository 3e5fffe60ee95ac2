/** The secrets and connection settings a broker declares (generators/brokers/<broker>/connection.ts). */
import type { StackSpec } from '../stack/index.ts';

/** A secret the stack needs: a random value in the git-ignored .env, a Pulumi config secret in infra/. */
export interface SecretDef {
  /** Environment variable name in .env (also derives the Pulumi config key). */
  readonly env: string;
  readonly description: string;
}

/** A non-secret or secret-derived setting clients read from the environment. */
export interface ConnectionVar {
  readonly env: string;
  readonly description: string;
  /** The value for local development (compose ports on 127.0.0.1), given the secrets' values, percent-encoded (a secret goes into URLs). */
  value(secrets: Readonly<Record<string, string>>): string;
  /** True when the value embeds a secret, so .env.example shows a placeholder. */
  readonly secret: boolean;
}

/** A broker's users, secrets and connection settings: generators/brokers/<broker>/connection.ts. */
export interface BrokerConnection {
  secrets(spec: StackSpec): readonly SecretDef[];
  connection(spec: StackSpec): readonly ConnectionVar[];
}
