/** A tiny RESP2 client: enough to talk to a test Redis/Sentinel and see its exact replies and errors. */
import net from 'node:net';
import tls from 'node:tls';

export type RespValue = string | number | null | RespError | RespValue[];

export class RespError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  toString(): string {
    return this.message;
  }
}

export class Resp {
  private buffer = Buffer.alloc(0);
  private readonly waiting: ((v: RespValue) => void)[] = [];
  private readonly socket: net.Socket;
  private constructor(socket: net.Socket | tls.TLSSocket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.(parsed.value);
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new Resp(s)));
      s.once('error', reject);
    });
  }

  /** Over TLS (hostname verification on, as Node does by default); rejects when the handshake fails. */
  static connectTls(port: number, host: string, options: tls.ConnectionOptions): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ...options });
      s.once('secureConnect', () => resolve(new Resp(s)));
      s.once('error', reject);
    });
  }

  /** Sends one command and resolves with its reply (errors resolve as RespError, they do not throw). */
  call(...args: (string | number)[]): Promise<RespValue> {
    const parts = args.map(String);
    const frame = `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${parts[0]}`)), 10_000);
      this.waiting.push((v) => (clearTimeout(timer), resolve(v)));
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString('utf8', at + 1, eol);
  switch (type) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new RespError(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + len), end: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** CONFIG GET reply (a flat [k, v, ...] list) as a record. */
export function pairs(value: RespValue): Record<string, string> {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${String(value)}`);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = String(value[i + 1]);
  return out;
}
