// Vitals in, infections out. Detection runs on each sample as it arrives (not on a 1 s loop as in the
// seed): O(1) per sample, so an onset is caught on the sample that confirms it, and 1,000 agents at
// 1 Hz cost little. Baselines are learnt from clean samples; an infection is diagnosed and the agent
// quarantined at once, then healed (mild cases) or handed to an operator (severe ones).
import type { z } from 'zod';
import { abuseState, detectAbuse, isAbusive, observeCall } from './abuse';
import type { ApprovalDesk } from './approval-desk';
import { baselineSamples, emptyBaseline, learnSample } from './baseline';
import { QUARANTINED, type AgentBook, type Runtime } from './book';
import { diagnose } from './diagnosis';
import type { Healer } from './healer';
import {
  CallOutcomeSchema,
  normaliseVitals,
  VitalsSchema,
  type AgentSource,
  type ImmuneAgent,
  type Infection,
  type InfectionReport,
  type Vitals,
} from './schemas';
import { detectInfection, isSuspicious, type SentinelOptions } from './sentinel';

export type RecordResult = { ok: true; infection: Infection | null } | { ok: false; reasons: string[] };

export class Intake {
  private buffer: Vitals[] = [];
  private lastPrune = 0;
  private readonly sentinel: SentinelOptions;

  constructor(
    private readonly book: AgentBook,
    private readonly healer: Healer,
    private readonly desk: ApprovalDesk,
  ) {
    this.sentinel = book.deps.config.sentinel;
  }

  registerAgent(a: { agent_id: string; source: AgentSource; model?: string; mcp_servers?: string[] }): ImmuneAgent {
    const { book } = this;
    let rt = book.agents.get(a.agent_id);
    if (!rt) {
      rt = book.runtime({
        agent_id: a.agent_id,
        source: book.deps.control?.isGoverned(a.agent_id) && a.source !== 'simulated' ? 'governed' : a.source,
        model: a.model ?? 'unknown',
        mcp_servers: a.mcp_servers ?? [],
        state: 'learning',
        infection_id: null,
        executions: 0,
        last_seen: null,
        created_at: book.now(),
        baseline: emptyBaseline(),
      });
      book.agents.set(a.agent_id, rt);
      book.repo.saveAgent(rt);
      book.emitAgent(rt);
    } else {
      if (a.model) rt.model = a.model;
      if (a.mcp_servers?.length) rt.mcp_servers = a.mcp_servers;
      rt.dirty = true;
    }
    return book.view(rt);
  }

  /** Untrusted input (MCP gateway, ingest): validated, then recorded. Never throws. */
  recordVitals(input: unknown, source: AgentSource): RecordResult {
    const parsed = VitalsSchema.safeParse(input);
    if (!parsed.success) return this.rejected(parsed.error.issues);
    return { ok: true, infection: this.ingest(normaliseVitals(parsed.data, this.book.now()), source) };
  }

  /**
   * One governed call's outcome as it happens (MCP gateway; untrusted shape, validated). Refusals are
   * judged against absolute bounds at once (abuse.ts), so a fuzzer is contained within its first burst
   * instead of at the end of a run; served calls only dilute the evidence. Never throws.
   */
  recordCall(input: unknown, source: AgentSource): RecordResult {
    const { book } = this;
    const parsed = CallOutcomeSchema.safeParse(input);
    if (!parsed.success) return this.rejected(parsed.error.issues);
    if (!book.abuse.enabled) return { ok: true, infection: null };
    const c = parsed.data;
    const ts = c.ts ?? book.now();
    if (!book.agents.has(c.agent_id)) this.registerAgent({ agent_id: c.agent_id, source });
    const a = book.agents.get(c.agent_id)!;
    if (QUARANTINED.has(a.state)) return { ok: true, infection: null }; // contained: its calls are refused anyway
    observeCall(a.abuse, ts, c.outcome, book.abuse);
    if (c.outcome === 'served') return { ok: true, infection: null };
    const report = detectAbuse(a.agent_id, ts, a.abuse, book.abuse);
    if (!report) return { ok: true, infection: null };
    if (a.probation) {
      // On probation after a heal: abuse fails the verification, and the ladder escalates.
      a.probation.done('fail');
      return { ok: true, infection: null };
    }
    return { ok: true, infection: this.onInfection(a, report, a.abuse.aboveSince ?? ts) };
  }

