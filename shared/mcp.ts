// Views of the governed MCP server shared by the core and the UI ("Connect an agent" panel, call log).
// The contract's types are inferred from ./schemas/mcp.ts (type-only: no zod at run time here).
export type { McpCallEvent, McpRateLimitedEvent, McpToolCallView, McpInfo } from './schemas/mcp';

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

/** Seed 000's six tools that only read, in the seed's order. */
export const SEED_READ_TOOLS = [
  'get_sensor_stream',
  'get_device_status',
  'get_active_anomalies',
  'get_anomaly_history',
  'query_device_manual',
  'get_incident_reports',
] as const;

/** Seed 000's nine MCP tools, in the seed's order: names are part of the contract with agents. */
export const SEED_TOOLS = [...SEED_READ_TOOLS, 'execute_device_command', 'acknowledge_anomaly', 'log_incident_report'] as const;
