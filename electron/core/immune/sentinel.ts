// The sentinel: compares an agent's newest vitals with its own baseline and reports an infection
// (anomaly types + severity 0–10) or nothing. Pure function; the service feeds it a short window.
//
// Why two tests per metric (z AND ratio): LLM token and latency distributions are long-tailed, so
// a z-score alone flags the tail of healthy traffic; an "explosion" must also be a multiple of the
// agent's normal. Why confirmation (2 hits in the last 3 samples): one odd run is noise, two in a
// row are a pattern; with lognormal noise of 15–25 % this keeps false quarantines far below
// 0.1 per agent-hour at one sample per second, while an onset is still caught on its second sample.
// An extreme hit (z ≥ extremeZ and ratio ≥ extremeRatio) is reported on the first sample.
import { errorRate, LOG_OFFSET, logValue, welfordStd, type AgentBaseline, type Welford } from './baseline';
import type { Anomaly, AnomalyType, InfectionReport, Metric, Vitals } from './schemas';

export interface SentinelOptions {
  zThreshold: number;
  minRatio: number;
  confirmHits: number;
  window: number;
  extremeZ: number;
  extremeRatio: number;
  /** Error-rate test over the longer window: share of samples with errors that counts as a storm. */
  errorRateThreshold: number;
  errorRateWindow: number;
  promptChangeSeverity: number;
}

export const DEFAULT_SENTINEL: SentinelOptions = {
  zThreshold: 4,
  minRatio: 2,
  confirmHits: 2,
  window: 3,
  extremeZ: 8,
  extremeRatio: 3,
  errorRateThreshold: 0.6,
  errorRateWindow: 10,
  promptChangeSeverity: 3,
};

/** Which anomaly each numeric metric reveals. */
export const METRIC_ANOMALY: Record<Metric, AnomalyType> = {
  total_tokens: 'token_explosion',
  latency_ms: 'latency_explosion',
  tool_calls: 'tool_call_explosion',
  retries: 'retry_storm',
  input_tokens: 'input_spike',
  output_tokens: 'output_spike',
  cost_usd: 'cost_spike',
  errors: 'error_rate',
};

/** Smallest absolute excess over the mean that may count (keeps near-constant metrics from flagging 1-unit wobbles). */
const MIN_DELTA: Record<Metric, number> = {
  latency_ms: 100,
  input_tokens: 100,
  output_tokens: 50,
  total_tokens: 150,
  cost_usd: 0.0005,
  tool_calls: 3,
  retries: 3,
  errors: 2,
};
/** Floor of the ratio's denominator per metric, in its own unit (a zero baseline stays finite): the
 * smallest meaningful amount, the same figure the log transform uses as its offset. */
const RATIO_FLOOR = LOG_OFFSET;

const ORDER = Object.keys(METRIC_ANOMALY) as Metric[];

interface Hit {
  z: number;
  ratio: number;
  extreme: boolean;
}

/** Floor of the log-space standard deviation: 5 % run-to-run variation. */
const LOG_STD_FLOOR = 0.05;

/**
 * Continuous, long-tailed metrics are judged on the log scale; counts (tool calls, retries, errors)
 * on the raw scale, where a Poisson-like spread is already well described by mean and std.
 */
const LOG_SCALE: ReadonlySet<Metric> = new Set(['latency_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd']);

function score(metric: Metric, x: number, raw: Welford, log: Welford, o: SentinelOptions): Hit | null {
  const mean = raw.mean;
  const z = LOG_SCALE.has(metric)
    ? (logValue(metric, x) - log.mean) / Math.max(welfordStd(log), LOG_STD_FLOOR)
    : (x - mean) / Math.max(welfordStd(raw), mean * 0.05, RATIO_FLOOR[metric]);
  // A zero baseline (retries, errors of a clean agent) makes any ratio infinite: measure it against the floor instead.
  const ratio = x / Math.max(mean, RATIO_FLOOR[metric]);
  if (z < o.zThreshold || ratio < o.minRatio || x - mean < MIN_DELTA[metric]) return null;
  return { z, ratio, extreme: z >= o.extremeZ && ratio >= o.extremeRatio };
}

