// Time, not rows: the learning window and every time constant are in seconds; the series' sampling
// period is measured while it learns (median interval) and turns them into per-sample weights and
// counts. A setting the sampling cannot honour gets a warning and a fallback.
import { median, quantile } from './robust';
import type { DetectorParams } from './schema';

/** Per-sample weight of an EWMA with time constant tau (s) at sampling period dt (s); 0 = frozen. */
export const alphaFor = (tauS: number, dtS: number) => (tauS <= 0 ? 0 : 1 - Math.exp(-dtS / tauS));

/** Lowest decision height of the drift detector's CUSUM, in σ·samples (σ·independent samples, per sensor: learn.ts). */
export const MIN_CUSUM_H = 10;

/** Fewest samples a slow filter (baseline, level baseline, wander) remembers, and its largest per-sample weight. */
const MIN_MEMORY = 10;
const SLOWEST = 1 - Math.exp(-1 / MIN_MEMORY);

/** Counts and weights derived from the measured sampling period. */
export interface SampleTiming {
  /** Median sampling period (ms). */
  dtMs: number;
  fast: number;
  variance: number;
  baseline: number;
  level: number;
  wander: number;
  settle: number;
  open: number;
  close: number;
  recover: number;
  maxFreeze: number;
  catchUp: number;
  rollback: number;
  resettle: number;
  /** The drift detector's highest decision height (σ·samples): cusumHSeconds at this sampling; each sensor's own is at most this (learn.ts). */
  cusumH: number;
  gapMs: number;
}

export function timingFor(p: DetectorParams, dtMs: number): SampleTiming {
  const dt = Math.max(dtMs, 1) / 1000;
  const count = (s: number, min = 1) => Math.max(min, Math.round(s / dt));
  return {
    dtMs,
    fast: alphaFor(p.fastTauSeconds, dt),
    // a variance needs a few samples whatever the sampling: at most 0.1 (≥ ~10 samples of memory)
    variance: Math.min(0.1, alphaFor(p.varTauSeconds, dt)),
    // a baseline that forgets within a sample or two is the last sample, and a step is judged against itself:
    // every slow filter keeps at least MIN_MEMORY samples of memory whatever the sampling
    baseline: Math.min(SLOWEST, alphaFor(p.baselineTauSeconds, dt)),
    level: Math.min(SLOWEST, alphaFor(p.levelTauSeconds, dt)),
    wander: Math.min(SLOWEST, alphaFor(p.wanderTauSeconds, dt)),
    settle: alphaFor(p.settleTauSeconds, dt),
    // hits spanning openSeconds: 3 samples at 5 s, 1 once a sample is longer than that
    open: p.openSamples ?? 1 + count(p.openSeconds, 0),
    close: p.closeSamples ?? count(p.closeSeconds),
    recover: count(p.recoverSeconds),
    maxFreeze: count(p.maxFreezeSeconds),
    catchUp: count(p.catchUpSeconds, 0),
    rollback: count(p.rollbackSeconds, 0),
    resettle: count(p.settleSeconds, 3),
    cusumH: Math.max(MIN_CUSUM_H, p.cusumHSeconds / dt),
    gapMs: Math.max(p.gapResetSeconds * 1000, p.gapFactor * dtMs),
  };
}

/** The sampling period of the learning rows (median interval; 5 s for a single row) and how irregular it is. */
export function measureSampling(ts: Float64Array, n: number): { dtMs: number; irregular: number } {
  const iv = new Float64Array(Math.max(1, n - 1));
  for (let r = 1; r < n; r++) iv[r - 1] = ts[r] - ts[r - 1];
  const dtMs = n > 1 ? Math.max(1, median(iv)) : 5000;
  return { dtMs, irregular: quantile(iv, 0.9) / dtMs };
}

/** What the measured sampling cannot honour of the settings, and the fallback taken (irregular sampling is said, not hidden). */
export function timingWarnings(p: DetectorParams, t: SampleTiming, n: number, irregular: number): string[] {
  const warnings: string[] = [];
  const dt = t.dtMs / 1000;
  const fmt = (s: number) => (s >= 7200 ? `${(s / 3600).toFixed(1)} h` : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(s < 10 ? 2 : 0)} s`);
  const cut = p.learnSamples === undefined && p.learnMaxSamples !== undefined && n >= p.learnMaxSamples;
  if (cut && (n < p.learnMinSamples || n * dt < p.learnSeconds))
    warnings.push(
      `the series is short for the ${fmt(p.learnSeconds)} learning window: learned on its first ${n} samples (${fmt(n * dt)}, ${Math.round(100 * p.learnMaxShare)} % of it) so the rest is scored`,
    );
  else if (p.learnSamples === undefined && n * dt > p.learnSeconds * 1.5)
    warnings.push(
      `sampled every ${fmt(dt)}: the ${fmt(p.learnSeconds)} learning window holds fewer than ${p.learnMinSamples} samples; learned on ${n} samples (${fmt(n * dt)}) instead`,
    );
  if (dt > p.fastTauSeconds)
    warnings.push(`sampled every ${fmt(dt)}, slower than the level filter's ${fmt(p.fastTauSeconds)}: each sample is judged alone (no smoothing)`);
  const slow = [
    ['baseline', p.baselineTauSeconds],
    ['level baseline', p.levelTauSeconds],
    ['wander', p.wanderTauSeconds],
  ].filter(([, tau]) => Number(tau) > 0 && Number(tau) < MIN_MEMORY * dt);
  if (slow.length)
    warnings.push(
      `sampled every ${fmt(dt)}: the time constant of the ${slow.map(([n, tau]) => `${n} (${fmt(Number(tau))})`).join(', ')} is raised to ${MIN_MEMORY} samples (${fmt(MIN_MEMORY * dt)})`,
    );
  if (dt * 1000 * p.gapFactor > p.gapResetSeconds * 1000)
    warnings.push(`sampled every ${fmt(dt)}: a data gap is taken from ${fmt(t.gapMs / 1000)} (${p.gapFactor} samples), not ${fmt(p.gapResetSeconds)}`);
  if (irregular > 3) warnings.push(`irregular sampling: 10 % of intervals are over ${irregular.toFixed(1)}× the median ${fmt(dt)}`);
  return warnings;
}
