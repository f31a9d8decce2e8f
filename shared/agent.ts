// Operator agent runs, traces and the demo, as the core and the UI see them (issue 8).
// Plain types only: no Node, no DOM. Timestamps are epoch milliseconds.
import type { GovDecision } from './governance';

export type SpanStatus = 'unset' | 'ok' | 'error';
export type AttrValue = string | number | boolean | string[] | number[];
export type Attributes = Record<string, AttrValue>;

export interface SpanEventView {
  name: string;
  ts: number;
  attributes: Attributes;
}

/** One span, with OpenTelemetry GenAI names (invoke_agent …, execute_tool …, chat …, governance.decision). */
export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: 'internal' | 'client';
  startMs: number;
  endMs: number | null;
  status: SpanStatus;
  statusMessage: string | null;
  attributes: Attributes;
  events: SpanEventView[];
}

export type RunOutcome = 'running' | 'resolved' | 'refused' | 'rejected' | 'paused' | 'failed' | 'no_action';

/** One trace = one agent run: the Traces view's list row. */
export interface TraceSummary {
  traceId: string;
  name: string;
  agentId: string | null;
  planner: string | null;
  model: string | null;
  trigger: string | null;
  deviceId: string | null;
  startMs: number;
  endMs: number | null;
  status: SpanStatus;
  outcome: RunOutcome;
  summary: string | null;
  spans: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Gateway decisions seen in the run. */
  decisions: Record<GovDecision, number>;
}

export interface TraceDetail {
  trace: TraceSummary;
  spans: SpanView[];
}

export interface AgentRunRequest {
  /** Device to look at; default: the device of the newest open anomaly. */
  device_id?: string;
  episode_id?: string;
  /** Free-text ask from the operator (the LLM planner reads it; the rule planner logs it). */
  ask?: string;
  /** A command the operator asked the agent to try first (seed 000's "execute an emergency shutdown"). */
  try_command?: 'emergency_shutdown' | 'restart' | 'reduce_load' | 'schedule_maintenance' | 'restore_load';
  /** Load reduction to request when reducing load (default: the manual's SOP figure). */
  reduction_pct?: number;
  planner?: 'rule' | 'llm';
}

export interface AgentStepView {
  runId: string;
  traceId: string;
  index: number;
  kind: 'thought' | 'tool' | 'wait' | 'finish';
  tool?: string;
  args?: Record<string, unknown>;
  decision?: GovDecision | null;
  isError?: boolean;
  text: string;
  ts: number;
}

export interface AgentRunResult {
  runId: string;
  traceId: string;
  agentId: string;
  deviceId: string | null;
  outcome: RunOutcome;
  summary: string;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface DemoStepView {
  index: number;
  ts: number;
  /** Short name of the scene (detect, diagnose, shutdown_blocked, …). */
  scene: string;
  ok: boolean;
  text: string;
}

export interface DemoStatus {
  running: boolean;
  startedAt: number | null;
  finishedAt: number | null;
  ok: boolean | null;
  steps: DemoStepView[];
}
