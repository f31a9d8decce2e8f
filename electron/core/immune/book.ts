// The immune system's working state, shared by its parts (intake.ts, healer.ts, approval-desk.ts and
// the service that wires them): each agent's runtime record, the counters, and what every part does to
// an agent — change its state, write a healing-log step, pull one of governance's levers.
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import type { Db } from '../store';
import { abuseState, type AbuseOptions, type AbuseState } from './abuse';
import { baselineSamples } from './baseline';
import type { ImmuneConfig } from './config';
import type { SimulatedFleet } from './fleet';
import type { AgentControl } from './ports';
import type { AgentRow, ImmuneRepository } from './repository';
import type { AgentState, HealingLogEntry, ImmuneAgent, Vitals } from './schemas';

export interface ImmuneServiceDeps {
  db: Db;
  config: ImmuneConfig;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  /** Governance levers; absent until governance is wired (the immune registry still applies). */
  control?: AgentControl;
  /** The simulated fleet; when absent, no agents are simulated. */
  fleet?: SimulatedFleet;
  /** Where a generated ingest token is kept (default: not persisted). */
  dataDir?: string;
  /** Injected fetch for the optional OTLP export (tests); defaults to global fetch. */
  fetch?: typeof fetch;
}

/** States in which the agent must not act: the immune registry's quarantine. */
export const QUARANTINED: ReadonlySet<AgentState> = new Set(['quarantined', 'pending_approval', 'rejected', 'healing', 'exhausted']);

export interface Runtime extends AgentRow {
  recent: Vitals[];
  dirty: boolean;
  /** Tool names seen lately, for picking what to revoke. */
  toolCounts: Map<string, number>;
  probation: { samples: Vitals[]; done: (r: 'pass' | 'fail' | 'no_data') => void } | null;
  /** Refused calls against absolute bounds (in memory: a restart starts it afresh, like `recent`). */
  abuse: AbuseState;
}

export type GovernanceOp = 'quarantine' | 'release' | 'reduceAutonomy' | 'restoreAutonomy';

export class AgentBook {
  readonly agents = new Map<string, Runtime>();
  readonly counters = {
    executions: 0,
    rejected_vitals: 0,
    infections: 0,
    quarantines: 0,
    heals_succeeded: 0,
    heals_failed: 0,
    approvals_requested: 0,
  };
  /** Set while the service is stopped: healing and the fleet stop acting. */
  stopped = false;
  readonly abuse: AbuseOptions;

  constructor(
    readonly deps: ImmuneServiceDeps,
    readonly repo: ImmuneRepository,
  ) {
    this.abuse = deps.config.abuse;
  }

  now(): number {
    return this.deps.clock.now();
  }

  /** A runtime record for a stored agent row or a new agent: nothing recent, no abuse evidence. */
  runtime(row: AgentRow): Runtime {
    return { ...row, recent: [], dirty: false, toolCounts: new Map(), probation: null, abuse: abuseState(this.abuse) };
  }

  setState(a: Runtime, state: AgentState): void {
    if (a.state === state) return;
    a.state = state;
    this.repo.saveAgent(a);
    this.emitAgent(a);
  }

  emitAgent(a: Runtime): void {
    this.deps.bus?.emit('immune.agent', this.view(a));
  }

  emitApproval(id: number): void {
    this.deps.bus?.emit('immune.approval', this.repo.getApproval(id)!);
  }

  log(e: Omit<HealingLogEntry, 'id' | 'ts'>): void {
    const entry = this.repo.insertLog({ ts: this.now(), ...e });
    this.deps.bus?.emit('immune.healing', entry);
  }

  view(a: Runtime): ImmuneAgent {
    const n = baselineSamples(a.baseline);
    return {
      agent_id: a.agent_id,
      source: a.source,
      model: a.model,
      mcp_servers: a.mcp_servers,
      state: a.state,
      samples: n,
      baseline_ready: n >= this.deps.config.baselineMinSamples,
      last_seen: a.last_seen,
      infection_id: a.infection_id,
      executions: a.executions,
    };
  }

  /** One of governance's levers, for a governed agent only; a failure is logged, never thrown. */
  async governance(op: GovernanceOp, agentId: string, reason = ''): Promise<void> {
    const c = this.deps.control;
    if (!c || !c.isGoverned(agentId)) return;
    try {
      if (op === 'quarantine') await c.quarantine(agentId, reason);
      else if (op === 'release') await c.release(agentId);
      else if (op === 'reduceAutonomy') await c.reduceAutonomy(agentId, reason);
      else await c.restoreAutonomy(agentId);
    } catch (err) {
      this.deps.log.error({ err, agent: agentId, op }, 'governance call failed');
    }
  }
}
