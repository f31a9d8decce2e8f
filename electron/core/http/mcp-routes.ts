// The MCP service's HTTP face: Streamable HTTP at mcp.path and the governance check route, mounted
// before the server starts; the endpoint is handed back to the service (session sweeps, info, stop).
// Nothing is mounted while mcp.enabled is false.
import type { McpService } from '../mcp';
import { mountGovernanceCheck } from './governance-check';
import type { HttpServer } from './index';
import { mountStreamableHttp } from './mcp-streamable-http';

export function mountMcpRoutes(http: HttpServer, mcp: McpService): void {
  const deps = mcp.deps;
  if (!deps.config.enabled) return;
  const endpoint = mountStreamableHttp(http, {
    config: deps.config,
    governance: deps.governance,
    log: deps.log,
    createServer: (caller) => mcp.createServer(caller),
    createModern: (caller) => mcp.createModern(caller),
    now: () => deps.clock.now(),
    bindHost: () => bindHostOf(http),
    // Before any session reads it, a body that is not JSON is still this agent's invalid call (abuse signal).
    onMalformed: (agentId, message) => mcp.recordMalformed(agentId, message),
  });
  mountGovernanceCheck(http, {
    governance: deps.governance,
    toolCalls: deps.toolCalls,
    clock: deps.clock,
    log: deps.log,
    maxArgsBytes: deps.config.maxCheckArgsBytes,
  });
  mcp.attachHttp(endpoint, http);
}

/** The address the HTTP server is bound to (its url is built from config http.host). */
function bindHostOf(http: HttpServer): string | undefined {
  try {
    return new URL(http.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}
