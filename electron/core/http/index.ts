// Serve mode's HTTP face: the built renderer (static.ts), a WebSocket bridge of shared/contract.ts
// (ws-bridge.ts, the same contract the Electron preload exposes), /api/v1 routes (session-routes.ts and
// the subsystems'), and /mcp. This file dispatches: the door (guard.ts) first, then a route or a file.
// Loopback is not authentication (issue 13): every operator route and the WebSocket need an operator
// session, and each WebSocket message runs as that session's operator. Agent routes authenticate agents themselves.
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Logger } from '../observability';
import { OperatorError, type OperatorAuth } from '../operators';
import type { Caller } from '../../../shared/operators';
import type { ReadingsDropped } from '../../../shared/readings-throttle';
import { hostAllowed, isLoopbackHost, originAllowed, sessionSecretOf } from './guard';
import { HttpError, routeContext, sendJson, type RouteHandler } from './respond';
import { mountSessionRoutes } from './session-routes';
import { defaultStaticDir, serveStatic } from './static';
import { attachWsBridge } from './ws-bridge';
import type { HttpConfig } from './config';

export { HttpConfigSchema, type HttpConfig } from './config';

export { hostAllowed, isLoopbackHost, LOOPBACK, originAllowed, parseHostHeader, SESSION_COOKIE } from './guard';
export { HttpError, sendJson, type RouteContext, type RouteHandler } from './respond';
export { defaultStaticDir } from './static';
export { mountMcpRoutes } from './mcp-routes';
export { mountImmuneRoutes } from './immune-routes';

export interface HttpServer {
  /**
   * Register a handler for an exact path (any method unless given). Subsystems add /api/v1/... and /mcp.
   * Every route needs an operator session unless marked: `agentAuth: true` for routes that
   * authenticate agents themselves with their bearer tokens (/mcp, /api/v1/ingest,
   * /api/v1/governance/check), `public: true` for the login and health routes. Host and Origin are
   * checked on all of them. Returns the route's disposer.
   */
  route(pathname: string, handler: RouteHandler, method?: string, opts?: { agentAuth?: boolean; public?: boolean }): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number | null;
  readonly url: string;
  /** Readings the WebSocket bridge's throttle left out since start (each page is told as it happens). */
  readonly readingsDropped: number;
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
  let detachWs: (() => Promise<void>) | null = null;
  let port: number | null = null;
  let readingsDropped = 0;

  const hostOk = (req: http.IncomingMessage) => hostAllowed(req.headers.host, port, cfg.host, cfg.allowedHosts);
  const originOk = (req: http.IncomingMessage) => originAllowed(req.headers.origin, req.headers.host);
  const callerOf = (req: http.IncomingMessage, via: Caller['via']): Caller | null => operators.callerFor(operators.keyFor(sessionSecretOf(req)), via);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // 421 Misdirected Request: this server does not answer to that name (a rebound DNS name, most likely).
    if (!hostOk(req)) {
      log.warn({ host: req.headers.host, path: url.pathname }, 'request for a foreign Host refused (DNS rebinding?)');
      return sendJson(res, 421, { error: `this server does not answer to host ${String(req.headers.host).slice(0, 100)}` });
    }
    const route = routes.get(url.pathname);
    // Agent routes check Origin themselves (the MCP route by its own rules: mcp.allowedOrigins, loopback pages).
    if (!route?.agentAuth && !originOk(req)) {
      log.warn({ origin: req.headers.origin, path: url.pathname }, 'request from a foreign Origin refused');
      return sendJson(res, 403, { error: 'cross-origin request refused' });
    }
    const caller = route?.agentAuth ? null : callerOf(req, 'rest');
    const isApi = url.pathname.startsWith('/api/');
    if (!route?.agentAuth && !route?.public && isApi && !caller) return sendJson(res, 401, { error: 'log in as an operator first (POST /api/v1/auth/login)' });
    if (route) {
      if (route.method && req.method !== route.method) return sendJson(res, 405, { error: `use ${route.method}` });
      try {
        await route.handler(routeContext(req, res, url, caller, cfg.maxBodyBytes));
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
    serveStatic(staticDir, url, res);
  };

  const admit = (req: http.IncomingMessage) => {
    if (!hostOk(req)) return { refuse: '421 Misdirected Request' };
    if (!originOk(req)) return { refuse: '403 Forbidden' };
    const sessionId = callerOf(req, 'ws')?.sessionId;
    return sessionId ? { sessionId } : { refuse: '401 Unauthorized' };
  };
  const onDrop = (r: ReadingsDropped) => {
    readingsDropped = r.total;
  };

  const srv: HttpServer = {
    route(pathname, handler, method, opts) {
      const entry = { handler, method, agentAuth: opts?.agentAuth ?? false, public: opts?.public ?? false };
      routes.set(pathname, entry);
      return () => {
        if (routes.get(pathname) === entry) routes.delete(pathname);
      };
    },
    get port() {
      return port;
    },
    get url() {
      const h = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
      return `http://${h}:${port}`;
    },
    get readingsDropped() {
      return readingsDropped;
    },
    async start() {
      // Every request is answered: a handler that throws gets 500 (never an unhandled rejection, which
      // would end the process), and a client too slow to send its request gets 408 within
      // requestTimeoutMs (checked every second, not Node's default 30 s).
      const s = http.createServer(
        { requestTimeout: cfg.requestTimeoutMs, headersTimeout: Math.min(10_000, cfg.requestTimeoutMs), connectionsCheckingInterval: 1000 },
        (req, res) =>
          void handle(req, res).catch((err) => {
            log.error({ err, url: String(req.url).slice(0, 200) }, 'request failed');
            if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
            else res.end();
          }),
      );
      server = s;
      detachWs = attachWsBridge(s, { api, bus, operators, log, admit, onDrop });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(cfg.port, cfg.host, () => resolve());
      });
      port = (s.address() as net.AddressInfo).port;
      log.info({ url: srv.url, staticDir, allowedHosts: cfg.allowedHosts }, 'HTTP listening');
    },
    async stop() {
      await detachWs?.();
      detachWs = null;
      const s = server;
      server = null;
      if (s) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };

  mountSessionRoutes(srv, { api, operators, sessionMaxS: deps.sessionMaxS });
  return srv;
}
