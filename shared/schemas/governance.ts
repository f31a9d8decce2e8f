// Contract schemas of governance (issue 5): approvals queue, agents, audit, policy. Timestamps are
// epoch milliseconds. Types are re-exported (type-only) by ../governance.ts.
import { z } from 'zod';

const id = z.string().min(1).max(200);
const reason = z.string().max(2000);

export const GovDecisionSchema = z.enum(['ALLOW', 'REVIEW', 'BLOCK']);
export type GovDecision = z.infer<typeof GovDecisionSchema>;
export const AgentStatusSchema = z.enum(['active', 'paused', 'quarantined']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;
export const ApprovalStatusSchema = z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']);
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

/** What an agent may touch. Empty or missing lists mean "no limit" on that axis. */
export const AgentScopeSchema = z.strictObject({
  /** Device id globs, e.g. ["line-2/*"]. */
  devices: z.array(z.string().min(1).max(128)).max(100).optional(),
  /** Lines, e.g. ["line-2"]. */
  lines: z.array(z.string().min(1).max(64)).max(100).optional(),
  /** Areas of the plant model (ISA-95), e.g. ["production"]: every asset of their lines. */
  areas: z.array(z.string().min(1).max(64)).max(100).optional(),
  /** Tool groups from the policy's tool_groups, e.g. ["read", "report"]. */
  toolGroups: z.array(z.string().min(1).max(64)).max(100).optional(),
});
export type AgentScope = z.infer<typeof AgentScopeSchema>;

export const AgentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  model: z.string().nullable(),
  createdAt: z.number(),
  status: AgentStatusSchema,
  statusReason: z.string().nullable(),
  lastSeen: z.number().nullable(),
  scope: AgentScopeSchema,
  /** Set by the immune system: every call of this agent needs review. */
  reducedAutonomy: z.boolean(),
  /** Set by the immune system: these tools are BLOCKed for this agent. */
  revokedTools: z.array(z.string()),
});
export type AgentView = z.infer<typeof AgentViewSchema>;

export const ApprovalViewSchema = z.object({
  id: z.string(),
  /** call: one tool call; plan: a whole plan (seed 003); healing: the immune system asks to heal a quarantined agent. */
  kind: z.enum(['call', 'plan', 'healing']),
  agentId: z.string(),
  tool: z.string(),
  /** Arguments with sensitive values masked. */
  args: z.record(z.string(), z.unknown()),
  argsHash: z.string(),
  status: ApprovalStatusSchema,
  reason: z.string(),
  ruleId: z.string(),
  policyVersion: z.string(),
  /** 0-10. */
  risk: z.number(),
  approverRole: z.string().nullable(),
  /** Two-person rule: distinct operators that must approve (1 for most rules). */
  requiredApprovals: z.number(),
  /** Approvals given so far (the N-th turns the request approved). */
  approvals: z.array(z.object({ by: z.string(), at: z.number(), comment: z.string().nullable() })),
  createdAt: z.number(),
  deadline: z.number(),
  decidedAt: z.number().nullable(),
  decidedBy: z.string().nullable(),
  comment: z.string().nullable(),
  planId: z.string().nullable(),
  /** Approved: the call must be collected (its intent token issued) by then, or the approval lapses. */
  collectBy: z.number().nullable(),
});
export type ApprovalView = z.infer<typeof ApprovalViewSchema>;

