// The built-in operator agent (issue 8): public face of electron/core/agent.
//   new OperatorAgent(deps)      identity in the governance registry, runs over MCP (Streamable HTTP)
//   agent.run(request, options)  one run = one trace; rule planner (default, offline) or LLM planner
//   runDemo(deps, options)       the seed's demo end to end on a live core
//   registerAgentApi(api, ...)   agent.run / agent.status / demo.run / demo.status / traces.list / traces.get
export { OperatorAgent, AgentRunError, type AgentIdentity, type OperatorAgentDeps, type RunOptions } from './agent';
export { AgentConfigSchema, PriceSchema, type AgentConfig, type Price } from './config';
export { RulePlanner, type RulePlannerOptions } from './rule-planner';
export { LlmPlanner, SYSTEM_PROMPT, WAIT_TOOL, toMessages, outcomeFromHistory, type LlmPlannerOptions } from './llm-planner';
export { connectAgentMcp, toToolResult, type AgentMcpClient } from './mcp-client';
export { runDemo, demoConfigOverrides, singleCallPlanner, ensureNarrowAgent, DEMO_DEVICE, DEMO_NARROW_AGENT, type DemoDeps, type DemoOptions } from './demo';
export { registerAgentApi } from './api';
export {
  diagnose,
  classifyReadings,
  sopPlan,
  effectVerified,
  severityOf,
  reductionFromManual,
  LIMITS,
  SOP_SECTION,
  type Diagnosis,
  type SeenReading,
  type SopPlan,
} from './sop';
export type { Planner, PlannerContext, Decision, Turn, ToolResult, ToolInfo, AgentTask } from './planner';
