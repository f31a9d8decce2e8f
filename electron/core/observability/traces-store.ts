// Where agent traces are kept: SQLite tables for traces and their spans, and the prepared SQL that
// writes a trace as it runs, finishes it, and reads it back for the UI and the API.
import type { Attributes, RunOutcome, SpanEventView, SpanStatus, SpanView, TraceDetail, TraceSummary } from '../../../shared/agent';
import type { GovDecision } from '../../../shared/governance';
import type { Db, Migration } from '../store';

export const observabilityMigrations: Migration[] = [
  {
    id: 'obs-001-traces',
    up: (db) => {
      db.exec(`
        CREATE TABLE obs_traces (
          trace_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          agent_id TEXT,
          planner TEXT,
          model TEXT,
          trigger TEXT,
          device_id TEXT,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER,
          status TEXT NOT NULL,
          outcome TEXT NOT NULL,
          summary TEXT,
          spans INTEGER NOT NULL DEFAULT 0,
          tool_calls INTEGER NOT NULL DEFAULT 0,
          input_tokens INTEGER NOT NULL DEFAULT 0,
          output_tokens INTEGER NOT NULL DEFAULT 0,
          cost_usd REAL NOT NULL DEFAULT 0,
          decisions_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX obs_traces_start ON obs_traces(start_ms DESC);
        CREATE TABLE obs_spans (
          span_id TEXT PRIMARY KEY,
          trace_id TEXT NOT NULL REFERENCES obs_traces(trace_id) ON DELETE CASCADE,
          parent_span_id TEXT,
          name TEXT NOT NULL,
          kind TEXT NOT NULL,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER,
          status TEXT NOT NULL,
          status_message TEXT,
          attributes_json TEXT NOT NULL,
          events_json TEXT NOT NULL
        );
        CREATE INDEX obs_spans_trace ON obs_spans(trace_id, start_ms);
      `);
    },
  },
];

export const ZERO_DECISIONS = (): Record<GovDecision, number> => ({ ALLOW: 0, REVIEW: 0, BLOCK: 0 });

interface TraceRow {
  trace_id: string;
  name: string;
  agent_id: string | null;
  planner: string | null;
  model: string | null;
  trigger: string | null;
  device_id: string | null;
  start_ms: number;
  end_ms: number | null;
  status: SpanStatus;
  outcome: RunOutcome;
  summary: string | null;
  spans: number;
  tool_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  decisions_json: string;
}
interface SpanRow {
  span_id: string;
  trace_id: string;
  parent_span_id: string | null;
  name: string;
  kind: 'internal' | 'client';
  start_ms: number;
  end_ms: number | null;
  status: SpanStatus;
  status_message: string | null;
  attributes_json: string;
  events_json: string;
}

function traceView(r: TraceRow): TraceSummary {
  return {
    traceId: r.trace_id,
    name: r.name,
    agentId: r.agent_id,
    planner: r.planner,
    model: r.model,
    trigger: r.trigger,
    deviceId: r.device_id,
    startMs: r.start_ms,
    endMs: r.end_ms,
    status: r.status,
    outcome: r.outcome,
    summary: r.summary,
    spans: r.spans,
    toolCalls: r.tool_calls,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
    decisions: { ...ZERO_DECISIONS(), ...(JSON.parse(r.decisions_json) as Partial<Record<GovDecision, number>>) },
  };
}
function spanView(r: SpanRow): SpanView {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    kind: r.kind,
    startMs: r.start_ms,
    endMs: r.end_ms,
    status: r.status,
    statusMessage: r.status_message,
    attributes: JSON.parse(r.attributes_json) as Attributes,
    events: JSON.parse(r.events_json) as SpanEventView[],
  };
}

/** SQL for traces, prepared once. */
export class TraceRepository {
  private readonly insTrace;
  private readonly updTrace;
  private readonly insSpan;
  private readonly selTrace;
  private readonly selSpans;
  private readonly list;
  private readonly listBefore;
  private readonly prune;

  constructor(db: Db) {
    this.insTrace = db.prepare(
      `INSERT INTO obs_traces (trace_id, name, agent_id, planner, model, trigger, device_id, start_ms, status, outcome)
       VALUES (@trace_id, @name, @agent_id, @planner, @model, @trigger, @device_id, @start_ms, 'unset', 'running')`,
    );
    this.updTrace = db.prepare(
      `UPDATE obs_traces SET end_ms=@end_ms, status=@status, outcome=@outcome, summary=@summary, spans=@spans, tool_calls=@tool_calls,
         input_tokens=@input_tokens, output_tokens=@output_tokens, cost_usd=@cost_usd, decisions_json=@decisions_json, device_id=@device_id, model=@model
       WHERE trace_id=@trace_id`,
    );
    this.insSpan = db.prepare(
      `INSERT OR REPLACE INTO obs_spans (span_id, trace_id, parent_span_id, name, kind, start_ms, end_ms, status, status_message, attributes_json, events_json)
       VALUES (@span_id, @trace_id, @parent_span_id, @name, @kind, @start_ms, @end_ms, @status, @status_message, @attributes_json, @events_json)`,
    );
    this.selTrace = db.prepare('SELECT * FROM obs_traces WHERE trace_id = ?');
    this.selSpans = db.prepare('SELECT * FROM obs_spans WHERE trace_id = ? ORDER BY start_ms, rowid');
    this.list = db.prepare('SELECT * FROM obs_traces ORDER BY start_ms DESC, rowid DESC LIMIT ?');
    this.listBefore = db.prepare('SELECT * FROM obs_traces WHERE start_ms < ? ORDER BY start_ms DESC, rowid DESC LIMIT ?');
    this.prune = db.prepare('DELETE FROM obs_traces WHERE start_ms < ?');
  }

  /** A trace that has started: its identity; the rest is written when it ends. */
  insertTrace(t: Pick<TraceRow, 'trace_id' | 'name' | 'agent_id' | 'planner' | 'model' | 'trigger' | 'device_id' | 'start_ms'>): void {
    this.insTrace.run(t);
  }
  finishTrace(t: TraceSummary): void {
    this.updTrace.run({
      trace_id: t.traceId,
      end_ms: t.endMs,
      status: t.status,
      outcome: t.outcome,
      summary: t.summary,
      spans: t.spans,
      tool_calls: t.toolCalls,
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
      cost_usd: t.costUsd,
      decisions_json: JSON.stringify(t.decisions),
      device_id: t.deviceId,
      model: t.model,
    });
  }
  insertSpan(s: SpanView): void {
    this.insSpan.run({
      span_id: s.spanId,
      trace_id: s.traceId,
      parent_span_id: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      start_ms: s.startMs,
      end_ms: s.endMs,
      status: s.status,
      status_message: s.statusMessage,
      attributes_json: JSON.stringify(s.attributes),
      events_json: JSON.stringify(s.events),
    });
  }
  get(traceId: string): TraceDetail | null {
    const r = this.selTrace.get(traceId) as TraceRow | undefined;
    if (!r) return null;
    return { trace: traceView(r), spans: (this.selSpans.all(traceId) as SpanRow[]).map(spanView) };
  }
  recent(limit: number, beforeMs?: number): TraceSummary[] {
    const rows = (beforeMs === undefined ? this.list.all(limit) : this.listBefore.all(beforeMs, limit)) as TraceRow[];
    return rows.map(traceView);
  }
  /** Deletes traces (and, by cascade, their spans) that started before `ms`. */
  pruneBefore(ms: number): number {
    return this.prune.run(ms).changes;
  }
}
