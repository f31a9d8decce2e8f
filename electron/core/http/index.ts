// Serve mode's HTTP face: the built renderer, a WebSocket bridge of shared/contract.ts (the same
// contract the Electron preload exposes), /api/v1 routes, and room for /mcp.
// Loopback is not authentication (issue 13): every request and upgrade must name an allowed Host
// exactly (DNS rebinding) and carry a same-origin Origin when it carries one; every operator route and
// the WebSocket need an operator session (an HttpOnly, SameSite=Strict cookie from /api/v1/auth/login),
// and each WebSocket message runs as that session's operator. Agent routes authenticate agents themselves.
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
import type { Logger } from '../observability';
import { OperatorError, type OperatorAuth } from '../operators';
import type { Caller } from '../../../shared/operators';
import type { HttpConfig } from './config';

export { HttpConfigSchema, type HttpConfig } from './config';

export { mountMcpRoutes } from './mcp-routes';
export { mountImmuneRoutes } from './immune-routes';

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** The operator session behind the request (null on public and agent routes without one). */
  caller: Caller | null;
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
   * Every route needs an operator session unless marked: `agentAuth: true` for routes that
   * authenticate agents themselves with their bearer tokens (/mcp, /api/v1/ingest,
   * /api/v1/governance/check), `public: true` for the login and health routes. Host and Origin are
   * checked on all of them.
   */
  route(pathname: string, handler: RouteHandler, method?: string, opts?: { agentAuth?: boolean; public?: boolean }): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number | null;
  readonly url: string;
}

/** Loopback names, exactly: no prefix matching (127.0.0.1.nip.io resolves anywhere). */
export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (h: string) => LOOPBACK.has(h.toLowerCase());

/** A Host header as name (lower case, IPv6 without brackets) and port, or null when malformed. */
export function parseHostHeader(h: string | undefined): { name: string; port: number | null } | null {
  if (!h || h.length > 260) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return null;
  return { name: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] !== undefined ? Number(m[2]) : null };
}

/**
 * The exact Host allowlist: localhost, 127.0.0.1 and [::1], the bind address when it is a specific one,
 * and configured names. An entry "name" matches that name on the server's own port (or with no port
 * only when that port is 80); "name:port" matches exactly.
 */
export function hostAllowed(host: string | undefined, serverPort: number | null, bindHost: string, allowed: readonly string[]): boolean {
  const h = parseHostHeader(host);
  if (!h) return false;
  const names = new Set([...LOOPBACK, ...(bindHost === '0.0.0.0' || bindHost === '::' ? [] : [bindHost.toLowerCase()])]);
  for (const a of allowed) {
    const e = parseHostHeader(a);
    if (!e) continue;
    if (e.port !== null) {
      if (e.name === h.name && e.port === (h.port ?? 80)) return true;
    } else names.add(e.name);
  }
  if (!names.has(h.name)) return false;
  return h.port === serverPort || (h.port === null && serverPort === 80);
}

