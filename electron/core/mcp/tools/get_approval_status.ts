// For agents whose client cannot hold a call open: the state of an approval this agent is waiting for.
// When the operator approved a single call, this collects its intent token and runs the call now,
// returning the call's own result (the token is single-use, so this happens once).
import { z } from 'zod';
import { GovernanceError } from '../../governance';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { runTool } from '../outcome';
import { ToolFailure, defineTool } from '../types';

type Approval = NonNullable<ReturnType<import('../../governance').AgentGate['approval']>>;

/** The settled outcome of an approval's pending call, in this tool's shape (the same answer every time it is asked). */
function collected(id: string, tool: string, a: Approval, r: CallToolResult) {
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  const base = {
    approval_id: id,
    kind: 'call' as const,
    tool,
    deadline: new Date(a.deadline).toISOString(),
    plan_id: a.planId ?? null,
    decided_by: a.decidedBy,
  };
  if (a.status !== 'approved' && a.status !== 'pending') {
    const message = `${a.status}: ${text}`;
    return { structured: { ...base, status: a.status, executed: false, result: null, message }, text: `Approval ${id} (${tool}) ${message}` };
  }
  if (r.isError) throw new ToolFailure(`approval ${id} was approved, but ${tool} failed: ${text}`, 'failed');
  const result = r.structuredContent ?? null;
  return {
    structured: { ...base, status: 'approved' as const, executed: true, result, message: text },
    text: `Approved by ${a.decidedBy ?? 'an operator'}; ${tool} ran once: ${text}`,
  };
}

export const getApprovalStatus = defineTool({
  name: 'get_approval_status',
  title: 'Approval status (and collect an approved call)',
  description:
    'State of an approval you are waiting for (pending, approved, rejected, expired, cancelled). If an operator approved a single tool call, this runs that call now and returns its result in "result". ' +
    'Set wait true (with a progressToken) to wait for the decision inside this call.',
  input: z.object({
    approval_id: z.string().min(1).max(128).describe('The approval id from a PENDING result'),
    wait: z.boolean().default(false).describe('Wait for the operator instead of answering at once'),
  }),
  output: z.object({
    approval_id: z.string(),
    kind: z.enum(['call', 'plan']),
    tool: z.string(),
    status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']),
    decided_by: z.string().nullable(),
    deadline: z.string(),
    plan_id: z.string().nullable(),
    executed: z.boolean().describe('True when this call ran the approved tool call'),
    result: z.record(z.string(), z.unknown()).nullable().describe('Structured result of the approved call, when executed'),
    message: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const g = ctx.deps.governance;
    const a = g.approval(args.approval_id);
    // A healing approval is the operators' business about this agent, not an approval the agent waits on.
    if (!a || a.agentId !== ctx.agentId || a.kind === 'healing') throw new ToolFailure(`no approval ${args.approval_id} for agent ${ctx.agentId}`, 'not_found');
    // A gated call's approval: its pending call ran it (once) when approved; this answers that outcome.
    const settled = ctx.collectCall ? await ctx.collectCall(a.id, args.wait) : null;
    if (settled && settled !== 'pending') return collected(a.id, a.tool, g.approval(a.id) ?? a, settled);
    let w;
    try {
      w = args.wait && ctx.waitForApproval ? await ctx.waitForApproval(a.id) : await g.approvalStatus(a.id);
    } catch (err) {
      if (err instanceof GovernanceError && err.code === 'token_collected')
        throw new ToolFailure(
          `approval ${a.id} was approved and its call has already run (its intent token is single-use); request the action again if it is still needed`,
          'token_collected',
        );
      throw err;
    }
    const base = { approval_id: a.id, kind: a.kind, tool: a.tool, deadline: new Date(a.deadline).toISOString(), plan_id: a.planId ?? null };
    if (w.status === 'pending')
      return {
        structured: {
          ...base,
          status: 'pending' as const,
          decided_by: null,
          executed: false,
          result: null,
          message: `still waiting for an operator (deadline ${base.deadline})`,
        },
        text: `Approval ${a.id} (${a.tool}) is still pending until ${base.deadline}.`,
      };
    if (w.status !== 'approved') {
      const message = `${w.status}: ${w.reason}. Nothing was executed.`;
      return {
        structured: { ...base, status: w.status, decided_by: w.decidedBy, executed: false, result: null, message },
        text: `Approval ${a.id} (${a.tool}) ${message}`,
      };
    }
    if (a.kind === 'plan') {
      const message = `plan ${a.planId} approved${w.decidedBy ? ` by ${w.decidedBy}` : ''}; run its steps in order with "plan_id": "${a.planId}"`;
      return { structured: { ...base, status: 'approved' as const, decided_by: w.decidedBy, executed: false, result: null, message }, text: message };
    }
    const spec = ctx.registry?.get(a.tool);
    if (!spec) throw new ToolFailure(`approval ${a.id} is for ${a.tool}, which this server does not run`, 'unknown_tool');
    const parsed = spec.input.safeParse(a.args);
    if (!parsed.success)
      throw new ToolFailure(`the approved arguments no longer validate: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const out = await runTool(
      ctx.deps,
      spec,
      parsed.data,
      { ...ctx, token: w.token, approvalId: a.id, decidedBy: w.decidedBy },
      {
        decision: 'REVIEW',
        status: 'ok',
        rule_id: a.ruleId,
        policy_version: a.policyVersion,
        approval_id: a.id,
        decided_by: w.decidedBy,
      },
    );
    const text = out.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    if (out.result.isError) throw new ToolFailure(`approval ${a.id} was approved, but ${a.tool} failed: ${text}`, 'failed');
    return {
      structured: {
        ...base,
        status: 'approved' as const,
        decided_by: w.decidedBy,
        executed: true,
        result: (out.result.structuredContent as Record<string, unknown>) ?? null,
        message: text,
      },
      text: `Approved by ${w.decidedBy ?? 'an operator'}; ${a.tool} ran: ${text}`,
    };
  },
});
