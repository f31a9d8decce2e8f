// Immune-system vocabulary shared by the core and the renderer (seed 001): plain constants and
// types, no Node, no zod. The core's zod schemas live in electron/core/immune/schemas.ts.

/** Numeric vitals that get a baseline. */
export const METRICS = ['latency_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'tool_calls', 'retries', 'errors'] as const;
export type Metric = (typeof METRICS)[number];

export const ANOMALY_TYPES = [
  'token_explosion',
  'latency_explosion',
  'tool_call_explosion',
  'retry_storm',
  'input_spike',
  'output_spike',
  'cost_spike',
  'prompt_change',
  'error_rate',
] as const;
/** What the sentinel finds in an agent's vitals against its own baseline. */
export type VitalsAnomalyType = (typeof ANOMALY_TYPES)[number];

/**
 * Abuse: calls refused on the agent's behalf (BLOCKed by the gateway; invalid: malformed arguments,
 * unknown tools, JSON-RPC errors, rate limits), judged against absolute bounds rather than a baseline.
 */
export const ABUSE_ANOMALY_TYPES = ['blocked_calls', 'invalid_calls'] as const;
export type AbuseAnomalyType = (typeof ABUSE_ANOMALY_TYPES)[number];

export type AnomalyType = VitalsAnomalyType | AbuseAnomalyType;

export const DIAGNOSIS_TYPES = ['prompt_drift', 'prompt_injection', 'infinite_loop', 'tool_instability', 'memory_corruption'] as const;
export type DiagnosisType = (typeof DIAGNOSIS_TYPES)[number];

export const HEALING_ACTIONS = ['reset_memory', 'rollback_prompt', 'reduce_autonomy', 'revoke_tools', 'clone_agent'] as const;
export type HealingAction = (typeof HEALING_ACTIONS)[number];

export const AGENT_SOURCES = ['simulated', 'sdk', 'governed', 'external'] as const;
export type AgentSource = (typeof AGENT_SOURCES)[number];

export const AGENT_STATES = [
  'learning', // baseline not active yet
  'healthy',
  'quarantined', // detected, mild: healing about to start
  'pending_approval',
  'rejected',
  'healing',
  'probation', // an action was applied; verifying on fresh vitals
  'exhausted', // every rung failed: stays quarantined until an operator acts
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface Anomaly {
  type: AnomalyType;
  /** refused_calls: an abuse anomaly (value and baseline_mean are counts of refused calls, the mean the bound allows). */
  metric: Metric | 'prompt_hash' | 'refused_calls';
  /** Mean of the confirming samples (for prompt_change: 1). */
  value: number;
  baseline_mean: number;
  baseline_std: number;
  z: number;
  ratio: number;
  severity: number;
  /** A sentence for the operator when the numbers alone do not say it (abuse anomalies). */
  detail?: string;
}

export interface InfectionReport {
  agent_id: string;
  ts: number;
  anomalies: Anomaly[];
  severity: number;
}

export interface Diagnosis {
  type: DiagnosisType;
  confidence: number;
  evidence: string[];
  /** Runner-up hypotheses with their scores, for the operator's judgement. */
  alternatives: Array<{ type: DiagnosisType; confidence: number }>;
}

export type InfectionStatus = 'pending' | 'rejected' | 'healing' | 'healed' | 'exhausted';
export type HealingTrigger = 'auto' | 'approval' | 'heal_now';

export interface Infection {
  id: number;
  agent_id: string;
  detected_at: number;
  severity: number;
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  status: InfectionStatus;
  resolved_at: number | null;
  /** The onset sample's ts: first sample of the confirming run. */
  onset_ts: number;
}

/**
 * The immune side of a healing approval. The approval itself is a governance approval (kind 'healing',
 * id approval_id): operators decide it with approvals.decide, it expires, it is in the audit chain.
 */
export interface ApprovalRecord {
  id: number;
  infection_id: number;
  agent_id: string;
  /** expired: nobody decided before the deadline (timeout denies); cancelled: an operator revived the agent. */
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'healing_started';
  /** The governance approval (ApprovalView.id) this row mirrors; null only for rows from before the single queue. */
  approval_id: string | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  severity: number;
  diagnosis: DiagnosisType;
}

export type HealingEventKind =
  | 'quarantined'
  | 'approval_requested'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'heal_now'
  | 'action_applied'
  | 'action_failed'
  | 'action_skipped'
  | 'verified'
  | 'verification_failed'
  | 'released'
  | 'exhausted';

export interface HealingLogEntry {
  id: number;
  ts: number;
  agent_id: string;
  infection_id: number | null;
  kind: HealingEventKind;
  action: HealingAction | null;
  trigger: HealingTrigger | null;
  ok: boolean | null;
  detail: string;
}

export interface MemoryEntry {
  agent_id: string;
  diagnosis: DiagnosisType;
  action: HealingAction;
  successes: number;
  failures: number;
  last_outcome: 'success' | 'failure';
  last_at: number;
}

export interface FleetPattern {
  diagnosis: DiagnosisType;
  action: HealingAction;
  attempts: number;
  successes: number;
  success_rate: number;
  agents: number;
  /** What fleet learning does with it: prefer (moved up), avoid (skipped fleet-wide), neutral. */
  verdict: 'prefer' | 'avoid' | 'neutral';
}

export interface ImmuneAgent {
  agent_id: string;
  source: AgentSource;
  model: string;
  mcp_servers: string[];
  state: AgentState;
  samples: number;
  baseline_ready: boolean;
  last_seen: number | null;
  infection_id: number | null;
  executions: number;
}

export interface ImmuneStats {
  agents: number;
  executions: number;
  infections: number;
  healed: number;
  failed_heals: number;
  success_rate: number;
  quarantined: number;
  pending: number;
  rejected: number;
  runtime_ms: number;
}

/** Failure types the chaos injector can give a simulated agent (one UI button each). */
export const CHAOS_TYPES = [
  'prompt_drift',
  'prompt_injection',
  'infinite_loop',
  'tool_instability',
  'memory_corruption',
  'token_explosion',
  'latency_spike',
  'retry_storm',
  'cost_spike',
] as const;
export type ChaosType = (typeof CHAOS_TYPES)[number];

/** The diagnosis a correct diagnostician reaches for each injected failure (used by the evaluation). */
export const CHAOS_EXPECTED_DIAGNOSIS: Record<ChaosType, DiagnosisType> = {
  prompt_drift: 'prompt_drift',
  prompt_injection: 'prompt_injection',
  infinite_loop: 'infinite_loop',
  tool_instability: 'tool_instability',
  memory_corruption: 'memory_corruption',
  token_explosion: 'memory_corruption',
  latency_spike: 'tool_instability',
  retry_storm: 'tool_instability',
  cost_spike: 'prompt_drift',
};

/** A healing action sent to an SDK agent over its control channel; it acks with the id. */
export interface ControlCommand {
  id: string;
  agent_id: string;
  action: HealingAction;
  tools: string[];
  reason: string;
  issued_at: number;
}

export interface ImmuneOverview {
  stats: ImmuneStats;
  agents: ImmuneAgent[];
  pending: ApprovalRecord[];
  rejected: ApprovalRecord[];
  infections: Infection[];
  healing: HealingLogEntry[];
  patterns: FleetPattern[];
}

/** One vitals sample as the UI sees it. */
export interface VitalsSample {
  agent_id: string;
  ts: number;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  tool_calls: number;
  retries: number;
  errors: number;
  prompt_hash?: string | null;
  model: string;
}
