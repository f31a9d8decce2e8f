// Operator decisions on quarantined agents. Severe cases wait for an operator in governance's one
// approval queue (a 'healing' approval, via AgentControl.approvals): it expires (timeout denies, the
// agent stays quarantined) and every step is in the audit chain. immune_approvals only links the
// infection to that approval and mirrors its outcome. "Heal now" cures a denied or exhausted agent;
// an operator who revives the agent in governance overrules the immune system.
import { CoreError } from '../api';
import { abuseState } from './abuse';
import { QUARANTINED, type AgentBook, type Runtime } from './book';
import type { Healer } from './healer';
import type { HealingApprovalOutcome } from './ports';
import type { ApprovalRecord } from './schemas';

export class ApprovalDesk {
  constructor(
    private readonly book: AgentBook,
    private readonly healer: Healer,
  ) {}

  /** Open the governance approval for a pending row (none wired: fail closed, the agent stays quarantined). */
  open(approvalId: number, detail: string): void {
    const { deps, repo } = this.book;
    const ap = repo.getApproval(approvalId)!;
    const queue = deps.control?.approvals;
    try {
      if (!queue) throw new Error('no governance approval queue is wired');
      const g = queue.request({
        agentId: ap.agent_id,
        infectionId: ap.infection_id,
        severity: ap.severity,
        diagnosis: ap.diagnosis,
        reason: `heal ${ap.agent_id} (infection #${ap.infection_id}): ${detail}`,
        timeoutS: deps.config.approvalTimeoutS,
      });
      repo.linkApproval(approvalId, g.id);
    } catch (err) {
      deps.log.error({ err, agent: ap.agent_id }, 'could not open a healing approval; the agent stays quarantined');
      this.settleLocally(ap, 'rejected', 'immune', `no operator could be asked (${(err as Error).message}); stays quarantined until "heal now"`);
    }
  }

