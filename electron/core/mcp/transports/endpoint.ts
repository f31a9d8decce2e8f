// The Streamable HTTP endpoint as the MCP service sees it. The HTTP part mounts /mcp
// (electron/core/http/mcp-streamable-http.ts) and hands the endpoint to the service, which sweeps its
// idle sessions, closes them at stop and shows their count.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { NodeStreamableHttpTransport } from './nodeStreamableHttp';

export interface HttpSession {
  id: string;
  agentId: string;
  transport: NodeStreamableHttpTransport;
  server: McpServer;
  lastSeen: number;
}

export interface StreamableHttpEndpoint {
  readonly sessions: ReadonlyMap<string, HttpSession>;
  /** Close sessions idle longer than the limit. */
  sweep(now?: number): number;
  close(): Promise<void>;
  counters(): {
    unauthorized: number;
    forbidden: number;
    badOrigin: number;
    tooLarge: number;
    badJson: number;
    sessionsOpened: number;
    sessionsRefused: number;
    sessionsEvicted: number;
    /** Revision 2026-07-28 requests served (no session). */
    statelessRequests: number;
  };
}

/** Header the stdio bridge sends with --agent NAME; when present it must match the token's agent. */
export const AGENT_HEADER = 'x-aegisflow-agent';