  private rejected(issues: z.ZodError['issues']): RecordResult {
    this.book.counters.rejected_vitals++;
    return { ok: false, reasons: issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`) };
  }

  /** Trusted, already-typed vitals (simulated fleet). Returns the infection it revealed, if any. */
  ingest(v: Vitals, source: AgentSource): Infection | null {
    const { book } = this;
    const cfg = book.deps.config;
    if (!book.agents.has(v.agent_id)) this.registerAgent({ agent_id: v.agent_id, source, model: v.model, mcp_servers: v.mcp_servers });
    const a = book.agents.get(v.agent_id)!;
    a.executions++;
    book.counters.executions++;
    a.last_seen = v.ts;
    if (v.mcp_servers.length) a.mcp_servers = v.mcp_servers;
    if (v.model !== 'unknown') a.model = v.model;
    a.dirty = true;
    this.buffer.push(v);
    if (v.tools) for (const t of v.tools) a.toolCounts.set(t, (a.toolCounts.get(t) ?? 0) + 1);
    a.recent.push(v);
    if (a.recent.length > cfg.vitals.recent) a.recent.shift();

    if (a.probation) {
      this.healer.onProbationSample(a, v);
      return null;
    }
    if (QUARANTINED.has(a.state)) return null; // reported while contained: kept as evidence, not judged

    // A sample taken while the agent is refused more than any healthy agent is never becomes "normal".
    const abusive = isAbusive(a.abuse, book.abuse);
    if (baselineSamples(a.baseline) < cfg.baselineMinSamples) {
      if (!abusive) learnSample(a.baseline, v);
      if (baselineSamples(a.baseline) >= cfg.baselineMinSamples) book.setState(a, 'healthy');
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

  /** Write buffered vitals, baselines and counters; prune old vitals now and then. */
  flush(): void {
    const { book } = this;
    const dirty = [...book.agents.values()].filter((a) => a.dirty);
    const vitals = this.buffer;
    this.buffer = [];
    try {
      book.repo.persistBatch(vitals, dirty);
      for (const a of dirty) a.dirty = false;
      const now = book.now();
      if (now - this.lastPrune > 60_000) {
        this.lastPrune = now;
        const cfg = book.deps.config.vitals;
        book.repo.pruneVitals(cfg.retentionHours > 0 ? now - cfg.retentionHours * 3_600_000 : 0, cfg.maxRows);
      }
    } catch (err) {
      book.deps.log.error({ err }, 'immune flush failed');
    }
  }

  // ---- detection → containment --------------------------------------------------------------

  /** onsetTs: known by the caller (abuse: when the agent went above a bound); else from the vitals. */
  private onInfection(a: Runtime, report: InfectionReport, onsetTs?: number): Infection {
    const { book } = this;
    const { deps, repo } = book;
    const now = book.now();
    const diagnosis = diagnose(report);
    // Onset: the first of the run of suspicious samples that ends with the newest.
    let onset = onsetTs ?? report.ts;
    for (let i = a.recent.length - 1; onsetTs === undefined && i >= 0; i--) {
      const v = a.recent[i];
      if (!isSuspicious(v, a.baseline, this.sentinel)) break;
      onset = v.ts;
    }
    const severe = report.severity >= deps.config.severityThreshold;
    const base = {
      agent_id: a.agent_id,
      detected_at: now,
      onset_ts: onset,
      severity: report.severity,
      anomalies: report.anomalies,
      diagnosis,
      status: severe ? ('pending' as const) : ('healing' as const),
    };
    const id = repo.insertInfection(base);
    const infection: Infection = { id, ...base, resolved_at: null };
    book.counters.infections++;
    a.infection_id = id;
    deps.bus?.emit('immune.infection', infection);
    this.quarantine(a, `infection #${id}: ${diagnosis.type} (severity ${report.severity})`, id);
    deps.log.warn(
      { agent: a.agent_id, infection: id, severity: report.severity, diagnosis: diagnosis.type, anomalies: report.anomalies.map((x) => x.type) },
      'agent infected',
    );
    if (severe) {
      const approvalId = repo.insertApproval(id, a.agent_id, now, report.severity, diagnosis.type);
      book.counters.approvals_requested++;
      book.setState(a, 'pending_approval');
      const detail = `severity ${report.severity} ≥ ${deps.config.severityThreshold}: ${diagnosis.type} (confidence ${diagnosis.confidence})`;
      book.log({ agent_id: a.agent_id, infection_id: id, kind: 'approval_requested', action: null, trigger: null, ok: null, detail });
      this.desk.open(approvalId, detail);
      book.emitApproval(approvalId);
    } else {
      this.healer.startHealing(a, infection, 'auto');
    }
    return infection;
  }

  private quarantine(a: Runtime, reason: string, infectionId: number | null): void {
    const { book } = this;
    book.counters.quarantines++;
    // The refusals that led here are this infection's evidence; after it the agent starts afresh.
    a.abuse = abuseState(book.abuse);
    book.setState(a, 'quarantined');
    void book.governance('quarantine', a.agent_id, reason);
    book.log({ agent_id: a.agent_id, infection_id: infectionId, kind: 'quarantined', action: null, trigger: null, ok: true, detail: reason });
    book.deps.bus?.emit('immune.quarantine', { agent_id: a.agent_id, quarantined: true, reason });
  }
}
