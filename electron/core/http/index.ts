// Serve mode's HTTP face: the built renderer, a WebSocket bridge of shared/contract.ts (the same
// contract the Electron preload exposes), /api/v1 routes, and room for /mcp. Loopback by default;
// bound elsewhere it demands the operator token on every HTTP request and WebSocket.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { UI_EVENTS, type EventName } from '../../../shared/contract';
import type { CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Config } from '../config';
import type { Logger } from '../observability';

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** Reads and size-limits the body; rejects with HttpError(413/400). */
  body(): Promise<Buffer>;
  json(): Promise<unknown>;
}
export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpServer {
  /**
   * Register a handler for an exact path (any method unless given). Subsystems add /api/v1/... and /mcp.
   * `agentAuth: true` marks a route that authenticates its callers itself with agent bearer tokens
   * (/mcp, /api/v1/ingest, /api/v1/governance/check): the operator token does not apply there.
   */
  route(pathname: string, handler: RouteHandler, method?: string, opts?: { agentAuth?: boolean }): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number | null;
  readonly url: string;
}

export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (h: string) => LOOPBACK.has(h) || h.startsWith('127.');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const WsRequest = z.object({
  id: z.union([z.number(), z.string()]),
  type: z.literal('request'),
  name: z.string().max(100),
  params: z.unknown().optional(),
});

