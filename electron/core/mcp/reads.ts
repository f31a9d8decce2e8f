// Resources and prompts are reads an agent makes, so they pass the gateway like tool calls. Each has a
// pseudo-tool name the policy matches like any tool (a name, a glob, a tool group):
//   resources/read aegisflow://devices/{line}/{device}  → resource:device  { device_id }
//   resources/read aegisflow://devices                   → resource:devices
//   resources/read aegisflow://manual, /manual/{section} → resource:device-manual, resource:manual-section { section }
//   resources/read aegisflow://policy                    → resource:policy
//   prompts/get NAME (arguments)                         → prompt:NAME (its arguments, e.g. device_id)
// Why names of their own rather than the equivalent tool's: a resource is not one tool (a device's
// resource holds its status, its last 60 readings and its open anomalies), and the policy can then
// treat reads through resources apart from tools. The default policy puts `resource:*` and `prompt:*`
// in the read group; an agent whose scope names tool groups without them gets none of them, and a
// device named in the arguments is checked against its device scope, as for tools.
//
// A read runs through governedCall: the gateway's decision (audited), a tool_calls row, an mcp.call
// event and immune vitals, exactly as a tool. What differs is the answer: resources/read and
// prompts/get have no isError result, so a refusal is a JSON-RPC error with the gateway's text and
// its decision in error.data["aegisflow/governance"].
import { z } from 'zod';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { governedCall, type Extra } from './call';
import { GOVERNANCE_META, type GovernanceMeta } from './outcome';
import type { CallerIdentity, McpDeps, ToolSpec } from './types';

/**
 * JSON-RPC error code of a read the gateway refused (BLOCKed, out of scope, rejected or left pending by
 * an operator). Server-defined (JSON-RPC reserves -32000…-32099 for servers), so a client can tell
 * "governance said no" from -32602, "your request is malformed" (unknown device, bad arguments).
 */
export const GOVERNANCE_REFUSED = -32003;

export const resourceTool = (name: string) => `resource:${name}`;
export const promptTool = (name: string) => `prompt:${name}`;

const NoShape = z.object({});

export interface ReadOptions {
  /** Cheap checks before the gateway (an unknown device): throw ToolFailure; counted as an invalid call. */
  precheck?(): void;
}

/** Whether the gateway would refuse this read outright: a pure probe (nothing audited) for resources/list and prompts/list. */
export function mayRead(deps: McpDeps, caller: CallerIdentity, tool: string, args: Record<string, unknown> = {}): boolean {
  const agent = deps.governance.agents.get(caller.agentId);
  if (!agent) return false;
  try {
    return deps.governance.judge(agent, tool, args).decision !== 'BLOCK';
  } catch {
    return false; // fail closed: a list shows nothing it cannot vouch for
  }
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/**
 * Authorize, run and record one read. Returns what `produce` made, or throws an McpError: -32602 for a
 * request that cannot work, GOVERNANCE_REFUSED for a refusal, -32603 for an internal error.
 */
export async function governedRead<T>(
  deps: McpDeps,
  caller: CallerIdentity,
  tool: string,
  args: Record<string, unknown>,
  extra: Extra,
  produce: () => T,
  opts: ReadOptions = {},
): Promise<T> {
  let produced: { value: T } | null = null;
  const spec: ToolSpec = {
    name: tool,
    title: tool,
    description: `read ${tool}`,
    input: NoShape,
    output: NoShape,
    annotations: { readOnlyHint: true },
    ...(opts.precheck ? { precheck: () => opts.precheck!() } : {}),
    run: () => {
      const value = produce();
      produced = { value };
      // The payload goes back to the client as it is; the call record keeps only its size.
      const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
      return { structured: undefined as never, text: `${tool}: ${text.length} characters` };
    },
  };
  const result = await governedCall(deps, caller, spec, args, extra);
  const done = produced as { value: T } | null;
  if (!result.isError && done) return done.value;
  const meta = (result._meta?.[GOVERNANCE_META] ?? undefined) as GovernanceMeta | undefined;
  if (meta?.status === 'pending' && meta.approval_id) {
    // Unlike a tool call, a read cannot be collected later with get_approval_status: the approval would
    // only mislead the operator. The agent waits inside the read (progressToken) or the policy allows it.
    try {
      deps.governance.cancelApproval(meta.approval_id, 'the read was not waited for; a read cannot be collected later', 'agent');
    } catch (err) {
      deps.log.warn({ err, approvalId: meta.approval_id }, 'could not cancel the approval of an unfinished read');
    }
    throw new McpError(
      GOVERNANCE_REFUSED,
      `PENDING: ${tool} needs an operator's approval under the policy in force, and none came while this read waited; approval ${meta.approval_id} was cancelled. Send a progressToken to wait inside the read, or ask the operator to allow ${tool}.`,
      { [GOVERNANCE_META]: { ...meta, status: 'cancelled' } },
    );
  }
  const code = meta?.status === 'invalid' ? ErrorCode.InvalidParams : meta?.status === 'error' ? ErrorCode.InternalError : GOVERNANCE_REFUSED;
  throw new McpError(code, textOf(result), meta ? { [GOVERNANCE_META]: meta } : undefined);
}
