// The immune system as a service with a life cycle (seed 001's orchestrator): vitals in, baseline
// learning, sentinel on every sample, diagnosis, quarantine, operator approval of severe cases,
// the healing ladder with verification and escalation, immune memory and fleet learning.
// Its parts share one AgentBook (book.ts): vitals and detection in intake.ts, the healing ladder in
// healer.ts, operator decisions and the governance approval queue in approval-desk.ts. This file
// wires them and holds the life cycle, the ingest token, the simulated fleet and the views.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CoreError } from '../api';
import { ApprovalDesk } from './approval-desk';
import { AgentBook, QUARANTINED, type ImmuneServiceDeps } from './book';
import { createControlChannel, type ControlChannel } from './control';
import { Healer } from './healer';
import { Intake, type RecordResult } from './intake';
import { createOtlpExporter, type OtlpExporter } from './otlp';
import type { AgentControl } from './ports';
import { createImmuneRepository, type ImmuneRepository } from './repository';
import {
  CHAOS_TYPES,
  type AgentSource,
  type ApprovalRecord,
  type ChaosType,
  type FleetPattern,
  type HealingLogEntry,
  type ImmuneAgent,
  type ImmuneOverview,
  type ImmuneStats,
  type Infection,
  type MemoryEntry,
  type Vitals,
} from './schemas';

export type { ImmuneServiceDeps } from './book';
export type { RecordResult } from './intake';

export class ImmuneService {
  readonly repo: ImmuneRepository;
  readonly channel: ControlChannel;
  readonly name = 'immune';
  readonly counters: AgentBook['counters'];
  private readonly book: AgentBook;
  private readonly healer: Healer;
  private readonly desk: ApprovalDesk;
  private readonly intake: Intake;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private startedAt: number;
  private readonly otlp: OtlpExporter | null;
  private ingestToken: string | null = null;
  private offAgentChanged: (() => void) | undefined;
  private offApprovals: (() => void) | undefined;

  constructor(private readonly deps: ImmuneServiceDeps) {
    this.repo = createImmuneRepository(deps.db);
    this.channel = createControlChannel({ ackTimeoutMs: deps.config.healing.ackTimeoutMs, now: () => deps.clock.now() });
    this.book = new AgentBook(deps, this.repo);
    this.counters = this.book.counters;
    this.healer = new Healer(this.book, this.channel);
    this.desk = new ApprovalDesk(this.book, this.healer);
    this.intake = new Intake(this.book, this.healer, this.desk);
    this.startedAt = deps.clock.now();
    this.otlp = deps.config.otlp.endpoint
      ? createOtlpExporter({
          endpoint: deps.config.otlp.endpoint,
          serviceName: deps.config.otlp.serviceName,
          fetch: deps.fetch ?? fetch,
          log: deps.log,
          now: () => deps.clock.now(),
        })
      : null;
    const agents = this.book.agents;
    for (const row of this.repo.loadAgents()) {
      agents.set(row.agent_id, this.book.runtime(row));
      this.counters.executions += row.executions;
    }
    for (const a of agents.values()) a.recent = this.repo.recentVitals(a.agent_id, deps.config.vitals.recent);
    if (deps.fleet) {
      for (const s of deps.fleet.agents()) this.registerAgent({ agent_id: s.agent_id, source: 'simulated', model: s.model, mcp_servers: s.mcp_servers });
    }
    // Subscribed from construction: governance may settle a healing approval (expire it at its own start) before this service starts.
    this.offApprovals = deps.control?.approvals?.onSettled((a) => this.desk.onSettled(a));
  }

