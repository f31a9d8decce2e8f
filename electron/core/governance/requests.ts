// What the gateway is asked and what it answers: the request and result shapes of a decision, a wait
// and a plan, and the gateway's own error. Shared by the gateway and its collaborators.
import { z } from 'zod';
import type { AgentManifestView, GovDecision } from '../../../shared/governance';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import type { Db } from '../store';
import type { DeviceCommands, PublishCommand } from './ports';
import type { PlantHierarchy } from './scope';
import type { IntentClaims } from './tokens';

export const AuthorizeRequestSchema = z
  .object({
    /** The agent's bearer token (preferred: proves identity). */
    agentToken: z.string().min(1).max(512).optional(),
    /** Trusted in-process callers (the built-in operator agent, tests) may name the agent instead. */
    agentId: z.string().min(1).max(64).optional(),
    tool: z.string().min(1).max(128),
    args: z.record(z.string(), z.unknown()).default({}),
    /** Run the next step of this approved plan. */
    planId: z.string().min(1).max(128).optional(),
    /** Devices the call touches that its arguments do not name (the device of an anomaly to acknowledge): checked against the agent's scope too. */
    devices: z.array(z.string().min(1).max(128)).max(100).optional(),
  })
  .strict()
  .refine((r) => r.agentToken !== undefined || r.agentId !== undefined, { message: 'agentToken or agentId is required' });
export type AuthorizeRequest = z.input<typeof AuthorizeRequestSchema>;

export interface AuthorizeResult {
  decision: GovDecision;
  reason: string;
  ruleId: string;
  policyVersion: string;
  agentId: string | null;
  risk: number;
  /** REVIEW: the approval to wait for. */
  approvalId?: string;
  deadline?: number;
  /** ALLOW (of a non-read tool): the single-use intent token for the executor. */
  token?: string;
  tokenClaims?: IntentClaims;
  planId?: string;
  planStep?: number;
}

export type WaitResult =
  | { status: 'approved'; approvalId: string; token?: string; tokenClaims?: IntentClaims; planId?: string; decidedBy: string | null; comment: string | null }
  | { status: 'rejected' | 'expired' | 'cancelled'; approvalId: string; reason: string; decidedBy: string | null }
  /** The caller stopped waiting (signal); the approval is still pending and can be waited on again. */
  | { status: 'pending'; approvalId: string; deadline: number };

export interface WaitOptions {
  signal?: AbortSignal;
  onProgress?: (p: { approvalId: string; elapsedMs: number; remainingMs: number }) => void;
  /** Cancel the approval when the signal aborts (the agent gave up). Default false. */
  cancelOnAbort?: boolean;
}

export interface PlanResult {
  decision: GovDecision;
  reason: string;
  planId: string | null;
  planHash: string | null;
  approvalId?: string;
  deadline?: number;
  policyVersion: string;
  steps: Array<{ index: number; tool: string; decision: GovDecision; reason: string; ruleId: string }>;
}

export class GovernanceError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GovernanceError';
  }
}

export interface GovernanceDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  /** Publishes on aegisflow/commands/{device_id} and waits for the answer: the broker's command channel, wired by the composition root. */
  publishCommand?: PublishCommand;
  /** The plant's command model: parameters it must refuse are stopped before an operator is asked or anything is published. */
  deviceCommands?: DeviceCommands;
  /** The plant model's hierarchy: area scopes resolve through it (without it an area scope grants nothing). */
  plant?: PlantHierarchy;
}

/** The tool name a healing approval carries (no agent can call it: it names the immune system's action). */
export const HEAL_TOOL = 'immune.heal';

/** The agent bill of materials: the contract's view (shared/governance.ts). */
export type AgentManifest = AgentManifestView;
