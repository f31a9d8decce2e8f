// MCP's Streamable HTTP at /mcp on the core's HTTP server (127.0.0.1 by default); the transport itself
// (NodeStreamableHttpTransport) and the servers behind it are the MCP part's.
//
// Sessions (Mcp-Session-Id), not stateless: a session keeps one McpServer for one agent, so a call
// costs no server construction, the optional GET stream works, and a long REVIEW wait streams its
// progress notifications on the POST's SSE response. Every request still carries the agent's bearer
// token and is checked again: 401 without a valid token, 403 for a paused or quarantined agent, 403
// when the token's agent is not the one that opened the session, 403 for a foreign Origin (DNS
// rebinding), 413 above the body limit. Idle sessions are closed; the client re-initialises.
// Sessions are capped per agent and in all (finding 10): a new session beyond either cap closes only
// the same agent's least recently used session with no call in flight, or is refused (429 over the
// agent's cap, 503 when the server is full). Another agent's session is never closed to make room.
// Revision 2026-07-28 requests (a `_meta` envelope, no session) pass the same checks and are then served
// one by one (mcp-stateless-http.ts, ../mcp/modern.ts); the two eras share the endpoint, negotiated per request.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AgentGate } from '../governance';
import { NodeStreamableHttpTransport, type CallerIdentity, type HttpSession, type McpConfig, type ModernEndpoint, type StreamableHttpEndpoint } from '../mcp';
import { createRateLimitedLog, type Logger } from '../observability';
import { authenticateAgent } from './agent-auth';
import { isLoopbackHost, sendJson, type HttpServer, type RouteContext } from './index';
import { isModernRequest, serveModern } from './mcp-stateless-http';

export interface StreamableHttpDeps {
  config: McpConfig;
  governance: AgentGate;
  log: Logger;
  createServer(caller: CallerIdentity): McpServer;
  /** The 2026-07-28 (stateless) endpoint of one agent: built on its first such request, kept while the app runs. */
  createModern(caller: CallerIdentity): ModernEndpoint;
  now?: () => number;
  /** The HTTP server's bind address (http.host): Host headers are checked while it is loopback. */
  bindHost?: () => string | undefined;
  /** An authenticated agent sent a body no session could read (not JSON, too large): counted as its invalid call. */
  onMalformed?(agentId: string, message: string): void;
}

