// Approval queue: REVIEW decisions wait here for an operator. pending → approved | rejected |
// expired | cancelled, exactly once (the UPDATE only matches a pending row, so a second decision
// is refused even if two operators click at the same moment). Timeout means deny.
//
// An approval is bounded by the authority that gave it (issue 13, finding 5): an approved call must
// be collected by collect_by (governance.collectWindowS after the decision, or the rule's own
// timeout when shorter) and its token used within the token's life; otherwise it lapses to expired.
// A pause, a quarantine or a restart voids approved calls not yet used (approved → cancelled |
// expired), so nothing approved before them can run after them. Healing approvals (kind 'healing',
// opened by the immune system) share this queue: same expiry, same audit, same operator decision.
import { randomUUID } from 'node:crypto';
import { hasRole } from '../../../shared/operators';
import type { ApprovalStatus } from '../../../shared/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';
import {
  ApprovalError,
  approvalStatements,
  toRecord,
  type ApprovalLimits,
  type ApprovalRecord,
  type DecideBy,
  type NewApproval,
  type Row,
  type Settled,
  type SettledBy,
  type Verdict,
} from './approval-records';
import { canonicalHash, canonicalize } from './canonical';
import { defaultMasker, type Masker } from '../observability';

export {
  ApprovalError,
  type ApprovalKind,
  type ApprovalLimits,
  type ApprovalRecord,
  type DecideBy,
  type NewApproval,
  type Settled,
  type SettledBy,
  type Verdict,
} from './approval-records';

/** Real arguments kept in memory at most for this many approvals (the oldest go first). */
const MAX_CLEAR_ARGS = 10_000;

