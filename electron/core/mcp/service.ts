// The MCP subsystem as the core sees it: builds servers per caller and sweeps the idle sessions of the
// /mcp endpoint the HTTP part mounts (electron/core/http/mcp-routes.ts); the UI's mcp.* requests: ./api.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpInfo, McpToolCallView } from '../../../shared/mcp';
import { recordInvalidCall } from './record';
import { createRunVitals } from './vitals';
import { createRateLimiter } from './limits';
import { PendingCalls } from './pending';
import type { PendingCallRepository } from './pending-repo';
import { ModernEndpoint } from './modern';
import { createMcpServer } from './server';
import { GATED_TOOLS } from './tasks';
import { ALL_TOOLS, TOOL_REGISTRY } from './tools';
import type { StreamableHttpEndpoint } from './transports/endpoint';
import type { CallerIdentity, McpDeps } from './types';

/** The CLI entry of this checkout (electron/core/mcp → repo root → bin), for copy-paste configs. */
const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'aegisflow.mjs');

/** What the service needs of the HTTP server: where it listens. */
export interface HttpListener {
  readonly port: number | null;
  readonly url: string;
}

export interface McpService {
  readonly deps: McpDeps;
  /** A fresh server for one caller (HTTP session, stdio process, in-memory test client). */
  createServer(caller: CallerIdentity): McpServer;
  /** A revision 2026-07-28 (stateless) endpoint for one caller, over a server of its own. */
  createModern(caller: CallerIdentity): ModernEndpoint;
  /** The /mcp endpoint the HTTP part mounted, and the server it listens on (for the URL shown). */
  attachHttp(endpoint: StreamableHttpEndpoint, server: HttpListener): void;
  /** An authenticated agent sent a body no session could read: counted as its invalid call. */
  recordMalformed(agentId: string, message: string): void;
  info(): McpInfo;
  recentCalls(q?: { agentId?: string; tool?: string; limit?: number; beforeId?: number }): McpToolCallView[];
  readonly http: StreamableHttpEndpoint | null;
  start(): void;
  stop(): Promise<void>;
}

/** What the composition root gives the service: the deps, with the pending calls' table instead of their manager. */
export type McpServiceInput = Omit<McpDeps, 'pending'> & { pendingCalls: PendingCallRepository };

export function createMcpService(input: McpServiceInput): McpService {
  const { pendingCalls, ...rest } = input;
  const deps: McpDeps = { ...rest, pending: new PendingCalls(() => deps, pendingCalls) };
  if (deps.runVitals === undefined) deps.runVitals = deps.immune ? createRunVitals(deps.immune, deps.clock, deps.config.vitals) : null;
  if (deps.limiter === undefined) deps.limiter = createRateLimiter(deps.config.rateLimits, () => deps.clock.now());
  let endpoint: StreamableHttpEndpoint | null = null;
  let httpServer: HttpListener | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  const createServer = (caller: CallerIdentity) => createMcpServer(deps, caller);

  const svc: McpService = {
    deps,
    createServer,
    createModern: (caller) => new ModernEndpoint(deps, caller, createServer(caller)),
    get http() {
      return endpoint;
    },
    attachHttp(http, server) {
      endpoint = http;
      httpServer = server;
    },
    recordMalformed: (agentId, message) => recordInvalidCall(deps, { agentId, transport: 'http' }, '(rpc) malformed', undefined, message),
    info() {
      const url = httpServer && httpServer.port !== null && deps.config.enabled ? `${httpServer.url}${deps.config.path}` : null;
      const shownUrl = url ?? `http://127.0.0.1:8787${deps.config.path}`;
      return {
        enabled: deps.config.enabled,
        url,
        tools: ALL_TOOLS.map((t) => ({
          name: t.name,
          title: t.title,
          readOnly: t.annotations.readOnlyHint === true,
          gated: GATED_TOOLS.has(t.name),
        })),
        openSessions: endpoint?.sessions.size ?? 0,
        examples: {
          claudeDesktop: {
            mcpServers: {
              aegisflow: { command: 'node', args: [CLI_BIN, 'mcp', '--agent', 'AGENT_NAME', '--url', shownUrl], env: { AEGISFLOW_AGENT_TOKEN: 'AGENT_TOKEN' } },
            },
          },
          inspectorCli: `npx @modelcontextprotocol/inspector --cli ${shownUrl} --transport http --header "Authorization: Bearer AGENT_TOKEN" --method tools/list`,
          stdioCommand: `AEGISFLOW_AGENT_TOKEN=AGENT_TOKEN node ${CLI_BIN} mcp --agent AGENT_NAME --url ${shownUrl}`,
        },
      };
    },
    recentCalls: (q) => deps.toolCalls.recent(q),
    start() {
      deps.runVitals?.start();
      if (sweepTimer) return;
      deps.pending.resume(TOOL_REGISTRY);
      sweepTimer = setInterval(
        () => {
          endpoint?.sweep();
          deps.pending.sweep();
        },
        Math.min(60_000, Math.max(1000, Math.floor(deps.config.sessionIdleMs / 4))),
      );
      sweepTimer.unref?.();
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = null;
      await endpoint?.close();
      deps.toolCalls.flush();
      deps.runVitals?.stop();
    },
  };
  return svc;
}
