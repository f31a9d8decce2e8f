// Alarm budget: the hit threshold of each series is set so the tail of its own scores expects at most
// falseEpisodesPerWeek. What an alarm budget counts is episodes, so the tail is fitted to episodes'
// worth of evidence: the scores are declustered into runs (a cluster = a run of samples over a base
// level u0, ended by `open` quiet samples), each cluster counted once by its peak of the score held for
// `open` samples (what it takes to open an episode). A tail (exponential; generalised Pareto with a
// bounded shape where the peaks show a heavier one) is fitted to the largest cluster peaks (the upper
// half of them, at most K), with upper confidence bounds on the scale and the rate, so a short learning
// window (few clusters: little effective sample) gives a cautious threshold, not an optimistic one.
// Once a week or more has been seen, the threshold is also never below what the clusters seen would
// have crossed more often than the budget allows.
// The fit does not stop at learning: every scored sample keeps feeding it (normal operation is the
// held-out data the learning window could not be), so a series whose tail is heavier, or whose baseline
// wanders more than its learning window showed, has its threshold raised as the evidence comes. A cluster
// that crossed the threshold by as much as the fitted tail finds plausible is a tail event and kept as it
// is; one far beyond (a fault's size: maybe a real anomaly) is censored at the threshold: it counts in the
// rate, but its height does not widen the tail.
import type { CombinedDetectors } from './combined';
import { quantile } from './robust';
import type { SampleTiming } from './timing';

const WEEK_S = 604_800;
/** Most cluster peaks the tail is fitted on (the largest; the next one is its threshold). */
const K = 30;
/** One-sided confidence of the upper bounds on the tail's scale and rate (z = 1: about 84 %). */
const Z = 1;

export interface AlarmBudget {
  /** Hit threshold on the raw (detector-normalised) score: 1, or higher where the budget needs it. */
  hit: number;
  /** Expected false episodes per week at the hit threshold (point estimate of the fitted tail). */
  expectedFalsePerWeek: number;
  /** The row tail from the learning data, for −log10 p: threshold u (90th percentile), exponential scale β (0 = none), share of rows above u. */
  tailU: number;
  tailBeta: number;
  tailShare: number;
}

export const NO_BUDGET: AlarmBudget = { hit: 1, expectedFalsePerWeek: 0, tailU: 0, tailBeta: 0, tailShare: 0 };

/** Lower Z-quantile of Gamma(k, 1) (Wilson–Hilferty), for an upper bound on an exponential scale from k excesses. */
function gammaLower(k: number): number {
  const c = 1 - 1 / (9 * k) - Z / (3 * Math.sqrt(k));
  return Math.max(k * c * c * c, 1e-3);
}

/** Declustered peaks of a series' scores and the threshold they call for; O(K) memory. */
export class TailTracker {
  /** Largest cluster peaks, descending (at most 2K + 1), and whether each was censored at the threshold (then stored at it). */
  private readonly peaks = new Float64Array(2 * K + 1);
  private readonly censored = new Uint8Array(2 * K + 1);
  /** Scratch: the exact (uncensored) excesses of the peaks the tail is fitted on, descending. */
  private readonly excess = new Float64Array(2 * K + 1);
  private kept = 0;
  /** Clusters seen and seconds observed. */
  clusters = 0;
  seconds = 0;
  /** Recent scores (ring) for the score held over `open` samples. */
  private readonly ring: Float64Array;
  private pos = 0;
  private filled = 0;
  private inCluster = false;
  private peak = 0;
  private quiet = 0;
  hit = 1;
  expectedFalsePerWeek = 0;
  /** The last fit: threshold, scale (0 = none yet), shape. */
  private fitU = 0;
  private fitScale = 0;
  private fitXi = 0;
  /** Whether a tail was fitted (enough clusters): else expectedFalsePerWeek is no estimate. */
  get fitted(): boolean {
    return this.fitScale > 0;
  }
  /** Censor clusters at the threshold (off while replaying the learning rows, which are normal by assumption). */
  censor = false;

  constructor(
    /** Base level of a cluster (the learning rows' 90th percentile). */
    readonly u0: number,
    private readonly open: number,
    private readonly perWeek: number,
  ) {
    this.ring = new Float64Array(Math.max(1, open));
  }

  /** One scored sample (raw score, dt seconds). */
  observe(raw: number, dtS: number): void {
    this.seconds += dtS;
    const ring = this.ring;
    ring[this.pos] = raw;
    this.pos = (this.pos + 1) % ring.length;
    if (this.filled < ring.length) this.filled++;
    if (raw > this.u0) {
      this.quiet = 0;
      let held = raw;
      for (let j = 0; j < this.filled; j++) if (ring[j] < held) held = ring[j];
      if (!this.inCluster) {
        this.inCluster = true;
        this.peak = held;
      } else if (held > this.peak) this.peak = held;
      return;
    }
    if (this.inCluster && ++this.quiet >= this.open) {
      this.inCluster = false;
      this.addPeak(this.peak);
    }
  }