export class ApprovalQueue {
  private readonly q;
  private readonly waiters = new Map<string, Set<(r: ApprovalRecord) => void>>();
  /**
   * The real arguments of approvals whose stored copy is masked (args_json never holds a secret),
   * until the approved call collects its token. Lost on restart: such an approval cannot be
   * collected then (the gateway refuses, the agent asks again).
   */
  private readonly clearArgs = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Called once per settled (or voided) approval, after the row is written. */
    private readonly onSettled: (a: ApprovalRecord, by: SettledBy) => void,
    private readonly mask: Masker = defaultMasker,
    private readonly limits: ApprovalLimits = { collectWindowMs: 120_000, tokenTtlMs: 60_000 },
  ) {
    this.q = approvalStatements(db);
  }

  create(a: NewApproval): ApprovalRecord {
    const id = `apr_${randomUUID()}`;
    const now = this.clock.now();
    const masked = this.mask(a.args) as Record<string, unknown>;
    if (masked !== a.args) {
      if (this.clearArgs.size >= MAX_CLEAR_ARGS) this.clearArgs.delete(this.clearArgs.keys().next().value!);
      this.clearArgs.set(id, a.args);
    }
    this.q.insert.run({
      id,
      kind: a.kind,
      agent_id: a.agentId,
      tool: a.tool,
      args_json: canonicalize(masked),
      args_hash: canonicalHash(a.args),
      reason: a.reason,
      rule_id: a.ruleId,
      policy_version: a.policyVersion,
      risk: a.risk,
      approver_role: a.approverRole,
      required_approvals: Math.max(1, Math.min(5, Math.floor(a.requiredApprovals ?? 1))),
      created_at: now,
      deadline: now + Math.round(a.timeoutS * 1000),
      plan_id: a.planId ?? null,
    });
    return this.require(id);
  }

  get(id: string): ApprovalRecord | null {
    const r = this.q.get.get(id);
    return r ? this.record(r) : null;
  }

  private record(r: Row): ApprovalRecord {
    const rec = toRecord(r);
    const clear = this.clearArgs.get(r.id);
    return clear ? { ...rec, args: clear } : rec;
  }

  require(id: string): ApprovalRecord {
    const a = this.get(id);
    if (!a) throw new ApprovalError('not_found', `no approval ${id}`);
    return a;
  }

  list(status?: ApprovalStatus, limit = 200): ApprovalRecord[] {
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    return (status ? this.q.byStatus.all(status, n) : this.q.recent.all(n)).map((r) => this.record(r));
  }

  /** Operator decision. Refused (already_decided) when the approval is not pending any more. */
  decide(id: string, verdict: Verdict, by: DecideBy): ApprovalRecord {
    if (verdict !== 'approve' && verdict !== 'reject') throw new ApprovalError('invalid', `verdict must be approve or reject`);
    if (!by.operator || typeof by.operator !== 'string') throw new ApprovalError('invalid', 'operator name is required');
    const a = this.require(id);
    if (a.status !== 'pending') throw new ApprovalError('already_decided', `approval ${id} is already ${a.status}${a.decidedBy ? ` (by ${a.decidedBy})` : ''}`);
    // Expiry is checked against the clock here too: an operator cannot approve after the deadline
    // even if the sweeper has not run yet.
    if (this.clock.now() >= a.deadline) {
      this.settle(id, 'expired', 'gateway', 'timed out before the decision');
      throw new ApprovalError('already_decided', `approval ${id} expired before it was decided`);
    }
    if (verdict === 'approve' && a.approverRole && !hasRole({ id: '', name: by.operator, roles: by.roles ?? [] }, a.approverRole))
      throw new ApprovalError('forbidden', `approval ${id} needs an approver with role ${a.approverRole}`);
    if (verdict === 'approve' && a.requiredApprovals > 1) {
      // Two-person rule: each approval is one distinct operator's; the request turns approved with the last.
      const who = by.operatorId ?? by.operator;
      const given = JSON.parse(this.q.approvalsOf.get(id)!.approvals_json) as Array<{ by: string; id: string; at: number; comment: string | null }>;
      if (given.some((g) => g.id === who))
        throw new ApprovalError('forbidden', `approval ${id} needs ${a.requiredApprovals} different operators; ${by.operator} has approved it already`);
      if (given.length + 1 < a.requiredApprovals) {
        const next = [...given, { by: by.operator, id: who, at: this.clock.now(), comment: by.comment ?? null }];
        // Only if nobody changed it meanwhile (another operator's click, the sweeper): else decide again.
        if (this.q.addApproval.run({ id, prev: JSON.stringify(given), next: JSON.stringify(next) }).changes !== 1)
          throw new ApprovalError('already_decided', `approval ${id} changed while you decided; look again`);
        return this.require(id);
      }
      if (
        this.q.addApproval.run({
          id,
          prev: JSON.stringify(given),
          next: JSON.stringify([...given, { by: by.operator, id: who, at: this.clock.now(), comment: by.comment ?? null }]),
        }).changes !== 1
      )
        throw new ApprovalError('already_decided', `approval ${id} changed while you decided; look again`);
    }
    const s = this.settle(id, verdict === 'approve' ? 'approved' : 'rejected', by.operator, by.comment ?? null, by.previewHash);
    if (!s) {
      const now = this.require(id);
      throw new ApprovalError('already_decided', `approval ${id} is already ${now.status}`);
    }
    return s;
  }

  /** Decide every pending approval (that this operator may decide). Returns those decided. */
  decideAll(verdict: Verdict, by: DecideBy): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const { id } of this.q.pendingIds.all()) {
      try {
        // Approve all never stands in for a second person: two-person requests are approved one by one.
        if (verdict === 'approve' && this.require(id).requiredApprovals > 1) continue;
        out.push(this.decide(id, verdict, by));
      } catch (err) {
        if (!(err instanceof ApprovalError)) throw err;
      }
    }
    return out;
  }

  /**
   * Void the agent's live approved calls and plans (kill switch, quarantine): an approval given
   * before a pause must not run after a revive. Approvals whose call already ran are left as they are.
   */
  voidApprovedForAgent(agentId: string, reason: string, actor: string): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const { id } of this.q.liveOfAgent.all(agentId)) {
      const v = this.voidApproved(id, 'cancelled', reason, { actor });
      if (v) out.push(v);
    }
    return out;
  }

  /** At start: nothing approved before a restart runs after it (approved calls not used, plans with steps left). */
  expireLive(reason: string): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const { id } of this.q.live.all()) {
      const v = this.voidApproved(id, 'expired', reason, { actor: 'gateway' });
      if (v) out.push(v);
    }
    return out;
  }

  /** An approved approval that no longer holds: approved → expired | cancelled, audited via onSettled. */
  voidApproved(id: string, status: 'expired' | 'cancelled', reason: string, by: SettledBy): ApprovalRecord | null {
    if (this.q.voidApproved.run({ id, status, comment: reason }).changes === 0) return null;
    const a = this.require(id);
    this.onSettled(a, by);
    return a;
  }

  /** Cancel the agent's pending approvals (kill switch, quarantine). */
  cancelForAgent(agentId: string, reason: string, actor: string): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const { id } of this.q.pendingOfAgent.all(agentId)) {
      const s = this.settle(id, 'cancelled', actor, reason);
      if (s) out.push(s);
    }
    return out;
  }

  cancel(id: string, reason: string, actor: string): ApprovalRecord | null {
    return this.settle(id, 'cancelled', actor, reason);
  }

  /**
   * Expire approvals past their deadline, and cancel those whose agent is no longer active (the
   * CLI may pause an agent in the database behind the app's back). Run by a timer and by tests.
   */
  sweep(): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    const now = this.clock.now();
    for (const { id, collected_at } of this.q.lapsed.all({ now, ttl: this.limits.tokenTtlMs })) {
      const why =
        collected_at === null
          ? 'approved, but not collected before its collection deadline; the approval has lapsed'
          : 'its intent token was collected but not used within its life; the approval has lapsed';
      const v = this.voidApproved(id, 'expired', why, { actor: 'gateway' });
      if (v) out.push(v);
    }
    for (const { id } of this.q.due.all(now)) {
      const s = this.settle(id, 'expired', 'gateway', 'no decision before the deadline; timeout means deny');
      if (s) out.push(s);
    }
    for (const { id, status } of this.q.pendingOfInactive.all()) {
      const s = this.settle(id, 'cancelled', 'gateway', status ? `agent is ${status}` : 'agent was removed');
      if (s) out.push(s);
    }
    return out;
  }

  markTokenIssued(id: string): boolean {
    const ok = this.q.markToken.run({ id, at: this.clock.now() }).changes === 1;
    if (ok) this.clearArgs.delete(id);
    return ok;
  }

  /** The approval's authority is spent (its call ran, its first plan step ran, its healing started). False if it was voided meanwhile or already used. */
  markUsed(id: string): boolean {
    return this.q.markUsed.run({ id, at: this.clock.now() }).changes === 1;
  }

  private settle(id: string, status: Settled, by: string, comment: string | null, previewHash?: string): ApprovalRecord | null {
    const info = this.q.settle.run({ id, status, at: this.clock.now(), by, comment, window: this.limits.collectWindowMs });
    if (info.changes === 0) return null;
    const a = this.require(id);
    if (status !== 'approved' || a.kind !== 'call') this.clearArgs.delete(id);
    this.onSettled(a, { actor: by, ...(previewHash ? { previewHash } : {}) });
    const ws = this.waiters.get(id);
    if (ws) {
      this.waiters.delete(id);
      for (const w of ws) w(a);
    }
    return a;
  }

  /** Resolves when the approval leaves pending (or at once if it already has). */
  waitSettled(id: string, signal?: AbortSignal): Promise<ApprovalRecord | 'aborted'> {
    const a = this.require(id);
    if (a.status !== 'pending') return Promise.resolve(a);
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      const done = (r: ApprovalRecord | 'aborted') => {
        set.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const waiter = (r: ApprovalRecord) => done(r);
      const onAbort = () => done('aborted');
      set.add(waiter);
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}
