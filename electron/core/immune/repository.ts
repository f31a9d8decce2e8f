// Immune tables and their SQL, prepared once. Everything the operator relies on after a restart
// lives here: agents and their state, baselines, vitals (bounded), infections, approvals, the
// healing log and immune memory.
import type { Db, Migration } from '../store';
import { emptyBaseline, type AgentBaseline } from './baseline';
import {
  METRICS,
  type AgentSource,
  type AgentState,
  type Anomaly,
  type ApprovalRecord,
  type Diagnosis,
  type DiagnosisType,
  type HealingAction,
  type HealingLogEntry,
  type HealingTrigger,
  type Infection,
  type InfectionStatus,
  type MemoryEntry,
  type Metric,
  type Vitals,
} from './schemas';

export const immuneMigrations: Migration[] = [
  {
    id: 'immune-001-tables',
    up: (db) => {
      db.exec(`
        CREATE TABLE immune_agents (
          agent_id TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          model TEXT NOT NULL,
          mcp_servers TEXT NOT NULL,
          state TEXT NOT NULL,
          infection_id INTEGER,
          executions INTEGER NOT NULL DEFAULT 0,
          last_seen INTEGER,
          created_at INTEGER NOT NULL,
          prompt_hash TEXT,
          error_samples INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE immune_baselines (
          agent_id TEXT NOT NULL,
          metric TEXT NOT NULL,
          n INTEGER NOT NULL,
          mean REAL NOT NULL,
          m2 REAL NOT NULL,
          PRIMARY KEY (agent_id, metric)
        ) WITHOUT ROWID;
        CREATE TABLE immune_vitals (
          id INTEGER PRIMARY KEY,
          agent_id TEXT NOT NULL,
          ts INTEGER NOT NULL,
          latency_ms REAL NOT NULL,
          input_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          total_tokens INTEGER NOT NULL,
          cost_usd REAL NOT NULL,
          tool_calls INTEGER NOT NULL,
          retries INTEGER NOT NULL,
          errors INTEGER NOT NULL,
          prompt_hash TEXT,
          model TEXT NOT NULL
        );
        CREATE INDEX immune_vitals_agent_ts ON immune_vitals (agent_id, ts);
        CREATE INDEX immune_vitals_ts ON immune_vitals (ts);
        CREATE TABLE immune_infections (
          id INTEGER PRIMARY KEY,
          agent_id TEXT NOT NULL,
          detected_at INTEGER NOT NULL,
          onset_ts INTEGER NOT NULL,
          severity REAL NOT NULL,
          anomalies TEXT NOT NULL,
          diagnosis TEXT NOT NULL,
          status TEXT NOT NULL,
          resolved_at INTEGER
        );
        CREATE INDEX immune_infections_agent ON immune_infections (agent_id, id);
        CREATE TABLE immune_approvals (
          id INTEGER PRIMARY KEY,
          infection_id INTEGER NOT NULL REFERENCES immune_infections (id),
          agent_id TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          decided_at INTEGER,
          decided_by TEXT,
          severity REAL NOT NULL,
          diagnosis TEXT NOT NULL
        );
        CREATE INDEX immune_approvals_status ON immune_approvals (status);
        CREATE TABLE immune_healing_log (
          id INTEGER PRIMARY KEY,
          ts INTEGER NOT NULL,
          agent_id TEXT NOT NULL,
          infection_id INTEGER,
          kind TEXT NOT NULL,
          action TEXT,
          trigger TEXT,
          ok INTEGER,
          detail TEXT NOT NULL
        );
        CREATE INDEX immune_healing_log_agent ON immune_healing_log (agent_id, id);
        CREATE TABLE immune_memory (
          agent_id TEXT NOT NULL,
          diagnosis TEXT NOT NULL,
          action TEXT NOT NULL,
          successes INTEGER NOT NULL DEFAULT 0,
          failures INTEGER NOT NULL DEFAULT 0,
          last_outcome TEXT NOT NULL,
          last_at INTEGER NOT NULL,
          PRIMARY KEY (agent_id, diagnosis, action)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    // One approval queue (issue 13, finding 12): each healing approval is a governance approval; this
    // row links the infection to it (approval_id) and mirrors its outcome for the Immune pane.
    id: 'immune-002-governance-approval',
    up: (db) => {
      db.exec(`
        ALTER TABLE immune_approvals ADD COLUMN approval_id TEXT;
        CREATE INDEX immune_approvals_gov ON immune_approvals (approval_id);
      `);
    },
  },
];

export interface AgentRow {
  agent_id: string;
  source: AgentSource;
  model: string;
  mcp_servers: string[];
  state: AgentState;
  infection_id: number | null;
  executions: number;
  last_seen: number | null;
  created_at: number;
  baseline: AgentBaseline;
}

interface RawAgent {
  agent_id: string;
  source: string;
  model: string;
  mcp_servers: string;
  state: string;
  infection_id: number | null;
  executions: number;
  last_seen: number | null;
  created_at: number;
  prompt_hash: string | null;
  error_samples: number;
}
interface RawInfection {
  id: number;
  agent_id: string;
  detected_at: number;
  onset_ts: number;
  severity: number;
  anomalies: string;
  diagnosis: string;
  status: string;
  resolved_at: number | null;
}
interface RawLog {
  id: number;
  ts: number;
  agent_id: string;
  infection_id: number | null;
  kind: string;
  action: string | null;
  trigger: string | null;
  ok: number | null;
  detail: string;
}

function toInfection(r: RawInfection): Infection {
  return {
    id: r.id,
    agent_id: r.agent_id,
    detected_at: r.detected_at,
    onset_ts: r.onset_ts,
    severity: r.severity,
    anomalies: JSON.parse(r.anomalies) as Anomaly[],
    diagnosis: JSON.parse(r.diagnosis) as Diagnosis,
    status: r.status as InfectionStatus,
    resolved_at: r.resolved_at,
  };
}
function toLog(r: RawLog): HealingLogEntry {
  return {
    id: r.id,
    ts: r.ts,
    agent_id: r.agent_id,
    infection_id: r.infection_id,
    kind: r.kind as HealingLogEntry['kind'],
    action: r.action as HealingAction | null,
    trigger: r.trigger as HealingTrigger | null,
    ok: r.ok === null ? null : r.ok === 1,
    detail: r.detail,
  };
}

export type NewLogEntry = Omit<HealingLogEntry, 'id'>;

export function createImmuneRepository(db: Db) {
  const s = {
    upsertAgent:
      db.prepare(`INSERT INTO immune_agents (agent_id, source, model, mcp_servers, state, infection_id, executions, last_seen, created_at, prompt_hash, error_samples)
      VALUES (@agent_id, @source, @model, @mcp_servers, @state, @infection_id, @executions, @last_seen, @created_at, @prompt_hash, @error_samples)
      ON CONFLICT(agent_id) DO UPDATE SET source=excluded.source, model=excluded.model, mcp_servers=excluded.mcp_servers, state=excluded.state,
        infection_id=excluded.infection_id, executions=excluded.executions, last_seen=excluded.last_seen, prompt_hash=excluded.prompt_hash,
        error_samples=excluded.error_samples`),
    allAgents: db.prepare('SELECT * FROM immune_agents ORDER BY agent_id'),
    allBaselines: db.prepare('SELECT agent_id, metric, n, mean, m2 FROM immune_baselines'),
    upsertBaseline: db.prepare(`INSERT INTO immune_baselines (agent_id, metric, n, mean, m2) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(agent_id, metric) DO UPDATE SET n=excluded.n, mean=excluded.mean, m2=excluded.m2`),
    deleteBaseline: db.prepare('DELETE FROM immune_baselines WHERE agent_id = ?'),
    insertVitals:
      db.prepare(`INSERT INTO immune_vitals (agent_id, ts, latency_ms, input_tokens, output_tokens, total_tokens, cost_usd, tool_calls, retries, errors, prompt_hash, model)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    recentVitals: db.prepare('SELECT * FROM immune_vitals WHERE agent_id = ? ORDER BY ts DESC, id DESC LIMIT ?'),
    countVitals: db.prepare('SELECT COUNT(*) FROM immune_vitals').pluck(),
    pruneVitalsBefore: db.prepare('DELETE FROM immune_vitals WHERE ts < ?'),
    maxVitalsId: db.prepare('SELECT MAX(id) FROM immune_vitals').pluck(),
    pruneVitalsBelowId: db.prepare('DELETE FROM immune_vitals WHERE id <= ?'),
    insertInfection: db.prepare(`INSERT INTO immune_infections (agent_id, detected_at, onset_ts, severity, anomalies, diagnosis, status, resolved_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`),
    setInfectionStatus: db.prepare('UPDATE immune_infections SET status = ?, resolved_at = ? WHERE id = ?'),
    getInfection: db.prepare('SELECT * FROM immune_infections WHERE id = ?'),
    recentInfections: db.prepare('SELECT * FROM immune_infections ORDER BY id DESC LIMIT ?'),
    infectionCounts: db.prepare(`SELECT COUNT(*) AS total, SUM(status = 'healed') AS healed, SUM(status = 'exhausted') AS exhausted FROM immune_infections`),
    insertApproval: db.prepare(`INSERT INTO immune_approvals (infection_id, agent_id, status, created_at, decided_at, decided_by, severity, diagnosis)
      VALUES (?, ?, 'pending', ?, NULL, NULL, ?, ?)`),
    decideApproval: db.prepare('UPDATE immune_approvals SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?'),
    getApproval: db.prepare('SELECT * FROM immune_approvals WHERE id = ?'),
    approvalByGovId: db.prepare('SELECT * FROM immune_approvals WHERE approval_id = ?'),
    linkApproval: db.prepare('UPDATE immune_approvals SET approval_id = ? WHERE id = ?'),
    approvalsByStatus: db.prepare('SELECT * FROM immune_approvals WHERE status = ? ORDER BY id'),
    latestApprovalFor: db.prepare('SELECT * FROM immune_approvals WHERE agent_id = ? ORDER BY id DESC LIMIT 1'),
    insertLog: db.prepare(`INSERT INTO immune_healing_log (ts, agent_id, infection_id, kind, action, trigger, ok, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    recentLog: db.prepare('SELECT * FROM immune_healing_log ORDER BY id DESC LIMIT ?'),
    agentLog: db.prepare('SELECT * FROM immune_healing_log WHERE agent_id = ? ORDER BY id DESC LIMIT ?'),
    recordMemory:
      db.prepare(`INSERT INTO immune_memory (agent_id, diagnosis, action, successes, failures, last_outcome, last_at) VALUES (@agent_id, @diagnosis, @action, @s, @f, @outcome, @at)
      ON CONFLICT(agent_id, diagnosis, action) DO UPDATE SET successes = successes + @s, failures = failures + @f, last_outcome = @outcome, last_at = @at`),
    allMemory: db.prepare('SELECT * FROM immune_memory ORDER BY agent_id, diagnosis, action'),
    agentMemory: db.prepare('SELECT * FROM immune_memory WHERE agent_id = ? ORDER BY diagnosis, action'),
  };

  const saveBaselines = db.transaction((items: ReadonlyArray<{ agent_id: string; baseline: AgentBaseline }>) => {
    for (const { agent_id, baseline } of items) {
      for (const m of METRICS) {
        const w = baseline.metrics[m];
        s.upsertBaseline.run(agent_id, m, w.n, w.mean, w.m2);
        const l = baseline.logs[m];
        s.upsertBaseline.run(agent_id, `log:${m}`, l.n, l.mean, l.m2);
      }
    }
  });
  const insertVitalsMany = db.transaction((rows: readonly Vitals[]) => {
    for (const v of rows) {
      s.insertVitals.run(
        v.agent_id,
        v.ts,
        v.latency_ms,
        v.input_tokens,
        v.output_tokens,
        v.total_tokens,
        v.cost_usd,
        v.tool_calls,
        v.retries,
        v.errors,
        v.prompt_hash ?? null,
        v.model,
      );
    }
  });

  const saveAgent = (a: AgentRow): void => {
    s.upsertAgent.run({
      agent_id: a.agent_id,
      source: a.source,
      model: a.model,
      mcp_servers: JSON.stringify(a.mcp_servers),
      state: a.state,
      infection_id: a.infection_id,
      executions: a.executions,
      last_seen: a.last_seen,
      created_at: a.created_at,
      prompt_hash: a.baseline.promptHash,
      error_samples: a.baseline.errorSamples,
    });
  };
  /** One transaction per flush: new vitals, changed baselines and agent counters together. */
  const persistBatch = db.transaction((vitals: readonly Vitals[], agents: readonly AgentRow[]) => {
    insertVitalsMany(vitals);
    saveBaselines(agents);
    for (const a of agents) saveAgent(a);
  });

  return {
    saveAgent,
    persistBatch: (vitals: readonly Vitals[], agents: readonly AgentRow[]) => (vitals.length || agents.length ? persistBatch(vitals, agents) : undefined),
    /** Every agent with its baseline, for start-up. */
    loadAgents(): AgentRow[] {
      const baselines = new Map<string, AgentBaseline>();
      for (const r of s.allBaselines.all() as Array<{ agent_id: string; metric: string; n: number; mean: number; m2: number }>) {
        let b = baselines.get(r.agent_id);
        if (!b) baselines.set(r.agent_id, (b = emptyBaseline()));
        const w = { n: r.n, mean: r.mean, m2: r.m2 };
        if ((METRICS as readonly string[]).includes(r.metric)) b.metrics[r.metric as Metric] = w;
        else if (r.metric.startsWith('log:') && (METRICS as readonly string[]).includes(r.metric.slice(4))) b.logs[r.metric.slice(4) as Metric] = w;
      }
      return (s.allAgents.all() as RawAgent[]).map((r) => {
        const baseline = baselines.get(r.agent_id) ?? emptyBaseline();
        baseline.promptHash = r.prompt_hash;
        baseline.errorSamples = r.error_samples;
        return {
          agent_id: r.agent_id,
          source: r.source as AgentSource,
          model: r.model,
          mcp_servers: JSON.parse(r.mcp_servers) as string[],
          state: r.state as AgentState,
          infection_id: r.infection_id,
          executions: r.executions,
          last_seen: r.last_seen,
          created_at: r.created_at,
          baseline,
        };
      });
    },
    saveBaselines: (items: ReadonlyArray<{ agent_id: string; baseline: AgentBaseline }>) => (items.length ? saveBaselines(items) : undefined),
    resetBaseline: (agentId: string) => s.deleteBaseline.run(agentId),
    insertVitals: (rows: readonly Vitals[]) => (rows.length ? insertVitalsMany(rows) : undefined),
    recentVitals(agentId: string, limit: number): Vitals[] {
      const rows = s.recentVitals.all(agentId, limit) as Array<Omit<Vitals, 'mcp_servers'>>;
      return rows.reverse().map((r) => ({ ...r, prompt_hash: r.prompt_hash ?? null, mcp_servers: [] }));
    },
    countVitals: () => s.countVitals.get() as number,
    /** Drop vitals older than cutoff, then keep at most maxRows of the newest. */
    pruneVitals(cutoffMs: number, maxRows: number): number {
      let n = s.pruneVitalsBefore.run(cutoffMs).changes;
      const max = s.maxVitalsId.get() as number | null;
      if (max !== null && max > maxRows) n += s.pruneVitalsBelowId.run(max - maxRows).changes;
      return n;
    },
    insertInfection(i: Omit<Infection, 'id' | 'resolved_at'>): number {
      return Number(
        s.insertInfection.run(i.agent_id, i.detected_at, i.onset_ts, i.severity, JSON.stringify(i.anomalies), JSON.stringify(i.diagnosis), i.status)
          .lastInsertRowid,
      );
    },
    setInfectionStatus: (id: number, status: InfectionStatus, resolvedAt: number | null) => s.setInfectionStatus.run(status, resolvedAt, id),
    getInfection(id: number): Infection | null {
      const r = s.getInfection.get(id) as RawInfection | undefined;
      return r ? toInfection(r) : null;
    },
    recentInfections: (limit: number) => (s.recentInfections.all(limit) as RawInfection[]).map(toInfection),
    infectionCounts(): { total: number; healed: number; exhausted: number } {
      const r = s.infectionCounts.get() as { total: number; healed: number | null; exhausted: number | null };
      return { total: r.total, healed: r.healed ?? 0, exhausted: r.exhausted ?? 0 };
    },
    insertApproval(infectionId: number, agentId: string, at: number, severity: number, diagnosis: DiagnosisType): number {
      return Number(s.insertApproval.run(infectionId, agentId, at, severity, diagnosis).lastInsertRowid);
    },
    decideApproval: (id: number, status: ApprovalRecord['status'], at: number, by: string) => s.decideApproval.run(status, at, by, id),
    getApproval: (id: number) => (s.getApproval.get(id) as ApprovalRecord | undefined) ?? null,
    /** The row for a governance approval id. */
    approvalByGovId: (approvalId: string) => (s.approvalByGovId.get(approvalId) as ApprovalRecord | undefined) ?? null,
    linkApproval: (id: number, approvalId: string) => s.linkApproval.run(approvalId, id),
    approvals: (status: ApprovalRecord['status']) => s.approvalsByStatus.all(status) as ApprovalRecord[],
    latestApprovalFor: (agentId: string) => (s.latestApprovalFor.get(agentId) as ApprovalRecord | undefined) ?? null,
    insertLog(e: NewLogEntry): HealingLogEntry {
      const id = Number(
        s.insertLog.run(e.ts, e.agent_id, e.infection_id, e.kind, e.action, e.trigger, e.ok === null ? null : e.ok ? 1 : 0, e.detail).lastInsertRowid,
      );
      return { id, ...e };
    },
    recentLog: (limit: number) => (s.recentLog.all(limit) as RawLog[]).map(toLog),
    agentLog: (agentId: string, limit: number) => (s.agentLog.all(agentId, limit) as RawLog[]).map(toLog),
    recordMemory(agentId: string, diagnosis: DiagnosisType, action: HealingAction, success: boolean, at: number): void {
      s.recordMemory.run({ agent_id: agentId, diagnosis, action, s: success ? 1 : 0, f: success ? 0 : 1, outcome: success ? 'success' : 'failure', at });
    },
    allMemory: () => s.allMemory.all() as MemoryEntry[],
    agentMemory: (agentId: string) => s.agentMemory.all(agentId) as MemoryEntry[],
  };
}

export type ImmuneRepository = ReturnType<typeof createImmuneRepository>;