  /** A cluster ends (its peak is final): keep it if among the 2K + 1 largest, then refit. */
  private addPeak(peak: number): void {
    this.clusters++;
    // A cluster that crossed the threshold is a tail event if the fitted tail finds its height plausible (it
    // crossed by as much as 1 % of crossings would): kept as it is, it widens the tail (heavy-tailed noise raises
    // the threshold). One far beyond (a fault's size) is counted in the rate only, censored at the threshold.
    const cens = this.censor && peak >= this.hit && !this.plausible(peak) ? 1 : 0;
    const v = cens ? this.hit : peak;
    const p = this.peaks;
    const c = this.censored;
    const cap = p.length;
    let i = this.kept < cap ? this.kept++ : cap;
    if (i === cap) {
      if (v <= p[cap - 1]) return this.refit();
      i = cap - 1;
    }
    while (i > 0 && p[i - 1] < v) {
      p[i] = p[i - 1];
      c[i] = c[i - 1];
      i--;
    }
    p[i] = v;
    c[i] = cens;
    this.refit();
  }

  /** Whether the fitted tail gives a crossing at least a 1 % chance of reaching this peak. */
  private plausible(peak: number): boolean {
    if (this.fitScale <= 0) return false;
    const y = peak - this.hit;
    const xi = this.fitXi;
    const p = xi > 0.01 ? Math.pow(1 + (xi * y) / (this.fitScale + xi * (this.hit - this.fitU)), -1 / xi) : Math.exp(-y / this.fitScale);
    return p >= 0.01;
  }

  /** Flush a cluster still open (end of the learning replay), then refit. */
  flush(): void {
    if (this.inCluster) {
      this.inCluster = false;
      this.addPeak(this.peak);
    } else this.refit();
  }

  /**
   * Tail over the threshold u (the (top+1)-th largest peak): censored MLE of the exponential scale (or a
   * bounded GPD where the peaks show a heavier tail), with upper bounds on scale and rate from the number
   * of clusters (the effective sample: autocorrelated samples make few clusters); the hit threshold is
   * where the bounded tail expects perWeek clusters a week.
   */
  private refit(): void {
    const n = this.kept;
    if (n === 0 || this.seconds <= 0) return;
    // The tail is fitted over the upper half of the peaks (at most K): the score is the largest of several
    // detectors and sensors, and near u0 the peaks mix the mild ones (a variance ratio wobbling about its level)
    // with the one whose tail matters; over the (top+1)-th peak, the tail is that one's.
    const top = n >= 2 * K ? K : Math.max(1, n >> 1);
    const u = n >= 2 ? this.peaks[top] : this.u0;
    // Clusters that reached the threshold (episodes: maybe real faults) count in the rate, but their height does
    // not shape the tail: a plant with frequent real faults must not teach its detector that its tail is wide.
    const ex = this.excess;
    let sum = 0;
    let exact = 0;
    for (let j = 0; j < top; j++) {
      if (this.censored[j]) continue;
      const e = Math.max(0, this.peaks[j] - u);
      ex[exact++] = e;
      sum += e;
    }
    const count = n >= 2 ? top : this.clusters;
    // too few clusters to fit a tail (and a bound from one or two is no bound): the detectors' own threshold
    // stands until normal operation gives more
    if (exact < MIN_FIT || sum <= 0) return;
    const beta = sum / Math.max(1, exact);
    // the scale's upper bound, from the number of exact excesses (few clusters: a wide bound)
    const widen = Math.max(1, exact) / gammaLower(Math.max(1, exact));
    const weeks = this.seconds / WEEK_S;
    const rate = count / weeks;
    const rateUb = (count + Z * Math.sqrt(count) + 1) / weeks;
    const ratio = Math.max(1, rateUb / this.perWeek);
    // A heavier tail than exponential (Student-t noise, judged sample by sample) is under-extrapolated by an
    // exponential: where the peaks show one, a generalised Pareto tail (probability-weighted moments) with its
    // shape bounded to [0, 0.5] takes over; a lighter one keeps the exponential (never a shorter extrapolation).
    // The two questions asked of the shape err on opposite sides, each on the side of the operator: the threshold
    // (a promise of at most perWeek false episodes) takes the point estimate, as the scale and rate take upper
    // bounds; whether a crossing is a plausible tail event (which then widens the tail) takes the estimate less one
    // standard error, so a real fault is not called noise on a heavy tail that the peaks barely show.
    const { xi, xiLow, sigma } = exact >= MIN_SHAPE ? gpdPwm(ex, exact) : { xi: 0, xiLow: 0, sigma: beta };
    const gpd = xi > 0.01;
    let hit = Math.max(1, u + (gpd ? ((sigma * widen) / xi) * (Math.pow(ratio, xi) - 1) : beta * widen * Math.log(ratio)));
    // Whatever the model says, a threshold that more than the budget's worth of the clusters seen so far would
    // have crossed is too low: once a week or more has been seen, the hit is at least the peak ranked just past
    // the budget (nonparametric; holds where the fitted shape is too light). Episodes count at the threshold they
    // crossed, not at their height: a real fault's size must not mask the next one.
    const allowed = Math.floor(this.perWeek * weeks);
    if (allowed >= 1 && allowed < n) hit = Math.max(hit, this.peaks[allowed]);
    this.hit = hit;
    this.fitU = u;
    this.fitScale = xiLow > 0.01 ? sigma : beta;
    this.fitXi = xiLow > 0.01 ? xiLow : 0;
    const y = Math.max(0, hit - u);
    this.expectedFalsePerWeek = rate * (gpd ? Math.pow(1 + (xi * y) / sigma, -1 / xi) : Math.exp(-y / beta));
  }
}

