// POST /api/v1/governance/check: the gateway's decision for an agent that runs its own tools (seed
// 002's SDK pattern; electron/sdk/governed.ts wraps it). Bearer auth as on /mcp.
//   { tool, args?, plan_id?, wait_ms? }  → ALLOW (+ intent_token for non-read tools) | BLOCK | REVIEW
//   { approval_id, wait_ms? }            → poll a REVIEW: pending | approved (+ intent_token) | rejected | expired | cancelled
// With wait_ms > 0 a REVIEW is waited for up to that long before answering "pending".
import type { GovernanceCheckResponse } from '../../../shared/mcp';
import { z } from 'zod';
import { GovernanceError, type AgentGate, type WaitResult } from '../governance';
import type { Clock } from '../clock';
import type { ToolCallRepository } from '../mcp';
import type { Logger } from '../observability';
import { authenticateAgent } from './agent-auth';
import { HttpError, sendJson, type HttpServer } from './index';

export const CHECK_PATH = '/api/v1/governance/check';

const MAX_WAIT_MS = 110_000;

export const CheckRequestSchema = z.union([
  z
    .object({
      tool: z.string().min(1).max(128),
      args: z.record(z.string(), z.unknown()).default({}),
      plan_id: z.string().min(1).max(128).optional(),
      wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).default(0),
    })
    .strict(),
  z
    .object({
      approval_id: z.string().min(1).max(128),
      wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).default(0),
    })
    .strict(),
]);

export type CheckResponse = GovernanceCheckResponse;

async function wait(g: AgentGate, approvalId: string, waitMs: number): Promise<WaitResult> {
  if (waitMs <= 0) return g.approvalStatus(approvalId);
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), waitMs);
  try {
    return await g.waitForApproval(approvalId, { signal: ac.signal });
  } finally {
    clearTimeout(t);
  }
}

function fromWait(w: WaitResult, base: Omit<CheckResponse, 'status' | 'reason'> & { reason: string }): CheckResponse {
  if (w.status === 'pending') return { ...base, decision: 'REVIEW', status: 'pending', deadline: new Date(w.deadline).toISOString() };
  if (w.status === 'approved')
    return {
      ...base,
      decision: 'REVIEW',
      status: 'approved',
      decided_by: w.decidedBy,
      ...(w.token ? { intent_token: w.token, expires_at: w.tokenClaims ? new Date(w.tokenClaims.exp * 1000).toISOString() : undefined } : {}),
    };
  return { ...base, decision: 'REVIEW', status: w.status, reason: w.reason, decided_by: w.decidedBy };
}

export function mountGovernanceCheck(
  http: HttpServer,
  deps: { governance: AgentGate; toolCalls: ToolCallRepository; clock: Clock; log: Logger; maxArgsBytes?: number },
): void {
  const maxArgsBytes = deps.maxArgsBytes ?? 64 * 1024;
  const g = deps.governance;
  http.route(
    CHECK_PATH,
    async (ctx) => {
      const { req, res } = ctx;
      const agent = authenticateAgent(req, g, (status, message, headers) => {
        for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
        sendJson(res, status, { error: message });
      });
      if (!agent) return;
      const parsed = CheckRequestSchema.safeParse(await ctx.json());
      if (!parsed.success)
        throw new HttpError(400, `invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
      const body = parsed.data;
      // Arguments are bounded before the gateway hashes, masks, audits and queues them (issue 19: ~900 KB passed).
      if ('tool' in body) {
        const size = Buffer.byteLength(JSON.stringify(body.args));
        if (size > maxArgsBytes) throw new HttpError(413, `arguments too large: ${size} bytes > ${maxArgsBytes}`);
      }
      const t0 = performance.now();
      try {
        if ('approval_id' in body) {
          const a = g.approval(body.approval_id);
          if (!a || a.agentId !== agent.id) return sendJson(res, 404, { error: `no approval ${body.approval_id} for agent ${agent.id}` });
          const w = await wait(g, a.id, body.wait_ms);
          return sendJson(
            res,
            200,
            fromWait(w, { decision: 'REVIEW', reason: a.reason, rule_id: a.ruleId, policy_version: a.policyVersion, agent_id: agent.id, approval_id: a.id }),
          );
        }
        const r = await g.authorize({ agentId: agent.id, tool: body.tool, args: body.args, ...(body.plan_id ? { planId: body.plan_id } : {}) });
        const base = { decision: r.decision, reason: r.reason, rule_id: r.ruleId, policy_version: r.policyVersion, agent_id: agent.id };
        let out: CheckResponse;
        if (r.decision === 'BLOCK') out = { ...base, status: 'blocked' };
        else if (r.decision === 'ALLOW')
          out = {
            ...base,
            status: 'allowed',
            ...(r.token ? { intent_token: r.token, expires_at: r.tokenClaims ? new Date(r.tokenClaims.exp * 1000).toISOString() : undefined } : {}),
          };
        else out = fromWait(await wait(g, r.approvalId!, body.wait_ms), { ...base, approval_id: r.approvalId });
        try {
          deps.toolCalls.insert({
            ts: deps.clock.now(),
            agent_id: agent.id,
            tool: body.tool,
            args: body.args,
            decision: r.decision,
            rule_id: r.ruleId,
            approval_id: r.approvalId ?? null,
            status: out.status,
            latency_ms: Math.round((performance.now() - t0) * 1000) / 1000,
            wait_ms: 0,
            result_bytes: 0,
            is_error: out.status !== 'allowed' && out.status !== 'approved' && out.status !== 'pending',
            error: out.status === 'blocked' || out.status === 'rejected' ? out.reason : null,
            transport: 'check',
          });
        } catch (err) {
          deps.log.error({ err }, 'could not record a governance check');
        }
        return sendJson(res, 200, out);
      } catch (err) {
        if (err instanceof GovernanceError) return sendJson(res, 409, { error: err.message, code: err.code });
        throw err;
      }
    },
    'POST',
    { agentAuth: true }, // agents' own bearer tokens, not the operator's
  );
}
