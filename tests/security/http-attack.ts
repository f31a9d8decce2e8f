// Shared parts of the operator-surface attacks (findings 1, 2): raw HTTP requests with any Host and
// Origin a rebinding page or a local process would send, and a raw WebSocket client of /ws.
import http from 'node:http';
import WebSocket from 'ws';

/** A WebSocket message's text (ws hands over a Buffer, an ArrayBuffer or fragments). */
export function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let us forge Host). */
export function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: unknown }): Promise<RawReply> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: `127.0.0.1:${port}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The session cookie from a login reply ("name=value"), or null. */
export function sessionCookie(r: RawReply): string | null {
  const set = r.headers['set-cookie'] ?? [];
  const c = set.find((s) => s.startsWith('aegisflow_session='));
  return c ? c.split(';')[0] : null;
}

export async function login(port: number, name: string, password: string): Promise<string> {
  const r = await raw(port, { method: 'POST', path: '/api/v1/auth/login', body: { name, password } });
  const cookie = sessionCookie(r);
  if (r.status !== 200 || !cookie) throw new Error(`login as ${name} failed: ${r.status} ${r.body}`);
  return cookie;
}

export interface WsClient {
  ws: WebSocket;
  call(name: string, params: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;
  close(): Promise<void>;
}

/** The next event frame of this name on the socket: its payload. */
export function nextEvent<T>(ws: WebSocket, name: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(rawText(data)) as { type: string; name?: string; payload?: T };
      if (msg.type !== 'event' || msg.name !== name) return;
      ws.off('message', onMessage);
      resolve(msg.payload as T);
    };
    ws.on('message', onMessage);
  });
}

/** Open /ws with these headers: the client, or the HTTP status that refused the upgrade. */
export function openWs(port: number, headers: Record<string, string> = {}): Promise<WsClient | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: `127.0.0.1:${port}`, ...headers } });
    let next = 1;
    const pending = new Map<number, (r: never) => void>();
    ws.on('message', (data) => {
      const msg = JSON.parse(rawText(data)) as { type: string; id?: number; reply?: never };
      if (msg.type === 'reply' && msg.id !== undefined) pending.get(msg.id)?.(msg.reply!);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
    ws.once('open', () =>
      resolve({
        ws,
        call: (name, params) =>
          new Promise((res, rej) => {
            const id = next++;
            pending.set(id, res);
            ws.once('close', () => rej(new Error('socket closed')));
            ws.send(JSON.stringify({ id, type: 'request', name, params }));
          }),
        close: () =>
          new Promise<void>((r) => {
            if (ws.readyState === ws.CLOSED) return r();
            ws.once('close', () => r());
            ws.close();
          }),
      }),
    );
  });
}
