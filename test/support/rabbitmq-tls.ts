/**
 * A generated prod project's RabbitMQ files on disk, as a first `brokerplate` run writes them:
 * every emitted file, `.env` (random secrets), the TLS material of `secrets/tls/` issued from the
 * spec's certificate requests, and each secret of `.env` as the file compose's `secrets:` would
 * mount (`<dir>/run-secrets/<name>`). Plus an HTTPS client that checks the server certificate
 * against the project's CA, as the generated scripts do.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { buildEnv, emitProject, parseEnv } from '../../generators/emit/index.ts';
import { tlsMaterial } from '../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../generators/emit/tls-issuer.ts';
import { caName, composeCertificates } from '../../generators/emit/tls.ts';
import type { StackSpec } from '../../generators/stack/index.ts';

export interface WrittenProject {
  readonly root: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where each secret of .env is a file (compose's /run/secrets/<lower-case name>). */
  readonly secretsDir: string;
  /** `<NAME>_FILE` of every secret, pointing into secretsDir. */
  readonly secretFiles: Readonly<Record<string, string>>;
}

export async function writeProject(root: string, spec: StackSpec): Promise<WrittenProject> {
  const put = (path: string, contents: string, mode?: number) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents, mode === undefined ? undefined : { mode });
  };
  for (const f of emitProject(spec)) put(f.path, f.contents);
  const envText = buildEnv(spec, undefined, () => randomBytes(24).toString('base64url'));
  put('.env', envText, 0o600);
  const material = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  for (const f of material.files) put(f.path, f.contents, f.mode);
  const env = Object.fromEntries(parseEnv(envText));
  const secretsDir = join(root, 'run-secrets');
  const secretFiles: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!/(PASSWORD|COOKIE)$/.test(k)) continue;
    put(join('run-secrets', k.toLowerCase()), v, 0o600);
    secretFiles[`${k}_FILE`] = join(secretsDir, k.toLowerCase());
  }
  return { root, env, secretsDir, secretFiles };
}

export interface HttpsReply {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request, the server certificate checked against `ca` and `host` (Node's default checks). */
export function httpsRequest(options: { host: string; port: number; path: string; ca: string; method?: string; auth?: string; body?: unknown; servername?: string }): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = https.request(
      {
        host: options.host,
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.servername && { servername: options.servername }),
        headers: { ...(options.auth && { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` }), 'content-type': 'application/json' },
        timeout: 15_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
