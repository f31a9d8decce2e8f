// Plans (seed 003's sense → plan → govern → act): judge a submitted plan step by step (any BLOCK blocks
// it, any REVIEW sends it whole to an operator), then authorize each step as it runs: in order, with
// exactly its approved arguments, judged again, on its own intent token carrying the plan's hash.
import type { AgentView } from '../../../shared/governance';
import type { ApprovedCalls } from './approved-calls';
import { canonicalHash } from './canonical';
import { PlanInputSchema, type PlanInput, type PlanRecord } from './plans';
import type { AuthorizeRequest, AuthorizeResult, PlanResult } from './requests';
import type { GatewayParts } from './trail';

export class PlanFlow {
  constructor(
    private readonly p: GatewayParts,
    private readonly calls: ApprovedCalls,
    private readonly authorize: (req: AuthorizeRequest) => Promise<AuthorizeResult>,
  ) {}

  /** Judge a plan step by step: BLOCKed if any step is, approved whole by an operator if any needs review. */
  async submit(req: { agentToken?: string; agentId?: string } & PlanInput): Promise<PlanResult> {
    let r: PlanResult;
    try {
      r = await this.judgePlan(req);
      await this.p.audit.settled();
      return r;
    } catch (err) {
      this.p.log.error({ err }, 'plan evaluation failed; failing closed');
      const reason = `internal error while judging the plan (${(err as Error).message}); failing closed`;
      return { decision: 'BLOCK', reason, planId: null, planHash: null, policyVersion: this.p.policy.current.version, steps: [] };
    }
  }

