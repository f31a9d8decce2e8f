// OTLP/HTTP JSON export of agent traces (and the GenAI token-usage metric derived from them) to a
// collector the operator configured. Off unless an endpoint is set. A collector that is down or
// slow is logged (rate-limited) and counted, never an error for the run that produced the trace.
import type { AttrValue, SpanView, TraceSummary } from '../../../shared/agent';
import { createRateLimitedLog, type Logger } from './logger';

type OtlpAnyValue =
  { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean } | { arrayValue: { values: OtlpAnyValue[] } };
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

function anyValue(v: AttrValue): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: (v as Array<string | number>).map((x) => anyValue(x)) } };
}

export function otlpAttributes(a: Record<string, AttrValue>): OtlpKeyValue[] {
  return Object.entries(a).map(([key, v]) => ({ key, value: anyValue(v) }));
}

const nanos = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);

/** OTLP span kinds: 1 INTERNAL, 3 CLIENT. Status codes: 0 UNSET, 1 OK, 2 ERROR. */
const KIND = { internal: 1, client: 3 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

export interface ResourceInfo {
  serviceName: string;
  serviceVersion?: string;
}

function resource(r: ResourceInfo) {
  return {
    attributes: otlpAttributes({
      'service.name': r.serviceName,
      ...(r.serviceVersion ? { 'service.version': r.serviceVersion } : {}),
      'telemetry.sdk.name': 'aegisflow',
      'telemetry.sdk.language': 'nodejs',
    }),
  };
}

/** ExportTraceServiceRequest in OTLP/JSON (ids as hex, times as decimal nanosecond strings). */
export function otlpTracesBody(r: ResourceInfo, spans: SpanView[]) {
  return {
    resourceSpans: [
      {
        resource: resource(r),
        scopeSpans: [
          {
            scope: { name: 'aegisflow.agent', version: '1' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.endMs ?? s.startMs),
              attributes: otlpAttributes(s.attributes),
              events: s.events.map((e) => ({ timeUnixNano: nanos(e.ts), name: e.name, attributes: otlpAttributes(e.attributes) })),
              status: { code: STATUS[s.status], ...(s.statusMessage ? { message: s.statusMessage } : {}) },
            })),
          },
        ],
      },
    ],
  };
}

/** The GenAI semantic conventions' advised buckets for gen_ai.client.token.usage. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** ...and for gen_ai.client.operation.duration (seconds). */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

function histogramPoint(values: number[], bounds: number[], attrs: Record<string, AttrValue>, startMs: number, endMs: number) {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    let i = bounds.findIndex((b) => v <= b);
    if (i < 0) i = bounds.length;
    counts[i]++;
  }
  return {
    attributes: otlpAttributes(attrs),
    startTimeUnixNano: nanos(startMs),
    timeUnixNano: nanos(endMs),
    count: String(values.length),
    sum: values.reduce((a, b) => a + b, 0),
    bucketCounts: counts.map(String),
    explicitBounds: bounds,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/**
 * gen_ai.client.token.usage and gen_ai.client.operation.duration for the model calls of one trace
 * (delta temporality: each export covers one run). Null when the run made no model call.
 */
export function otlpTokenMetricsBody(r: ResourceInfo, trace: TraceSummary, spans: SpanView[]) {
  const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
  if (chats.length === 0) return null;
  const byModel = new Map<string, SpanView[]>();
  for (const s of chats) {
    const m = String(s.attributes['gen_ai.request.model'] ?? 'unknown');
    byModel.set(m, [...(byModel.get(m) ?? []), s]);
  }
  const start = trace.startMs;
  const end = trace.endMs ?? start;
  const tokenPoints = [];
  const durationPoints = [];
  for (const [model, ss] of byModel) {
    const base = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.provider.name': String(ss[0].attributes['gen_ai.provider.name'] ?? 'openai'),
    };
    const input = ss.map((s) => Number(s.attributes['gen_ai.usage.input_tokens'] ?? 0));
    const output = ss.map((s) => Number(s.attributes['gen_ai.usage.output_tokens'] ?? 0));
    tokenPoints.push(histogramPoint(input, TOKEN_BUCKETS, { ...base, 'gen_ai.token.type': 'input' }, start, end));
    tokenPoints.push(histogramPoint(output, TOKEN_BUCKETS, { ...base, 'gen_ai.token.type': 'output' }, start, end));
    durationPoints.push(
      histogramPoint(
        ss.map((s) => ((s.endMs ?? s.startMs) - s.startMs) / 1000),
        DURATION_BUCKETS,
        base,
        start,
        end,
      ),
    );
  }
  return {
    resourceMetrics: [
      {
        resource: resource(r),
        scopeMetrics: [
          {
            scope: { name: 'aegisflow.agent', version: '1' },
            metrics: [
              {
                name: 'gen_ai.client.token.usage',
                unit: '{token}',
                description: 'Tokens used per model call',
                histogram: { aggregationTemporality: 1, dataPoints: tokenPoints },
              },
              {
                name: 'gen_ai.client.operation.duration',
                unit: 's',
                description: 'Duration of model calls',
                histogram: { aggregationTemporality: 1, dataPoints: durationPoints },
              },
            ],
          },
        ],
      },
    ],
  };
}

export interface OtlpTraceExporterOptions {
  /** Collector base URL (http://127.0.0.1:4318) or a full .../v1/traces URL. */
  endpoint: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  resource: ResourceInfo;
  /** Also send gen_ai.client.token.usage to /v1/metrics. */
  metrics: boolean;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface OtlpTraceExporter {
  export(trace: TraceSummary, spans: SpanView[]): Promise<void>;
  stats(): { exported: number; failed: number };
}

export function createOtlpTraceExporter(o: OtlpTraceExporterOptions): OtlpTraceExporter {
  const doFetch = o.fetch ?? fetch;
  const warn = createRateLimitedLog(o.log, 1, 60_000, o.now ?? Date.now);
  const base = o.endpoint.replace(/\/+$/, '').replace(/\/v1\/(traces|metrics)$/, '');
  const stats = { exported: 0, failed: 0 };
  const post = async (path: string, body: unknown): Promise<boolean> => {
    try {
      const res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...o.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      // Drain the body so the socket is reused; a partial-success reply still means "received".
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        stats.failed++;
        warn('otlp-status', { status: res.status, url: `${base}${path}` }, 'OTLP collector refused the export');
        return false;
      }
      stats.exported++;
      return true;
    } catch (err) {
      stats.failed++;
      warn('otlp-error', { err: (err as Error).message, url: `${base}${path}` }, 'OTLP collector unreachable; traces stay in the local store');
      return false;
    }
  };
  return {
    async export(trace, spans) {
      await post('/v1/traces', otlpTracesBody(o.resource, spans));
      if (o.metrics) {
        const m = otlpTokenMetricsBody(o.resource, trace, spans);
        if (m) await post('/v1/metrics', m);
      }
    },
    stats: () => ({ ...stats }),
  };
}
