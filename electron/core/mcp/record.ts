// After every call, whatever its outcome: a tool_calls row, an 'mcp.call' bus event, the call's outcome
// for the immune system's abuse signal and the run's vitals. Also the calls refused before the gateway
// (rate limits, arguments the SDK rejected), which are recorded the same way.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../governance';
import { createRateLimitedLog, defaultMasker, maskText } from '../observability';
import type { RateDecision } from './limits';
import { errorResult, type GovernanceMeta, type Outcome } from './outcome';
import type { CallerIdentity, McpDeps } from './types';

// One rate-limited warning stream per deps (per core), like invalid calls below.
const limitLogs = new WeakMap<McpDeps, ReturnType<typeof createRateLimitedLog>>();

/** A call over its agent's or its tool's rate limit: a tool error the agent can act on, and an event. */
export function rateLimited(deps: McpDeps, caller: CallerIdentity, tool: string, d: RateDecision): Outcome {
  const retryAfterMs = d.retryAfterMs ?? 1000;
  const b = d.bucket!;
  const which = d.limit === 'agent' ? `all tools of agent ${caller.agentId}` : `${tool} for agent ${caller.agentId}`;
  const text =
    `RATE LIMITED: ${tool} was not run. The limit for ${which} is ${b.burst} calls at once and ${b.perSecond} per second after that. ` +
    `Retry after ${(retryAfterMs / 1000).toFixed(retryAfterMs < 10_000 ? 1 : 0)} s (retry_after_ms ${retryAfterMs}); calling again sooner is refused again.`;
  const hits = deps.limiter?.hits(caller.agentId) ?? 1;
  let warn = limitLogs.get(deps);
  if (!warn) limitLogs.set(deps, (warn = createRateLimitedLog(deps.log)));
  warn(`${caller.agentId}:${tool}`, { agentId: caller.agentId, tool, limit: d.limit, retryAfterMs, hits }, 'MCP call refused: rate limit');
  deps.bus.emit('mcp.rate_limited', { ts: deps.clock.now(), agentId: caller.agentId, tool, limit: d.limit ?? 'tool', retryAfterMs, hits });
  const meta: GovernanceMeta = {
    decision: 'NONE',
    status: 'rate_limited',
    rule_id: `rate-limit:${d.limit ?? 'tool'}`,
    policy_version: deps.governance.policy.current.version,
    retry_after_ms: retryAfterMs,
  };
  return { result: errorResult(text, meta), status: 'rate_limited', error: `rate limit (${d.limit ?? 'tool'}): retry after ${retryAfterMs} ms` };
}

function resultBytes(r: CallToolResult): number {
  let n = 0;
  for (const c of r.content) if (c.type === 'text') n += c.text.length;
  if (r.structuredContent) n += JSON.stringify(r.structuredContent).length;
  return n;
}

export function record(
  deps: McpDeps,
  caller: CallerIdentity,
  tool: string,
  args: Record<string, unknown>,
  auth: AuthorizeResult | null,
  o: Outcome,
  latencyMs: number,
  waitMs: number,
): void {
  const ts = deps.clock.now();
  const isError = o.result.isError === true;
  const bytes = resultBytes(o.result);
  try {
    deps.toolCalls.insert({
      ts,
      agent_id: caller.agentId,
      tool,
      args,
      decision: auth?.decision ?? (o.status === 'invalid' || o.status === 'rate_limited' ? 'NONE' : 'BLOCK'),
      rule_id: auth?.ruleId ?? null,
      approval_id: auth?.approvalId ?? null,
      status: o.status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      wait_ms: Math.round(waitMs),
      result_bytes: bytes,
      is_error: isError,
      error: o.error,
      transport: caller.transport,
    });
  } catch (err) {
    deps.log.error({ err, tool }, 'could not record the tool call');
  }
  // The event reaches the UI and any listener: the tool name and error quote agent input.
  const mask = deps.mask ?? defaultMasker;
  deps.bus.emit('mcp.call', {
    ts,
    agentId: caller.agentId,
    tool: mask.text(tool),
    decision: auth?.decision ?? (o.status === 'invalid' || o.status === 'rate_limited' ? 'NONE' : 'BLOCK'),
    status: o.status,
    approvalId: auth?.approvalId ?? null,
    latencyMs: Math.round(latencyMs * 10) / 10,
    isError,
    error: maskText(mask, o.error),
  });
  // Each call's outcome, at once: refusals are the abuse signal (immune/abuse.ts). A BLOCK because the
  // agent is already paused or quarantined is the containment working, not something more it did.
  const contained = o.status === 'blocked' && (auth?.ruleId === 'kill-switch' || auth?.ruleId === 'quarantine');
  if (deps.immune?.recordCall && !contained) {
    try {
      deps.immune.recordCall({
        agent_id: caller.agentId,
        ts,
        outcome: o.status === 'blocked' || o.status === 'invalid' || o.status === 'rate_limited' ? o.status : 'served',
        tool: tool.slice(0, 128) || '(none)',
      });
    } catch (err) {
      deps.log.warn({ err }, 'immune call outcome not recorded');
    }
  }
  if (deps.runVitals) {
    try {
      // Operator wait is not the agent's latency: it would teach the baseline that slow is normal.
      // Policy refusals and operator rejections are the governance working, not the agent failing:
      // counting them as errors would let the immune system punish an agent for asking.
      deps.runVitals.add(caller.agentId, { latencyMs: Math.max(0, latencyMs - waitMs), error: o.status === 'error' || o.status === 'invalid', tool });
    } catch (err) {
      deps.log.warn({ err }, 'immune vitals not recorded');
    }
  }
}

// One rate-limited warning stream per deps (per core): a client looping on bad arguments must not flood the log.
const invalidLogs = new WeakMap<McpDeps, ReturnType<typeof createRateLimitedLog>>();

/**
 * A call the SDK refused before any tool code ran (arguments failing the input schema, unknown tool).
 * The gateway never saw it, but it is still counted: a tool_calls row with status "invalid", an
 * mcp.call event, a rate-limited warning, and an error in the agent's vitals (a model that keeps
 * sending malformed arguments is a symptom the immune system looks for).
 */
export function recordInvalidCall(deps: McpDeps, caller: CallerIdentity, tool: string, args: unknown, message: string): void {
  let warn = invalidLogs.get(deps);
  if (!warn) invalidLogs.set(deps, (warn = createRateLimitedLog(deps.log)));
  const mask = deps.mask ?? defaultMasker;
  warn(
    `${caller.agentId}:${tool}`,
    { agentId: caller.agentId, tool: mask.text(tool), error: mask.text(message.slice(0, 300)) },
    'MCP call refused: invalid request',
  );
  const o: Outcome = { result: { content: [{ type: 'text', text: message }], isError: true }, status: 'invalid', error: message };
  const safeArgs =
    args !== null && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : { _invalid: String(args).slice(0, 200) };
  record(deps, caller, tool.slice(0, 128), safeArgs, null, o, 0, 0);
}