export function anomalySeverity(z: number, ratio: number, zThreshold: number): number {
  const s = 2.5 * Math.log2(Math.max(ratio, 1)) + Math.min(2, Math.max(0, (z - zThreshold) / zThreshold));
  return Math.min(10, Math.max(0, s));
}

/** Overall severity: the worst anomaly, plus half a point per further anomaly type, capped at 10. */
export function combineSeverity(anomalies: readonly Anomaly[]): number {
  if (!anomalies.length) return 0;
  const sev = anomalies.map((a) => a.severity).sort((a, b) => b - a);
  return Math.round(Math.min(10, sev[0] + 0.5 * (sev.length - 1)) * 10) / 10;
}

/**
 * recent: the agent's latest samples, oldest first, newest last (at least the newest one).
 * Returns an infection report when the newest sample completes a confirmed anomaly.
 */
export function detectInfection(recent: readonly Vitals[], baseline: AgentBaseline, o: SentinelOptions = DEFAULT_SENTINEL): InfectionReport | null {
  const newest = recent[recent.length - 1];
  if (!newest) return null;
  const win = recent.slice(-o.window);
  let triggered = false;
  const anomalies: Anomaly[] = [];

  for (const metric of ORDER) {
    const w = baseline.metrics[metric];
    const std = welfordStd(w);
    const hits: Array<{ v: Vitals; h: Hit }> = [];
    for (const v of win) {
      const h = score(metric, v[metric], w, baseline.logs[metric], o);
      if (h) hits.push({ v, h });
    }
    if (!hits.length) continue;
    const newestHit = hits[hits.length - 1].v === newest ? hits[hits.length - 1].h : null;
    if (newestHit && (hits.length >= o.confirmHits || newestHit.extreme)) triggered = true;
    const value = hits.reduce((s, x) => s + x.v[metric], 0) / hits.length;
    const z = Math.max(...hits.map((x) => x.h.z));
    const ratio = Math.max(...hits.map((x) => x.h.ratio));
    anomalies.push({
      type: METRIC_ANOMALY[metric],
      metric,
      value,
      baseline_mean: w.mean,
      baseline_std: std,
      z,
      ratio,
      severity: anomalySeverity(z, ratio, o.zThreshold),
    });
  }

  // Error rate over a longer window catches a steady trickle of failing runs that no single run reveals.
  if (!anomalies.some((a) => a.type === 'error_rate')) {
    const long = recent.slice(-o.errorRateWindow);
    const base = errorRate(baseline);
    if (long.length >= o.errorRateWindow && newest.errors > 0) {
      const rate = long.filter((v) => v.errors > 0).length / long.length;
      if (rate >= o.errorRateThreshold && rate - base >= 0.4) {
        triggered = true;
        anomalies.push({
          type: 'error_rate',
          metric: 'errors',
          value: rate,
          baseline_mean: base,
          baseline_std: Math.sqrt(Math.max(base * (1 - base), 0)),
          z: 0,
          ratio: rate / Math.max(base, 0.01),
          severity: Math.min(10, 3 + 5 * (rate - base)),
        });
      }
    }
  }

  if (baseline.promptHash && newest.prompt_hash && newest.prompt_hash !== baseline.promptHash) {
    triggered = true;
    anomalies.push({
      type: 'prompt_change',
      metric: 'prompt_hash',
      value: 1,
      baseline_mean: 0,
      baseline_std: 0,
      z: 0,
      ratio: 1,
      severity: o.promptChangeSeverity,
    });
  }

  if (!triggered) return null;
  return { agent_id: newest.agent_id, ts: newest.ts, anomalies, severity: combineSeverity(anomalies) };
}

/** True when any metric of this one sample is outside the baseline (unconfirmed): such samples are not learned. */
export function isSuspicious(v: Vitals, baseline: AgentBaseline, o: SentinelOptions = DEFAULT_SENTINEL): boolean {
  for (const metric of ORDER) {
    if (score(metric, v[metric], baseline.metrics[metric], baseline.logs[metric], o)) return true;
  }
  return Boolean(baseline.promptHash && v.prompt_hash && v.prompt_hash !== baseline.promptHash);
}