/** Origin, when a browser sends one, must be this very server as the client named it (scheme://Host). */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // non-browser clients (CLI, tests, agents) send none
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && o.host.toLowerCase() === String(host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

export const SESSION_COOKIE = 'aegisflow_session';
const sessionSecretOf = (req: http.IncomingMessage): string | null => {
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]{1,100})(?:;|$)`).exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
};

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

/** sessionMaxS: the operators' session lifetime, the session cookie's Max-Age. */
export function createHttpServer(deps: {
  config: HttpConfig;
  sessionMaxS: number;
  api: CoreApi;
  bus: EventBus;
  log: Logger;
  operators: OperatorAuth;
}): HttpServer {
  const { api, bus, operators } = deps;
  const log = deps.log.child({ component: 'http' });
  const cfg = deps.config;
  if (!isLoopbackHost(cfg.host))
    log.warn({ host: cfg.host }, 'HTTP bound beyond loopback: put TLS (a reverse proxy) in front, passwords and session cookies travel on it');
  const staticDir = cfg.staticDir ? path.resolve(cfg.staticDir) : defaultStaticDir();
  const routes = new Map<string, { handler: RouteHandler; method?: string; agentAuth: boolean; public: boolean }>();
  let server: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let port: number | null = null;
  /** Open WebSockets and the session each runs as. */
  const sockets = new Map<WebSocket, string>();
  const unsubscribers: Array<() => void> = [];
  const refused = { host: 0, origin: 0, session: 0 };

  const hostOk = (req: http.IncomingMessage) => hostAllowed(req.headers.host, port, cfg.host, cfg.allowedHosts);
  const originOk = (req: http.IncomingMessage) => originAllowed(req.headers.origin, req.headers.host);
  const callerOf = (req: http.IncomingMessage, via: Caller['via']): Caller | null => operators.callerFor(operators.keyFor(sessionSecretOf(req)), via);
  const cookieHeader = (secret: string, maxAgeS: number) => `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;

  const serveStatic = (url: URL, res: http.ServerResponse) => {
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendJson(res, 400, { error: 'bad path encoding' });
    }
    // A NUL byte made fs throw synchronously and took the whole process down (issue 19 fuzz: GET /%00).
    if (rel.includes('\0')) return sendJson(res, 400, { error: 'bad path' });
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
    // 421 Misdirected Request: this server does not answer to that name (a rebound DNS name, most likely).
    if (!hostOk(req)) {
      refused.host++;
      log.warn({ host: req.headers.host, path: url.pathname }, 'request for a foreign Host refused (DNS rebinding?)');
      return sendJson(res, 421, { error: `this server does not answer to host ${String(req.headers.host).slice(0, 100)}` });
    }
    const route = routes.get(url.pathname);
    // Agent routes check Origin themselves (the MCP route by its own rules: mcp.allowedOrigins, loopback pages).
    if (!route?.agentAuth && !originOk(req)) {
      refused.origin++;
      log.warn({ origin: req.headers.origin, path: url.pathname }, 'request from a foreign Origin refused');
      return sendJson(res, 403, { error: 'cross-origin request refused' });
    }
    const caller = route?.agentAuth ? null : callerOf(req, 'rest');
    const isApi = url.pathname.startsWith('/api/');
    if (!route?.agentAuth && !route?.public && isApi && !caller) {
      refused.session++;
      return sendJson(res, 401, { error: 'log in as an operator first (POST /api/v1/auth/login)' });
    }
    if (route) {
      if (route.method && req.method !== route.method) return sendJson(res, 405, { error: `use ${route.method}` });
      let bodyPromise: Promise<Buffer> | null = null;
      const body = () => (bodyPromise ??= readBody(req));
      const ctx: RouteContext = {
        req,
        res,
        url,
        caller,
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
        if (err instanceof OperatorError)
          return sendJson(res, err.code === 'not_found' ? 404 : err.code === 'exists' ? 409 : 400, { error: err.message, code: err.code });
        log.error({ err, path: url.pathname }, 'route failed');
        return sendJson(res, 500, { error: 'internal error' });
      }
      return;
    }
    if (isApi) return sendJson(res, 404, { error: 'no such route' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    serveStatic(url, res); // the page and its code are public: they hold no data, and log in first
  };

  const attachWebSocket = (srv: http.Server) => {
    wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    srv.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws') return socket.destroy();
      const refuse = (status: string, why: keyof typeof refused) => {
        refused[why]++;
        log.warn({ host: req.headers.host, origin: req.headers.origin, why }, 'WebSocket upgrade refused');
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      };
      if (!hostOk(req)) return refuse('421 Misdirected Request', 'host');
      if (!originOk(req)) return refuse('403 Forbidden', 'origin');
      const caller = callerOf(req, 'ws');
      if (!caller?.sessionId) return refuse('401 Unauthorized', 'session');
      wss!.handleUpgrade(req, socket, head, (ws) => {
        sockets.set(ws, caller.sessionId!);
        wss!.emit('connection', ws, req);
      });
    });
    // A session that ends (logout, idle, removed account) closes its sockets: 4401 tells the page to log in.
    unsubscribers.push(
      operators.sessions.onEnd((key, why) => {
        for (const [ws, k] of sockets) if (k === key) ws.close(4401, `session ended: ${why}`.slice(0, 120));
      }),
    );
    wss.on('connection', (ws: WebSocket) => {
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on(
        'message',
        (data) =>
          void (async () => {
            let msg: z.infer<typeof WsRequest>;
            try {
              msg = WsRequest.parse(JSON.parse((data as Buffer).toString('utf8')));
            } catch (err) {
              ws.send(JSON.stringify({ type: 'error', error: { code: 'bad_message', message: (err as Error).message.slice(0, 300) } }));
              return;
            }
            // Each message runs as the session's operator as the registry knows them now, or not at all.
            const caller = operators.callerFor(sockets.get(ws), 'ws');
            if (!caller) {
              ws.send(
                JSON.stringify({
                  type: 'reply',
                  id: msg.id,
                  reply: { ok: false, error: { code: 'unauthenticated', message: 'the session has ended: log in again' } },
                }),
              );
              ws.close(4401, 'session ended');
              return;
            }
            const reply = api.has(msg.name)
              ? await api.call(msg.name, msg.params ?? {}, caller)
              : { ok: false as const, error: { code: 'unknown_request', message: `no such request: ${msg.name}` } };
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'reply', id: msg.id, reply }));
          })(),
      );
    });
    // Events fan out to every connected UI. Readings are high-rate: coalesce into one frame per 250 ms.
    let pendingReadings: unknown[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const broadcast = (name: EventName, payload: unknown) => {
      const text = JSON.stringify({ type: 'event', name, payload });
      for (const ws of sockets.keys()) if (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(text);
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
      routes.set(pathname, { handler, method, agentAuth: opts?.agentAuth ?? false, public: opts?.public ?? false });
    },
    get port() {
      return port;
    },
    get url() {
      const h = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
      return `http://${h}:${port}`;
    },
    async start() {
      // Every request is answered: a handler that throws gets 500 (never an unhandled rejection, which
      // would end the process), and a client too slow to send its request gets 408 within
      // requestTimeoutMs (checked every second, not Node's default 30 s).
      server = http.createServer(
        { requestTimeout: cfg.requestTimeoutMs, headersTimeout: Math.min(10_000, cfg.requestTimeoutMs), connectionsCheckingInterval: 1000 },
        (req, res) =>
          void handle(req, res).catch((err) => {
            log.error({ err, url: String(req.url).slice(0, 200) }, 'request failed');
            if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
            else res.end();
          }),
      );
      attachWebSocket(server);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(cfg.port, cfg.host, () => resolve());
      });
      port = (server.address() as net.AddressInfo).port;
      log.info({ url: srv.url, staticDir, allowedHosts: cfg.allowedHosts }, 'HTTP listening');
    },
    async stop() {
      for (const off of unsubscribers.splice(0)) off();
      for (const ws of sockets.keys()) ws.terminate();
      sockets.clear();
      await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      server = null;
    },
  };

  srv.route('/api/v1/health', ({ res }) => sendJson(res, 200, { ok: true, name: 'aegisflow' }), 'GET', { public: true });
  srv.route(
    '/api/v1/status',
    async ({ res, caller }) => {
      const reply = await api.call('plant.snapshot', {}, caller ?? undefined);
      sendJson(res, reply.ok ? 200 : 500, reply);
    },
    'GET',
  );
  // Operator sessions. The page logs in here and then opens /ws with the cookie; the secret never
  // reaches page script (HttpOnly) or a URL.
  const Credentials = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) });
  const credentials = async (json: () => Promise<unknown>) => {
    const p = Credentials.safeParse(await json());
    if (!p.success) throw new HttpError(400, 'send {"name": …, "password": …}');
    return p.data;
  };
  const loggedIn = (res: http.ServerResponse, r: Awaited<ReturnType<OperatorAuth['login']>>) => {
    if (!r.ok) return sendJson(res, r.code === 'locked' ? 429 : r.code === 'setup_required' ? 409 : 401, { error: r.message, code: r.code });
    res.setHeader('set-cookie', cookieHeader(r.secret, deps.sessionMaxS));
    sendJson(res, 200, operators.state(r.session));
  };
  srv.route('/api/v1/auth', ({ req, res }) => sendJson(res, 200, operators.state(operators.sessions.peek(sessionSecretOf(req)))), 'GET', { public: true });
  srv.route(
    '/api/v1/auth/login',
    async ({ res, json }) => {
      const c = await credentials(json);
      loggedIn(res, await operators.login(c.name, c.password));
    },
    'POST',
    { public: true },
  );
  srv.route(
    '/api/v1/auth/setup',
    async ({ res, json }) => {
      const body = (await json()) as { code?: unknown } | null;
      const c = await credentials(async () => body);
      loggedIn(res, await operators.setup(body?.code, c.name, c.password));
    },
    'POST',
    { public: true },
  );
  srv.route(
    '/api/v1/auth/logout',
    ({ req, res }) => {
      operators.logout(sessionSecretOf(req));
      res.setHeader('set-cookie', cookieHeader('', 0));
      sendJson(res, 200, operators.state(null));
    },
    'POST',
  );
  return srv;
}
