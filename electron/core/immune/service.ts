// The immune system as a service with a life cycle (seed 001's orchestrator): vitals in, baseline
// learning, sentinel on every sample, diagnosis, quarantine, operator approval of severe cases,
// the healing ladder with verification and escalation, immune memory and fleet learning.
//
// Severe cases wait for an operator in governance's one approval queue (a 'healing' approval, via
// AgentControl.approvals): it expires (timeout denies, the agent stays quarantined) and every step is
// in the audit chain. immune_approvals only links the infection to that approval and mirrors its outcome.
//
// Detection runs on each sample as it arrives (not on a 1 s loop as in the seed): O(1) per sample,
// so an onset is caught on the sample that confirms it, and 1,000 agents at 1 Hz cost little.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../bus';
import { CoreError } from '../api';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { abuseState, detectAbuse, isAbusive, observeCall, type AbuseOptions, type AbuseState } from './abuse';
import { baselineSamples, emptyBaseline, learnSample } from './baseline';
import type { ImmuneConfig } from './config';
import { createControlChannel, type ControlChannel } from './control';
import { diagnose } from './diagnosis';
import type { SimulatedFleet } from './fleet';
import { fleetPatterns, HEALING_POLICIES, planLadder, type FleetLearningOptions } from './healing';
import { createOtlpExporter, type OtlpExporter } from './otlp';
import type { ActionOutcome, AgentControl, HealingActuator, HealingApprovalOutcome } from './ports';
import { createImmuneRepository, type AgentRow, type ImmuneRepository } from './repository';
import {
  CallOutcomeSchema,
  CHAOS_TYPES,
  normaliseVitals,
  VitalsSchema,
  type AgentSource,
  type AgentState,
  type ApprovalRecord,
  type ChaosType,
  type FleetPattern,
  type HealingAction,
  type HealingLogEntry,
  type HealingTrigger,
  type ImmuneAgent,
  type ImmuneOverview,
  type ImmuneStats,
  type Infection,
  type InfectionReport,
  type MemoryEntry,
  type Vitals,
} from './schemas';
import { detectInfection, isSuspicious, type SentinelOptions } from './sentinel';
import type { Db } from '../store';

/** States in which the agent must not act: the immune registry's quarantine. */
/** Healing actions governance enforces by itself, whatever the agent's runtime. */
const GOVERNANCE_RUNGS: ReadonlySet<HealingAction> = new Set(['reduce_autonomy', 'revoke_tools']);

const QUARANTINED: ReadonlySet<AgentState> = new Set(['quarantined', 'pending_approval', 'rejected', 'healing', 'exhausted']);

interface Runtime extends AgentRow {
  recent: Vitals[];
  dirty: boolean;
  /** Tool names seen lately, for picking what to revoke. */
  toolCounts: Map<string, number>;
  probation: { samples: Vitals[]; done: (r: 'pass' | 'fail' | 'no_data') => void } | null;
  /** Refused calls against absolute bounds (in memory: a restart starts it afresh, like `recent`). */
  abuse: AbuseState;
}

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

export type RecordResult = { ok: true; infection: Infection | null } | { ok: false; reasons: string[] };

export class ImmuneService {
  readonly repo: ImmuneRepository;
  readonly channel: ControlChannel;
  readonly name = 'immune';
  private readonly agents = new Map<string, Runtime>();
  private readonly healing = new Map<string, Promise<void>>();
  private buffer: Vitals[] = [];
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private stopped = false;
  private startedAt: number;
  private lastPrune = 0;
  private readonly sentinel: SentinelOptions;
  private readonly abuse: AbuseOptions;
  private readonly learning: FleetLearningOptions;
  private readonly otlp: OtlpExporter | null;
  private ingestToken: string | null = null;
  private offAgentChanged: (() => void) | undefined;
  private offApprovals: (() => void) | undefined;
  readonly counters = {
    executions: 0,
    rejected_vitals: 0,
    infections: 0,
    quarantines: 0,
    heals_succeeded: 0,
    heals_failed: 0,
    approvals_requested: 0,
  };

