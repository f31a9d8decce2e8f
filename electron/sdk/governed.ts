// governed(agent, toolName, fn): run any async function of your own agent only when AegisFlow's
// governance gateway says so (seed 002's SDK pattern). Before each call it asks
// POST /api/v1/governance/check with the tool name and the exact arguments:
//   ALLOW  → fn runs (with the intent token, for tools that need one)
//   REVIEW → waits for the operator (polling), then runs, or throws ApprovalRejectedError
//   BLOCK  → throws GovernanceBlockedError with the policy's reason
//   paused / quarantined agent → throws AgentPausedError
// Self-contained on purpose (fetch only, Node ≥ 18 or any browser; its one import is a type), like the
// immune SDK beside it.
import type { GovernanceCheckResponse } from '../../shared/mcp';

export interface GovernedAgent {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  /** The agent's bearer token (aegisflow agent add NAME prints it once). */
  token: string;
  /** How long one check may hold the request open while an operator decides (ms, ≤ 110000). Default 25000. */
  waitMs?: number;
  /** Give up waiting for an operator after this long in total (ms). Default 10 minutes. */
  maxWaitMs?: number;
  fetch?: typeof fetch;
}

export type GovernanceDecision = GovernanceCheckResponse;

/** What the wrapped function receives besides its arguments. */
export interface GovernedContext {
  decision: GovernanceDecision;
  /** Single-use token bound to this agent, tool and exact arguments (absent for read tools). */
  intentToken?: string;
}

export class GovernanceError extends Error {
  constructor(
    message: string,
    readonly decision: GovernanceDecision | null,
  ) {
    super(message);
    this.name = 'GovernanceError';
  }
}
/** The policy blocks this call; it can never be approved. Change the request instead. */
export class GovernanceBlockedError extends GovernanceError {
  override name = 'GovernanceBlockedError';
}
/** The agent is paused or quarantined (kill switch): nothing runs until an operator revives it. */
export class AgentPausedError extends GovernanceError {
  override name = 'AgentPausedError';
}
/** The operator rejected the call, or it expired or was cancelled before a decision. */
export class ApprovalRejectedError extends GovernanceError {
  override name = 'ApprovalRejectedError';
}
/** The gateway could not be reached or answered something unexpected (fails closed). */
export class GovernanceUnavailableError extends GovernanceError {
  override name = 'GovernanceUnavailableError';
}

async function post(agent: GovernedAgent, body: unknown): Promise<GovernanceDecision> {
  const f = agent.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(new URL('/api/v1/governance/check', agent.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new GovernanceUnavailableError(`governance gateway unreachable: ${(err as Error).message}`, null);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (res.status === 403) throw new AgentPausedError((json as { error?: string })?.error ?? 'agent refused (403)', null);
  if (!res.ok)
    throw new GovernanceUnavailableError(`governance check failed (${res.status}): ${(json as { error?: string })?.error ?? text.slice(0, 200)}`, null);
  return json as GovernanceDecision;
}

/** Ask the gateway about one call; waits for an operator on REVIEW. Throws on anything but a go. */
export async function checkCall(agent: GovernedAgent, tool: string, args: Record<string, unknown>): Promise<GovernanceDecision> {
  const waitMs = Math.min(Math.max(agent.waitMs ?? 25_000, 0), 110_000);
  const end = Date.now() + (agent.maxWaitMs ?? 600_000);
  let d = await post(agent, { tool, args, wait_ms: waitMs });
  while (d.status === 'pending' && d.approval_id && Date.now() < end) d = await post(agent, { approval_id: d.approval_id, wait_ms: waitMs });
  switch (d.status) {
    case 'allowed':
    case 'approved':
      return d;
    case 'blocked':
      if (d.rule_id === 'kill-switch' || d.rule_id === 'quarantine') throw new AgentPausedError(d.reason, d);
      throw new GovernanceBlockedError(`${tool} is blocked by policy rule ${d.rule_id}: ${d.reason}`, d);
    case 'pending':
      throw new ApprovalRejectedError(`no operator decided approval ${d.approval_id} within ${agent.maxWaitMs ?? 600_000} ms`, d);
    default:
      throw new ApprovalRejectedError(`${tool} was ${d.status}${d.decided_by ? ` by ${d.decided_by}` : ''}: ${d.reason}`, d);
  }
}

/**
 * Wrap an async function so every call is governed. The arguments object is what the gateway judges
 * and what an approving operator sees, so pass the real arguments.
 */
export function governed<A extends Record<string, unknown>, R>(
  agent: GovernedAgent,
  toolName: string,
  fn: (args: A, ctx: GovernedContext) => Promise<R> | R,
): (args: A) => Promise<R> {
  return async (args: A) => {
    const decision = await checkCall(agent, toolName, args);
    return fn(args, { decision, intentToken: decision.intent_token });
  };
}
