// Approval records: what an approval is (its kinds, who decides, how it settles), its row in
// gov_approvals and the statements the queue (approvals.ts) runs on that table, prepared once.
import type { ApprovalStatus, ApprovalView } from '../../../shared/governance';
import type { Db } from '../store';

export type ApprovalKind = ApprovalView['kind'];

export interface NewApproval {
  kind: ApprovalKind;
  agentId: string;
  tool: string;
  args: Record<string, unknown>;
  reason: string;
  ruleId: string;
  policyVersion: string;
  risk: number;
  approverRole: string | null;
  /** Two-person rule: distinct operators that must approve (default 1). */
  requiredApprovals?: number;
  timeoutS: number;
  planId?: string | null;
}

export interface ApprovalRecord extends Omit<ApprovalView, 'args'> {
  /** The real arguments (only the core sees these; views are masked). */
  args: Record<string, unknown>;
  tokenIssued: boolean;
  /** When its intent token was issued (collected). */
  collectedAt: number | null;
  /** When the executor redeemed its token (or the immune system acted on it): its authority is spent. */
  usedAt: number | null;
}

export type Verdict = 'approve' | 'reject';

export interface DecideBy {
  operator: string;
  /** The operator's account id: what makes two approvals two people (default: the name). */
  operatorId?: string;
  /** The operator's roles (from the session), checked against the rule's approver_role. */
  roles?: string[];
  comment?: string;
  /** The consequence preview the operator decided with (its hash; recorded in the audit). */
  previewHash?: string;
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

export interface Row {
  id: string;
  kind: ApprovalKind;
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
  required_approvals: number;
  approvals_json: string;
  created_at: number;
  deadline: number;
  decided_at: number | null;
  decided_by: string | null;
  comment: string | null;
  plan_id: string | null;
  token_issued: number;
  collect_by: number | null;
  collected_at: number | null;
  used_at: number | null;
}

export function toRecord(r: Row): ApprovalRecord {
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
    requiredApprovals: r.required_approvals,
    approvals: (JSON.parse(r.approvals_json) as Array<{ by: string; id?: string; at: number; comment: string | null }>).map(({ by, at, comment }) => ({
      by,
      at,
      comment,
    })),
    createdAt: r.created_at,
    deadline: r.deadline,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    comment: r.comment,
    planId: r.plan_id,
    collectBy: r.collect_by,
    tokenIssued: r.token_issued === 1,
    collectedAt: r.collected_at,
    usedAt: r.used_at,
  };
}

export type Settled = Exclude<ApprovalStatus, 'pending'>;

/** Who settled an approval, for the audit row (and the policy rule that voided it, if one did). */
export interface SettledBy {
  actor: string;
  ruleId?: string;
  /** The consequence preview the deciding operator saw. */
  previewHash?: string;
}

export interface ApprovalLimits {
  /** How long after its decision an approved call may be collected (ms); the rule's timeout caps it. */
  collectWindowMs: number;
  /** The intent token's life (ms): a collected call not used by then has lapsed. */
  tokenTtlMs: number;
}

/** The queue's statements on gov_approvals (and the agents and plans it joins), prepared once. */
export function approvalStatements(db: Db) {
  return {
    insert: db.prepare(
      `INSERT INTO gov_approvals (id, kind, agent_id, tool, args_json, args_hash, status, reason, rule_id, policy_version, risk, approver_role, required_approvals, created_at, deadline, plan_id)
       VALUES (@id, @kind, @agent_id, @tool, @args_json, @args_hash, 'pending', @reason, @rule_id, @policy_version, @risk, @approver_role, @required_approvals, @created_at, @deadline, @plan_id)`,
    ),
    get: db.prepare<[string], Row>('SELECT * FROM gov_approvals WHERE id = ?'),
    byStatus: db.prepare<[string, number], Row>('SELECT * FROM gov_approvals WHERE status = ? ORDER BY created_at DESC LIMIT ?'),
    recent: db.prepare<[number], Row>('SELECT * FROM gov_approvals ORDER BY created_at DESC LIMIT ?'),
    approvalsOf: db.prepare<[string], { approvals_json: string }>(`SELECT approvals_json FROM gov_approvals WHERE id = ?`),
    addApproval: db.prepare(`UPDATE gov_approvals SET approvals_json = @next WHERE id = @id AND status = 'pending' AND approvals_json = @prev`),
    pendingIds: db.prepare<[], { id: string; agent_id: string }>(`SELECT id, agent_id FROM gov_approvals WHERE status = 'pending' ORDER BY created_at`),
    due: db.prepare<[number], { id: string }>(`SELECT id FROM gov_approvals WHERE status = 'pending' AND deadline <= ?`),
    // Healing approvals are about a quarantined agent by design: its status never cancels them.
    pendingOfAgent: db.prepare<[string], { id: string }>(`SELECT id FROM gov_approvals WHERE status = 'pending' AND agent_id = ? AND kind <> 'healing'`),
    pendingOfInactive: db.prepare<[], { id: string; status: string | null }>(
      `SELECT a.id, g.status FROM gov_approvals a LEFT JOIN gov_agents g ON g.id = a.agent_id
       WHERE a.status = 'pending' AND a.kind <> 'healing' AND (g.status IS NULL OR g.status <> 'active')`,
    ),
    // Approved and not used yet: live authority. A plan's approval stays live while its plan has steps left.
    liveOfAgent: db.prepare<[string], { id: string }>(
      `SELECT a.id FROM gov_approvals a LEFT JOIN gov_plans p ON p.id = a.plan_id
       WHERE a.agent_id = ? AND a.status = 'approved'
         AND ((a.kind = 'call' AND a.used_at IS NULL) OR (a.kind = 'plan' AND p.status = 'approved'))`,
    ),
    live: db.prepare<[], { id: string }>(
      `SELECT a.id FROM gov_approvals a LEFT JOIN gov_plans p ON p.id = a.plan_id
       WHERE a.status = 'approved' AND ((a.kind = 'call' AND a.used_at IS NULL) OR (a.kind = 'plan' AND p.status = 'approved'))`,
    ),
    // Approved but never collected by collect_by, or collected and its token not used within its life; a plan none of whose steps ran.
    lapsed: db.prepare<{ now: number; ttl: number }, { id: string; collected_at: number | null }>(
      `SELECT id, collected_at FROM gov_approvals
       WHERE status = 'approved' AND used_at IS NULL AND kind IN ('call','plan')
         AND ((collected_at IS NULL AND collect_by <= @now) OR (collected_at IS NOT NULL AND collected_at + @ttl <= @now))`,
    ),
    settle: db.prepare(
      `UPDATE gov_approvals SET status = @status, decided_at = @at, decided_by = @by, comment = @comment,
         collect_by = CASE WHEN @status = 'approved' THEN @at + MIN(@window, deadline - created_at) END
       WHERE id = @id AND status = 'pending'`,
    ),
    // The approver stays on record (decided_by); the comment says why the approval no longer holds.
    voidApproved: db.prepare(`UPDATE gov_approvals SET status = @status, comment = @comment WHERE id = @id AND status = 'approved'`),
    markToken: db.prepare(`UPDATE gov_approvals SET token_issued = 1, collected_at = @at WHERE id = @id AND status = 'approved' AND token_issued = 0`),
    markUsed: db.prepare(`UPDATE gov_approvals SET used_at = @at WHERE id = @id AND status = 'approved' AND used_at IS NULL`),
  };
}
