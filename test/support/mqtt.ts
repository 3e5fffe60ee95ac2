/** A minimal MQTT 3.1.1 client (CONNECT, QoS 0 PUBLISH): enough to check a broker's MQTT listener and its auth. */
import net from 'node:net';
import tls from 'node:tls';

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function packet(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), remainingLength(body.length), body]);
}

export interface MqttSession {
  /** CONNACK return code: 0 accepted, 4 bad user name or password, 5 not authorised. */
  readonly returnCode: number;
  publish(topic: string, payload: string): void;
  close(): void;
}

/** `tls`: MQTT over TLS, the server certificate checked against `ca` and 127.0.0.1 (Node's default checks). */
export function mqttConnect(port: number, options: { clientId: string; username?: string; password?: string; tls?: { ca: string } }): Promise<MqttSession> {
  return new Promise((resolve, reject) => {
    const socket = options.tls ? tls.connect({ port, host: '127.0.0.1', ca: options.tls.ca }) : net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no CONNACK'))), 10_000);
    socket.once('error', (e) => (clearTimeout(timer), reject(e)));
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      let flags = 0x02; // clean session
      if (options.username !== undefined) flags |= 0x80;
      if (options.password !== undefined) flags |= 0x40;
      const body = Buffer.concat([
        str('MQTT'),
        Buffer.from([4, flags, 0, 60]),
        str(options.clientId),
        ...(options.username !== undefined ? [str(options.username)] : []),
        ...(options.password !== undefined ? [str(options.password)] : []),
      ]);
      socket.write(packet(0x10, body));
    });
    const finish = (returnCode: number) => {
      clearTimeout(timer);
      resolve({
        returnCode,
        publish: (topic, payload) => socket.write(packet(0x30, Buffer.concat([str(topic), Buffer.from(payload, 'utf8')]))),
        close: () => socket.end(),
      });
    };
    socket.once('data', (d: Buffer) => {
      if (d[0] !== 0x20) return finish(-1);
      finish(d[3] ?? -1);
    });
    // A broker may drop the connection instead of answering a refused CONNECT.
    socket.once('close', () => finish(-1));
  });
}
