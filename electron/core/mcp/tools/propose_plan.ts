// Seed 003's plan → govern → act: submit several tool calls with one rationale for one approval. The
// gateway judges each step (any BLOCK blocks the plan); the operator approves the plan as a whole; then
// each step runs, in order, by calling its tool with plan_id and exactly the approved arguments.
import { z } from 'zod';
import { ToolFailure, defineTool } from '../types';

const StepOut = z.object({ index: z.number(), tool: z.string(), decision: z.enum(['ALLOW', 'REVIEW', 'BLOCK']), reason: z.string() });

export const proposePlan = defineTool({
  name: 'propose_plan',
  title: 'Propose a plan (one approval for several steps)',
  description:
    'Submit an ordered plan of tool calls with a rationale for a single operator approval. Each step is judged by policy; a blocked step blocks the plan. ' +
    'Once approved, run each step in order by calling its tool with the same arguments plus "plan_id". Send a progressToken to wait for the approval inside the call.',
  input: z.object({
    steps: z
      .array(
        z.object({
          tool: z.string().min(1).max(128).describe('Tool name, e.g. execute_device_command'),
          args: z.record(z.string(), z.unknown()).describe('Exact arguments the step will be called with (without plan_id)'),
        }),
      )
      .min(1)
      .max(20)
      .describe('Steps in the order they will run'),
    rationale: z.string().min(10).max(4000).describe('Why this plan: evidence and SOP sections'),
  }),
  output: z.object({
    plan_id: z.string(),
    plan_hash: z.string(),
    status: z.enum(['approved', 'pending']).describe('approved: run the steps now; pending: the operator has not decided yet (poll get_approval_status)'),
    approval_id: z.string().nullable(),
    approved_by: z.string().nullable(),
    steps: z.array(StepOut),
    message: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  selfGoverned: true,
  async run(args, ctx) {
    const g = ctx.deps.governance;
    const r = await g.submitPlan({ agentId: ctx.agentId, steps: args.steps, rationale: args.rationale });
    ctx.report?.({
      decision: r.decision,
      ruleId: r.steps.find((s) => s.decision === r.decision)?.ruleId ?? 'plan',
      policyVersion: r.policyVersion,
      approvalId: r.approvalId,
    });
    if (r.decision === 'BLOCK' || !r.planId || !r.planHash)
      throw new ToolFailure(`BLOCKED: ${r.reason}. The plan was not accepted; remove or change the blocked step.`, 'blocked');
    const steps = r.steps.map(({ index, tool, decision, reason }) => ({ index, tool, decision, reason }));
    let status: 'approved' | 'pending' = r.decision === 'ALLOW' ? 'approved' : 'pending';
    let approvedBy: string | null = null;
    if (r.decision === 'REVIEW' && r.approvalId && ctx.waitForApproval) {
      const w = await ctx.waitForApproval(r.approvalId);
      if (w.status === 'approved') {
        status = 'approved';
        approvedBy = w.decidedBy;
      } else if (w.status !== 'pending') {
        throw new ToolFailure(`${w.status.toUpperCase()}: plan ${r.planId} was not approved (${w.reason}); none of its steps may run.`, w.status);
      }
    }
    const message =
      status === 'approved'
        ? `Plan ${r.planId} approved${approvedBy ? ` by ${approvedBy}` : ''}. Run the ${steps.length} steps in order, each with "plan_id": "${r.planId}" and exactly its approved arguments.`
        : `Plan ${r.planId} waits for an operator (approval ${r.approvalId}). Poll get_approval_status with that approval_id, then run the steps with "plan_id".`;
    return {
      structured: { plan_id: r.planId, plan_hash: r.planHash, status, approval_id: r.approvalId ?? null, approved_by: approvedBy, steps, message },
      text: `${message}\n${steps.map((s) => `${s.index + 1}. ${s.tool}: ${s.decision} (${s.reason})`).join('\n')}`,
    };
  },
});
