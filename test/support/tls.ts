/** The certificate tests' shared parts: material as a prod run writes it, and Node's tls as the generated clients use it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { tlsMaterial } from '../../generators/emit/tls-files.ts';
import { x509Issuer } from '../../generators/emit/tls-issuer.ts';
import { TLS_DIR } from '../../generators/emit/tls-model.ts';
import { caName, composeCertificates } from '../../generators/emit/tls.ts';
import { specFor } from './stack.ts';

/** The hybrid prod stack's CA and certificates, issued as a first run issues them, written flat into `into`. */
export async function writeMaterial(into: string): Promise<void> {
  const spec = specFor('hybrid', 'prod');
  const m = await tlsMaterial({ requests: composeCertificates(spec), caName: caName(spec), read: () => undefined, rotate: 'none', now: new Date(), loadIssuer: x509Issuer });
  mkdirSync(into, { recursive: true });
  for (const f of m.files) writeFileSync(join(into, f.path.slice(TLS_DIR.length + 1)), f.contents, { mode: f.mode });
}

export type TlsOutcome = { ok: true; reply: string; authorized: boolean } | { ok: false; error: string };

/**
 * Connects (hostname verification on, as Node does by default), sends `message` once the handshake
 * is done, and resolves with the server's first line, or with the failure.
 */
export function talk(options: tls.ConnectionOptions, message = 'brokerplate\n'): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', ...options });
    let reply = '';
    const timer = setTimeout(() => done({ ok: false, error: 'no reply within 10 s' }), 10_000);
    function done(o: TlsOutcome) {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    }
    socket.once('secureConnect', () => socket.write(message));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\n')) done({ ok: true, reply: reply.trim(), authorized: socket.authorized });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: `${e.code ?? ''} ${e.message}` }));
    socket.once('close', () => done({ ok: false, error: `closed before a reply (${reply})` }));
  });
}
