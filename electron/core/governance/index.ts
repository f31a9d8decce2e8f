// Governance gateway: the public face of electron/core/governance.
//
// Entry points (see gateway.ts for the full types):
//   gateway.authorize({ agentToken | agentId, tool, args, planId? })
//        → { decision: 'ALLOW'|'BLOCK'|'REVIEW', reason, ruleId, policyVersion, approvalId?, token? }
//   gateway.waitForApproval(approvalId, { signal, onProgress, cancelOnAbort })
//        → approved (with intent token) | rejected | expired | cancelled | pending (caller stopped waiting)
//   gateway.approvalStatus(approvalId)                      poll form of the above
//   gateway.submitPlan({ agentToken | agentId, steps, rationale })   seed 003's plan → govern → act
//   gateway.runApproved({ agentId, tool, args, token })   the one way an approved call is carried out: the token
//        is verified and spent, the authority re-checked; device commands go out through the private executor
//        (the ONLY publisher of device commands), which waits for the ack: EXECUTED | DEVICE_REFUSED | NO_ACK
//   gateway.deviceCommandProblem(args)                   why a device command cannot work (unreadable parameters,
//        or ones the plant's command model refuses), asked before anyone approves it
//   gateway.approval(id) / cancelApproval(id)            read or cancel one approval
// Agent-facing code is typed with the narrow AgentGate port (ports.ts). The token service, executor, keys,
// approval queue and agent registry are private fields: only the gateway issues intent tokens.
//   gateway.decide / decideAll / promote / manifest / policyInfo     operator side
//
// Hooks for the immune system (issue 9); none of these touch the policy YAML:
//   gateway.quarantineAgent(id, reason)        every call BLOCKed, pending approvals cancelled (audit QUARANTINED)
//   gateway.reviveAgent(id, 'immune', reason)  release from quarantine (audit REVIVED)
//   gateway.setReducedAutonomy(id, on, reason) every ALLOW of that agent becomes REVIEW
//   gateway.revokeTools(id, tools, reason)     BLOCK these tools (names or globs) for that agent
//   gateway.restoreTools(id, tools?, reason)   undo (all when tools is omitted)
//   gateway.requestHealing({ agentId, infectionId, severity, diagnosis, reason, timeoutS })
//                                              a 'healing' approval in the one queue (audited, expires)
//   gateway.onHealingSettled(fn)               its outcome (approved, rejected, expired, cancelled)
//   bus 'governance.decision'                  one event per decision, for vitals
//
// Ports the composition root wires (ports.ts): publishCommand (the broker's MQTT command channel) and
// deviceCommands (the plant's command model). Config: GovernanceConfigSchema is this subsystem's section.
//
// Bus events: approval.created, approval.decided, agent.changed, audit.appended, policy.loaded,
// governance.decision. Contract requests: see registerGovernanceApi.
import { Gateway } from './gateway';
import { governanceOptions, type GovernanceConfig, type GovernancePlace } from './config';
import type { GovernanceDeps } from './requests';

export { Gateway, GovernanceError, AuthorizeRequestSchema, HEAL_TOOL } from './gateway';
export type { AuthorizeRequest, AuthorizeResult, WaitResult, WaitOptions, PlanResult, AgentManifest, GovernanceDeps } from './gateway';
export { GovernanceConfigSchema, governanceOptions, type GovernanceConfig, type GovernanceOptions, type GovernancePlace } from './config';
export { governanceMigrations } from './migrations';
export { registerGovernanceApi } from './api';
export { AgentError, hashAgentToken } from './agents';
export { ApprovalError } from './approvals';
export { AuditLog, createMasker, DEFAULT_MASK, AUDIT_KINDS, type AuditKind, type AuditEntry, type SignedHead } from './audit';
export { verifyExport, verifyExportFile, type ExportVerifyResult } from './audit-file';
export { canonicalize, canonicalHash, sha256Hex } from './canonical';
export { ExecuteArgsSchema, EXECUTE_TOOL, type ExecuteResult } from './executor';
export { loadPublicKey } from './keys';
export { evaluate, compilePolicy, PolicySchema, KNOWN_TOOLS, type Decision, type Rule, type Evaluation } from './policy';
export { deviceInScope, hierarchyOf, isScoped, scopeGlobs, scopeLimits, selectorProblem, type PlantHierarchy } from './scope';
export { parsePolicy, PolicyStore, formatProblems, type PolicyProblem } from './policy-file';
export { PlanInputSchema, type PlanInput, type PlanRecord } from './plans';
export type { IntentClaims } from './tokens';
export type { AgentGate, AgentDirectory, DeviceCommands, DeviceReply, PublishCommand } from './ports';

/**
 * Build the gateway from its own config section (the composition root calls this); `place` is where the
 * app keeps data and resources, and its masking section. The command channel and the plant's command
 * model come in as ports (deps.publishCommand, deps.deviceCommands).
 */
export function createGovernance(section: GovernanceConfig, place: GovernancePlace, deps: GovernanceDeps): Gateway {
  return new Gateway(deps, governanceOptions(section, place));
}
