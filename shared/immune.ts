// Immune-system vocabulary shared by the core and the renderer (seed 001): plain constants, and the
// contract's types inferred from ./schemas/immune.ts (type-only: no zod at run time here). The core's
// ingest schemas live in electron/core/immune/schemas.ts.
import type { Anomaly } from './schemas/immune';

export type {
  Anomaly,
  Diagnosis,
  InfectionStatus,
  HealingTrigger,
  Infection,
  ApprovalRecord,
  HealingEventKind,
  HealingLogEntry,
  MemoryEntry,
  FleetPattern,
  ImmuneAgent,
  ImmuneStats,
  ImmuneOverview,
  VitalsSample,
} from './schemas/immune';

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

export interface InfectionReport {
  agent_id: string;
  ts: number;
  anomalies: Anomaly[];
  severity: number;
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
