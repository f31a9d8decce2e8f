// Views of the governed MCP server shared by the core and the UI ("Connect an agent" panel, call log).
// Plain types only.

/** One tools/call as the MCP server recorded it (bus event 'mcp.call'). */
export interface McpCallEvent {
  ts: number;
  agentId: string;
  tool: string;
  /** NONE: refused before the gateway (invalid arguments, unknown tool). */
  decision: 'ALLOW' | 'REVIEW' | 'BLOCK' | 'NONE';
  /** ok | error | blocked | pending | rejected | expired | cancelled | invalid | rate_limited */
  status: string;
  approvalId: string | null;
  latencyMs: number;
  isError: boolean;
  error: string | null;
}

/**
 * A tools/call refused by a rate limit (bus event 'mcp.rate_limited'): the call itself is also an
 * 'mcp.call' with status "rate_limited". `hits` counts this agent's refused calls since the core started.
 */
export interface McpRateLimitedEvent {
  ts: number;
  agentId: string;
  tool: string;
  /** Which bucket was empty: all of the agent's calls, or its calls to this tool. */
  limit: 'agent' | 'tool';
  retryAfterMs: number;
  hits: number;
}

export interface McpToolCallView {
  id: number;
  ts: number;
  agent_id: string | null;
  tool: string;
  args: unknown;
  decision: string;
  rule_id: string | null;
  approval_id: string | null;
  status: string;
  latency_ms: number;
  wait_ms: number;
  result_bytes: number;
  is_error: boolean;
  error: string | null;
  transport: string | null;
}

/** What the UI shows to connect an agent: the endpoint and copy-paste client configs. */
export interface McpInfo {
  enabled: boolean;
  /** http://127.0.0.1:8787/mcp, or null when HTTP is off. */
  url: string | null;
  tools: Array<{ name: string; title: string; readOnly: boolean; gated: boolean }>;
  openSessions: number;
  /** Ready-to-paste configurations; AGENT_TOKEN stands for the agent's bearer token. */
  examples: {
    claudeDesktop: unknown;
    inspectorCli: string;
    stdioCommand: string;
  };
}

/** The answer of POST /api/v1/governance/check (for agents that run their own tools). */
export interface GovernanceCheckResponse {
  decision: 'ALLOW' | 'BLOCK' | 'REVIEW';
  status: 'allowed' | 'blocked' | 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  reason: string;
  rule_id: string | null;
  policy_version: string | null;
  agent_id: string;
  approval_id?: string;
  deadline?: string;
  decided_by?: string | null;
  /** Single-use intent token bound to agent + tool + exact arguments (absent for read tools). */
  intent_token?: string;
  expires_at?: string;
}

/** Seed 000's nine MCP tools, in the seed's order: names are part of the contract with agents. */
export const SEED_TOOLS = [
  'get_sensor_stream',
  'get_device_status',
  'get_active_anomalies',
  'get_anomaly_history',
  'query_device_manual',
  'get_incident_reports',
  'execute_device_command',
  'acknowledge_anomaly',
  'log_incident_report',
] as const;
