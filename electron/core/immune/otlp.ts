// Optional OpenTelemetry metrics export (OTLP/HTTP, JSON encoding): counters and gauges of the
// immune system, pushed to a collector the operator configured. Off unless an endpoint is set;
// a collector that is down is logged (rate-limited), never an error for the app.
import type { Logger } from '../observability';
import { createRateLimitedLog } from '../observability';
import type { ImmuneStats } from './schemas';

export interface OtlpExporter {
  export(counters: Record<string, number>, stats: ImmuneStats): Promise<boolean>;
}

export function otlpMetricsBody(serviceName: string, counters: Record<string, number>, stats: ImmuneStats, nowMs: number, startMs: number) {
  const t = String(BigInt(Math.round(nowMs)) * 1_000_000n);
  const start = String(BigInt(Math.round(startMs)) * 1_000_000n);
  const sum = (name: string, value: number) => ({
    name: `aegisflow.immune.${name}`,
    sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: String(Math.round(value)), startTimeUnixNano: start, timeUnixNano: t }] },
  });
  const gauge = (name: string, value: number) => ({
    name: `aegisflow.immune.${name}`,
    gauge: { dataPoints: [{ asDouble: value, timeUnixNano: t }] },
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeMetrics: [
          {
            scope: { name: 'aegisflow.immune' },
            metrics: [
              ...Object.entries(counters).map(([k, v]) => sum(k, v)),
              gauge('agents', stats.agents),
              gauge('agents.quarantined', stats.quarantined),
              gauge('approvals.pending', stats.pending),
              gauge('healing.success_rate', stats.success_rate),
            ],
          },
        ],
      },
    ],
  };
}

export function createOtlpExporter(opts: { endpoint: string; serviceName: string; fetch: typeof fetch; log: Logger; now: () => number }): OtlpExporter {
  const warn = createRateLimitedLog(opts.log, 1, 60_000, opts.now);
  const url = opts.endpoint.replace(/\/+$/, '') + (opts.endpoint.endsWith('/v1/metrics') ? '' : '/v1/metrics');
  const startMs = opts.now();
  return {
    async export(counters, stats) {
      try {
        const res = await opts.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(otlpMetricsBody(opts.serviceName, counters, stats, opts.now(), startMs)),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) warn('otlp', { status: res.status, url }, 'OTLP metrics export refused');
        return res.ok;
      } catch (err) {
        warn('otlp', { err: (err as Error).message, url }, 'OTLP metrics export failed');
        return false;
      }
    },
  };
}
