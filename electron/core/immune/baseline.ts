// Per-agent, per-metric baselines by Welford's online algorithm: O(1) memory, numerically stable,
// and persisted as (n, mean, m2) so a restart resumes exactly where it stopped.
import { METRICS, type Metric, type Vitals } from './schemas';

export interface Welford {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Offset per metric for the log transform: about the smallest meaningful amount in its unit, so a
 * zero is finite and sub-cent costs are not flattened the way ln(1 + x) would flatten them.
 */
export const LOG_OFFSET: Record<Metric, number> = {
  latency_ms: 10,
  input_tokens: 10,
  output_tokens: 5,
  total_tokens: 15,
  cost_usd: 0.00005,
  tool_calls: 0.5,
  retries: 0.5,
  errors: 0.5,
};

export function logValue(m: Metric, x: number): number {
  return Math.log(x + LOG_OFFSET[m]);
}

export function welfordEmpty(): Welford {
  return { n: 0, mean: 0, m2: 0 };
}

export function welfordAdd(w: Welford, x: number): void {
  w.n += 1;
  const d = x - w.mean;
  w.mean += d / w.n;
  w.m2 += d * (x - w.mean);
}

/** Sample standard deviation (n-1); 0 below two samples. */
export function welfordStd(w: Welford): number {
  return w.n > 1 ? Math.sqrt(w.m2 / (w.n - 1)) : 0;
}

export interface AgentBaseline {
  metrics: Record<Metric, Welford>;
  /**
   * The same metrics in log space (ln(x + offset), see logValue). Token counts, latencies and costs of LLM runs are
   * long-tailed (roughly lognormal): a z-score on the logs keeps its meaning where one on the raw
   * values flags the healthy tail.
   */
  logs: Record<Metric, Welford>;
  /** Share of samples that carried at least one error (error-rate baseline). */
  errorSamples: number;
  /** The prompt hash the agent was healthy with (null: never reported one). */
  promptHash: string | null;
}

export function emptyBaseline(): AgentBaseline {
  const metrics = {} as Record<Metric, Welford>;
  const logs = {} as Record<Metric, Welford>;
  for (const m of METRICS) {
    metrics[m] = welfordEmpty();
    logs[m] = welfordEmpty();
  }
  return { metrics, logs, errorSamples: 0, promptHash: null };
}

export function baselineSamples(b: AgentBaseline): number {
  return b.metrics.latency_ms.n;
}

export function learnSample(b: AgentBaseline, v: Vitals): void {
  for (const m of METRICS) {
    welfordAdd(b.metrics[m], v[m]);
    welfordAdd(b.logs[m], logValue(m, v[m]));
  }
  if (v.errors > 0) b.errorSamples += 1;
  if (v.prompt_hash) b.promptHash = v.prompt_hash;
}

export function errorRate(b: AgentBaseline): number {
  const n = baselineSamples(b);
  return n > 0 ? b.errorSamples / n : 0;
}