  private async judgePlan(req: { agentToken?: string; agentId?: string } & PlanInput): Promise<PlanResult> {
    const policyVersion = this.p.policy.current.version;
    const parsedPlan = PlanInputSchema.safeParse({ steps: req.steps, rationale: req.rationale });
    const gate = await this.authorize({ agentToken: req.agentToken, agentId: req.agentId, tool: 'propose_plan', args: {} });
    // Not BLOCKed means the gateway knew the agent.
    if (gate.decision === 'BLOCK' || gate.agentId === null)
      return { decision: 'BLOCK', reason: gate.reason, planId: null, planHash: null, policyVersion, steps: [] };
    if (!parsedPlan.success) {
      const reason = `invalid plan: ${parsedPlan.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
      this.p.trail.blocked(gate.agentId, 'propose_plan', undefined, 'invalid-plan', reason);
      return { decision: 'BLOCK', reason, planId: null, planHash: null, policyVersion, steps: [] };
    }
    const agent = this.p.registry.require(gate.agentId);
    const plan = parsedPlan.data;
    const steps = plan.steps.map((s, index) => {
      const ev = this.p.judge(agent, s.tool, s.args);
      return {
        index,
        tool: s.tool,
        decision: ev.decision,
        reason: ev.reason,
        ruleId: ev.ruleId,
        risk: ev.risk,
        timeoutS: ev.timeoutS,
        approverRole: ev.approverRole,
        approvals: ev.approvals ?? 1,
      };
    });
    const blockedStep = steps.find((s) => s.decision === 'BLOCK');
    const needsReview = steps.filter((s) => s.decision === 'REVIEW');
    const status = blockedStep ? 'blocked' : needsReview.length > 0 ? 'pending' : 'approved';
    const rec = this.p.plans.create(agent.id, plan, status);
    const stepView = steps.map(({ index, tool, decision, reason, ruleId }) => ({ index, tool, decision, reason, ruleId }));
    const planArgs = { plan_id: rec.id, plan_hash: rec.hash, rationale: plan.rationale, steps: plan.steps };
    this.p.trail.record({
      kind: 'PLAN_SUBMITTED',
      agentId: agent.id,
      tool: 'propose_plan',
      decision: blockedStep ? 'BLOCK' : needsReview.length ? 'REVIEW' : 'ALLOW',
      policyVersion,
      actor: 'gateway',
      args: planArgs,
      detail: { plan_id: rec.id, steps: stepView.map((s) => [s.tool, s.decision, s.ruleId]) },
    });
    if (blockedStep) {
      const reason = `step ${blockedStep.index + 1} (${blockedStep.tool}) is blocked: ${blockedStep.reason}`;
      this.p.trail.decision(agent.id, 'propose_plan', 'BLOCK', blockedStep.ruleId, reason);
      return { decision: 'BLOCK', reason, planId: rec.id, planHash: rec.hash, policyVersion, steps: stepView };
    }
    if (needsReview.length === 0) {
      this.p.trail.decision(agent.id, 'propose_plan', 'ALLOW', 'plan', 'every step is allowed');
      return { decision: 'ALLOW', reason: 'every step is allowed by policy', planId: rec.id, planHash: rec.hash, policyVersion, steps: stepView };
    }
    const approverRoles = [...new Set(needsReview.map((s) => s.approverRole).filter((r): r is string => !!r))];
    const a = this.p.approvals.create({
      kind: 'plan',
      agentId: agent.id,
      tool: 'propose_plan',
      args: planArgs,
      reason: `plan of ${steps.length} steps; ${needsReview.length} need review: ${needsReview.map((s) => `${s.index + 1}. ${s.tool} (${s.reason})`).join('; ')}`,
      ruleId: needsReview[0].ruleId,
      policyVersion,
      risk: Math.max(...steps.map((s) => s.risk)),
      // A plan needs an approver who could approve each of its steps; with several roles any one of them must hold all.
      approverRole: approverRoles.length === 1 ? approverRoles[0] : approverRoles.length > 1 ? approverRoles.join('+') : null,
      timeoutS: Math.min(...needsReview.map((s) => s.timeoutS)),
      // The strictest step decides how many operators the whole plan needs.
      requiredApprovals: Math.max(...needsReview.map((s) => s.approvals)),
      planId: rec.id,
    });
    this.p.plans.setApproval(rec.id, a.id);
    this.p.trail.decision(agent.id, 'propose_plan', 'REVIEW', a.ruleId, a.reason);
    this.p.bus?.emit('approval.created', this.p.trail.view(a));
    return { decision: 'REVIEW', reason: a.reason, planId: rec.id, planHash: rec.hash, approvalId: a.id, deadline: a.deadline, policyVersion, steps: stepView };
  }

  async authorizeStep(
    agent: AgentView,
    planId: string,
    tool: string,
    args: Record<string, unknown>,
    touched: readonly string[] = [],
  ): Promise<AuthorizeResult> {
    const plan: PlanRecord | null = this.p.plans.get(planId);
    if (!plan || plan.agentId !== agent.id) return this.p.trail.blocked(agent.id, tool, args, 'plan', `no plan ${planId} for agent ${agent.id}`);
    if (plan.status !== 'approved') return this.p.trail.blocked(agent.id, tool, args, 'plan', `plan ${planId} is ${plan.status}, not approved`);
    // An approved plan must be started within its collection window, like an approved call.
    const pa = plan.approvalId ? this.p.approvals.get(plan.approvalId) : null;
    if (pa && pa.usedAt === null && pa.collectBy !== null && this.p.clock.now() >= pa.collectBy) {
      this.p.approvals.voidApproved(pa.id, 'expired', 'approved, but no step ran before the collection deadline; the plan has lapsed', { actor: 'gateway' });
      return this.p.trail.blocked(agent.id, tool, args, 'plan', `plan ${planId} was approved but not started in time; it has lapsed`);
    }
    const index = plan.nextStep;
    const step = plan.steps[index];
    if (!step) return this.p.trail.blocked(agent.id, tool, args, 'plan', `plan ${planId} has no step left`);
    if (step.tool !== tool || canonicalHash(step.args) !== canonicalHash(args))
      return this.p.trail.blocked(
        agent.id,
        tool,
        args,
        'plan-mismatch',
        `call differs from approved step ${index + 1} of plan ${planId} (expected ${step.tool} with its approved arguments)`,
      );
    // The policy may have changed since approval, and the agent may have been paused: judge again; only BLOCK overrides the operator's approval.
    const ev = this.p.judge(agent, tool, args, touched);
    if (ev.decision === 'BLOCK') return this.p.trail.blocked(agent.id, tool, args, ev.ruleId, ev.reason);
    if (!this.p.plans.advance(planId, index)) return this.p.trail.blocked(agent.id, tool, args, 'plan', `step ${index + 1} of plan ${planId} was already used`);
    // The plan's authority is spent by its first step; each step then runs on its own token.
    if (pa && pa.usedAt === null) this.calls.spend(pa.id, 'plan');
    const t = await this.calls.issue({
      agent: agent.id,
      tool,
      args,
      policyVersion: ev.policyVersion,
      approvalId: plan.approvalId,
      planHash: plan.hash,
      planStep: index,
    });
    const reason = `step ${index + 1} of approved plan ${planId}`;
    this.p.trail.queue({
      kind: 'ALLOWED',
      agentId: agent.id,
      tool,
      decision: 'ALLOW',
      reason,
      ruleId: 'plan',
      policyVersion: ev.policyVersion,
      approvalId: plan.approvalId,
      actor: 'gateway',
      args,
      detail: { plan_id: planId, plan_hash: plan.hash, step: index, jti: t.claims.jti },
    });
    this.p.trail.decision(agent.id, tool, 'ALLOW', 'plan', reason);
    return {
      decision: 'ALLOW',
      reason,
      ruleId: 'plan',
      policyVersion: ev.policyVersion,
      agentId: agent.id,
      risk: ev.risk,
      token: t.token,
      tokenClaims: t.claims,
      planId,
      planStep: index,
    };
  }
}