  /** Governance settled a healing approval: carry out the operator's decision, or the timeout's denial. */
  onSettled(g: HealingApprovalOutcome): void {
    const { book } = this;
    const ap = book.repo.approvalByGovId(g.id);
    if (!ap || ap.status !== 'pending') return;
    const by = g.decidedBy ?? 'gateway';
    if (g.status === 'approved') {
      const a = book.agents.get(ap.agent_id);
      const inf = book.repo.getInfection(ap.infection_id);
      if (!a || !inf) return;
      book.repo.decideApproval(ap.id, 'approved', book.now(), by);
      book.deps.control?.approvals?.used(g.id);
      book.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'approved', action: null, trigger: 'approval', ok: true, detail: `approved by ${by}` });
      this.healer.startHealing(a, inf, 'approval');
      book.emitApproval(ap.id);
    } else if (g.status === 'rejected') {
      this.settleLocally(ap, 'rejected', by, `rejected by ${by}; stays quarantined until "heal now"`);
    } else if (g.status === 'expired') {
      this.settleLocally(ap, 'expired', 'gateway', `no operator decided before the deadline; timeout means deny: stays quarantined until "heal now"`);
    } else if (g.status === 'cancelled') {
      this.settleLocally(
        ap,
        'cancelled',
        g.decidedBy ?? 'gateway',
        `healing approval cancelled${g.comment ? ` (${g.comment})` : ''}; stays quarantined until "heal now"`,
      );
    }
  }

  /** A denied (rejected, expired, cancelled) healing approval: the agent stays quarantined, "heal now" can still cure it. */
  private settleLocally(ap: ApprovalRecord, status: 'rejected' | 'expired' | 'cancelled', by: string, detail: string): void {
    const { book } = this;
    book.repo.decideApproval(ap.id, status, book.now(), by);
    book.repo.setInfectionStatus(ap.infection_id, 'rejected', null);
    const a = book.agents.get(ap.agent_id);
    if (a) {
      book.setState(a, 'rejected');
      book.log({
        agent_id: a.agent_id,
        infection_id: ap.infection_id,
        kind: status === 'expired' ? 'expired' : 'rejected',
        action: null,
        trigger: null,
        ok: false,
        detail,
      });
    }
    book.emitApproval(ap.id);
  }

  /** At start: rows from before the single queue get their governance approval; outcomes settled while stopped are applied. */
  reconcile(): void {
    const queue = this.book.deps.control?.approvals;
    for (const ap of this.book.repo.approvals('pending')) {
      if (!ap.approval_id) {
        this.open(ap.id, `severity ${ap.severity}: ${ap.diagnosis} (opened again at start)`);
        continue;
      }
      const g = queue?.get(ap.approval_id);
      if (g && g.status !== 'pending') this.onSettled(g);
    }
  }

  /**
   * Thin wrapper kept for the immune.approvals.decide request: decides the governance approval this
   * row mirrors, exactly as approvals.decide would (same checks, same audit); the outcome lands here
   * through onSettled.
   */
  decide(approvalId: number, verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord {
    const { repo, deps } = this.book;
    const ap = repo.getApproval(approvalId);
    if (!ap) throw new CoreError('not_found', `no healing approval #${approvalId}`);
    if (ap.status !== 'pending') throw new CoreError('already_decided', `healing approval #${approvalId} is already ${ap.status}`);
    const queue = deps.control?.approvals;
    if (!ap.approval_id || !queue) throw new CoreError('unavailable', `healing approval #${approvalId} has no governance approval to decide`);
    queue.decide(ap.approval_id, verdict, by);
    return repo.getApproval(approvalId)!;
  }

  decideAll(verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const ap of this.book.repo.approvals('pending')) {
      try {
        out.push(this.decide(ap.id, verdict, by));
      } catch (err) {
        if (!(err instanceof CoreError)) throw err;
      }
    }
    return out;
  }

  /** Start healing an agent the operator rejected earlier, or whose ladder ran out. */
  healNow(agentId: string, by = 'operator'): { started: boolean } {
    const { book } = this;
    const a = book.agents.get(agentId);
    if (!a) throw new CoreError('not_found', `no agent ${agentId}`);
    if (a.state !== 'rejected' && a.state !== 'exhausted' && a.state !== 'quarantined') {
      throw new CoreError('not_quarantined', `${agentId} is ${a.state}; only rejected or exhausted agents can be healed now`);
    }
    const inf = a.infection_id !== null ? book.repo.getInfection(a.infection_id) : null;
    if (!inf) throw new CoreError('not_found', `${agentId} has no infection on record`);
    const ap = book.repo.latestApprovalFor(agentId);
    if (ap && ap.infection_id === inf.id && (ap.status === 'rejected' || ap.status === 'expired' || ap.status === 'cancelled')) {
      book.repo.decideApproval(ap.id, 'healing_started', book.now(), by);
      book.emitApproval(ap.id);
    }
    book.log({ agent_id: agentId, infection_id: inf.id, kind: 'heal_now', action: null, trigger: 'heal_now', ok: null, detail: `heal now by ${by}` });
    this.healer.startHealing(a, inf, 'heal_now');
    return { started: true };
  }

  /** An operator revived a quarantined agent in governance: the immune quarantine is lifted, a pending approval cancelled. */
  revived(a: Runtime): void {
    const { book } = this;
    if (!QUARANTINED.has(a.state) || this.healer.isHealing(a.agent_id)) return;
    const inf = a.infection_id;
    book.log({
      agent_id: a.agent_id,
      infection_id: inf,
      kind: 'released',
      action: null,
      trigger: null,
      ok: null,
      detail: 'revived by an operator in governance; immune quarantine lifted',
    });
    if (inf !== null) book.repo.setInfectionStatus(inf, 'healed', book.now());
    const ap = book.repo.latestApprovalFor(a.agent_id);
    if (ap && ap.status === 'pending') {
      // Mirror first, so the settlement below is not taken for a denial.
      book.repo.decideApproval(ap.id, 'cancelled', book.now(), 'operator (revived in governance)');
      if (ap.approval_id)
        book.deps.control?.approvals?.cancel(ap.approval_id, 'the agent was revived by an operator in governance; no healing needed', 'operator');
      book.emitApproval(ap.id);
    }
    a.infection_id = null;
    a.recent = [];
    a.abuse = abuseState(book.abuse);
    book.setState(a, 'healthy');
    book.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: false, reason: 'revived by an operator' });
  }
}