export const AuditRowViewSchema = z.object({
  seq: z.number(),
  ts: z.number(),
  kind: z.string(),
  agentId: z.string().nullable(),
  tool: z.string().nullable(),
  decision: z.string().nullable(),
  reason: z.string().nullable(),
  ruleId: z.string().nullable(),
  policyVersion: z.string().nullable(),
  approvalId: z.string().nullable(),
  actor: z.string().nullable(),
  argsHash: z.string().nullable(),
  /** Masked copy of the arguments. */
  args: z.unknown(),
  detail: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRowView = z.infer<typeof AuditRowViewSchema>;

export const AuditQuerySchema = z.strictObject({
  agentId: z.string().max(200).optional(),
  tool: z.string().max(200).optional(),
  /** Row kind: ALLOWED, BLOCKED, REVIEW, APPROVED, REJECTED, EXPIRED, CANCELLED, KILLED, REVIVED, EXECUTED, REFUSED, POLICY_LOADED... */
  kind: z.string().max(64).optional(),
  /** ALLOW, REVIEW or BLOCK. */
  decision: z.string().max(64).optional(),
  from: z.number().finite().optional(),
  to: z.number().finite().optional(),
  /** Rows with seq below this (newest first paging). */
  beforeSeq: z.number().finite().optional(),
  /** Clamped to 1…1000 (default 100). */
  limit: z.number().finite().optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditVerifyResultSchema = z.object({
  ok: z.boolean(),
  rows: z.number(),
  signedHeads: z.number(),
  /** The first row (or signed head) that does not check out. */
  firstBadSeq: z.number().nullable(),
  problem: z.string().nullable(),
  ms: z.number(),
  /**
   * Rows after the last signed head: intact as a chain, but nothing proves they were not rewritten or
   * cut off at the end (a crash before the next signature, or an attacker with the file). Null when
   * the last row is signed.
   */
  unsignedTail: z.object({ rows: z.number(), fromSeq: z.number(), fromTs: z.number(), toTs: z.number() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResultSchema>;

export const PolicyProblemViewSchema = z.object({ line: z.number(), col: z.number(), path: z.string(), message: z.string() });
export type PolicyProblemView = z.infer<typeof PolicyProblemViewSchema>;

export const PolicyInfoSchema = z.object({
  file: z.string(),
  version: z.string(),
  rules: z.number(),
  /** Problems of the last refused load (the policy in force is the previous one). */
  problems: z.array(PolicyProblemViewSchema),
  /** True when no usable policy file was ever loaded and the built-in fail-safe policy is in force (reads ALLOW, everything else BLOCK). */
  failSafe: z.boolean(),
  /** Why the fail-safe policy is in force, for a loud banner; null when a real policy is. */
  status: z.string().nullable(),
});
export type PolicyInfo = z.infer<typeof PolicyInfoSchema>;

/** The agent bill of materials (aegisflow agent manifest): who each agent is and how each tool is treated now. */
export const AgentManifestViewSchema = z.object({
  generatedAt: z.string(),
  policyVersion: z.string(),
  policyFile: z.string(),
  agents: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.string(),
      model: z.string().nullable(),
      status: z.string(),
      statusReason: z.string().nullable(),
      createdAt: z.string(),
      lastSeen: z.string().nullable(),
      scope: AgentScopeSchema,
      reducedAutonomy: z.boolean(),
      revokedTools: z.array(z.string()),
      tools: z.array(
        z.object({
          tool: z.string(),
          groups: z.array(z.string()),
          decision: GovDecisionSchema,
          ruleId: z.string(),
          /** Rules that apply only when their `when` predicate (as in the policy YAML) holds. */
          conditional: z.array(z.object({ ruleId: z.string(), decision: GovDecisionSchema, when: z.unknown() })),
        }),
      ),
    }),
  ),
});
export type AgentManifestView = z.infer<typeof AgentManifestViewSchema>;

const none = z.strictObject({});
const verdict = z.enum(['approve', 'reject']);
const comment = z.string().max(2000).optional();

export const governanceRequests = {
  /** limit is clamped to 1…1000 (default 200). */
  'approvals.list': {
    params: z.strictObject({ status: ApprovalStatusSchema.optional(), limit: z.number().finite().optional() }),
    result: z.array(ApprovalViewSchema),
  },
  /**
   * previewHash: the consequence preview (approvals.preview) the operator decided with; it must be one the
   * core issued for this approval, and it is recorded with the decision in the audit.
   */
  'approvals.decide': {
    params: z.strictObject({
      id,
      verdict,
      comment,
      previewHash: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'a sha-256 hex digest')
        .optional(),
    }),
    result: ApprovalViewSchema,
  },
  'approvals.decideAll': { params: z.strictObject({ verdict, comment }), result: z.object({ decided: z.number(), ids: z.array(z.string()) }) },
  'agents.list': { params: none, result: z.array(AgentViewSchema) },
  'agents.pause': { params: z.strictObject({ id, reason: reason.optional() }), result: AgentViewSchema },
  'agents.revive': { params: z.strictObject({ id }), result: AgentViewSchema },
  'agents.killAll': { params: z.strictObject({ reason: reason.optional() }), result: z.object({ paused: z.array(z.string()) }) },
  'agents.setScope': { params: z.strictObject({ id, scope: AgentScopeSchema }), result: AgentViewSchema },
  /** Undo the immune system's overlays on an agent: full autonomy again and every revoked tool back. */
  'agents.restoreTrust': { params: z.strictObject({ id }), result: AgentViewSchema },
  /** Register an agent; its bearer token is in the result once and never again (issue 7). */
  'agents.create': {
    params: z.strictObject({
      name: z.string().min(1).max(200),
      id: z.string().min(1).max(64).optional(),
      role: z.string().min(1).max(64).optional(),
      model: z.string().max(200).optional(),
      scope: AgentScopeSchema.optional(),
    }),
    result: z.object({ agent: AgentViewSchema, token: z.string() }),
  },
  'audit.query': { params: AuditQuerySchema, result: z.array(AuditRowViewSchema) },
  /** A new bearer token (shown once); the old one stops working at once. */
  'agents.rotateToken': { params: z.strictObject({ id }), result: z.object({ id: z.string(), token: z.string() }) },
  /** Delete an agent; its audit history stays. */
  'agents.remove': { params: z.strictObject({ id }), result: z.object({ removed: z.string() }) },
  /** Agent bill of materials: identity, scope, status and each tool's treatment under the policy in force. */
  'agents.manifest': { params: none, result: AgentManifestViewSchema },
  'audit.verify': { params: none, result: AuditVerifyResultSchema },
  /** Rows with ts >= since as JSON lines, then the chain head signed now (aegisflow audit export). */
  'audit.export': {
    params: z.strictObject({ since: z.number().finite().optional() }),
    result: z.object({ lines: z.array(z.string()), rows: z.number(), headSeq: z.number().nullable() }),
  },
  'policy.get': { params: none, result: PolicyInfoSchema },
  'policy.promote': {
    params: z.strictObject({ approvalId: id, decision: z.enum(['ALLOW', 'BLOCK']) }),
    result: z.object({ ruleId: z.string(), version: z.string() }),
  },
};

export const governanceEvents = {
  'approval.created': ApprovalViewSchema,
  /** Still pending, but changed: a first approval under the two-person rule. */
  'approval.updated': ApprovalViewSchema,
  'approval.decided': ApprovalViewSchema,
  'agent.changed': z.union([AgentViewSchema, z.object({ id: z.string(), removed: z.literal(true) })]),
  'audit.appended': AuditRowViewSchema.pick({ seq: true, ts: true, kind: true, agentId: true, tool: true, decision: true }),
  'policy.loaded': z.discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      version: z.string(),
      previousVersion: z.string().nullable(),
      file: z.string(),
      rules: z.number(),
      failSafe: z.literal(false),
      status: z.null(),
    }),
    z.object({
      ok: z.literal(false),
      file: z.string(),
      keptVersion: z.string().nullable(),
      problems: z.array(PolicyProblemViewSchema),
      failSafe: z.boolean(),
      status: z.string().nullable(),
    }),
  ]),
  /** Every gateway decision (for traces, vitals and the immune system). */
  'governance.decision': z.object({
    agentId: z.string().nullable(),
    tool: z.string(),
    decision: GovDecisionSchema,
    ruleId: z.string(),
    reason: z.string(),
    ts: z.number(),
  }),
};