  constructor(private readonly deps: ImmuneServiceDeps) {
    this.repo = createImmuneRepository(deps.db);
    this.channel = createControlChannel({ ackTimeoutMs: deps.config.healing.ackTimeoutMs, now: () => deps.clock.now() });
    this.sentinel = deps.config.sentinel;
    this.abuse = deps.config.abuse;
    this.learning = deps.config.fleetLearning;
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
    for (const row of this.repo.loadAgents()) {
      this.agents.set(row.agent_id, { ...row, recent: [], dirty: false, toolCounts: new Map(), probation: null, abuse: abuseState(this.abuse) });
      this.counters.executions += row.executions;
    }
    for (const a of this.agents.values()) a.recent = this.repo.recentVitals(a.agent_id, deps.config.vitals.recent);
    if (deps.fleet) {
      for (const s of deps.fleet.agents()) this.registerAgent({ agent_id: s.agent_id, source: 'simulated', model: s.model, mcp_servers: s.mcp_servers });
    }
    // Subscribed from construction: governance may settle a healing approval (expire it at its own start) before this service starts.
    this.offApprovals = deps.control?.approvals?.onSettled((a) => this.onApprovalSettled(a));
  }

  // ---- life cycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    this.stopped = false;
    this.startedAt = this.deps.clock.now();
    const cfg = this.deps.config;
    this.getIngestToken(); // created now, so the operator finds it in the data dir before any agent reports
    this.offApprovals ??= this.deps.control?.approvals?.onSettled((a) => this.onApprovalSettled(a));
    this.reconcileApprovals();
    // Interrupted heals resume; governance learns again who is quarantined (its state may be newer or older).
    for (const a of this.agents.values()) {
      if (QUARANTINED.has(a.state) || a.state === 'probation') await this.governance('quarantine', a.agent_id, 'quarantined by the immune system');
      if ((a.state === 'healing' || a.state === 'probation' || a.state === 'quarantined') && a.infection_id !== null) {
        const inf = this.repo.getInfection(a.infection_id);
        if (inf) this.startHealing(a, inf, 'auto');
      }
    }
    // An operator who revives a quarantined agent in governance overrules the immune system.
    this.offAgentChanged = this.deps.bus?.on('agent.changed', (view) => {
      if ('removed' in view || view.status !== 'active') return;
      const a = this.agents.get(view.id);
      if (!a || !QUARANTINED.has(a.state) || this.healing.has(a.agent_id)) return;
      const inf = a.infection_id;
      this.log({
        agent_id: a.agent_id,
        infection_id: inf,
        kind: 'released',
        action: null,
        trigger: null,
        ok: null,
        detail: 'revived by an operator in governance; immune quarantine lifted',
      });
      if (inf !== null) this.repo.setInfectionStatus(inf, 'healed', this.deps.clock.now());
      const ap = this.repo.latestApprovalFor(a.agent_id);
      if (ap && ap.status === 'pending') {
        // Mirror first, so the settlement below is not taken for a denial.
        this.repo.decideApproval(ap.id, 'cancelled', this.deps.clock.now(), 'operator (revived in governance)');
        if (ap.approval_id)
          this.deps.control?.approvals?.cancel(ap.approval_id, 'the agent was revived by an operator in governance; no healing needed', 'operator');
        this.deps.bus?.emit('immune.approval', this.repo.getApproval(ap.id)!);
      }
      a.infection_id = null;
      a.recent = [];
      a.abuse = abuseState(this.abuse);
      this.setState(a, 'healthy');
      this.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: false, reason: 'revived by an operator' });
    });
    this.timers.push(setInterval(() => this.flush(), cfg.vitals.flushMs));
    if (this.deps.fleet && cfg.fleet.enabled) this.timers.push(setInterval(() => this.tickFleet(), cfg.fleet.tickMs));
    if (this.otlp) this.timers.push(setInterval(() => void this.otlp!.export(this.counters, this.stats()), cfg.otlp.intervalMs));
    for (const t of this.timers) t.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offAgentChanged?.();
    this.offAgentChanged = undefined;
    this.offApprovals?.();
    this.offApprovals = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const a of this.agents.values()) a.probation?.done('no_data');
    this.channel.close();
    await Promise.allSettled([...this.healing.values()]);
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

  // ---- vitals ---------------------------------------------------------------------------

  registerAgent(a: { agent_id: string; source: AgentSource; model?: string; mcp_servers?: string[] }): ImmuneAgent {
    let rt = this.agents.get(a.agent_id);
    if (!rt) {
      rt = {
        agent_id: a.agent_id,
        source: this.deps.control?.isGoverned(a.agent_id) && a.source !== 'simulated' ? 'governed' : a.source,
        model: a.model ?? 'unknown',
        mcp_servers: a.mcp_servers ?? [],
        state: 'learning',
        infection_id: null,
        executions: 0,
        last_seen: null,
        created_at: this.deps.clock.now(),
        baseline: emptyBaseline(),
        recent: [],
        dirty: false,
        toolCounts: new Map(),
        probation: null,
        abuse: abuseState(this.abuse),
      };
      this.agents.set(a.agent_id, rt);
      this.repo.saveAgent(rt);
      this.emitAgent(rt);
    } else {
      if (a.model) rt.model = a.model;
      if (a.mcp_servers?.length) rt.mcp_servers = a.mcp_servers;
      rt.dirty = true;
    }
    return this.view(rt);
  }

  /** Untrusted input (MCP gateway, ingest): validated, then recorded. Never throws. */
  recordVitals(input: unknown, source: AgentSource = 'governed'): RecordResult {
    const parsed = VitalsSchema.safeParse(input);
    if (!parsed.success) {
      this.counters.rejected_vitals++;
      return { ok: false, reasons: parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`) };
    }
    return { ok: true, infection: this.ingest(normaliseVitals(parsed.data, this.deps.clock.now()), source) };
  }

  /**
   * One governed call's outcome as it happens (MCP gateway; untrusted shape, validated). Refusals are
   * judged against absolute bounds at once (abuse.ts), so a fuzzer is contained within its first burst
   * instead of at the end of a run; served calls only dilute the evidence. Never throws.
   */
  recordCall(input: unknown, source: AgentSource = 'governed'): RecordResult {
    const parsed = CallOutcomeSchema.safeParse(input);
    if (!parsed.success) {
      this.counters.rejected_vitals++;
      return { ok: false, reasons: parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`) };
    }
    if (!this.abuse.enabled) return { ok: true, infection: null };
    const c = parsed.data;
    const ts = c.ts ?? this.deps.clock.now();
    if (!this.agents.has(c.agent_id)) this.registerAgent({ agent_id: c.agent_id, source });
    const a = this.agents.get(c.agent_id)!;
    if (QUARANTINED.has(a.state)) return { ok: true, infection: null }; // contained: its calls are refused anyway
    observeCall(a.abuse, ts, c.outcome, this.abuse);
    if (c.outcome === 'served') return { ok: true, infection: null };
    const report = detectAbuse(a.agent_id, ts, a.abuse, this.abuse);
    if (!report) return { ok: true, infection: null };
    if (a.probation) {
      // On probation after a heal: abuse fails the verification, and the ladder escalates.
      a.probation.done('fail');
      return { ok: true, infection: null };
    }
    return { ok: true, infection: this.onInfection(a, report, a.abuse.aboveSince ?? ts) };
  }

  /** Trusted, already-typed vitals (simulated fleet). Returns the infection it revealed, if any. */
  ingest(v: Vitals, source: AgentSource): Infection | null {
    const cfg = this.deps.config;
    if (!this.agents.has(v.agent_id)) this.registerAgent({ agent_id: v.agent_id, source, model: v.model, mcp_servers: v.mcp_servers });
    const a = this.agents.get(v.agent_id)!;
    a.executions++;
    this.counters.executions++;
    a.last_seen = v.ts;
    if (v.mcp_servers.length) a.mcp_servers = v.mcp_servers;
    if (v.model !== 'unknown') a.model = v.model;
    a.dirty = true;
    this.buffer.push(v);
    if (v.tools) for (const t of v.tools) a.toolCounts.set(t, (a.toolCounts.get(t) ?? 0) + 1);
    a.recent.push(v);
    if (a.recent.length > cfg.vitals.recent) a.recent.shift();

    if (a.probation) {
      this.onProbationSample(a, v);
      return null;
    }
    if (QUARANTINED.has(a.state)) return null; // reported while contained: kept as evidence, not judged

    // A sample taken while the agent is refused more than any healthy agent is never becomes "normal".
    const abusive = isAbusive(a.abuse, this.abuse);
    if (baselineSamples(a.baseline) < cfg.baselineMinSamples) {
      if (!abusive) learnSample(a.baseline, v);
      if (baselineSamples(a.baseline) >= cfg.baselineMinSamples) this.setState(a, 'healthy');
      return null;
    }
    const report = detectInfection(a.recent, a.baseline, this.sentinel);
    if (!report) {
      // Suspicious but unconfirmed samples are not learned, so an onset cannot drag the baseline up.
      if (!abusive && !isSuspicious(v, a.baseline, this.sentinel)) learnSample(a.baseline, v);
      return null;
    }
    return this.onInfection(a, report);
  }

  /** One tick of the simulated fleet: a sample from every agent that is not contained. */
  tickFleet(): number {
    const fleet = this.deps.fleet;
    if (!fleet || this.stopped) return 0;
    const samples = fleet.tick(this.deps.clock.now(), (id) => this.isQuarantined(id));
    for (const v of samples) this.ingest(v, 'simulated');
    return samples.length;
  }

  /** Write buffered vitals, baselines and counters; prune old vitals now and then. */
  flush(): void {
    const dirty = [...this.agents.values()].filter((a) => a.dirty);
    const vitals = this.buffer;
    this.buffer = [];
    try {
      this.repo.persistBatch(vitals, dirty);
      for (const a of dirty) a.dirty = false;
      const now = this.deps.clock.now();
      if (now - this.lastPrune > 60_000) {
        this.lastPrune = now;
        const cfg = this.deps.config.vitals;
        this.repo.pruneVitals(cfg.retentionHours > 0 ? now - cfg.retentionHours * 3_600_000 : 0, cfg.maxRows);
      }
    } catch (err) {
      this.deps.log.error({ err }, 'immune flush failed');
    }
  }

  isQuarantined(agentId: string): boolean {
    const a = this.agents.get(agentId);
    return a ? QUARANTINED.has(a.state) : false;
  }

  // ---- detection → containment --------------------------------------------------------------

  /** onsetTs: known by the caller (abuse: when the agent went above a bound); else from the vitals. */
  private onInfection(a: Runtime, report: InfectionReport, onsetTs?: number): Infection {
    const now = this.deps.clock.now();
    const diagnosis = diagnose(report);
    // Onset: the first of the run of suspicious samples that ends with the newest.
    let onset = onsetTs ?? report.ts;
    for (let i = a.recent.length - 1; onsetTs === undefined && i >= 0; i--) {
      const v = a.recent[i];
      if (!isSuspicious(v, a.baseline, this.sentinel)) break;
      onset = v.ts;
    }
    const severe = report.severity >= this.deps.config.severityThreshold;
    const base = {
      agent_id: a.agent_id,
      detected_at: now,
      onset_ts: onset,
      severity: report.severity,
      anomalies: report.anomalies,
      diagnosis,
      status: severe ? ('pending' as const) : ('healing' as const),
    };
    const id = this.repo.insertInfection(base);
    const infection: Infection = { id, ...base, resolved_at: null };
    this.counters.infections++;
    a.infection_id = id;
    this.deps.bus?.emit('immune.infection', infection);
    this.quarantine(a, `infection #${id}: ${diagnosis.type} (severity ${report.severity})`, id);
    this.deps.log.warn(
      { agent: a.agent_id, infection: id, severity: report.severity, diagnosis: diagnosis.type, anomalies: report.anomalies.map((x) => x.type) },
      'agent infected',
    );
    if (severe) {
      const approvalId = this.repo.insertApproval(id, a.agent_id, now, report.severity, diagnosis.type);
      this.counters.approvals_requested++;
      this.setState(a, 'pending_approval');
      const detail = `severity ${report.severity} ≥ ${this.deps.config.severityThreshold}: ${diagnosis.type} (confidence ${diagnosis.confidence})`;
      this.log({ agent_id: a.agent_id, infection_id: id, kind: 'approval_requested', action: null, trigger: null, ok: null, detail });
      this.openGovernanceApproval(approvalId, detail);
      this.deps.bus?.emit('immune.approval', this.repo.getApproval(approvalId)!);
    } else {
      this.startHealing(a, infection, 'auto');
    }
    return infection;
  }

  private quarantine(a: Runtime, reason: string, infectionId: number | null): void {
    this.counters.quarantines++;
    // The refusals that led here are this infection's evidence; after it the agent starts afresh.
    a.abuse = abuseState(this.abuse);
    this.setState(a, 'quarantined');
    void this.governance('quarantine', a.agent_id, reason);
    this.log({ agent_id: a.agent_id, infection_id: infectionId, kind: 'quarantined', action: null, trigger: null, ok: true, detail: reason });
    this.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: true, reason });
  }

  // ---- operator decisions -------------------------------------------------------------------

  /** Open the governance approval for a pending row (none wired: fail closed, the agent stays quarantined). */
  private openGovernanceApproval(approvalId: number, detail: string): void {
    const ap = this.repo.getApproval(approvalId)!;
    const queue = this.deps.control?.approvals;
    try {
      if (!queue) throw new Error('no governance approval queue is wired');
      const g = queue.request({
        agentId: ap.agent_id,
        infectionId: ap.infection_id,
        severity: ap.severity,
        diagnosis: ap.diagnosis,
        reason: `heal ${ap.agent_id} (infection #${ap.infection_id}): ${detail}`,
        timeoutS: this.deps.config.approvalTimeoutS,
      });
      this.repo.linkApproval(approvalId, g.id);
    } catch (err) {
      this.deps.log.error({ err, agent: ap.agent_id }, 'could not open a healing approval; the agent stays quarantined');
      this.settleLocally(ap, 'rejected', 'immune', `no operator could be asked (${(err as Error).message}); stays quarantined until "heal now"`);
    }
  }

  /** Governance settled a healing approval: carry out the operator's decision, or the timeout's denial. */
  private onApprovalSettled(g: HealingApprovalOutcome): void {
    const ap = this.repo.approvalByGovId(g.id);
    if (!ap || ap.status !== 'pending') return;
    const by = g.decidedBy ?? 'gateway';
    if (g.status === 'approved') {
      const a = this.agents.get(ap.agent_id);
      const inf = this.repo.getInfection(ap.infection_id);
      if (!a || !inf) return;
      this.repo.decideApproval(ap.id, 'approved', this.deps.clock.now(), by);
      this.deps.control?.approvals?.used(g.id);
      this.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'approved', action: null, trigger: 'approval', ok: true, detail: `approved by ${by}` });
      this.startHealing(a, inf, 'approval');
      this.deps.bus?.emit('immune.approval', this.repo.getApproval(ap.id)!);
    } else if (g.status === 'rejected') {
      this.settleLocally(ap, 'rejected', by, `rejected by ${by}; stays quarantined until "heal now"`);
    } else if (g.status === 'expired') {
      this.settleLocally(ap, 'expired', 'gateway', `no operator decided before the deadline; timeout means deny: stays quarantined until "heal now"`);
    } else if (g.status === 'cancelled') {
      this.settleLocally(
        ap,
        'cancelled',
        g.decidedBy ?? 'gateway',
        `healing approval cancelled${g.comment ? ` (${g.comment})` : ''}; stays quarantined until "heal now"`,
      );
    }
  }

  /** A denied (rejected, expired, cancelled) healing approval: the agent stays quarantined, "heal now" can still cure it. */
  private settleLocally(ap: ApprovalRecord, status: 'rejected' | 'expired' | 'cancelled', by: string, detail: string): void {
    this.repo.decideApproval(ap.id, status, this.deps.clock.now(), by);
    this.repo.setInfectionStatus(ap.infection_id, 'rejected', null);
    const a = this.agents.get(ap.agent_id);
    if (a) {
      this.setState(a, 'rejected');
      this.log({
        agent_id: a.agent_id,
        infection_id: ap.infection_id,
        kind: status === 'expired' ? 'expired' : 'rejected',
        action: null,
        trigger: null,
        ok: false,
        detail,
      });
    }
    this.deps.bus?.emit('immune.approval', this.repo.getApproval(ap.id)!);
  }

  /** At start: rows from before the single queue get their governance approval; outcomes settled while stopped are applied. */
  private reconcileApprovals(): void {
    const queue = this.deps.control?.approvals;
    for (const ap of this.repo.approvals('pending')) {
      if (!ap.approval_id) {
        this.openGovernanceApproval(ap.id, `severity ${ap.severity}: ${ap.diagnosis} (opened again at start)`);
        continue;
      }
      const g = queue?.get(ap.approval_id);
      if (g && g.status !== 'pending') this.onApprovalSettled(g);
    }
  }

  /**
   * Thin wrapper kept for the immune.approvals.decide request: decides the governance approval this
   * row mirrors, exactly as approvals.decide would (same checks, same audit); the outcome lands here
   * through onApprovalSettled.
   */
  decide(approvalId: number, verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord {
    const ap = this.repo.getApproval(approvalId);
    if (!ap) throw new CoreError('not_found', `no healing approval #${approvalId}`);
    if (ap.status !== 'pending') throw new CoreError('already_decided', `healing approval #${approvalId} is already ${ap.status}`);
    const queue = this.deps.control?.approvals;
    if (!ap.approval_id || !queue) throw new CoreError('unavailable', `healing approval #${approvalId} has no governance approval to decide`);
    queue.decide(ap.approval_id, verdict, by);
    return this.repo.getApproval(approvalId)!;
  }

  decideAll(verdict: 'approve' | 'reject', by = 'operator'): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const ap of this.repo.approvals('pending')) {
      try {
        out.push(this.decide(ap.id, verdict, by));
      } catch (err) {
        if (!(err instanceof CoreError)) throw err;
      }
    }
    return out;
  }

  /** Start healing an agent the operator rejected earlier, or whose ladder ran out. */
  healNow(agentId: string, by = 'operator'): { started: boolean } {
    const a = this.agents.get(agentId);
    if (!a) throw new CoreError('not_found', `no agent ${agentId}`);
    if (a.state !== 'rejected' && a.state !== 'exhausted' && a.state !== 'quarantined') {
      throw new CoreError('not_quarantined', `${agentId} is ${a.state}; only rejected or exhausted agents can be healed now`);
    }
    const inf = a.infection_id !== null ? this.repo.getInfection(a.infection_id) : null;
    if (!inf) throw new CoreError('not_found', `${agentId} has no infection on record`);
    const ap = this.repo.latestApprovalFor(agentId);
    if (ap && ap.infection_id === inf.id && (ap.status === 'rejected' || ap.status === 'expired' || ap.status === 'cancelled')) {
      this.repo.decideApproval(ap.id, 'healing_started', this.deps.clock.now(), by);
      this.deps.bus?.emit('immune.approval', this.repo.getApproval(ap.id)!);
    }
    this.log({ agent_id: agentId, infection_id: inf.id, kind: 'heal_now', action: null, trigger: 'heal_now', ok: null, detail: `heal now by ${by}` });
    this.startHealing(a, inf, 'heal_now');
    return { started: true };
  }

  healAll(by = 'operator'): { started: number } {
    let n = 0;
    for (const a of [...this.agents.values()]) {
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
      const candidates = fleet.agents().filter((s) => !s.infection && this.agents.get(s.agent_id)?.state === 'healthy');
      if (!candidates.length) throw new CoreError('no_candidate', 'no healthy simulated agent with an active baseline to infect');
      id = candidates[Math.floor((this.deps.clock.now() / 1000) % candidates.length)].agent_id;
    }
    if (!fleet.owns(id)) throw new CoreError('not_found', `${id} is not a simulated agent`);
    fleet.inject(id, type, this.deps.clock.now());
    this.deps.log.info({ agent: id, type }, 'chaos injected');
    return { agent_id: id, type };
  }

  // ---- healing ------------------------------------------------------------------------------

  /** Resolves when the current heal of this agent (if any) has finished. */
  whenHealed(agentId: string): Promise<void> {
    return this.healing.get(agentId) ?? Promise.resolve();
  }

  private startHealing(a: Runtime, inf: Infection, trigger: HealingTrigger): void {
    if (this.healing.has(a.agent_id)) return;
    const p = this.heal(a, inf, trigger)
      .catch((err) => this.deps.log.error({ err, agent: a.agent_id }, 'healing crashed'))
      .finally(() => this.healing.delete(a.agent_id));
    this.healing.set(a.agent_id, p);
  }

  private async heal(a: Runtime, inf: Infection, trigger: HealingTrigger): Promise<void> {
    const diag = inf.diagnosis.type;
    this.setState(a, 'healing');
    this.repo.setInfectionStatus(inf.id, 'healing', null);
    const plan = planLadder(diag, this.repo.agentMemory(a.agent_id), this.patterns());
    for (const s of plan.skipped) {
      this.log({
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
    if (this.deps.control?.isGoverned(a.agent_id) && !this.actuatorFor(a)) {
      for (const action of rungs.filter((r) => !GOVERNANCE_RUNGS.has(r)))
        this.log({
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
      if (this.deps.config.healing.stepDelayMs > 0) await sleep(this.deps.config.healing.stepDelayMs);
      if (this.stopped) return;
      const outcome = await this.applyAction(a, action, diag);
      if (this.stopped) return;
      if (!outcome.ok) {
        this.repo.recordMemory(a.agent_id, diag, action, false, this.deps.clock.now());
        this.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'action_failed', action, trigger, ok: false, detail: outcome.detail });
        continue;
      }
      this.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'action_applied', action, trigger, ok: true, detail: outcome.detail });
      const verdict = await this.verify(a, action);
      if (this.stopped) return;
      if (verdict === 'fail') {
        this.repo.recordMemory(a.agent_id, diag, action, false, this.deps.clock.now());
        this.setState(a, 'healing');
        void this.governance('quarantine', a.agent_id, `healing of infection #${inf.id} in progress`);
        this.log({
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
      if (verdict === 'pass') this.repo.recordMemory(a.agent_id, diag, action, true, this.deps.clock.now());
      this.log({
        agent_id: a.agent_id,
        infection_id: inf.id,
        kind: 'verified',
        action,
        trigger,
        ok: verdict === 'pass' ? true : null,
        detail:
          verdict === 'pass'
            ? `${this.deps.config.healing.verifySamples} clean samples after ${action}`
            : `no activity to verify ${action}; released on probation (not learned)`,
      });
      this.release(a, inf, action);
      this.counters.heals_succeeded++;
      return;
    }
    this.counters.heals_failed++;
    this.repo.setInfectionStatus(inf.id, 'exhausted', null);
    this.setState(a, 'exhausted');
    void this.governance('quarantine', a.agent_id, `healing of infection #${inf.id} failed; operator needed`);
    this.log({
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
    return this.deps.fleet?.owns(a.agent_id) ? this.deps.fleet : this.channel.owns(a.agent_id) ? this.channel : null;
  }

  private async applyAction(a: Runtime, action: HealingAction, diag: string): Promise<ActionOutcome> {
    const reason = `immune system: ${action} for ${diag}`;
    const tools = action === 'revoke_tools' ? this.toolsToRevoke(a) : [];
    if (action === 'revoke_tools' && !tools.length) return { ok: false, detail: 'no tool usage on record to revoke' };
    const actuator = this.actuatorFor(a);
    const governed = this.deps.control?.isGoverned(a.agent_id) ?? false;
    try {
      if (governed && (action === 'reduce_autonomy' || action === 'revoke_tools')) {
        if (action === 'reduce_autonomy') await this.deps.control!.reduceAutonomy(a.agent_id, reason);
        else await this.deps.control!.revokeTools(a.agent_id, tools, reason);
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
    const cfg = this.deps.config.healing;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (r: 'pass' | 'fail' | 'no_data') => {
        if (!a.probation) return;
        a.probation = null;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      a.probation = { samples: [], done };
      a.abuse = abuseState(this.abuse);
      this.setState(a, 'probation');
      void (async () => {
        await this.governance('release', a.agent_id);
        if (action !== 'reduce_autonomy') await this.governance('reduceAutonomy', a.agent_id, 'probation after healing');
      })();
      timer = setTimeout(() => done('no_data'), cfg.verifyTimeoutMs);
      timer.unref?.();
    });
  }

  private onProbationSample(a: Runtime, v: Vitals): void {
    const p = a.probation!;
    p.samples.push(v);
    if (detectInfection(p.samples, a.baseline, this.sentinel)) p.done('fail');
    else if (p.samples.length >= this.deps.config.healing.verifySamples) p.done('pass');
  }

  private release(a: Runtime, inf: Infection, action: HealingAction): void {
    this.repo.setInfectionStatus(inf.id, 'healed', this.deps.clock.now());
    // The sentinel's window starts afresh: the infected samples are history, not evidence.
    a.recent = a.recent.slice(-this.deps.config.healing.verifySamples);
    a.infection_id = null;
    this.setState(a, 'healthy');
    void (async () => {
      await this.governance('release', a.agent_id);
      if (action !== 'reduce_autonomy') await this.governance('restoreAutonomy', a.agent_id);
    })();
    this.log({ agent_id: a.agent_id, infection_id: inf.id, kind: 'released', action, trigger: null, ok: true, detail: `healed by ${action}` });
    this.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: false, reason: `healed by ${action}` });
  }

  private async governance(op: 'quarantine' | 'release' | 'reduceAutonomy' | 'restoreAutonomy', agentId: string, reason = ''): Promise<void> {
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

  // ---- state, views ---------------------------------------------------------------------------

  private setState(a: Runtime, state: AgentState): void {
    if (a.state === state) return;
    a.state = state;
    this.repo.saveAgent(a);
    this.emitAgent(a);
  }

  private emitAgent(a: Runtime): void {
    this.deps.bus?.emit('immune.agent', this.view(a));
  }

  private log(e: Omit<HealingLogEntry, 'id' | 'ts'>): void {
    const entry = this.repo.insertLog({ ts: this.deps.clock.now(), ...e });
    this.deps.bus?.emit('immune.healing', entry);
  }

  private view(a: Runtime): ImmuneAgent {
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

  agent(agentId: string): ImmuneAgent | null {
    const a = this.agents.get(agentId);
    return a ? this.view(a) : null;
  }

  agentDetail(agentId: string): { agent: ImmuneAgent; vitals: Vitals[]; healing: HealingLogEntry[]; memory: MemoryEntry[] } {
    const a = this.agents.get(agentId);
    if (!a) throw new CoreError('not_found', `no agent ${agentId}`);
    this.flush();
    return {
      agent: this.view(a),
      vitals: this.repo.recentVitals(agentId, 120),
      healing: this.repo.agentLog(agentId, 100),
      memory: this.repo.agentMemory(agentId),
    };
  }

  patterns(): FleetPattern[] {
    return fleetPatterns(this.repo.allMemory(), this.learning);
  }

  memory(agentId?: string): MemoryEntry[] {
    return agentId ? this.repo.agentMemory(agentId) : this.repo.allMemory();
  }

  stats(): ImmuneStats {
    const c = this.repo.infectionCounts();
    let quarantined = 0;
    let pending = 0;
    let rejected = 0;
    for (const a of this.agents.values()) {
      if (QUARANTINED.has(a.state)) quarantined++;
      if (a.state === 'pending_approval') pending++;
      if (a.state === 'rejected') rejected++;
    }
    const finished = c.healed + c.exhausted;
    return {
      agents: this.agents.size,
      executions: this.counters.executions,
      infections: c.total,
      healed: c.healed,
      failed_heals: c.exhausted,
      success_rate: finished ? Math.round((c.healed / finished) * 1000) / 1000 : 0,
      quarantined,
      pending,
      rejected,
      runtime_ms: this.deps.clock.now() - this.startedAt,
    };
  }

  overview(limit = 50): ImmuneOverview {
    return {
      stats: this.stats(),
      agents: [...this.agents.values()].map((a) => this.view(a)),
      pending: this.repo.approvals('pending'),
      // Denied by an operator or by the timeout: both wait for "heal now".
      rejected: [...this.repo.approvals('rejected'), ...this.repo.approvals('expired')].sort((x, y) => x.id - y.id),
      infections: this.repo.recentInfections(limit),
      healing: this.repo.recentLog(limit),
      patterns: this.patterns(),
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
