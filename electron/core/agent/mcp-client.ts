// The agent's side of MCP: a real SDK Client over Streamable HTTP to AegisFlow's own governed
// server, authenticated with the agent's bearer token. Everything the server answers, including a
// transport-level refusal (401/403 for an unknown or paused agent), becomes a ToolResult. Gated tools
// are called as MCP Tasks (issue 20): the approval outlives any one request.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createTransportFetch } from '../mcp';
import type { GovDecision } from '../../../shared/governance';
import type { ToolInfo, ToolResult } from './planner';

/** Key of the governance outcome in each result's _meta (set by electron/core/mcp/call.ts). */
export const GOVERNANCE_META_KEY = 'aegisflow/governance';

export interface AgentMcpClient {
  readonly tools: ToolInfo[];
  call(
    tool: string,
    args: Record<string, unknown>,
    opts?: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (message: string) => void },
  ): Promise<ToolResult>;
  close(): Promise<void>;
}

const asRecord = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export function toToolResult(raw: unknown): ToolResult {
  const r = asRecord(raw) ?? {};
  const content = Array.isArray(r.content) ? r.content : [];
  const text = content
    .map((c) => asRecord(c))
    .filter((c): c is Record<string, unknown> => c?.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text as string)
    .join('\n');
  const meta = asRecord(asRecord(r._meta)?.[GOVERNANCE_META_KEY]);
  const decision = meta && ['ALLOW', 'BLOCK', 'REVIEW'].includes(String(meta.decision)) ? (meta.decision as GovDecision) : null;
  return {
    isError: r.isError === true,
    text,
    structured: asRecord(r.structuredContent),
    decision,
    status: typeof meta?.status === 'string' ? meta.status : r.isError === true ? 'error' : 'ok',
    ruleId: typeof meta?.rule_id === 'string' ? meta.rule_id : null,
    approvalId: typeof meta?.approval_id === 'string' ? meta.approval_id : null,
    decidedBy: typeof meta?.decided_by === 'string' ? meta.decided_by : null,
  };
}

/** A refusal before any tool ran (HTTP 401/403, connection lost): shaped like a BLOCK the planner can read. */
export function refusal(err: unknown): ToolResult {
  const msg = (err as Error)?.message ?? String(err);
  const code = (err as { code?: unknown })?.code;
  const status = typeof code === 'number' && code >= 400 && code < 500 ? 'refused' : 'error';
  return {
    isError: true,
    text: `REFUSED by the server: ${msg}`,
    structured: null,
    decision: status === 'refused' ? 'BLOCK' : null,
    status,
    ruleId: status === 'refused' ? `http-${String(code)}` : null,
    approvalId: null,
    decidedBy: null,
  };
}

export async function connectAgentMcp(url: string, token: string, clientName = 'aegisflow-operator-agent'): Promise<AgentMcpClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    // Lifts the SDK's abort-listener limit for long-lived clients (MaxListenersExceededWarning otherwise).
    fetch: createTransportFetch(),
  });
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(transport);
  const listed = await client.listTools();
  const tools: ToolInfo[] = listed.tools.map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema }));
  // Gated tools take tasks (MCP 2025-11-25): the call becomes a durable task the operator's decision settles.
  const taskTools = new Set(listed.tools.filter((t) => t.execution?.taskSupport === 'optional' || t.execution?.taskSupport === 'required').map((t) => t.name));
  return {
    tools,
    async call(tool, args, opts = {}) {
      if (taskTools.has(tool)) return callAsTask(client, tool, args, opts);
      try {
        const res = await client.callTool({ name: tool, arguments: args }, undefined, {
          timeout: opts.timeoutMs,
          signal: opts.signal,
          // Asking for progress makes the server hold a REVIEW call open until the operator decides.
          resetTimeoutOnProgress: true,
          onprogress: (p) => opts.onProgress?.(p.message ?? `${p.progress}/${p.total ?? '?'}`),
        });
        return toToolResult(res);
      } catch (err) {
        return refusal(err);
      }
    },
    async close() {
      await client.close().catch(() => {});
    },
  };
}

/**
 * A gated call as a task: created at once, its status (the operator's approval it awaits) reported as
 * progress, its outcome collected when it settles. A run that stops waiting cancels the task, which
 * withdraws the approval request.
 */
async function callAsTask(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
  opts: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (message: string) => void },
): Promise<ToolResult> {
  let taskId: string | null = null;
  try {
    const stream = client.experimental.tasks.callToolStream({ name: tool, arguments: args }, CallToolResultSchema, {
      timeout: opts.timeoutMs,
      signal: opts.signal,
      task: { ttl: 3_600_000 },
    });
    for await (const m of stream) {
      if (m.type === 'taskCreated' || m.type === 'taskStatus') {
        taskId = m.task.taskId;
        if (m.task.statusMessage) opts.onProgress?.(m.task.statusMessage);
      } else if (m.type === 'result') return toToolResult(m.result);
      else if (m.type === 'error') throw m.error;
    }
    throw new Error(`task ${taskId ?? '?'} ended without a result`);
  } catch (err) {
    if (taskId && opts.signal?.aborted) await client.experimental.tasks.cancelTask(taskId).catch(() => {});
    return refusal(err);
  }
}
