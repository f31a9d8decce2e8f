// Traces of agent runs, stored locally in SQLite: one trace per run, spans per tool call, model call
// and governance decision, named after the OpenTelemetry GenAI conventions so an OTLP collector
// (Jaeger, Tempo, Phoenix...) shows them without mapping. Export is optional; storage is not.
import { randomBytes } from 'node:crypto';
import type { Attributes, AttrValue, RunOutcome, SpanStatus, SpanView, TraceDetail, TraceSummary } from '../../../shared/agent';
import type { GovDecision } from '../../../shared/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';
import type { Logger } from './logger';
import { defaultMasker, type Masker } from './mask';
import { TraceRepository, ZERO_DECISIONS } from './traces-store';

/** Keep attribute values small and JSON-safe: a span is evidence, not a data dump. */
const MAX_ATTR_STRING = 4000;
function cleanAttrs(a: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') out[k] = v.length > MAX_ATTR_STRING ? `${v.slice(0, MAX_ATTR_STRING)}…` : v;
    else if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k] = v;
    } else if (typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.slice(0, 100);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))) out[k] = (v as number[]).slice(0, 100);
    else {
      let s: string;
      try {
        s = JSON.stringify(v);
      } catch {
        s = Object.prototype.toString.call(v); // a cycle or a BigInt: say what it was
      }
      out[k] = s.length > MAX_ATTR_STRING ? `${s.slice(0, MAX_ATTR_STRING)}…` : s;
    }
  }
  return out;
}

export interface SpanHandle {
  readonly spanId: string;
  readonly traceId: string;
  readonly name: string;
  setAttributes(a: Record<string, unknown>): SpanHandle;
  addEvent(name: string, a?: Record<string, unknown>): SpanHandle;
  /** Ends the span (idempotent) and stores it. */
  end(status?: SpanStatus, message?: string): void;
}

export interface TraceHandle {
  readonly traceId: string;
  readonly root: SpanHandle;
  startSpan(name: string, opts?: { parent?: SpanHandle; kind?: 'internal' | 'client'; attributes?: Record<string, unknown>; startMs?: number }): SpanHandle;
  /** Token usage and cost of one model call, summed into the trace. */
  addUsage(u: { inputTokens: number; outputTokens: number; costUsd: number }): void;
  countDecision(d: GovDecision): void;
  countToolCall(): void;
  update(fields: { deviceId?: string | null; model?: string | null }): void;
  /** Ends the root span and every span still open, stores the summary, queues the export. */
  end(r: { outcome: RunOutcome; summary: string; status?: SpanStatus }): TraceSummary;
  readonly ended: boolean;
}

export interface StartTraceInput {
  agentName: string;
  agentId?: string | null;
  planner?: string | null;
  model?: string | null;
  trigger?: string | null;
  deviceId?: string | null;
  attributes?: Record<string, unknown>;
}

/** Receives each finished trace (the OTLP exporter). Must not throw; may be slow. */
export type TraceSink = (trace: TraceSummary, spans: SpanView[]) => Promise<void>;

export interface TracerDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Where finished traces go besides SQLite (the OTLP exporter); optional. */
  sink?: TraceSink;
  /** Ids are random (OTel requires 16- and 8-byte ids); injectable for tests. */
  newId?: (bytes: number) => string;
  /** Secret masker for attributes, events, status messages and summaries (tool arguments, model text); default patterns when absent. */
  mask?: Masker;
}

/** The local trace store and span factory. */
export class Tracer {
  readonly repo: TraceRepository;
  private readonly pending = new Set<Promise<void>>();
  private readonly newId: (bytes: number) => string;
  private readonly open = new Map<string, TraceHandle>();

  constructor(private readonly deps: TracerDeps) {
    this.repo = new TraceRepository(deps.db);
    this.newId = deps.newId ?? ((n) => randomBytes(n).toString('hex'));
  }

