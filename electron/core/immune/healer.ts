// The healing ladder as it runs: each rung applied (by governance, the fleet or the SDK control
// channel), then verified on probation; a failed rung is remembered (immune memory) and the ladder
// escalates; a ladder that runs out leaves the agent exhausted, quarantined until an operator heals it.
import { abuseState } from './abuse';
import { type AgentBook, type Runtime } from './book';
import type { ControlChannel } from './control';
import { detectInfection, type SentinelOptions } from './sentinel';
import { fleetPatterns, HEALING_POLICIES, planLadder, type FleetLearningOptions } from './healing';
import type { ActionOutcome, HealingActuator } from './ports';
import type { FleetPattern, HealingAction, HealingTrigger, Infection, Vitals } from './schemas';

/** Healing actions governance enforces by itself, whatever the agent's runtime. */
const GOVERNANCE_RUNGS: ReadonlySet<HealingAction> = new Set(['reduce_autonomy', 'revoke_tools']);

export class Healer {
  private readonly healing = new Map<string, Promise<void>>();
  private readonly sentinel: SentinelOptions;
  private readonly learning: FleetLearningOptions;

  constructor(
    private readonly book: AgentBook,
    private readonly channel: ControlChannel,
  ) {
    this.sentinel = book.deps.config.sentinel;
    this.learning = book.deps.config.fleetLearning;
  }

  /** Resolves when the current heal of this agent (if any) has finished. */
  whenHealed(agentId: string): Promise<void> {
    return this.healing.get(agentId) ?? Promise.resolve();
  }

  isHealing(agentId: string): boolean {
    return this.healing.has(agentId);
  }

  /** Every heal in progress, settled (at stop). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.healing.values()]);
  }

  patterns(): FleetPattern[] {
    return fleetPatterns(this.book.repo.allMemory(), this.learning);
  }

  startHealing(a: Runtime, inf: Infection, trigger: HealingTrigger): void {
    if (this.healing.has(a.agent_id)) return;
    const p = this.heal(a, inf, trigger)
      .catch((err) => this.book.deps.log.error({ err, agent: a.agent_id }, 'healing crashed'))
      .finally(() => this.healing.delete(a.agent_id));
    this.healing.set(a.agent_id, p);
  }

  /** A sample from an agent on probation: enough clean ones pass the verification, an infection fails it. */
  onProbationSample(a: Runtime, v: Vitals): void {
    const p = a.probation!;
    p.samples.push(v);
    if (detectInfection(p.samples, a.baseline, this.sentinel)) p.done('fail');
    else if (p.samples.length >= this.book.deps.config.healing.verifySamples) p.done('pass');
  }

