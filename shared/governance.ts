// Governance views shared by the core and the UI (approvals queue, agents, audit, policy).
// Plain types only: no Node, no DOM. Timestamps are epoch milliseconds.

export type GovDecision = 'ALLOW' | 'REVIEW' | 'BLOCK';
export type AgentStatus = 'active' | 'paused' | 'quarantined';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

/** What an agent may touch. Empty or missing lists mean "no limit" on that axis. */
export interface AgentScope {
  /** Device id globs, e.g. ["line-2/*"]. */
  devices?: string[];
  /** Lines, e.g. ["line-2"]. */
  lines?: string[];
  /** Tool groups from the policy's tool_groups, e.g. ["read", "report"]. */
  toolGroups?: string[];
}

export interface AgentView {
  id: string;
  name: string;
  role: string;
  model: string | null;
  createdAt: number;
  status: AgentStatus;
  statusReason: string | null;
  lastSeen: number | null;
  scope: AgentScope;
  /** Set by the immune system: every call of this agent needs review. */
  reducedAutonomy: boolean;
  /** Set by the immune system: these tools are BLOCKed for this agent. */
  revokedTools: string[];
}

export interface ApprovalView {
  id: string;
  /** call: one tool call; plan: a whole plan (seed 003); healing: the immune system asks to heal a quarantined agent. */
  kind: 'call' | 'plan' | 'healing';
  agentId: string;
  tool: string;
  /** Arguments with sensitive values masked. */
  args: Record<string, unknown>;
  argsHash: string;
  status: ApprovalStatus;
  reason: string;
  ruleId: string;
  policyVersion: string;
  /** 0-10. */
  risk: number;
  approverRole: string | null;
  /** Two-person rule: distinct operators that must approve (1 for most rules). */
  requiredApprovals: number;
  /** Approvals given so far (the N-th turns the request approved). */
  approvals: Array<{ by: string; at: number; comment: string | null }>;
  createdAt: number;
  deadline: number;
  decidedAt: number | null;
  decidedBy: string | null;
  comment: string | null;
  planId: string | null;
  /** Approved: the call must be collected (its intent token issued) by then, or the approval lapses. */
  collectBy: number | null;
}

export interface AuditRowView {
  seq: number;
  ts: number;
  kind: string;
  agentId: string | null;
  tool: string | null;
  decision: string | null;
  reason: string | null;
  ruleId: string | null;
  policyVersion: string | null;
  approvalId: string | null;
  actor: string | null;
  argsHash: string | null;
  /** Masked copy of the arguments. */
  args: unknown;
  detail: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  agentId?: string;
  tool?: string;
  /** Row kind: ALLOWED, BLOCKED, REVIEW, APPROVED, REJECTED, EXPIRED, CANCELLED, KILLED, REVIVED, EXECUTED, REFUSED, POLICY_LOADED... */
  kind?: string;
  /** ALLOW, REVIEW or BLOCK. */
  decision?: string;
  from?: number;
  to?: number;
  /** Rows with seq below this (newest first paging). */
  beforeSeq?: number;
  limit?: number;
}

export interface AuditVerifyResult {
  ok: boolean;
  rows: number;
  signedHeads: number;
  /** The first row (or signed head) that does not check out. */
  firstBadSeq: number | null;
  problem: string | null;
  ms: number;
  /**
   * Rows after the last signed head: intact as a chain, but nothing proves they were not rewritten or
   * cut off at the end (a crash before the next signature, or an attacker with the file). Null when
   * the last row is signed.
   */
  unsignedTail: { rows: number; fromSeq: number; fromTs: number; toTs: number } | null;
}

export interface PolicyProblemView {
  line: number;
  col: number;
  path: string;
  message: string;
}

export interface PolicyInfo {
  file: string;
  version: string;
  rules: number;
  /** Problems of the last refused load (the policy in force is the previous one). */
  problems: PolicyProblemView[];
  /** True when no usable policy file was ever loaded and the built-in fail-safe policy is in force (reads ALLOW, everything else BLOCK). */
  failSafe: boolean;
  /** Why the fail-safe policy is in force, for a loud banner; null when a real policy is. */
  status: string | null;
}

/** The agent bill of materials (aegisflow agent manifest): who each agent is and how each tool is treated now. */
export interface AgentManifestView {
  generatedAt: string;
  policyVersion: string;
  policyFile: string;
  agents: Array<{
    id: string;
    name: string;
    role: string;
    model: string | null;
    status: string;
    statusReason: string | null;
    createdAt: string;
    lastSeen: string | null;
    scope: AgentScope;
    reducedAutonomy: boolean;
    revokedTools: string[];
    /** conditional: rules that apply only when their `when` predicate (policy YAML) holds. */
    tools: Array<{
      tool: string;
      groups: string[];
      decision: GovDecision;
      ruleId: string;
      conditional: Array<{ ruleId: string; decision: GovDecision; when: unknown }>;
    }>;
  }>;
}
