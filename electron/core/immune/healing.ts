// Healing policies (diagnosis → ordered actions) and the ladder planner. The planner is pure:
// it takes the policy, this agent's immune memory and the fleet's learned patterns, and returns
// the rungs to try, with the reason each skipped rung was skipped.
import type { DiagnosisType, FleetPattern, HealingAction, MemoryEntry } from './schemas';

/** Seed 001's fixed policies: the cheapest, least disruptive action first, cloning last. */
export const HEALING_POLICIES: Record<DiagnosisType, readonly HealingAction[]> = {
  prompt_drift: ['reset_memory', 'rollback_prompt', 'clone_agent'],
  prompt_injection: ['revoke_tools', 'reset_memory', 'rollback_prompt', 'clone_agent'],
  infinite_loop: ['reset_memory', 'reduce_autonomy', 'revoke_tools', 'clone_agent'],
  tool_instability: ['revoke_tools', 'reduce_autonomy', 'clone_agent'],
  memory_corruption: ['reset_memory', 'rollback_prompt', 'clone_agent'],
};

export interface FleetLearningOptions {
  /** Fleet attempts of an action for a diagnosis before its success rate is trusted. */
  minAttempts: number;
  /** Distinct agents that must have tried it (one odd agent must not steer the fleet). */
  minAgents: number;
  /** At or below this success rate the action is skipped fleet-wide. */
  avoidBelow: number;
  /** At or above this success rate the action moves to the front of the ladder. */
  preferAbove: number;
}

export const DEFAULT_FLEET_LEARNING: FleetLearningOptions = { minAttempts: 3, minAgents: 2, avoidBelow: 0.1, preferAbove: 0.8 };

export function patternVerdict(p: Pick<FleetPattern, 'attempts' | 'agents' | 'success_rate'>, o: FleetLearningOptions): FleetPattern['verdict'] {
  if (p.attempts < o.minAttempts || p.agents < o.minAgents) return 'neutral';
  if (p.success_rate <= o.avoidBelow) return 'avoid';
  if (p.success_rate >= o.preferAbove) return 'prefer';
  return 'neutral';
}

/** Fleet patterns from every agent's memory rows. */
export function fleetPatterns(memory: readonly MemoryEntry[], o: FleetLearningOptions = DEFAULT_FLEET_LEARNING): FleetPattern[] {
  const by = new Map<string, { diagnosis: DiagnosisType; action: HealingAction; attempts: number; successes: number; agents: Set<string> }>();
  for (const m of memory) {
    const key = `${m.diagnosis}|${m.action}`;
    let p = by.get(key);
    if (!p) by.set(key, (p = { diagnosis: m.diagnosis, action: m.action, attempts: 0, successes: 0, agents: new Set() }));
    p.attempts += m.successes + m.failures;
    p.successes += m.successes;
    p.agents.add(m.agent_id);
  }
  return [...by.values()]
    .map((p) => {
      const success_rate = p.attempts ? p.successes / p.attempts : 0;
      const base = { diagnosis: p.diagnosis, action: p.action, attempts: p.attempts, successes: p.successes, success_rate, agents: p.agents.size };
      return { ...base, verdict: patternVerdict(base, o) };
    })
    .sort((a, b) => a.diagnosis.localeCompare(b.diagnosis) || b.success_rate - a.success_rate || b.attempts - a.attempts);
}

export interface LadderPlan {
  rungs: HealingAction[];
  skipped: Array<{ action: HealingAction; reason: 'agent_memory' | 'fleet_learning' }>;
}

/**
 * Rungs to try for this agent: the policy order, minus actions that already failed for this agent
 * and diagnosis (immune memory), minus actions the fleet learned to avoid; actions the fleet
 * learned to prefer move to the front. The last rung of the policy (clone) is never removed by
 * fleet learning, so a ladder is never empty because of other agents' bad luck.
 */
export function planLadder(
  diagnosis: DiagnosisType,
  agentMemory: readonly MemoryEntry[],
  patterns: readonly FleetPattern[],
  policies: Record<DiagnosisType, readonly HealingAction[]> = HEALING_POLICIES,
): LadderPlan {
  const policy = policies[diagnosis];
  const failedHere = new Set(agentMemory.filter((m) => m.diagnosis === diagnosis && m.last_outcome === 'failure').map((m) => m.action));
  const verdict = new Map(patterns.filter((p) => p.diagnosis === diagnosis).map((p) => [p.action, p.verdict]));
  const last = policy[policy.length - 1];
  const skipped: LadderPlan['skipped'] = [];
  const keep: HealingAction[] = [];
  for (const action of policy) {
    if (failedHere.has(action)) skipped.push({ action, reason: 'agent_memory' });
    else if (verdict.get(action) === 'avoid' && action !== last) skipped.push({ action, reason: 'fleet_learning' });
    else keep.push(action);
  }
  const preferred = keep.filter((a) => verdict.get(a) === 'prefer');
  const rest = keep.filter((a) => verdict.get(a) !== 'prefer');
  return { rungs: [...preferred, ...rest], skipped };
}
