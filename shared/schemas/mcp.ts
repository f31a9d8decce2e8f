// Contract schemas of the governed MCP server (issue 6): the call log and the "Connect an agent" panel.
// Types are re-exported (type-only) by ../mcp.ts.
import { z } from 'zod';

/** One tools/call as the MCP server recorded it (bus event 'mcp.call'). */
export const McpCallEventSchema = z.object({
  ts: z.number(),
  agentId: z.string(),
  tool: z.string(),
  /** NONE: refused before the gateway (invalid arguments, unknown tool). */
  decision: z.enum(['ALLOW', 'REVIEW', 'BLOCK', 'NONE']),
  /** ok | error | blocked | pending | rejected | expired | cancelled | invalid | rate_limited */
  status: z.string(),
  approvalId: z.string().nullable(),
  latencyMs: z.number(),
  isError: z.boolean(),
  error: z.string().nullable(),
});
export type McpCallEvent = z.infer<typeof McpCallEventSchema>;

/**
 * A tools/call refused by a rate limit (bus event 'mcp.rate_limited'): the call itself is also an
 * 'mcp.call' with status "rate_limited". `hits` counts this agent's refused calls since the core started.
 */
export const McpRateLimitedEventSchema = z.object({
  ts: z.number(),
  agentId: z.string(),
  tool: z.string(),
  /** Which bucket was empty: all of the agent's calls, or its calls to this tool. */
  limit: z.enum(['agent', 'tool']),
  retryAfterMs: z.number(),
  hits: z.number(),
});
export type McpRateLimitedEvent = z.infer<typeof McpRateLimitedEventSchema>;

export const McpToolCallViewSchema = z.object({
  id: z.number(),
  ts: z.number(),
  agent_id: z.string().nullable(),
  tool: z.string(),
  args: z.unknown(),
  decision: z.string(),
  rule_id: z.string().nullable(),
  approval_id: z.string().nullable(),
  status: z.string(),
  latency_ms: z.number(),
  wait_ms: z.number(),
  result_bytes: z.number(),
  is_error: z.boolean(),
  error: z.string().nullable(),
  transport: z.string().nullable(),
});
export type McpToolCallView = z.infer<typeof McpToolCallViewSchema>;

/** What the UI shows to connect an agent: the endpoint and copy-paste client configs. */
export const McpInfoSchema = z.object({
  enabled: z.boolean(),
  /** http://127.0.0.1:8787/mcp, or null when HTTP is off. */
  url: z.string().nullable(),
  tools: z.array(z.object({ name: z.string(), title: z.string(), readOnly: z.boolean(), gated: z.boolean() })),
  openSessions: z.number(),
  /** Ready-to-paste configurations; AGENT_TOKEN stands for the agent's bearer token. */
  examples: z.object({ claudeDesktop: z.unknown(), inspectorCli: z.string(), stdioCommand: z.string() }),
});
export type McpInfo = z.infer<typeof McpInfoSchema>;

export const mcpRequests = {
  'mcp.info': { params: z.strictObject({}), result: McpInfoSchema },
  /** limit is clamped to 1…1000 (default 100). */
  'mcp.calls': {
    params: z.strictObject({
      agentId: z.string().max(200).optional(),
      tool: z.string().max(200).optional(),
      limit: z.number().finite().optional(),
      beforeId: z.number().finite().optional(),
    }),
    result: z.array(McpToolCallViewSchema),
  },
};

export const mcpEvents = {
  // every tools/call, after the gateway and the tool ran
  'mcp.call': McpCallEventSchema,
  /** A tools/call refused by a per-agent or per-tool rate limit (finding 10), for the immune system. */
  'mcp.rate_limited': McpRateLimitedEventSchema,
};
