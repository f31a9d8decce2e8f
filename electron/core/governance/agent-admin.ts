// The agents as operators and the immune system manage them: registration, the kill switch (one agent
// or all), quarantine and revival, the immune system's overlays (reduced autonomy, revoked tools), scope
// and token rotation. Each change is audited and announced (agent.changed); stopping an agent cancels its
// pending approvals and voids what was approved before the stop.
import type { AgentScope, AgentView } from '../../../shared/governance';
import { AgentError, type NewAgent } from './agents';
import type { PlantHierarchy } from './scope';
import type { GatewayParts } from './trail';

export class AgentAdmin {
  constructor(
    private readonly p: GatewayParts,
    private readonly plant?: PlantHierarchy,
  ) {}

  /**
   * An area the plant model does not have would grant nothing (scopes deny what they cannot resolve),
   * so naming one is refused: it is a typo, not a scope. (A model reload that drops an area later
   * leaves the scope as written, granting nothing in that area.)
   */
  private checkAreas(scope: AgentScope | undefined): void {
    const plant = this.plant;
    if (!plant || !scope?.areas?.length) return;
    const unknown = scope.areas.filter((a) => plant.linesOfArea(a).length === 0);
    if (unknown.length)
      throw new AgentError('invalid', `scope.areas: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not an area of the plant model`);
  }

  addAgent(input: NewAgent, actor = 'operator'): { agent: AgentView; token: string } {
    this.checkAreas(input.scope);
    const r = this.p.registry.add(input);
    this.p.trail.record({
      kind: 'AGENT_ADDED',
      agentId: r.agent.id,
      actor,
      detail: { name: r.agent.name, role: r.agent.role, model: r.agent.model, scope: r.agent.scope },
    });
    this.p.bus?.emit('agent.changed', r.agent);
    return r;
  }

  /** Kill switch for one agent: every further call is BLOCKed and its pending approvals are cancelled. */
  pauseAgent(id: string, reason = 'paused by operator', actor = 'operator'): AgentView {
    return this.stopAgent(id, 'paused', reason, actor);
  }

  /** Immune system: quarantine (like pause, recorded as QUARANTINED). */
  quarantineAgent(id: string, reason: string, actor = 'immune'): AgentView {
    return this.stopAgent(id, 'quarantined', reason, actor);
  }

  private stopAgent(id: string, status: 'paused' | 'quarantined', reason: string, actor: string): AgentView {
    const a = this.p.registry.setStatus(id, status, reason);
    this.p.trail.record({ kind: status === 'paused' ? 'KILLED' : 'QUARANTINED', agentId: id, actor, reason });
    this.p.approvals.cancelForAgent(id, `agent ${status}: ${reason}`, actor);
    // What was approved before the stop does not run after a revive.
    this.p.approvals.voidApprovedForAgent(id, `agent ${status}: ${reason}; approvals given before are void`, actor);
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  /** Revive a paused agent or release a quarantined one. */
  reviveAgent(id: string, actor = 'operator', reason: string | null = null): AgentView {
    const a = this.p.registry.setStatus(id, 'active', null);
    this.p.trail.record({ kind: 'REVIVED', agentId: id, actor, reason });
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  /** Global kill switch: pause every active agent. */
  killAll(reason = 'global kill switch', actor = 'operator'): string[] {
    const ids = this.p.registry.pauseAll(reason);
    for (const id of ids) {
      this.p.trail.record({ kind: 'KILLED', agentId: id, actor, reason });
      this.p.approvals.cancelForAgent(id, `agent paused: ${reason}`, actor);
      this.p.approvals.voidApprovedForAgent(id, `agent paused: ${reason}; approvals given before are void`, actor);
      const a = this.p.registry.get(id);
      if (a) this.p.bus?.emit('agent.changed', a);
    }
    return ids;
  }

  /** Immune system: "reduced autonomy" turns every ALLOW of this agent into REVIEW. */
  setReducedAutonomy(id: string, on: boolean, reason: string, actor = 'immune'): AgentView {
    const a = this.p.registry.setReducedAutonomy(id, on);
    this.p.trail.record({ kind: 'AGENT_CHANGED', agentId: id, actor, reason, detail: { reduced_autonomy: on } });
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  /** Immune system: BLOCK these tools (names or globs) for this agent, on top of the policy file. */
  revokeTools(id: string, tools: string[], reason: string, actor = 'immune'): AgentView {
    const cur = this.p.registry.require(id).revokedTools;
    const a = this.p.registry.setRevokedTools(id, [...cur, ...tools]);
    this.p.trail.record({ kind: 'AGENT_CHANGED', agentId: id, actor, reason, detail: { revoked_tools: a.revokedTools } });
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  /** Give back revoked tools (all of them when `tools` is omitted). */
  restoreTools(id: string, tools: string[] | undefined, reason: string, actor = 'immune'): AgentView {
    const cur = this.p.registry.require(id).revokedTools;
    const a = this.p.registry.setRevokedTools(id, tools ? cur.filter((t) => !tools.includes(t)) : []);
    this.p.trail.record({ kind: 'AGENT_CHANGED', agentId: id, actor, reason, detail: { revoked_tools: a.revokedTools } });
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  /** Operator: lift the immune system's overlays (reduced autonomy, revoked tools) in one audited step. */
  restoreTrust(id: string, actor = 'operator'): AgentView {
    let a = this.p.registry.require(id);
    if (a.reducedAutonomy) a = this.setReducedAutonomy(id, false, 'operator restored full autonomy', actor);
    if (a.revokedTools.length) a = this.restoreTools(id, undefined, 'operator restored every revoked tool', actor);
    return a;
  }

  setScope(id: string, scope: AgentScope, actor = 'operator'): AgentView {
    this.checkAreas(scope);
    const a = this.p.registry.setScope(id, scope);
    this.p.trail.record({ kind: 'AGENT_CHANGED', agentId: id, actor, detail: { scope: a.scope } });
    this.p.bus?.emit('agent.changed', a);
    return a;
  }

  rotateToken(id: string, actor = 'operator'): string {
    const t = this.p.registry.rotateToken(id);
    this.p.trail.record({ kind: 'TOKEN_ROTATED', agentId: id, actor });
    return t;
  }

  removeAgent(id: string, actor = 'operator'): void {
    this.p.approvals.cancelForAgent(id, 'agent removed', actor);
    this.p.registry.remove(id);
    this.p.trail.record({ kind: 'AGENT_REMOVED', agentId: id, actor });
    this.p.bus?.emit('agent.changed', { id, removed: true });
  }
}
