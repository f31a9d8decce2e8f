// One interface for every planner: given the task and what the run has seen so far, decide the next
// tool calls, a pause (to let the plant react), or the end of the run. The runner owns the MCP
// client, governance outcomes and traces; a planner only thinks.
import type { RunOutcome } from '../../../shared/agent';
import type { GovDecision } from '../../../shared/governance';
import type { TraceHandle } from '../observability';

/** A tool as the MCP server lists it. */
export interface ToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** What the governed server answered, reduced to what a planner reads. */
export interface ToolResult {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | null;
  /** From the result's governance metadata (or the refusal), when known. */
  decision: GovDecision | null;
  status: string | null;
  ruleId: string | null;
  approvalId: string | null;
  decidedBy: string | null;
}

export interface ToolCallRequest {
  id: string;
  tool: string;
  args: Record<string, unknown>;
}

export type Turn =
  | { kind: 'calls'; thought: string | null; calls: ToolCallRequest[] }
  | { kind: 'result'; call: ToolCallRequest; result: ToolResult }
  | { kind: 'waited'; ms: number };

export interface AnomalyRef {
  id: string;
  device_id: string;
  type_hint: string;
  severity: string;
  sensors: string[];
}

export interface AgentTask {
  deviceId: string | null;
  anomaly: AnomalyRef | null;
  /** Free text from the operator. */
  ask: string | null;
  /** A command the operator asked for first (seed 000's emergency_shutdown request). */
  tryCommand: string | null;
  /** Load reduction the operator asked for; null: the manual's figure. */
  reductionPct: number | null;
  trigger: 'anomaly' | 'operator' | 'demo';
}

export type Decision =
  | { kind: 'calls'; thought: string | null; calls: Array<{ tool: string; args: Record<string, unknown>; id?: string }> }
  | { kind: 'wait'; ms: number; thought: string | null }
  | { kind: 'finish'; summary: string; outcome: RunOutcome };

export interface PlannerContext {
  task: AgentTask;
  history: readonly Turn[];
  tools: readonly ToolInfo[];
  trace: TraceHandle;
  signal: AbortSignal;
}

export interface Planner {
  readonly name: 'rule' | 'llm';
  readonly model: string | null;
  next(ctx: PlannerContext): Promise<Decision>;
}

export class PlannerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlannerError';
  }
}
