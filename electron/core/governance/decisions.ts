// The decision pipeline for one tool call: validate the request → identify the agent → (a plan step:
// the plan's rules) → judge (status, scope, overlays, policy) → act: BLOCK audited, REVIEW opens an
// approval, ALLOW issues the intent token. Never throws; the answer waits for its audit row's commit.
import type { AgentView } from '../../../shared/governance';
import type { ApprovedCalls } from './approved-calls';
import type { Evaluation } from './policy';
import { AuthorizeRequestSchema, type AuthorizeRequest, type AuthorizeResult } from './requests';
import type { GatewayParts } from './trail';
import type { IntentClaims } from './tokens';

/** Tools that need no intent token: nothing downstream redeems one for a read. */
const TOKENLESS_GROUP = 'read';

export type PlanStepAuthorizer = (
  agent: AgentView,
  planId: string,
  tool: string,
  args: Record<string, unknown>,
  touched?: readonly string[],
) => Promise<AuthorizeResult>;

export class CallDecisions {
  constructor(
    private readonly p: GatewayParts,
    private readonly calls: ApprovedCalls,
    private readonly planStep: PlanStepAuthorizer,
  ) {}

  /**
   * Decide one tool call. Never throws: bad input or an internal error is a BLOCK, audited. The
   * answer is given only once its audit row is committed; if that commit fails, the answer is BLOCK.
   */
  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const result = await this.decideCall(request);
    try {
      await this.p.audit.settled();
      return result;
    } catch (err) {
      this.p.log.error({ err }, 'audit commit failed; failing closed');
      return {
        decision: 'BLOCK',
        reason: 'the audit log could not record this decision; failing closed',
        ruleId: 'internal-error',
        policyVersion: result.policyVersion,
        agentId: result.agentId,
        risk: 10,
      };
    }
  }

  private async decideCall(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const { trail } = this.p;
    const parsed = AuthorizeRequestSchema.safeParse(request);
    const rawTool = typeof (request as { tool?: unknown })?.tool === 'string' ? String((request as { tool: string }).tool).slice(0, 128) : '(invalid)';
    if (!parsed.success) {
      return trail.safeBlock(
        null,
        rawTool,
        undefined,
        'invalid-request',
        `invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
      );
    }
    const req = parsed.data;
    let agentId: string | null = req.agentId ?? null;
    try {
      const agent = this.identify(req);
      if (!agent) return trail.blocked(req.agentId ?? null, req.tool, req.args, 'unknown-agent', 'unknown agent or invalid agent token');
      agentId = agent.id;
      this.p.registry.touch(agent.id);
      if (req.planId) return await this.planStep(agent, req.planId, req.tool, req.args, req.devices);
      const ev = this.p.judge(agent, req.tool, req.args, req.devices);
      return await this.act(agent, req.tool, req.args, ev);
    } catch (err) {
      this.p.log.error({ err, agentId, tool: req.tool }, 'authorize failed; failing closed');
      return trail.safeBlock(agentId, req.tool, req.args, 'internal-error', `internal error in the gateway (${(err as Error).message}); failing closed`);
    }
  }

  private identify(req: { agentToken?: string; agentId?: string }): AgentView | null {
    if (req.agentToken !== undefined) return this.p.registry.byToken(req.agentToken);
    return req.agentId !== undefined ? this.p.registry.get(req.agentId) : null;
  }

  private async act(agent: AgentView, tool: string, args: Record<string, unknown>, ev: Evaluation): Promise<AuthorizeResult> {
    const { trail } = this.p;
    const base = { reason: ev.reason, ruleId: ev.ruleId, policyVersion: ev.policyVersion, agentId: agent.id, risk: ev.risk };
    if (ev.decision === 'BLOCK') return trail.blocked(agent.id, tool, args, ev.ruleId, ev.reason);
    if (ev.decision === 'REVIEW') {
      const a = this.p.approvals.create({
        kind: 'call',
        agentId: agent.id,
        tool,
        args,
        reason: ev.reason,
        ruleId: ev.ruleId,
        policyVersion: ev.policyVersion,
        risk: ev.risk,
        approverRole: ev.approverRole ?? null,
        requiredApprovals: ev.approvals ?? 1,
        timeoutS: ev.timeoutS,
      });
      trail.queue({
        kind: 'REVIEW',
        agentId: agent.id,
        tool,
        decision: 'REVIEW',
        reason: ev.reason,
        ruleId: ev.ruleId,
        policyVersion: ev.policyVersion,
        approvalId: a.id,
        actor: 'gateway',
        args,
        detail: { deadline: a.deadline, risk: ev.risk },
      });
      trail.decision(agent.id, tool, 'REVIEW', ev.ruleId, ev.reason);
      this.p.bus?.emit('approval.created', trail.view(a));
      return { ...base, decision: 'REVIEW', approvalId: a.id, deadline: a.deadline };
    }
    let token: { token: string; claims: IntentClaims } | undefined;
    if (!this.p.policy.current.groupsOf(tool).includes(TOKENLESS_GROUP)) {
      token = await this.calls.issue({ agent: agent.id, tool, args, policyVersion: ev.policyVersion, approvalId: null });
    }
    trail.queue({
      kind: 'ALLOWED',
      agentId: agent.id,
      tool,
      decision: 'ALLOW',
      reason: ev.reason,
      ruleId: ev.ruleId,
      policyVersion: ev.policyVersion,
      actor: 'gateway',
      args,
      detail: token ? { jti: token.claims.jti, exp: token.claims.exp } : null,
    });
    trail.decision(agent.id, tool, 'ALLOW', ev.ruleId, ev.reason);
    return { ...base, decision: 'ALLOW', token: token?.token, tokenClaims: token?.claims };
  }
}
