// Seed tool (gated): acknowledge an anomaly (clears its alert without action). It redeems the intent
// token first, so an acknowledgement happens only with the operator's approval of exactly this call.
import { z } from 'zod';
import { defaultMasker } from '../../observability';
import { ToolFailure, defineTool } from '../types';
import { AnomalyOutSchema, anomalyOut } from './common';

export const acknowledgeAnomaly = defineTool({
  name: 'acknowledge_anomaly',
  title: 'Acknowledge anomaly (operator-gated)',
  description:
    "Acknowledge an anomaly episode with a note (e.g. it matches sensor drift, SOP 2.4). This clears the alert without action, so it needs an operator's approval; " +
    'send a progressToken to wait inside the call, or poll get_approval_status.',
  input: z.object({
    anomaly_id: z.string().min(1).max(128).describe('Anomaly id from get_active_anomalies'),
    note: z.string().min(3).max(2000).describe('Why it is safe to acknowledge (shown to the operator and stored)'),
    plan_id: z.string().min(1).max(128).optional().describe('Run this call as the next step of an approved plan'),
  }),
  output: z.object({
    status: z.literal('acknowledged'),
    anomaly: AnomalyOutSchema,
    approval_id: z.string().nullable(),
    approved_by: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  controlArgs: ['plan_id'],
  devicesOf(args, deps) {
    const ep = deps.detection.get(args.anomaly_id);
    return ep ? [ep.device_id] : [];
  },
  precheck(args, deps) {
    if (!deps.detection.get(args.anomaly_id)) throw new ToolFailure(`unknown anomaly "${args.anomaly_id}"; list them with get_active_anomalies`, 'not_found');
  },
  async run(args, ctx) {
    const { plan_id: _plan, ...ackArgs } = args;
    const r = await ctx.deps.governance.runApproved({ agentId: ctx.agentId, tool: 'acknowledge_anomaly', args: ackArgs, token: ctx.token });
    if (!r.ok) throw new ToolFailure(`acknowledgement refused: ${r.message} (${r.code})`, r.code);
    // The note is stored with the anomaly and its alarm, and shown: masked (the token was redeemed for the real one).
    const note = (ctx.deps.mask ?? defaultMasker).text(args.note);
    let ep;
    try {
      ep = ctx.deps.detection.acknowledge(args.anomaly_id, `agent:${ctx.agentId}${ctx.decidedBy ? ` (approved by ${ctx.decidedBy})` : ''}`, note);
    } catch (err) {
      throw new ToolFailure(`could not acknowledge ${args.anomaly_id}: ${(err as Error).message}`);
    }
    const anomaly = anomalyOut(ep);
    return {
      structured: { status: 'acknowledged' as const, anomaly, approval_id: ctx.approvalId ?? null, approved_by: ctx.decidedBy ?? null },
      text: `Anomaly ${anomaly.id} on ${anomaly.device_id} acknowledged${ctx.decidedBy ? ` (approved by ${ctx.decidedBy})` : ''}: ${note}`,
    };
  },
});