/** The Host header's name must be loopback (or listed) while the server is bound to loopback. */
export function mcpHostAllowed(req: http.IncomingMessage, cfg: McpConfig, bindHost: string | undefined): boolean {
  if (bindHost !== undefined && !isLoopbackHost(bindHost)) return true; // bound elsewhere: the operator token guards it
  const h = req.headers.host;
  if (!h) return true; // HTTP/1.0 clients; browsers always send Host
  let name: string;
  try {
    name = new URL(`http://${h}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return isLoopbackHost(name) || cfg.allowedHosts.includes(name);
}

/** Origin check of the MCP spec: absent (non-browser clients), this server, loopback pages, or listed. */
export function mcpOriginAllowed(req: http.IncomingMessage, cfg: McpConfig): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === '') return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (o.host === req.headers.host) return true;
  if (cfg.allowLoopbackOrigins && (o.protocol === 'http:' || o.protocol === 'https:') && isLoopbackHost(o.hostname.replace(/^\[|\]$/g, ''))) return true;
  return cfg.allowedOrigins.some((a) => {
    try {
      return new URL(a).origin === o.origin;
    } catch {
      return false;
    }
  });
}

const rpcError = (res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) => {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
};

export function mountStreamableHttp(httpServer: HttpServer, deps: StreamableHttpDeps): StreamableHttpEndpoint {
  const { config, governance, log } = deps;
  const now = deps.now ?? Date.now;
  const sessions = new Map<string, HttpSession>();
  const warnLimited = createRateLimitedLog(log);
  const counters = {
    unauthorized: 0,
    forbidden: 0,
    badOrigin: 0,
    tooLarge: 0,
    badJson: 0,
    sessionsOpened: 0,
    sessionsRefused: 0,
    sessionsEvicted: 0,
    statelessRequests: 0,
  };
  const modern = new Map<string, ModernEndpoint>();
  const modernOf = (agentId: string) => {
    let m = modern.get(agentId);
    if (!m) modern.set(agentId, (m = deps.createModern({ agentId, transport: 'http' })));
    return m;
  };

  const closeSession = (s: HttpSession, why: string) => {
    if (!sessions.delete(s.id)) return;
    log.debug({ sessionId: s.id, agentId: s.agentId, why }, 'MCP session closed');
    void s.transport.close().catch(() => {});
    void s.server.close().catch(() => {});
  };

  /**
   * Room for one more session of this agent, or why not. Only the agent's own idle sessions (no
   * request in flight), least recently used first, are closed to make room; never another agent's.
   */
  const admit = (agentId: string): { status: number; message: string } | null => {
    const own: HttpSession[] = [];
    for (const s of sessions.values()) if (s.agentId === agentId) own.push(s);
    const idle = own.filter((s) => !s.transport.busy).sort((a, b) => a.lastSeen - b.lastSeen);
    const evictable = config.sessionOverflow === 'evict-idle';
    let open = own.length;
    while (open >= config.maxSessionsPerAgent) {
      const victim = evictable ? idle.shift() : undefined;
      if (!victim) {
        return {
          status: 429,
          message:
            `agent ${agentId} already has ${open} sessions open (mcp.maxSessionsPerAgent = ${config.maxSessionsPerAgent})` +
            (evictable ? ', each with a request in flight' : '') +
            ': reuse a session (Mcp-Session-Id), end one with DELETE, or wait for one to finish',
        };
      }
      counters.sessionsEvicted++;
      closeSession(victim, `agent session limit (${config.maxSessionsPerAgent})`);
      open--;
    }
    while (sessions.size >= config.maxSessions) {
      const victim = evictable ? idle.shift() : undefined;
      if (!victim) {
        return {
          status: 503,
          message: `the MCP server holds its limit of ${config.maxSessions} sessions (mcp.maxSessions) and agent ${agentId} has no idle session of its own to give up; other agents' sessions are not closed for it. Retry later`,
        };
      }
      counters.sessionsEvicted++;
      closeSession(victim, `server session limit (${config.maxSessions})`);
    }
    return null;
  };

  const handler = async (ctx: RouteContext) => {
    const { req, res } = ctx;
    if (!mcpHostAllowed(req, config, deps.bindHost?.())) {
      counters.badOrigin++;
      log.warn({ host: req.headers.host }, 'MCP request for a foreign Host refused (DNS rebinding?)');
      return rpcError(res, 403, -32000, `host ${String(req.headers.host)} is not allowed`);
    }
    if (!mcpOriginAllowed(req, config)) {
      counters.badOrigin++;
      log.warn({ origin: req.headers.origin }, 'MCP request from a foreign origin refused');
      return rpcError(res, 403, -32000, `origin ${String(req.headers.origin)} is not allowed`);
    }
    const agent = authenticateAgent(req, governance, (status, message, headers) => {
      if (status === 401) counters.unauthorized++;
      else counters.forbidden++;
      rpcError(res, status, -32001, message, headers);
    });
    if (!agent) return;

    let body: unknown = undefined;
    if (req.method === 'POST') {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > config.maxBodyBytes) {
        counters.tooLarge++;
        deps.onMalformed?.(agent.id, `request body larger than ${config.maxBodyBytes} bytes`);
        return rpcError(res, 413, -32600, `request body larger than ${config.maxBodyBytes} bytes`);
      }
      const raw = await ctx.body();
      if (raw.length > config.maxBodyBytes) {
        counters.tooLarge++;
        deps.onMalformed?.(agent.id, `request body larger than ${config.maxBodyBytes} bytes`);
        return rpcError(res, 413, -32600, `request body larger than ${config.maxBodyBytes} bytes`);
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        counters.badJson++;
        deps.onMalformed?.(agent.id, `parse error: ${(err as Error).message}`);
        return rpcError(res, 400, -32700, `parse error: ${(err as Error).message}`);
      }
    }

    // Revision 2026-07-28: no session, the request stands alone (authenticated above like any other).
    if (isModernRequest(req, body)) {
      counters.statelessRequests++;
      return serveModern(modernOf(agent.id), req, res, body, agent.id, (message) => deps.onMalformed?.(agent.id, message));
    }

    const sid = req.headers['mcp-session-id'];
    let session: HttpSession | undefined;
    if (typeof sid === 'string' && sid !== '') {
      session = sessions.get(sid);
      // 404 tells a client its session is gone (idle timeout, restart): it starts a new one.
      if (!session) return rpcError(res, 404, -32001, 'session not found; initialize a new session');
      if (session.agentId !== agent.id) {
        counters.forbidden++;
        return rpcError(res, 403, -32001, `session ${sid} belongs to another agent`);
      }
    } else if (req.method === 'POST' && (isInitializeRequest(body) || (Array.isArray(body) && body.some((m) => isInitializeRequest(m))))) {
      const refused = admit(agent.id);
      if (refused) {
        counters.sessionsRefused++;
        warnLimited(`session:${agent.id}`, { agentId: agent.id, status: refused.status, sessions: sessions.size }, 'MCP session refused: session limit');
        return rpcError(res, refused.status, -32000, refused.message, { 'retry-after': '5' });
      }
      const server = deps.createServer({ agentId: agent.id, transport: 'http' });
      const transport: NodeStreamableHttpTransport = new NodeStreamableHttpTransport({
        sessionIdGenerator: () => randomUUID(),
        maxBatch: config.maxBatch,
        onsessioninitialized: (id) => {
          counters.sessionsOpened++;
          sessions.set(id, { id, agentId: agent.id, transport, server, lastSeen: now() });
          log.debug({ sessionId: id, agentId: agent.id }, 'MCP session opened');
        },
        onsessionclosed: (id) => {
          const s = sessions.get(id);
          if (s) closeSession(s, 'client ended the session');
        },
      });
      transport.onclose = () => {
        const id = transport.sessionId;
        const s = id ? sessions.get(id) : undefined;
        if (s) closeSession(s, 'transport closed');
      };
      await server.connect(transport);
      session = { id: '', agentId: agent.id, transport, server, lastSeen: now() };
    } else {
      return rpcError(res, 400, -32000, 'no Mcp-Session-Id: send an initialize request first');
    }
    session.lastSeen = now();
    const auth: AuthInfo = { token: '(agent bearer token)', clientId: agent.id, scopes: [], extra: { agentId: agent.id } };
    await session.transport.handleRequest(req, res, body, auth);
  };

  httpServer.route(config.path, handler, undefined, { agentAuth: true }); // agents' own bearer tokens, not the operator's

  return {
    sessions,
    sweep(at = now()) {
      let n = 0;
      for (const s of [...sessions.values()]) {
        // A call waiting for an operator keeps its session, however long the wait.
        if (at - s.lastSeen > config.sessionIdleMs && !s.transport.busy) {
          closeSession(s, 'idle');
          n++;
        }
      }
      return n;
    },
    async close() {
      for (const s of [...sessions.values()]) closeSession(s, 'server stopping');
      const stateless = [...modern.values()];
      modern.clear();
      await Promise.all(stateless.map((m) => m.close()));
    },
    counters: () => ({ ...counters }),
  };
}
