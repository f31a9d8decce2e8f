// Operator agent runs, traces and the demo, as the core and the UI see them (issue 8). The types are
// inferred from the contract's zod schemas (./schemas/agent.ts); this file stays zod-free at run time.
export type {
  SpanStatus,
  AttrValue,
  Attributes,
  SpanEventView,
  SpanView,
  RunOutcome,
  TraceSummary,
  TraceDetail,
  AgentRunRequest,
  AgentStepView,
  AgentRunResult,
  DemoStepView,
  DemoStatus,
} from './schemas/agent';
