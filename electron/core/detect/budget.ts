// Alarm budget: the hit threshold of each series is raised until the exponential tail of its own
// learning scores (peaks over threshold, declustered) expects at most falseEpisodesPerWeek; the
// same tail gives every score as −log10 p.
import type { CombinedDetectors } from './combined';
import { quantile } from './robust';
import type { SampleTiming } from './timing';

export interface AlarmBudget {
  /** Hit threshold on the raw (detector-normalised) score: 1, or higher where the budget needs it. */
  hit: number;
  /** Expected false episodes per week at the hit threshold, from the learning data's tail. */
  expectedFalsePerWeek: number;
  /** The tail: threshold u (90th percentile), exponential scale β (0 = no tail fitted), share of rows above u. */
  tailU: number;
  tailBeta: number;
  tailShare: number;
}

export const NO_BUDGET: AlarmBudget = { hit: 1, expectedFalsePerWeek: 0, tailU: 0, tailBeta: 0, tailShare: 0 };

/**
 * Replay the learning rows through the scoring path at hit 1, fit an exponential tail to the row
 * scores above their 90th percentile (exceedances counted once per run, i.e. declustered), and raise
 * the hit threshold until the expected false episodes per week are within perWeek. The filters
 * start from rest, as after learning.
 */
export function calibrateBudget(c: CombinedDetectors, buf: Float64Array, n: number, warm: number, t: SampleTiming, perWeek: number): AlarmBudget {
  const d = c.d;
  const m = n - warm;
  if (m < 10) return NO_BUDGET;
  c.rest();
  c.hasPrev = false;
  const scores = new Float64Array(m);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) row[i] = buf[r * d + i];
    if (r === 0) for (let i = 0; i < d; i++) c.zf[i] = (row[i] - c.muF[i]) / c.scale[i];
    const raw = c.scoreRow(row, t, 1);
    if (r >= warm) scores[r - warm] = raw;
  }
  const u = quantile(scores, 0.9);
  let sum = 0;
  let k = 0;
  let clusters = 0;
  let above = false;
  for (let r = 0; r < m; r++) {
    const e = scores[r] - u;
    if (e > 0) {
      sum += e;
      k++;
      if (!above) clusters++;
      above = true;
    } else above = false;
  }
  if (k < 3 || sum <= 0) return NO_BUDGET;
  const beta = sum / k;
  const seconds = (m * t.dtMs) / 1000;
  // clusters above u per week, thinned by the exponential tail: λ(S) = rate_u · exp(−(S − u)/β)
  const perWeekAtU = (clusters / Math.max(seconds, 1)) * 604_800;
  const need = u + beta * Math.log(Math.max(1, perWeekAtU / perWeek));
  const hit = Math.max(1, need);
  return { hit, expectedFalsePerWeek: perWeekAtU * Math.exp(-(hit - u) / beta), tailU: u, tailBeta: beta, tailShare: k / m };
}

/** −log10 of the probability that a normal sample scores raw or more (exponential tail past the 90th percentile). */
export function tailScore(b: AlarmBudget, raw: number): number {
  if (b.tailBeta <= 0) return raw >= b.hit ? 6 : 0;
  const lp = Math.log10(b.tailShare) - (raw - b.tailU) / (b.tailBeta * Math.LN10);
  return lp >= 0 ? 0 : -lp;
}