/** Peaks a tail is fitted on at the least (fewer: the hit threshold stays where it is, 1 after learning). */
export const MIN_FIT = 3;
/** Excesses a tail shape is estimated from (fewer: exponential). */
const MIN_SHAPE = 10;

/** GPD shape ξ (point estimate; xiLow: less one standard error; both bounded to [0, 0.5]) and scale from probability-weighted moments (Hosking & Wallis) of the top excesses (descending). */
function gpdPwm(ex: Float64Array, n: number): { xi: number; xiLow: number; sigma: number } {
  let a0 = 0;
  let a1 = 0;
  for (let j = 0; j < n; j++) {
    const y = ex[j];
    a0 += y;
    // ascending rank i = n − j: weight (n − i)/(n − 1) = j/(n − 1)
    a1 += (y * j) / (n - 1);
  }
  a0 /= n;
  a1 /= n;
  const den = a0 - 2 * a1;
  if (!(den > 0)) return { xi: 0.5, xiLow: 0.5, sigma: a0 * 0.5 };
  // the shape of a few dozen peaks is uncertain (PWM: var ≈ 4/(3n) near 0)
  const xi = 2 - a0 / den;
  const bound = (x: number) => Math.min(0.5, Math.max(0, x));
  return { xi: bound(xi), xiLow: bound(xi - Math.sqrt(4 / (3 * n))), sigma: (2 * a0 * a1) / den };
}

/**
 * Replay the learning rows through the scoring path at hit 1 (the filters from rest, as after learning):
 * the row tail for −log10 p, and a TailTracker started on the learning rows' clusters, which keeps
 * learning from the scored rows.
 */
export function calibrateBudget(
  c: CombinedDetectors,
  buf: Float64Array,
  n: number,
  warm: number,
  t: SampleTiming,
  perWeek: number,
): { budget: AlarmBudget; tracker: TailTracker | null } {
  const d = c.d;
  const m = n - warm;
  if (m < 10) return { budget: NO_BUDGET, tracker: null };
  c.rest();
  c.hasPrev = false;
  const scores = new Float64Array(m);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) row[i] = buf[r * d + i];
    if (r === 0) for (let i = 0; i < d; i++) c.zf[i] = (row[i] - c.muF[i]) / c.scale[i];
    // far above any threshold: the replay measures the scores, and the drift sum must not be capped at 1
    const raw = c.scoreRow(row, t, 1e3);
    if (r >= warm) scores[r - warm] = raw;
  }
  const u = quantile(scores, 0.9);
  const tracker = new TailTracker(u, t.open, perWeek);
  const dtS = t.dtMs / 1000;
  let sum = 0;
  let k = 0;
  for (let r = 0; r < m; r++) {
    tracker.observe(scores[r], dtS);
    const e = scores[r] - u;
    if (e > 0) {
      sum += e;
      k++;
    }
  }
  tracker.flush();
  tracker.censor = true;
  const tail = k < 3 || sum <= 0 ? { tailU: 0, tailBeta: 0, tailShare: 0 } : { tailU: u, tailBeta: sum / k, tailShare: k / m };
  return { budget: { hit: tracker.hit, expectedFalsePerWeek: tracker.expectedFalsePerWeek, ...tail }, tracker };
}

/** −log10 of the probability that a normal sample scores raw or more (exponential row tail past the learning rows' 90th percentile). */
export function tailScore(b: AlarmBudget, raw: number): number {
  if (b.tailBeta <= 0) return raw >= b.hit ? 6 : 0;
  const lp = Math.log10(b.tailShare) - (raw - b.tailU) / (b.tailBeta * Math.LN10);
  return lp >= 0 ? 0 : -lp;
}
