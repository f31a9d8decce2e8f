// Governance views shared by the core and the UI (approvals queue, agents, audit, policy). The types are
// inferred from the contract's zod schemas (./schemas/governance.ts); this file stays zod-free at run time.
export type {
  GovDecision,
  AgentStatus,
  ApprovalStatus,
  AgentScope,
  AgentView,
  ApprovalView,
  AuditRowView,
  AuditQuery,
  AuditVerifyResult,
  PolicyProblemView,
  PolicyInfo,
  AgentManifestView,
} from './schemas/governance';