  startTrace(input: StartTraceInput): TraceHandle {
    const { clock } = this.deps;
    // Masked before they are kept: what is stored in SQLite and exported over OTLP never holds a secret.
    const mask = this.deps.mask ?? defaultMasker;
    const attrsOf = (a: Record<string, unknown>) => mask(cleanAttrs(a)) as Attributes;
    const textOf = <T extends string | null | undefined>(t: T): T => (typeof t === 'string' ? (mask.text(t) as T) : t);
    const traceId = this.newId(16);
    const startMs = clock.now();
    const name = `invoke_agent ${input.agentName}`;
    this.repo.insertTrace({
      trace_id: traceId,
      name,
      agent_id: input.agentId ?? null,
      planner: input.planner ?? null,
      model: input.model ?? null,
      trigger: input.trigger ?? null,
      device_id: input.deviceId ?? null,
      start_ms: startMs,
    });
    const spans: SpanView[] = [];
    const openSpans = new Set<SpanView>();
    const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    const decisions = ZERO_DECISIONS();
    let toolCalls = 0;
    let deviceId = input.deviceId ?? null;
    let model = input.model ?? null;
    let ended = false;
    /** Ends span s now and stores it. */
    const finish = (s: SpanView, status: SpanStatus, message: string | null) => {
      s.endMs = clock.now();
      s.status = status;
      s.statusMessage = message;
      openSpans.delete(s);
      spans.push(s);
      try {
        this.repo.insertSpan(s);
      } catch (err) {
        this.deps.log.warn({ err, span: s.name }, 'could not store span');
      }
    };
    const makeSpan = (spanName: string, parent: SpanHandle | null, kind: 'internal' | 'client', attrs: Record<string, unknown>, at?: number): SpanHandle => {
      const s: SpanView = {
        traceId,
        spanId: this.newId(8),
        parentSpanId: parent?.spanId ?? null,
        name: spanName,
        kind,
        startMs: at ?? clock.now(),
        endMs: null,
        status: 'unset',
        statusMessage: null,
        attributes: attrsOf(attrs),
        events: [],
      };
      openSpans.add(s);
      const h: SpanHandle = {
        spanId: s.spanId,
        traceId,
        name: spanName,
        setAttributes(a) {
          Object.assign(s.attributes, attrsOf(a));
          return h;
        },
        addEvent(evName, a = {}) {
          if (s.events.length < 200) s.events.push({ name: textOf(evName), ts: clock.now(), attributes: attrsOf(a) });
          return h;
        },
        end(status = 'ok', message) {
          if (s.endMs === null) finish(s, status, textOf(message) ?? null);
        },
      };
      return h;
    };
    const root = makeSpan(name, null, 'internal', {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': input.agentName,
      'gen_ai.agent.id': input.agentId ?? undefined,
      'gen_ai.request.model': input.model ?? undefined,
      'aegisflow.planner': input.planner ?? undefined,
      'aegisflow.trigger': input.trigger ?? undefined,
      'aegisflow.device_id': input.deviceId ?? undefined,
      ...input.attributes,
    });
    const handle: TraceHandle = {
      traceId,
      root,
      startSpan: (spanName, opts = {}) => makeSpan(spanName, opts.parent ?? root, opts.kind ?? 'internal', opts.attributes ?? {}, opts.startMs),
      addUsage(u) {
        usage.inputTokens += u.inputTokens;
        usage.outputTokens += u.outputTokens;
        usage.costUsd += u.costUsd;
      },
      countDecision(d) {
        decisions[d]++;
      },
      countToolCall() {
        toolCalls++;
      },
      update(f) {
        if (f.deviceId !== undefined) deviceId = f.deviceId;
        if (f.model !== undefined) model = f.model;
      },
      get ended() {
        return ended;
      },
      end: (r) => {
        if (ended) throw new Error(`trace ${traceId} already ended`);
        ended = true;
        this.open.delete(traceId);
        const status = r.status ?? (r.outcome === 'failed' ? 'error' : 'ok');
        root.setAttributes({
          'gen_ai.usage.input_tokens': usage.inputTokens,
          'gen_ai.usage.output_tokens': usage.outputTokens,
          'aegisflow.cost_usd': Math.round(usage.costUsd * 1e6) / 1e6,
          'aegisflow.outcome': r.outcome,
          'aegisflow.device_id': deviceId ?? undefined,
        });
        // Spans left open (a run that failed mid-call) end with the trace, marked as such.
        for (const s of [...openSpans]) {
          if (s.spanId !== root.spanId) finish(s, 'error', 'ended with its trace');
        }
        root.end(status, status === 'error' ? r.summary : undefined); // masked by end()
        const summary: TraceSummary = {
          traceId,
          name,
          agentId: input.agentId ?? null,
          planner: input.planner ?? null,
          model,
          trigger: input.trigger ?? null,
          deviceId,
          startMs,
          endMs: clock.now(),
          status,
          outcome: r.outcome,
          summary: textOf(r.summary),
          spans: spans.length,
          toolCalls,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd: Math.round(usage.costUsd * 1e6) / 1e6,
          decisions: { ...decisions },
        };
        try {
          this.repo.finishTrace(summary);
        } catch (err) {
          this.deps.log.warn({ err, traceId }, 'could not store trace summary');
        }
        const sink = this.deps.sink;
        if (sink) {
          const p = sink(summary, [...spans]).catch((err) => this.deps.log.warn({ err, traceId }, 'trace export failed'));
          this.pending.add(p);
          void p.finally(() => this.pending.delete(p));
        }
        return summary;
      },
    };
    this.open.set(traceId, handle);
    return handle;
  }

  list(limit = 50, beforeMs?: number): TraceSummary[] {
    return this.repo.recent(Math.min(Math.max(Math.trunc(limit), 1), 500), beforeMs);
  }

  get(traceId: string): TraceDetail | null {
    return this.repo.get(traceId);
  }

  /** Waits for queued exports (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Ends traces still open (shutdown mid-run) so none stays 'running' forever. */
  async stop(): Promise<void> {
    for (const t of [...this.open.values()]) {
      if (!t.ended) t.end({ outcome: 'failed', summary: 'core stopped during the run', status: 'error' });
    }
    await this.flush();
  }
}

export type { AttrValue };
