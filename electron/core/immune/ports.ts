// What the immune system needs from the rest of the app, as injected interfaces. Governance
// (electron/core/governance, issue 5) satisfies AgentControl; until it is wired, agents it does not
// know fall back to the immune system's own quarantine registry, which the simulated fleet and
// SDK agents obey.
import type { HealingAction } from './schemas';

export type MaybePromise<T> = T | Promise<T>;

/** The governance kill switch and policy levers, per agent. */
export interface AgentControl {
  /** True when governance has this agent in its registry (its calls pass the gateway). */
  isGoverned(agentId: string): boolean;
  /** Kill switch: every further call is BLOCKed with reason "quarantined". */
  quarantine(agentId: string, reason: string): MaybePromise<void>;
  release(agentId: string): MaybePromise<void>;
  /** All its calls become REVIEW (operator approval), whatever the policy says. */
  reduceAutonomy(agentId: string, reason: string): MaybePromise<void>;
  restoreAutonomy(agentId: string): MaybePromise<void>;
  /** Policy BLOCK for these tools, for this agent. */
  revokeTools(agentId: string, tools: readonly string[], reason: string): MaybePromise<void>;
  restoreTools?(agentId: string, tools: readonly string[]): MaybePromise<void>;
  /** Bearer token → agent id, so governed agents can report vitals with their own token. */
  authenticate?(token: string): string | null;
  /** Governance's approval queue, for healing approvals (for any agent the immune system watches, governed or not). */
  approvals?: HealingApprovals;
}

/** The outcome of a healing approval as governance settled it. */
export interface HealingApprovalOutcome {
  id: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  decidedBy: string | null;
  comment: string | null;
}

/**
 * Healing approvals live in governance's one approval queue: they expire (timeout denies), every step
 * is in the audit chain, and operators decide them with approvals.decide like any other approval.
 */
export interface HealingApprovals {
  request(r: { agentId: string; infectionId: number; severity: number; diagnosis: string; reason: string; timeoutS: number }): { id: string; deadline: number };
  get(id: string): HealingApprovalOutcome | null;
  /** An operator's decision (throws a CoreError when refused: already decided, expired, not found). */
  decide(id: string, verdict: 'approve' | 'reject', operator: string): void;
  cancel(id: string, reason: string, actor: string): void;
  /** The healing it approved has started: its authority is spent. */
  used(id: string): void;
  /** Called once per settled healing approval (approved, rejected, expired, cancelled). */
  onSettled(fn: (a: HealingApprovalOutcome) => void): () => void;
}

/** Result of one healing action on one agent. */
export interface ActionOutcome {
  ok: boolean;
  detail: string;
}

/**
 * Something that can apply healing actions to the agents it owns: the simulated fleet, the SDK
 * control channel. The service routes by the agent's source.
 */
export interface HealingActuator {
  owns(agentId: string): boolean;
  apply(agentId: string, action: HealingAction, params: { tools: string[]; reason: string }): Promise<ActionOutcome>;
}