  // ---- life cycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    this.book.stopped = false;
    this.startedAt = this.deps.clock.now();
    const cfg = this.deps.config;
    this.getIngestToken(); // created now, so the operator finds it in the data dir before any agent reports
    this.offApprovals ??= this.deps.control?.approvals?.onSettled((a) => this.desk.onSettled(a));
    this.desk.reconcile();
    // Interrupted heals resume; governance learns again who is quarantined (its state may be newer or older).
    for (const a of this.book.agents.values()) {
      if (QUARANTINED.has(a.state) || a.state === 'probation') await this.book.governance('quarantine', a.agent_id, 'quarantined by the immune system');
      if ((a.state === 'healing' || a.state === 'probation' || a.state === 'quarantined') && a.infection_id !== null) {
        const inf = this.repo.getInfection(a.infection_id);
        if (inf) this.healer.startHealing(a, inf, 'auto');
      }
    }
    // An operator who revives a quarantined agent in governance overrules the immune system.
    this.offAgentChanged = this.deps.bus?.on('agent.changed', (view) => {
      if ('removed' in view || view.status !== 'active') return;
      const a = this.book.agents.get(view.id);
      if (a) this.desk.revived(a);
    });
    this.timers.push(setInterval(() => this.flush(), cfg.vitals.flushMs));
    if (this.deps.fleet && cfg.fleet.enabled) this.timers.push(setInterval(() => this.tickFleet(), cfg.fleet.tickMs));
    if (this.otlp) this.timers.push(setInterval(() => void this.otlp!.export(this.counters, this.stats()), cfg.otlp.intervalMs));
    for (const t of this.timers) t.unref?.();
  }

  async stop(): Promise<void> {
    this.book.stopped = true;
    this.offAgentChanged?.();
    this.offAgentChanged = undefined;
    this.offApprovals?.();
    this.offApprovals = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const a of this.book.agents.values()) a.probation?.done('no_data');
    this.channel.close();
    await this.healer.settle();
    this.flush();
  }

  /** The bearer token accepted by the ingest endpoint for any agent. */
  getIngestToken(): string {
    if (this.ingestToken) return this.ingestToken;
    if (this.deps.config.ingest.token) return (this.ingestToken = this.deps.config.ingest.token);
    const file = this.deps.dataDir ? path.join(this.deps.dataDir, 'immune-ingest.token') : null;
    if (file && fs.existsSync(file)) {
      const t = fs.readFileSync(file, 'utf8').trim();
      if (t.length >= 16) return (this.ingestToken = t);
    }
    this.ingestToken = crypto.randomBytes(24).toString('base64url');
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, this.ingestToken + '\n', { mode: 0o600 });
      this.deps.log.info({ file }, 'generated immune ingest token');
    }
    return this.ingestToken;
  }

  get maxBatch(): number {
    return this.deps.config.ingest.maxBatch;
  }

  get control(): AgentControl | undefined {
    return this.deps.control;
  }

  // ---- vitals (intake.ts) ---------------------------------------------------------------------

  registerAgent(a: { agent_id: string; source: AgentSource; model?: string; mcp_servers?: string[] }): ImmuneAgent {
    return this.intake.registerAgent(a);
  }

  /** Untrusted input (MCP gateway, ingest): validated, then recorded. Never throws. */
  recordVitals(input: unknown, source: AgentSource = 'governed'): RecordResult {
    return this.intake.recordVitals(input, source);
  }

  /** One governed call's outcome as it happens (the abuse signal; see intake.ts). Never throws. */
  recordCall(input: unknown, source: AgentSource = 'governed'): RecordResult {
    return this.intake.recordCall(input, source);
  }

  /** Trusted, already-typed vitals (simulated fleet). Returns the infection it revealed, if any. */
  ingest(v: Vitals, source: AgentSource): Infection | null {
    return this.intake.ingest(v, source);
  }

  /** One tick of the simulated fleet: a sample from every agent that is not contained. */
  tickFleet(): number {
    const fleet = this.deps.fleet;
    if (!fleet || this.book.stopped) return 0;
    const samples = fleet.tick(this.deps.clock.now(), (id) => this.isQuarantined(id));
    for (const v of samples) this.intake.ingest(v, 'simulated');
    return samples.length;
  }

  /** Write buffered vitals, baselines and counters; prune old vitals now and then. */
  flush(): void {
    this.intake.flush();
  }

  isQuarantined(agentId: string): boolean {
    const a = this.book.agents.get(agentId);
    return a ? QUARANTINED.has(a.state) : false;
  }

  // ---- operator decisions (approval-desk.ts) -------------------------------------------------

  /** Decides the governance approval a healing approval row mirrors (the immune.approvals.decide request). */
  decide(approvalId: number, verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord {
    return this.desk.decide(approvalId, verdict, by);
  }

  decideAll(verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord[] {
    return this.desk.decideAll(verdict, by);
  }

  /** Start healing an agent the operator rejected earlier, or whose ladder ran out. */
  healNow(agentId: string, by = 'operator'): { started: boolean } {
    return this.desk.healNow(agentId, by);
  }

  healAll(by = 'operator'): { started: number } {
    let n = 0;
    for (const a of [...this.book.agents.values()]) {
      if (a.state === 'rejected') {
        this.healNow(a.agent_id, by);
        n++;
      }
    }
    return { started: n };
  }

  /** Inject a failure into a simulated agent (random healthy one when agentId is absent). */
  chaos(type: ChaosType, agentId?: string): { agent_id: string; type: ChaosType } {
    const fleet = this.deps.fleet;
    if (!fleet) throw new CoreError('no_fleet', 'the simulated fleet is disabled (immune.fleet.enabled)');
    if (!(CHAOS_TYPES as readonly string[]).includes(type)) throw new CoreError('bad_request', `unknown failure type ${type}`);
    let id = agentId;
    if (!id) {
      const candidates = fleet.agents().filter((s) => !s.infection && this.book.agents.get(s.agent_id)?.state === 'healthy');
      if (!candidates.length) throw new CoreError('no_candidate', 'no healthy simulated agent with an active baseline to infect');
      id = candidates[Math.floor((this.deps.clock.now() / 1000) % candidates.length)].agent_id;
    }
    if (!fleet.owns(id)) throw new CoreError('not_found', `${id} is not a simulated agent`);
    fleet.inject(id, type, this.deps.clock.now());
    this.deps.log.info({ agent: id, type }, 'chaos injected');
    return { agent_id: id, type };
  }

  /** Resolves when the current heal of this agent (if any) has finished. */
  whenHealed(agentId: string): Promise<void> {
    return this.healer.whenHealed(agentId);
  }

  // ---- views ------------------------------------------------------------------------------------

  agent(agentId: string): ImmuneAgent | null {
    const a = this.book.agents.get(agentId);
    return a ? this.book.view(a) : null;
  }

  agentDetail(agentId: string): { agent: ImmuneAgent; vitals: Vitals[]; healing: HealingLogEntry[]; memory: MemoryEntry[] } {
    const a = this.book.agents.get(agentId);
    if (!a) throw new CoreError('not_found', `no agent ${agentId}`);
    this.flush();
    return {
      agent: this.book.view(a),
      vitals: this.repo.recentVitals(agentId, 120),
      healing: this.repo.agentLog(agentId, 100),
      memory: this.repo.agentMemory(agentId),
    };
  }

  patterns(): FleetPattern[] {
    return this.healer.patterns();
  }

  memory(agentId?: string): MemoryEntry[] {
    return agentId ? this.repo.agentMemory(agentId) : this.repo.allMemory();
  }

  stats(): ImmuneStats {
    const c = this.repo.infectionCounts();
    let quarantined = 0;
    let pending = 0;
    let rejected = 0;
    for (const a of this.book.agents.values()) {
      if (QUARANTINED.has(a.state)) quarantined++;
      if (a.state === 'pending_approval') pending++;
      if (a.state === 'rejected') rejected++;
    }
    const finished = c.healed + c.exhausted;
    return {
      agents: this.book.agents.size,
      executions: this.book.counters.executions,
      infections: c.total,
      healed: c.healed,
      failed_heals: c.exhausted,
      success_rate: finished ? Math.round((c.healed / finished) * 1000) / 1000 : 0,
      quarantined,
      pending,
      rejected,
      runtime_ms: this.book.now() - this.startedAt,
    };
  }

  overview(limit = 50): ImmuneOverview {
    return {
      stats: this.stats(),
      agents: [...this.book.agents.values()].map((a) => this.book.view(a)),
      pending: this.repo.approvals('pending'),
      // Denied by an operator or by the timeout: both wait for "heal now".
      rejected: [...this.repo.approvals('rejected'), ...this.repo.approvals('expired')].sort((x, y) => x.id - y.id),
      infections: this.repo.recentInfections(limit),
      healing: this.repo.recentLog(limit),
      patterns: this.patterns(),
    };
  }
}
