// The synchronous core of a decision for a known agent: status (kill switch, quarantine), scope, the
// immune system's overlays (revoked tools, reduced autonomy), then the policy. Pure reads: one policy
// evaluation, no writes (what the governance benchmark's decision latency measures).
import type { AgentScope, AgentView } from '../../../shared/governance';
import { evaluate, type CompiledPolicy, type Evaluation } from './policy';
import { deviceInScope, globMatch, isScoped, scopeLimits, selectorProblem, type PlantHierarchy } from './scope';

function deviceIdsIn(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['device_id', 'device']) if (typeof args[k] === 'string') out.push(args[k]);
  if (Array.isArray(args.devices)) for (const d of args.devices) if (typeof d === 'string') out.push(d);
  return out;
}

function deviceScopeProblem(scope: AgentScope, args: Record<string, unknown>, touched: readonly string[], plant?: PlantHierarchy): string | null {
  if (!isScoped(scope)) return null;
  for (const d of deviceIdsIn(args)) {
    const problem = selectorProblem(scope, d, plant);
    if (problem) return problem;
  }
  for (const d of touched) if (!deviceInScope(scope, d, plant)) return `device ${d} is outside the agent's scope (${scopeLimits(scope)})`;
  return null;
}

/** `touched`: devices the call touches that its arguments do not name (an anomaly's device); `plant`: resolves area scopes. */
export function judgeCall(
  policy: CompiledPolicy,
  agent: AgentView,
  tool: string,
  args: Record<string, unknown>,
  touched: readonly string[] = [],
  plant?: PlantHierarchy,
): Evaluation {
  const block = (ruleId: string, reason: string): Evaluation => ({ decision: 'BLOCK', reason, ruleId, policyVersion: policy.version, timeoutS: 0, risk: 10 });
  if (agent.status !== 'active')
    return block(
      agent.status === 'paused' ? 'kill-switch' : 'quarantine',
      `agent ${agent.id} is ${agent.status}${agent.statusReason ? `: ${agent.statusReason}` : ''}`,
    );
  const scope = agent.scope;
  const groupsInScope = scope.toolGroups;
  if (groupsInScope && groupsInScope.length > 0) {
    const groups = policy.groupsOf(tool);
    if (!groups.some((g) => groupsInScope.includes(g)))
      return block('scope', `${tool} is outside agent ${agent.id}'s scope (tool groups: ${groupsInScope.join(', ')})`);
  }
  const scopeBlock = deviceScopeProblem(scope, args, touched, plant);
  if (scopeBlock) return block('scope', `agent ${agent.id}: ${scopeBlock}`);
  if (agent.revokedTools.some((t) => t === tool || globMatch(t, tool)))
    return block('revoked', `${tool} has been revoked for agent ${agent.id} by the immune system`);
  const ev = evaluate(policy, { agent: { id: agent.id, role: agent.role }, tool, args });
  if (ev.decision === 'ALLOW' && agent.reducedAutonomy)
    return {
      ...ev,
      decision: 'REVIEW',
      ruleId: 'reduced-autonomy',
      reason: `agent ${agent.id} runs with reduced autonomy: every call needs an operator (${ev.reason})`,
    };
  return ev;
}

export type Judge = (agent: AgentView, tool: string, args: Record<string, unknown>, touched?: readonly string[]) => Evaluation;
