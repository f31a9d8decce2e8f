// Contract schemas of the operator agent, its traces and the demo (issue 8). Timestamps are epoch
// milliseconds. Types are re-exported (type-only) by ../agent.ts.
import { z } from 'zod';
import { GovDecisionSchema } from './governance';

export const SpanStatusSchema = z.enum(['unset', 'ok', 'error']);
export type SpanStatus = z.infer<typeof SpanStatusSchema>;
export const AttrValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.number())]);
export type AttrValue = z.infer<typeof AttrValueSchema>;
export const AttributesSchema = z.record(z.string(), AttrValueSchema);
export type Attributes = z.infer<typeof AttributesSchema>;

export const SpanEventViewSchema = z.object({ name: z.string(), ts: z.number(), attributes: AttributesSchema });
export type SpanEventView = z.infer<typeof SpanEventViewSchema>;

/** One span, with OpenTelemetry GenAI names (invoke_agent …, execute_tool …, chat …, governance.decision). */
export const SpanViewSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string(),
  kind: z.enum(['internal', 'client']),
  startMs: z.number(),
  endMs: z.number().nullable(),
  status: SpanStatusSchema,
  statusMessage: z.string().nullable(),
  attributes: AttributesSchema,
  events: z.array(SpanEventViewSchema),
});
export type SpanView = z.infer<typeof SpanViewSchema>;

export const RunOutcomeSchema = z.enum(['running', 'resolved', 'refused', 'rejected', 'paused', 'failed', 'no_action']);
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

/** One trace = one agent run: the Traces view's list row. */
export const TraceSummarySchema = z.object({
  traceId: z.string(),
  name: z.string(),
  agentId: z.string().nullable(),
  planner: z.string().nullable(),
  model: z.string().nullable(),
  trigger: z.string().nullable(),
  deviceId: z.string().nullable(),
  startMs: z.number(),
  endMs: z.number().nullable(),
  status: SpanStatusSchema,
  outcome: RunOutcomeSchema,
  summary: z.string().nullable(),
  spans: z.number(),
  toolCalls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  /** Gateway decisions seen in the run. */
  decisions: z.record(GovDecisionSchema, z.number()),
});
export type TraceSummary = z.infer<typeof TraceSummarySchema>;

export const TraceDetailSchema = z.object({ trace: TraceSummarySchema, spans: z.array(SpanViewSchema) });
export type TraceDetail = z.infer<typeof TraceDetailSchema>;

export const AgentRunRequestSchema = z.strictObject({
  /** Device to look at; default: the device of the newest open anomaly. */
  device_id: z.string().min(3).max(128).optional(),
  episode_id: z.string().min(1).max(512).optional(),
  /** Free-text ask from the operator (the LLM planner reads it; the rule planner logs it). */
  ask: z.string().max(2000).optional(),
  /** A command the operator asked the agent to try first (seed 000's "execute an emergency shutdown"). */
  try_command: z.enum(['emergency_shutdown', 'restart', 'reduce_load', 'schedule_maintenance', 'restore_load']).optional(),
  /** Load reduction to request when reducing load (default: the manual's SOP figure). */
  reduction_pct: z.number().int().min(1).max(90).optional(),
  planner: z.enum(['rule', 'llm']).optional(),
});
export type AgentRunRequest = z.infer<typeof AgentRunRequestSchema>;

export const AgentStepViewSchema = z.object({
  runId: z.string(),
  traceId: z.string(),
  index: z.number(),
  kind: z.enum(['thought', 'tool', 'wait', 'finish']),
  tool: z.string().optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  decision: GovDecisionSchema.nullable().optional(),
  isError: z.boolean().optional(),
  text: z.string(),
  ts: z.number(),
});
export type AgentStepView = z.infer<typeof AgentStepViewSchema>;

export const AgentRunResultSchema = z.object({
  runId: z.string(),
  traceId: z.string(),
  agentId: z.string(),
  deviceId: z.string().nullable(),
  outcome: RunOutcomeSchema,
  summary: z.string(),
  steps: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});
export type AgentRunResult = z.infer<typeof AgentRunResultSchema>;

export const DemoStepViewSchema = z.object({
  index: z.number(),
  ts: z.number(),
  /** Short name of the scene (detect, diagnose, shutdown_blocked, …). */
  scene: z.string(),
  ok: z.boolean(),
  text: z.string(),
});
export type DemoStepView = z.infer<typeof DemoStepViewSchema>;

export const DemoStatusSchema = z.object({
  running: z.boolean(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  ok: z.boolean().nullable(),
  steps: z.array(DemoStepViewSchema),
});
export type DemoStatus = z.infer<typeof DemoStatusSchema>;

export const agentRequests = {
  /** Start an agent run; with wait the reply carries the result (runs may wait minutes for an operator). */
  'agent.run': {
    params: AgentRunRequestSchema.extend({ wait: z.boolean().optional() }),
    result: z.object({ accepted: z.literal(true), result: AgentRunResultSchema.nullable() }),
  },
  'agent.status': {
    params: z.strictObject({}),
    result: z.object({
      enabled: z.boolean(),
      agentId: z.string(),
      planner: z.enum(['rule', 'llm']),
      model: z.string().nullable(),
      onAnomaly: z.boolean(),
      running: z.object({ runId: z.string(), traceId: z.string(), deviceId: z.string().nullable() }).nullable(),
      queued: z.number(),
    }),
  },
  /** Run the seed's demo on this core (approve 'operator': the demo waits for a real click). */
  'demo.run': {
    params: z.strictObject({ approve: z.enum(['auto', 'operator']).optional() }),
    result: z.object({ accepted: z.boolean(), reason: z.string().nullable() }),
  },
  'demo.status': { params: z.strictObject({}), result: DemoStatusSchema },
  'traces.list': {
    params: z.strictObject({ limit: z.number().int().min(1).max(500).optional(), before: z.number().finite().optional() }),
    result: z.array(TraceSummarySchema),
  },
  'traces.get': { params: z.strictObject({ traceId: z.string().regex(/^[0-9a-f]{32}$/, 'a 32-hex-digit trace id') }), result: TraceDetailSchema },
};

export const agentEvents = {
  'agent.run.started': z.object({
    runId: z.string(),
    traceId: z.string(),
    agentId: z.string(),
    deviceId: z.string().nullable(),
    trigger: z.string(),
    planner: z.string(),
  }),
  'agent.step': AgentStepViewSchema,
  'agent.run.finished': AgentRunResultSchema,
  'demo.step': DemoStepViewSchema,
  'demo.finished': DemoStatusSchema,
};
