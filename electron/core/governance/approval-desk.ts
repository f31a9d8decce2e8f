// The approval desk: where REVIEW decisions wait for an operator and come back. Agents wait or poll
// (an approved single call is collected through ApprovedCalls: its token issued once); operators decide
// (the two-person rule audited as APPROVED_PARTIAL); the immune system asks for healing approvals in the
// same queue. Every settlement is audited, seals the chain with a signed head and is announced.
import type { ApprovalStatus, ApprovalView } from '../../../shared/governance';
import type { ApprovedCalls } from './approved-calls';
import { ApprovalError, type ApprovalRecord, type DecideBy, type SettledBy, type Verdict } from './approvals';
import { HEAL_TOOL, type WaitOptions, type WaitResult } from './requests';
import type { GatewayParts } from './trail';

export class ApprovalDesk {
  private readonly healingListeners = new Set<(a: ApprovalView) => void>();

  constructor(
    private readonly p: GatewayParts,
    private readonly calls: ApprovedCalls,
    private readonly progressIntervalMs: number,
  ) {}

  /**
   * Wait until an operator decides (or the approval expires or is cancelled). On approval the
   * single-use intent token is issued now, so its short life starts when the agent can use it.
   */
  async waitForApproval(approvalId: string, o: WaitOptions = {}): Promise<WaitResult> {
    const start = this.p.clock.now();
    let timer: NodeJS.Timeout | null = null;
    const first = this.p.approvals.require(approvalId);
    const onProgress = o.onProgress;
    if (onProgress && first.status === 'pending') {
      timer = setInterval(() => {
        const now = this.p.clock.now();
        try {
          onProgress({ approvalId, elapsedMs: now - start, remainingMs: Math.max(0, first.deadline - now) });
        } catch (err) {
          this.p.log.warn({ err }, 'progress callback failed');
        }
      }, this.progressIntervalMs);
    }
    try {
      const r = await this.p.approvals.waitSettled(approvalId, o.signal);
      if (r === 'aborted') {
        if (o.cancelOnAbort) {
          this.p.approvals.cancel(approvalId, 'the agent stopped waiting', 'agent');
          return this.settledResult(this.p.approvals.require(approvalId));
        }
        return { status: 'pending', approvalId, deadline: first.deadline };
      }
      return await this.settledResult(r);
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  /** Poll form of waitForApproval (for agents whose client cannot hold a call open). */
  async approvalStatus(approvalId: string): Promise<WaitResult> {
    const a = this.p.approvals.require(approvalId);
    if (a.status === 'pending') return { status: 'pending', approvalId, deadline: a.deadline };
    return this.settledResult(a);
  }

  private async settledResult(a: ApprovalRecord): Promise<WaitResult> {
    if (a.status === 'pending') return { status: 'pending', approvalId: a.id, deadline: a.deadline };
    if (a.status !== 'approved') return { status: a.status, approvalId: a.id, reason: a.comment ?? a.status, decidedBy: a.decidedBy };
    // A healing approval is carried out by the immune system; there is nothing for an agent to collect.
    if (a.kind === 'healing') return { status: 'approved', approvalId: a.id, decidedBy: a.decidedBy, comment: a.comment };
    if (a.kind === 'plan') return { status: 'approved', approvalId: a.id, planId: a.planId ?? undefined, decidedBy: a.decidedBy, comment: a.comment };
    return this.calls.collect(a);
  }

  /**
   * The immune system asks operators to approve healing a quarantined agent (issue 13, finding 12):
   * an approval of kind 'healing' in this one queue, audited (REVIEW now, then its outcome), listed
   * with every other approval, decided with approvals.decide, expiring at its deadline (timeout denies).
   * The agent need not be governed: the simulated fleet's agents are watched by the immune system only.
   */
  requestHealing(r: { agentId: string; infectionId: number; severity: number; diagnosis: string; reason: string; timeoutS: number }): ApprovalView {
    const policyVersion = this.p.policy.current.version;
    const args = { infection_id: r.infectionId, diagnosis: r.diagnosis, severity: r.severity };
    const a = this.p.approvals.create({
      kind: 'healing',
      agentId: r.agentId,
      tool: HEAL_TOOL,
      args,
      reason: r.reason,
      ruleId: 'immune-severity',
      policyVersion,
      risk: Math.max(0, Math.min(10, r.severity)),
      approverRole: null,
      timeoutS: r.timeoutS,
    });
    this.p.trail.record({
      kind: 'REVIEW',
      agentId: r.agentId,
      tool: HEAL_TOOL,
      decision: 'REVIEW',
      reason: r.reason,
      ruleId: a.ruleId,
      policyVersion,
      approvalId: a.id,
      actor: 'immune',
      args,
      detail: { deadline: a.deadline, risk: a.risk },
    });
    const view = this.p.trail.view(a);
    this.p.bus?.emit('approval.created', view);
    return view;
  }

  /** Called once for each settled healing approval (the immune system acts on it). Returns the unsubscribe. */
  onHealingSettled(fn: (a: ApprovalView) => void): () => void {
    this.healingListeners.add(fn);
    return () => this.healingListeners.delete(fn);
  }

  /** Consequence previews issued per pending approval (hashes): a decision may only cite one of these. */
  private readonly previews = new Map<string, Set<string>>();

  notePreview(approvalId: string, hash: string): void {
    const set = this.previews.get(approvalId) ?? new Set<string>();
    set.add(hash);
    this.previews.set(approvalId, set);
  }

  decide(id: string, verdict: Verdict, by: DecideBy): ApprovalView {
    if (by.previewHash && !this.previews.get(id)?.has(by.previewHash))
      throw new ApprovalError('invalid', `previewHash ${by.previewHash.slice(0, 12)}… is not a consequence preview issued for approval ${id}`);
    const a = this.p.approvals.decide(id, verdict, by);
    if (a.status === 'pending') {
      // Two-person rule: one approval of several is in; the request waits for the next operator.
      this.p.trail.record({
        kind: 'APPROVED_PARTIAL',
        agentId: a.agentId,
        tool: a.tool,
        decision: 'REVIEW',
        reason: by.comment ?? null,
        ruleId: a.ruleId,
        policyVersion: a.policyVersion,
        approvalId: a.id,
        actor: by.operator,
        argsHash: a.argsHash,
        detail: { given: a.approvals.length, required: a.requiredApprovals },
      });
      this.p.bus?.emit('approval.updated', this.p.trail.view(a));
    }
    return this.p.trail.view(a);
  }

  decideAll(verdict: Verdict, by: DecideBy): ApprovalView[] {
    return this.p.approvals.decideAll(verdict, by).map((a) => this.p.trail.view(a));
  }

  listApprovals(status?: ApprovalStatus, limit?: number): ApprovalView[] {
    return this.p.approvals.list(status, limit).map((a) => this.p.trail.view(a));
  }

  /** The approval queue calls this once per settled (or voided) approval, after its row is written. */
  onSettled(a: ApprovalRecord, by: SettledBy): void {
    const kind = ({ approved: 'APPROVED', rejected: 'REJECTED', expired: 'EXPIRED', cancelled: 'CANCELLED' } as const)[
      a.status as Exclude<ApprovalStatus, 'pending'>
    ];
    // A rule that voided an approved call is named with the policy version that holds it.
    const policyVersion = by.ruleId ? this.p.policy.current.version : a.policyVersion;
    this.p.trail.record({
      kind,
      agentId: a.agentId,
      tool: a.tool,
      decision: a.status === 'approved' ? 'ALLOW' : 'BLOCK',
      reason: a.comment ?? null,
      ruleId: by.ruleId ?? a.ruleId,
      policyVersion,
      approvalId: a.id,
      actor: by.actor,
      argsHash: a.argsHash,
      ...(by.previewHash ? { detail: { previewHash: by.previewHash } } : {}),
    });
    this.previews.delete(a.id);
    // Every approval decision seals the chain up to here with a signed head (issue 19): what an
    // operator decided is provable even if the process dies a moment later.
    try {
      this.p.audit.signHead();
    } catch (err) {
      this.p.log.error({ err, approvalId: a.id }, 'could not sign the audit head after an approval decision');
    }
    if (a.planId) {
      const plan = this.p.plans.get(a.planId);
      if (plan && plan.status === 'pending') this.p.plans.setStatus(plan.id, a.status === 'approved' ? 'approved' : a.status);
      // An approved plan whose approval was voided (pause, restart, lapse) runs no further step.
      else if (plan && plan.status === 'approved' && (a.status === 'expired' || a.status === 'cancelled')) this.p.plans.setStatus(plan.id, a.status);
    }
    const view = this.p.trail.view(a);
    if (a.kind === 'healing') {
      for (const fn of this.healingListeners) {
        try {
          fn(view);
        } catch (err) {
          this.p.log.error({ err, approvalId: a.id }, 'healing approval listener failed');
        }
      }
    }
    this.p.bus?.emit('approval.decided', view);
  }
}
