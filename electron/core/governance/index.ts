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
// Bus events: approval.created, approval.decided, agent.changed, audit.appended, policy.loaded,
// governance.decision. Contract requests: see registerGovernanceApi.
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Logger } from '../observability';
import type { Db } from '../store';
import { Gateway, governanceOptions } from './gateway';
import type { PublishCommand } from './executor';

export { Gateway, GovernanceError, governanceOptions, AuthorizeRequestSchema, HEAL_TOOL } from './gateway';
export type { AuthorizeRequest, AuthorizeResult, WaitResult, WaitOptions, PlanResult, AgentManifest, GovernanceDeps, GovernanceOptions } from './gateway';
export { governanceMigrations } from './migrations';
export { registerGovernanceApi } from './api';
export { AgentError, hashAgentToken } from './agents';
export { ApprovalError } from './approvals';
export { AuditLog, createMasker, DEFAULT_MASK, AUDIT_KINDS, type AuditKind, type AuditEntry, type SignedHead } from './audit';
export { canonicalize, canonicalHash, sha256Hex } from './canonical';
export { ExecuteArgsSchema, EXECUTE_TOOL, type PublishCommand, type DeviceReply, type ExecuteResult } from './executor';
export { loadPublicKey } from './keys';
export { evaluate, compilePolicy, PolicySchema, KNOWN_TOOLS, type Decision, type Rule, type Evaluation } from './policy';
export { deviceInScope, isScoped, scopeGlobs, scopeLimits, selectorProblem } from './scope';
export { parsePolicy, PolicyStore, formatProblems, type PolicyProblem } from './policy-file';
export { PlanInputSchema, type PlanInput, type PlanRecord } from './plans';
export type { IntentClaims } from './tokens';
export type { AgentGate, AgentDirectory } from './ports';

/** Build the gateway from the app config (the composition root calls this). */
export function createGovernance(config: Config, deps: { db: Db; clock: Clock; log: Logger; bus?: EventBus; publishCommand?: PublishCommand }): Gateway {
  return new Gateway(deps, governanceOptions(config));
}
export { createMqttCommandChannel, type CommandChannel } from './command-channel';