  private async heal(a: Runtime, inf: Infection, trigger: HealingTrigger): Promise<void> {
    const { book } = this;
    const { deps, repo } = book;
    const diag = inf.diagnosis.type;
    book.setState(a, 'healing');
    repo.setInfectionStatus(inf.id, 'healing', null);
    const plan = planLadder(diag, repo.agentMemory(a.agent_id), this.patterns());
    for (const s of plan.skipped) {
      book.log({
        agent_id: a.agent_id,
        infection_id: inf.id,
        kind: 'action_skipped',
        action: s.action,
        trigger,
        ok: null,
        detail: s.reason === 'agent_memory' ? `already failed for ${diag} on this agent (immune memory)` : `fleet learning: fails for ${diag} across the fleet`,
      });
    }
    // An operator asking again gets the whole policy, not an empty ladder.
    let rungs = plan.rungs.length || trigger !== 'heal_now' ? plan.rungs : [...HEALING_POLICIES[diag]];
    // A governed agent we cannot reach (an MCP client: no SDK control channel) has no memory to reset,
    // prompt to roll back or clone to start; only governance's levers work on it. Its ladder keeps
    // those and ends with reduced autonomy — every call waits for an operator — rather than with an
    // exhausted agent left in quarantine.
    if (deps.control?.isGoverned(a.agent_id) && !this.actuatorFor(a)) {
      for (const action of rungs.filter((r) => !GOVERNANCE_RUNGS.has(r)))
        book.log({
          agent_id: a.agent_id,
          infection_id: inf.id,
          kind: 'action_skipped',
          action,
          trigger,
          ok: null,
          detail: `${action} needs the agent's own runtime (an SDK control channel); ${a.agent_id} is reached only through governance`,
        });
      const failedHere = new Set(plan.skipped.filter((s) => s.reason === 'agent_memory').map((s) => s.action));
      rungs = rungs.filter((r) => GOVERNANCE_RUNGS.has(r));
      if (!rungs.includes('reduce_autonomy') && (trigger === 'heal_now' || !failedHere.has('reduce_autonomy'))) rungs.push('reduce_autonomy');
    }
    for (const action of rungs) {
      if (deps.config.healing.stepDelayMs > 0) await sleep(deps.config.healing.stepDelayMs);
      if (book.stopped) return;
      const outcome = await this.applyAction(a, action, diag);
      if (book.stopped) return;
      if (!outcome.ok) {
        repo.recordMemory(a.agent_id, diag, action, false, book.now());
        book.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'action_failed', action, trigger, ok: false, detail: outcome.detail });
        continue;
      }
      book.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'action_applied', action, trigger, ok: true, detail: outcome.detail });
      const verdict = await this.verify(a, action);
      if (book.stopped) return;
      if (verdict === 'fail') {
        repo.recordMemory(a.agent_id, diag, action, false, book.now());
        book.setState(a, 'healing');
        void book.governance('quarantine', a.agent_id, `healing of infection #${inf.id} in progress`);
        book.log({
          agent_id: a.agent_id,
          infection_id: inf.id,
          kind: 'verification_failed',
          action,
          trigger,
          ok: false,
          detail: `still anomalous after ${action}; escalating`,
        });
        continue;
      }
      if (verdict === 'pass') repo.recordMemory(a.agent_id, diag, action, true, book.now());
      book.log({
        agent_id: a.agent_id,
        infection_id: inf.id,
        kind: 'verified',
        action,
        trigger,
        ok: verdict === 'pass' ? true : null,
        detail:
          verdict === 'pass'
            ? `${deps.config.healing.verifySamples} clean samples after ${action}`
            : `no activity to verify ${action}; released on probation (not learned)`,
      });
      this.release(a, inf, action);
      book.counters.heals_succeeded++;
      return;
    }
    book.counters.heals_failed++;
    repo.setInfectionStatus(inf.id, 'exhausted', null);
    book.setState(a, 'exhausted');
    void book.governance('quarantine', a.agent_id, `healing of infection #${inf.id} failed; operator needed`);
    book.log({
      agent_id: a.agent_id,
      infection_id: inf.id,
      kind: 'exhausted',
      action: null,
      trigger,
      ok: false,
      detail: `every rung for ${diag} failed; stays quarantined until an operator heals it`,
    });
  }

  private toolsToRevoke(a: Runtime): string[] {
    const ranked = [...a.toolCounts.entries()].sort((x, y) => y[1] - x[1]).map(([t]) => t);
    return ranked.slice(0, 1);
  }

  /** Who can apply agent-side actions (reset memory, roll back, clone) to this agent, if anyone. */
  private actuatorFor(a: Runtime): HealingActuator | null {
    const fleet = this.book.deps.fleet;
    return fleet?.owns(a.agent_id) ? fleet : this.channel.owns(a.agent_id) ? this.channel : null;
  }

  private async applyAction(a: Runtime, action: HealingAction, diag: string): Promise<ActionOutcome> {
    const control = this.book.deps.control;
    const reason = `immune system: ${action} for ${diag}`;
    const tools = action === 'revoke_tools' ? this.toolsToRevoke(a) : [];
    if (action === 'revoke_tools' && !tools.length) return { ok: false, detail: 'no tool usage on record to revoke' };
    const actuator = this.actuatorFor(a);
    const governed = control?.isGoverned(a.agent_id) ?? false;
    try {
      if (control && governed && (action === 'reduce_autonomy' || action === 'revoke_tools')) {
        if (action === 'reduce_autonomy') await control.reduceAutonomy(a.agent_id, reason);
        else await control.revokeTools(a.agent_id, tools, reason);
        // The agent's own runtime is told too when it can hear us; governance already enforces it.
        if (actuator) await actuator.apply(a.agent_id, action, { tools, reason });
        return { ok: true, detail: `${action} enforced by governance${tools.length ? `: ${tools.join(', ')}` : ''}` };
      }
      if (!actuator) return { ok: false, detail: `${action} needs a control channel (SDK) and ${a.agent_id} has none` };
      return await actuator.apply(a.agent_id, action, { tools, reason });
    } catch (err) {
      return { ok: false, detail: `${action} failed: ${(err as Error).message}` };
    }
  }

  /** Probation: the agent runs again (governed calls all need review) and must stay clean for N samples. */
  private verify(a: Runtime, action: HealingAction): Promise<'pass' | 'fail' | 'no_data'> {
    const { book } = this;
    const cfg = book.deps.config.healing;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (r: 'pass' | 'fail' | 'no_data') => {
        if (!a.probation) return;
        a.probation = null;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      a.probation = { samples: [], done };
      a.abuse = abuseState(book.abuse);
      book.setState(a, 'probation');
      void (async () => {
        await book.governance('release', a.agent_id);
        if (action !== 'reduce_autonomy') await book.governance('reduceAutonomy', a.agent_id, 'probation after healing');
      })();
      timer = setTimeout(() => done('no_data'), cfg.verifyTimeoutMs);
      timer.unref?.();
    });
  }

  private release(a: Runtime, inf: Infection, action: HealingAction): void {
    const { book } = this;
    book.repo.setInfectionStatus(inf.id, 'healed', book.now());
    // The sentinel's window starts afresh: the infected samples are history, not evidence.
    a.recent = a.recent.slice(-book.deps.config.healing.verifySamples);
    a.infection_id = null;
    book.setState(a, 'healthy');
    void (async () => {
      await book.governance('release', a.agent_id);
      if (action !== 'reduce_autonomy') await book.governance('restoreAutonomy', a.agent_id);
    })();
    book.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'released', action, trigger: null, ok: true, detail: `healed by ${action}` });
    book.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: false, reason: `healed by ${action}` });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
