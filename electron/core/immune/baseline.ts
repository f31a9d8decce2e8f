// Per-agent, per-metric baselines by Welford's online algorithm: O(1) memory, numerically stable,
// and persisted as (n, mean, m2) so a restart resumes exactly where it stopped.
import { METRICS, type Metric, type Vitals } from './schemas';

export interface Welford {
  n: number;
  mean: number;
  m2: number;
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
  /** Share of samples that carried at least one error (error-rate baseline). */
  errorSamples: number;
  /** The prompt hash the agent was healthy with (null: never reported one). */
  promptHash: string | null;
}

export function emptyBaseline(): AgentBaseline {
  const metrics = {} as Record<Metric, Welford>;
  for (const m of METRICS) metrics[m] = welfordEmpty();
  return { metrics, errorSamples: 0, promptHash: null };
}

export function baselineSamples(b: AgentBaseline): number {
  return b.metrics.latency_ms.n;
}

export function learnSample(b: AgentBaseline, v: Vitals): void {
  for (const m of METRICS) welfordAdd(b.metrics[m], v[m]);
  if (v.errors > 0) b.errorSamples += 1;
  if (v.prompt_hash) b.promptHash = v.prompt_hash;
}

export function errorRate(b: AgentBaseline): number {
  const n = baselineSamples(b);
  return n > 0 ? b.errorSamples / n : 0;
}