export function defaultStaticDir(): string {
  // electron/core/http → repo root → out/renderer
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'out', 'renderer');
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function createHttpServer(deps: { config: Config; api: CoreApi; bus: EventBus; log: Logger }): HttpServer {
  const { config, api, bus } = deps;
  const log = deps.log.child({ component: 'http' });
  const cfg = config.http;
  if (!isLoopbackHost(cfg.host) && !cfg.operatorToken) {
    throw new Error(`http.host ${cfg.host} is not loopback: set http.operatorToken (AEGISFLOW_OPERATOR_TOKEN, ≥16 chars) to bind there`);
  }
  const staticDir = cfg.staticDir ? path.resolve(cfg.staticDir) : defaultStaticDir();
  const routes = new Map<string, { handler: RouteHandler; method?: string; agentAuth: boolean }>();
  let server: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let port: number | null = null;
  const sockets = new Set<WebSocket>();
  const unsubscribers: Array<() => void> = [];

  /** The operator token, when configured, must come as a Bearer header, a cookie or ?token=. */
  const operatorOk = (req: http.IncomingMessage, url: URL): boolean => {
    if (!cfg.operatorToken) return true;
    const auth = req.headers.authorization ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const cookie = /(?:^|;\s*)aegisflow_operator=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
    const query = url.searchParams.get('token') ?? '';
    return [bearer, decodeURIComponent(cookie), query].some((t) => t && safeEqual(t, cfg.operatorToken!));
  };

  /** Browsers send Origin on WebSocket and cross-site requests: it must be this server itself. */
  const originOk = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true; // non-browser clients (tests, CLI) send none
    try {
      const o = new URL(origin);
      return o.host === req.headers.host;
    } catch {
      return false;
    }
  };

  const serveStatic = (url: URL, res: http.ServerResponse) => {
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticDir, '.' + rel);
    if (!file.startsWith(staticDir + path.sep)) return sendJson(res, 403, { error: 'forbidden' });
    fs.readFile(file, (err, data) => {
      if (err) {
        if (rel === '/index.html') {
          res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            '<!doctype html><title>AegisFlow</title><body style="font-family:sans-serif;background:#d9d9d9">' +
              '<h1>AegisFlow core is running</h1><p>The control room UI is not built yet. Run <code>npm run build</code>, then reload.</p>' +
              '<p>Live status: <a href="/api/v1/status">/api/v1/status</a></p></body>',
          );
          return;
        }
        return sendJson(res, 404, { error: 'not found' });
      }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'x-content-type-options': 'nosniff',
        'content-security-policy':
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'",
      });
      res.end(data);
    });
  };

  const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > cfg.maxBodyBytes) return reject(new HttpError(413, `body larger than ${cfg.maxBodyBytes} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > cfg.maxBodyBytes) {
          reject(new HttpError(413, `body larger than ${cfg.maxBodyBytes} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.get(url.pathname);
    if (!route?.agentAuth && !operatorOk(req, url)) return sendJson(res, 401, { error: 'operator token required' });
    if (cfg.operatorToken && url.searchParams.get('token')) {
      // Trade the query token for an HttpOnly cookie so the page's own requests carry it.
      res.setHeader('set-cookie', `aegisflow_operator=${encodeURIComponent(cfg.operatorToken)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (route) {
      if (route.method && req.method !== route.method) return sendJson(res, 405, { error: `use ${route.method}` });
      let bodyPromise: Promise<Buffer> | null = null;
      const body = () => (bodyPromise ??= readBody(req));
      const ctx: RouteContext = {
        req,
        res,
        url,
        body,
        json: async () => {
          const b = await body();
          try {
            return JSON.parse(b.toString('utf8'));
          } catch (err) {
            throw new HttpError(400, `body is not valid JSON: ${(err as Error).message}`);
          }
        },
      };
      try {
        await route.handler(ctx);
      } catch (err) {
        if (res.headersSent) return void res.end();
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
        log.error({ err, path: url.pathname }, 'route failed');
        return sendJson(res, 500, { error: 'internal error' });
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    serveStatic(url, res);
  };

  const attachWebSocket = (srv: http.Server) => {
    wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    srv.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws') return socket.destroy();
      if (!originOk(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      if (!operatorOk(req, url)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      wss!.handleUpgrade(req, socket as net.Socket, head, (ws) => wss!.emit('connection', ws, req));
    });
    wss.on('connection', (ws: WebSocket) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', async (data) => {
        let msg: z.infer<typeof WsRequest>;
        try {
          msg = WsRequest.parse(JSON.parse(data.toString()));
        } catch (err) {
          ws.send(JSON.stringify({ type: 'error', error: { code: 'bad_message', message: (err as Error).message.slice(0, 300) } }));
          return;
        }
        const reply = api.has(msg.name)
          ? await api.call(msg.name, (msg.params ?? {}) as never)
          : { ok: false as const, error: { code: 'unknown_request', message: `no such request: ${msg.name}` } };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'reply', id: msg.id, reply }));
      });
    });
    // Events fan out to every connected UI. Readings are high-rate: coalesce into one frame per 250 ms.
    let pendingReadings: unknown[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const broadcast = (name: EventName, payload: unknown) => {
      const text = JSON.stringify({ type: 'event', name, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(text);
    };
    const uiEvents = new Set<string>(UI_EVENTS);
    unsubscribers.push(
      bus.onAny((name, payload) => {
        if (!uiEvents.has(name) || sockets.size === 0) return;
        if (name === 'readings') {
          for (const r of payload as Array<Record<string, unknown>>) pendingReadings.push(r);
          if (!flushTimer) {
            flushTimer = setTimeout(() => {
              flushTimer = null;
              const batch = pendingReadings;
              pendingReadings = [];
              broadcast('readings', batch.slice(-2000));
            }, 250);
          }
          return;
        }
        broadcast(name, payload);
      }),
      () => flushTimer && clearTimeout(flushTimer),
    );
  };

  const srv: HttpServer = {
    route(pathname, handler, method, opts) {
      routes.set(pathname, { handler, method, agentAuth: opts?.agentAuth ?? false });
    },
    get port() {
      return port;
    },
    get url() {
      const h = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
      return `http://${h}:${port}`;
    },
    async start() {
      server = http.createServer((req, res) => void handle(req, res));
      server.headersTimeout = 10_000;
      attachWebSocket(server);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(cfg.port, cfg.host, () => resolve());
      });
      port = (server.address() as net.AddressInfo).port;
      log.info({ url: srv.url, staticDir, operatorToken: cfg.operatorToken ? 'required' : 'not required (loopback)' }, 'HTTP listening');
    },
    async stop() {
      for (const off of unsubscribers.splice(0)) off();
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      server = null;
    },
  };

  srv.route(
    '/api/v1/health',
    ({ res }) => sendJson(res, 200, { ok: true, name: 'aegisflow' }),
    'GET',
  );
  srv.route(
    '/api/v1/status',
    async ({ res }) => {
      const reply = await api.call('plant.snapshot', {});
      sendJson(res, reply.ok ? 200 : 500, reply);
    },
    'GET',
  );
  return srv;
}
