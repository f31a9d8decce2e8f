// Contract schemas of the immune system (seed 001, issue 9). Types are re-exported (type-only) by
// ../immune.ts, whose constants they are built from.
import { z } from 'zod';
import { ABUSE_ANOMALY_TYPES, AGENT_SOURCES, AGENT_STATES, ANOMALY_TYPES, CHAOS_TYPES, DIAGNOSIS_TYPES, HEALING_ACTIONS, METRICS } from '../immune';

export const AnomalyTypeSchema = z.enum([...ANOMALY_TYPES, ...ABUSE_ANOMALY_TYPES]);
export const DiagnosisTypeSchema = z.enum(DIAGNOSIS_TYPES);
export const HealingActionSchema = z.enum(HEALING_ACTIONS);
export const ChaosTypeSchema = z.enum(CHAOS_TYPES);

export const AnomalySchema = z.object({
  type: AnomalyTypeSchema,
  /** refused_calls: an abuse anomaly (value and baseline_mean are counts of refused calls, the mean the bound allows). */
  metric: z.enum([...METRICS, 'prompt_hash', 'refused_calls']),
  /** Mean of the confirming samples (for prompt_change: 1). */
  value: z.number(),
  baseline_mean: z.number(),
  baseline_std: z.number(),
  z: z.number(),
  ratio: z.number(),
  severity: z.number(),
  /** A sentence for the operator when the numbers alone do not say it (abuse anomalies). */
  detail: z.string().optional(),
});
export type Anomaly = z.infer<typeof AnomalySchema>;

