// A governed call's outcome as the agent sees it: the tool result, with the governance decision in
// its _meta, and the status it is recorded under (record.ts).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolFailure, type McpDeps, type ToolContext, type ToolSpec } from './types';

/** Key of the machine-readable governance outcome in every result's _meta. */
export const GOVERNANCE_META = 'aegisflow/governance';

export interface GovernanceMeta {
  /** NONE: refused before the gateway (arguments that cannot work). */
  decision: 'ALLOW' | 'BLOCK' | 'REVIEW' | 'NONE';
  status: CallStatus;
  rule_id: string;
  policy_version: string;
  approval_id?: string;
  deadline?: string;
  decided_by?: string | null;
  /** The durable pending call (an MCP task id) a gated call opened or attached to. */
  task_id?: string;
  /** With status rate_limited: wait this long (ms) before calling this tool again. */
  retry_after_ms?: number;
}

export type CallStatus = 'ok' | 'error' | 'blocked' | 'pending' | 'rejected' | 'expired' | 'cancelled' | 'invalid' | 'rate_limited';

export interface Outcome {
  result: CallToolResult;
  status: CallStatus;
  error: string | null;
}

export const errorResult = (text: string, meta: GovernanceMeta): CallToolResult => ({
  content: [{ type: 'text', text }],
  isError: true,
  _meta: { [GOVERNANCE_META]: meta },
});

/** Run a tool's body (after the gateway said yes) and shape its result. */
export async function runTool(deps: McpDeps, spec: ToolSpec, args: Record<string, unknown>, ctx: ToolContext, meta: GovernanceMeta): Promise<Outcome> {
  try {
    const out = await spec.run(args, ctx);
    let text = out.text;
    if (text.length > deps.config.maxResultChars) text = text.slice(0, deps.config.maxResultChars) + ' …(cut)';
    return { result: { content: [{ type: 'text', text }], structuredContent: out.structured, _meta: { [GOVERNANCE_META]: meta } }, status: 'ok', error: null };
  } catch (err) {
    if (err instanceof ToolFailure) {
      // Self-governed tools (propose_plan) report governance outcomes as failures with these codes.
      const status: CallStatus = (['blocked', 'rejected', 'expired', 'cancelled'] as const).find((c) => c === err.code) ?? 'error';
      return { result: errorResult(err.message, { ...meta, status }), status, error: err.message };
    }
    deps.log.error({ err, tool: spec.name }, 'tool failed');
    return {
      result: errorResult(`${spec.name} failed: ${(err as Error).message}`, { ...meta, status: 'error' }),
      status: 'error',
      error: (err as Error).message,
    };
  }
}
