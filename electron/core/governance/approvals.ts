// Approval queue: REVIEW decisions wait here for an operator. pending → approved | rejected |
// expired | cancelled, exactly once (the UPDATE only matches a pending row, so a second decision
// is refused even if two operators click at the same moment). Timeout means deny.
import { randomUUID } from 'node:crypto';
import { hasRole } from '../../../shared/operators';
import type { ApprovalStatus, ApprovalView } from '../../../shared/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';
import { canonicalHash, canonicalize } from './canonical';
import { defaultMasker, type Masker } from '../observability/mask';

/** Real arguments kept in memory at most for this many approvals (the oldest go first). */
const MAX_CLEAR_ARGS = 10_000;

export interface NewApproval {
  kind: 'call' | 'plan';
  agentId: string;
  tool: string;
  args: Record<string, unknown>;
  reason: string;
  ruleId: string;
  policyVersion: string;
  risk: number;
  approverRole: string | null;
  timeoutS: number;
  planId?: string | null;
}

export interface ApprovalRecord extends Omit<ApprovalView, 'args'> {
  /** The real arguments (only the core sees these; views are masked). */
  args: Record<string, unknown>;
  tokenIssued: boolean;
}

export type Verdict = 'approve' | 'reject';

export interface DecideBy {
  operator: string;
  /** The operator's roles (from the session), checked against the rule's approver_role. */
  roles?: string[];
  comment?: string;
}

export class ApprovalError extends Error {
  constructor(
    public readonly code: 'not_found' | 'already_decided' | 'forbidden' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalError';
  }
}

interface Row {
  id: string;
  kind: 'call' | 'plan';
  agent_id: string;
  tool: string;
  args_json: string;
  args_hash: string;
  status: ApprovalStatus;
  reason: string;
  rule_id: string;
  policy_version: string;
  risk: number;
  approver_role: string | null;
  created_at: number;
  deadline: number;
  decided_at: number | null;
  decided_by: string | null;
  comment: string | null;
  plan_id: string | null;
  token_issued: number;
}

function toRecord(r: Row): ApprovalRecord {
  return {
    id: r.id,
    kind: r.kind,
    agentId: r.agent_id,
    tool: r.tool,
    args: JSON.parse(r.args_json) as Record<string, unknown>,
    argsHash: r.args_hash,
    status: r.status,
    reason: r.reason,
    ruleId: r.rule_id,
    policyVersion: r.policy_version,
    risk: r.risk,
    approverRole: r.approver_role,
    createdAt: r.created_at,
    deadline: r.deadline,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    comment: r.comment,
    planId: r.plan_id,
    tokenIssued: r.token_issued === 1,
  };
}

export type Settled = Exclude<ApprovalStatus, 'pending'>;

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
    /** Called once per settled approval, after the row is written. */
    private readonly onSettled: (a: ApprovalRecord) => void,
    private readonly mask: Masker = defaultMasker,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO gov_approvals (id, kind, agent_id, tool, args_json, args_hash, status, reason, rule_id, policy_version, risk, approver_role, created_at, deadline, plan_id)
         VALUES (@id, @kind, @agent_id, @tool, @args_json, @args_hash, 'pending', @reason, @rule_id, @policy_version, @risk, @approver_role, @created_at, @deadline, @plan_id)`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM gov_approvals WHERE id = ?'),
      byStatus: db.prepare<[string, number], Row>('SELECT * FROM gov_approvals WHERE status = ? ORDER BY created_at DESC LIMIT ?'),
      recent: db.prepare<[number], Row>('SELECT * FROM gov_approvals ORDER BY created_at DESC LIMIT ?'),
      pendingIds: db.prepare<[], { id: string; agent_id: string }>(`SELECT id, agent_id FROM gov_approvals WHERE status = 'pending' ORDER BY created_at`),
      due: db.prepare<[number], { id: string }>(`SELECT id FROM gov_approvals WHERE status = 'pending' AND deadline <= ?`),
      pendingOfAgent: db.prepare<[string], { id: string }>(`SELECT id FROM gov_approvals WHERE status = 'pending' AND agent_id = ?`),
      pendingOfInactive: db.prepare<[], { id: string; status: string | null }>(
        `SELECT a.id, g.status FROM gov_approvals a LEFT JOIN gov_agents g ON g.id = a.agent_id
         WHERE a.status = 'pending' AND (g.status IS NULL OR g.status <> 'active')`,
      ),
      settle: db.prepare(
        `UPDATE gov_approvals SET status = @status, decided_at = @at, decided_by = @by, comment = @comment
         WHERE id = @id AND status = 'pending'`,
      ),
      markToken: db.prepare(`UPDATE gov_approvals SET token_issued = 1 WHERE id = ? AND status = 'approved' AND token_issued = 0`),
    };
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
    const s = this.settle(id, verdict === 'approve' ? 'approved' : 'rejected', by.operator, by.comment ?? null);
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
        out.push(this.decide(id, verdict, by));
      } catch (err) {
        if (!(err instanceof ApprovalError)) throw err;
      }
    }
    return out;
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
    for (const { id } of this.q.due.all(this.clock.now())) {
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
    const ok = this.q.markToken.run(id).changes === 1;
    if (ok) this.clearArgs.delete(id);
    return ok;
  }

  private settle(id: string, status: Settled, by: string, comment: string | null): ApprovalRecord | null {
    const info = this.q.settle.run({ id, status, at: this.clock.now(), by, comment });
    if (info.changes === 0) return null;
    const a = this.require(id);
    if (status !== 'approved' || a.kind !== 'call') this.clearArgs.delete(id);
    this.onSettled(a);
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
        set!.delete(waiter);
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