export const DiagnosisSchema = z.object({
  type: DiagnosisTypeSchema,
  confidence: z.number(),
  evidence: z.array(z.string()),
  /** Runner-up hypotheses with their scores, for the operator's judgement. */
  alternatives: z.array(z.object({ type: DiagnosisTypeSchema, confidence: z.number() })),
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

export const InfectionStatusSchema = z.enum(['pending', 'rejected', 'healing', 'healed', 'exhausted']);
export type InfectionStatus = z.infer<typeof InfectionStatusSchema>;
export const HealingTriggerSchema = z.enum(['auto', 'approval', 'heal_now']);
export type HealingTrigger = z.infer<typeof HealingTriggerSchema>;

export const InfectionSchema = z.object({
  id: z.number(),
  agent_id: z.string(),
  detected_at: z.number(),
  severity: z.number(),
  anomalies: z.array(AnomalySchema),
  diagnosis: DiagnosisSchema,
  status: InfectionStatusSchema,
  resolved_at: z.number().nullable(),
  /** The onset sample's ts: first sample of the confirming run. */
  onset_ts: z.number(),
});
export type Infection = z.infer<typeof InfectionSchema>;

/**
 * The immune side of a healing approval. The approval itself is a governance approval (kind 'healing',
 * id approval_id): operators decide it with approvals.decide, it expires, it is in the audit chain.
 */
export const ApprovalRecordSchema = z.object({
  id: z.number(),
  infection_id: z.number(),
  agent_id: z.string(),
  /** expired: nobody decided before the deadline (timeout denies); cancelled: an operator revived the agent. */
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled', 'healing_started']),
  /** The governance approval (ApprovalView.id) this row mirrors; null only for rows from before the single queue. */
  approval_id: z.string().nullable(),
  created_at: z.number(),
  decided_at: z.number().nullable(),
  decided_by: z.string().nullable(),
  severity: z.number(),
  diagnosis: DiagnosisTypeSchema,
});
export type ApprovalRecord = z.infer<typeof ApprovalRecordSchema>;

export const HealingEventKindSchema = z.enum([
  'quarantined',
  'approval_requested',
  'approved',
  'rejected',
  'expired',
  'heal_now',
  'action_applied',
  'action_failed',
  'action_skipped',
  'verified',
  'verification_failed',
  'released',
  'exhausted',
]);
export type HealingEventKind = z.infer<typeof HealingEventKindSchema>;

export const HealingLogEntrySchema = z.object({
  id: z.number(),
  ts: z.number(),
  agent_id: z.string(),
  infection_id: z.number().nullable(),
  kind: HealingEventKindSchema,
  action: HealingActionSchema.nullable(),
  trigger: HealingTriggerSchema.nullable(),
  ok: z.boolean().nullable(),
  detail: z.string(),
});
export type HealingLogEntry = z.infer<typeof HealingLogEntrySchema>;

export const MemoryEntrySchema = z.object({
  agent_id: z.string(),
  diagnosis: DiagnosisTypeSchema,
  action: HealingActionSchema,
  successes: z.number(),
  failures: z.number(),
  last_outcome: z.enum(['success', 'failure']),
  last_at: z.number(),
});
export type MemoryEntry = z.infer<typeof MemoryEntrySchema>;

export const FleetPatternSchema = z.object({
  diagnosis: DiagnosisTypeSchema,
  action: HealingActionSchema,
  attempts: z.number(),
  successes: z.number(),
  success_rate: z.number(),
  agents: z.number(),
  /** What fleet learning does with it: prefer (moved up), avoid (skipped fleet-wide), neutral. */
  verdict: z.enum(['prefer', 'avoid', 'neutral']),
});
export type FleetPattern = z.infer<typeof FleetPatternSchema>;

export const ImmuneAgentSchema = z.object({
  agent_id: z.string(),
  source: z.enum(AGENT_SOURCES),
  model: z.string(),
  mcp_servers: z.array(z.string()),
  state: z.enum(AGENT_STATES),
  samples: z.number(),
  baseline_ready: z.boolean(),
  last_seen: z.number().nullable(),
  infection_id: z.number().nullable(),
  executions: z.number(),
});
export type ImmuneAgent = z.infer<typeof ImmuneAgentSchema>;

export const ImmuneStatsSchema = z.object({
  agents: z.number(),
  executions: z.number(),
  infections: z.number(),
  healed: z.number(),
  failed_heals: z.number(),
  success_rate: z.number(),
  quarantined: z.number(),
  pending: z.number(),
  rejected: z.number(),
  runtime_ms: z.number(),
});
export type ImmuneStats = z.infer<typeof ImmuneStatsSchema>;

export const ImmuneOverviewSchema = z.object({
  stats: ImmuneStatsSchema,
  agents: z.array(ImmuneAgentSchema),
  pending: z.array(ApprovalRecordSchema),
  rejected: z.array(ApprovalRecordSchema),
  infections: z.array(InfectionSchema),
  healing: z.array(HealingLogEntrySchema),
  patterns: z.array(FleetPatternSchema),
});
export type ImmuneOverview = z.infer<typeof ImmuneOverviewSchema>;

/** One vitals sample as the UI sees it. */
export const VitalsSampleSchema = z.object({
  agent_id: z.string(),
  ts: z.number(),
  latency_ms: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  tool_calls: z.number(),
  retries: z.number(),
  errors: z.number(),
  prompt_hash: z.string().nullable().optional(),
  model: z.string(),
});
export type VitalsSample = z.infer<typeof VitalsSampleSchema>;

const agentId = z.string().min(1).max(128);
const verdict = z.enum(['approve', 'reject']);

export const immuneRequests = {
  'immune.overview': { params: z.strictObject({ limit: z.number().int().min(1).max(1000).optional() }), result: ImmuneOverviewSchema },
  'immune.agent': {
    params: z.strictObject({ agent_id: agentId }),
    result: z.object({
      agent: ImmuneAgentSchema,
      vitals: z.array(VitalsSampleSchema),
      healing: z.array(HealingLogEntrySchema),
      memory: z.array(MemoryEntrySchema),
    }),
  },
  'immune.approvals.decide': { params: z.strictObject({ id: z.number().int().positive(), verdict }), result: ApprovalRecordSchema },
  'immune.approvals.decideAll': { params: z.strictObject({ verdict }), result: z.object({ decided: z.number(), ids: z.array(z.number()) }) },
  'immune.healNow': { params: z.strictObject({ agent_id: agentId }), result: z.object({ started: z.boolean() }) },
  'immune.healAll': { params: z.strictObject({}), result: z.object({ started: z.number() }) },
  'immune.chaos': {
    params: z.strictObject({ type: ChaosTypeSchema, agent_id: agentId.optional() }),
    result: z.object({ agent_id: z.string(), type: ChaosTypeSchema }),
  },
  'immune.patterns': { params: z.strictObject({}), result: z.object({ patterns: z.array(FleetPatternSchema), memory: z.array(MemoryEntrySchema) }) },
};

export const immuneEvents = {
  'immune.infection': InfectionSchema,
  'immune.quarantine': z.object({ agent_id: z.string(), quarantined: z.boolean(), reason: z.string() }),
  'immune.healing': HealingLogEntrySchema,
  'immune.approval': ApprovalRecordSchema,
  'immune.agent': ImmuneAgentSchema,
};
