// End of the learning period: the robust baseline of each sensor, then each detector's spread on the
// same rows (level filter, variance level, cross-sensor covariance).
import { hotellingT2, type CombinedDetectors } from './combined';
import { invertSpd, median, quantile } from './robust';
import type { DetectorParams } from './schema';
import { fitStuck, quantumOf } from './stuck';
import { MIN_CUSUM_H, type SampleTiming } from './timing';

/** The rows a series learns on, kept until its learning period ends (then released). */
export class LearningRows {
  buf: Float64Array;
  ts: Float64Array;
  n = 0;

  constructor(
    private readonly d: number,
    capacity: number,
  ) {
    this.buf = new Float64Array(capacity * d);
    this.ts = new Float64Array(capacity);
  }

  /** Add a row; true once the learning period is complete (learnSamples rows, or learnSeconds and learnMinSamples, cut at learnMaxSamples). */
  add(x: Float64Array, ts: number, p: DetectorParams): boolean {
    const d = this.d;
    if ((this.n + 1) * d > this.buf.length) {
      this.buf = grow(this.buf);
      this.ts = grow(this.ts);
    }
    // Copied value by value, not buf.set(x.subarray(…)): no typed-array view allocated per row (a row per
    // reading: 10,000 single-value readings/s over OPC UA, where add() was 8 % of the core's busy time).
    const buf = this.buf;
    for (let i = 0, o = this.n * d; i < d; i++) buf[o + i] = x[i];
    this.ts[this.n] = ts;
    this.n++;
    if (p.learnSamples !== undefined) return this.n >= p.learnSamples;
    if (p.learnMaxSamples !== undefined && this.n >= p.learnMaxSamples) return true;
    return (this.n >= p.learnMinSamples && ts - this.ts[0] >= p.learnSeconds * 1000) || this.n >= 100_000;
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

export interface LearnedStart {
  /** Learning rows the level filter needed to warm up (left out of every spread). */
  warm: number;
  /** The level filter after the last learning row. */
  zf: Float64Array;
  /** The robust z of the last learning row. */
  zLast: Float64Array;
}

/** Fit c's model on the n learning rows in buf (row-major, c.d values a row); warnings get what the data could not support. */
export function learnModel(c: CombinedDetectors, buf: Float64Array, n: number, t: SampleTiming, p: DetectorParams, warnings: string[]): LearnedStart {
  const bound = fitBaseline(c, buf, n, p);
  fitStuck(c, buf, n, t, p);
  const { warm, zf, zs, zfTrace } = fitSpreads(c, buf, n, t);
  fitCross(c, zs, zfTrace, n, warm, bound, warnings);
  c.lvl.set(c.mu);
  c.muF.set(c.mu);
  const d = c.d;
  return { warm, zf, zLast: zs.slice((n - 1) * d, n * d) };
}

/**
 * Robust baseline per sensor: median, and a scale from the MAD (std and level as floors). Returns per sensor
 * how far the small-sample upper bound raised the scale above its point estimate (≥ 1, 1 on long learning).
 */
function fitBaseline(c: CombinedDetectors, buf: Float64Array, n: number, p: DetectorParams): Float64Array {
  const d = c.d;
  const col = new Float64Array(n);
  const bound = new Float64Array(d).fill(1);
  for (let i = 0; i < d; i++) {
    const { med, mad, mean: m, sd } = columnStats(buf, 0, n, d, i, col);
    c.mu[i] = med;
    // a few dozen learning samples under-estimate the spread as often as not: take the upper 95 % bound
    // of the MAD's estimate (its standard error is ≈ 1.17 σ/√n), which fades to nothing on long learning.
    // n is the number of independent samples: a slow sensor (a temperature's thermal lag) sampled every
    // second holds only a few correlation times in a 5-minute window, and its MAD there is the spread of a
    // few independent values, which normal operation soon leaves by many of those σ.
    const ne = effectiveSamples(buf, n, d, i, m);
    // A sensor that held one value over all its learning rows showed no spread: its spread is unknown, not zero (a
    // counter of rare events reads 0 for hours). The finest move it can show is one step of its resolution, the
    // last digit its value is given to (0 and 12: 1; 0.5: 0.1); its noise is at least that step's rounding noise,
    // q/√12 (a uniform rounding error). A one-step blip is then no anomaly, a move of two steps or more is; the
    // resolution is refined as the values show more digits (detector.ts). Without it every 1 of a counter that read
    // 0 while learning was 10⁹ σ: an episode each, 40 a week (5-min restart counts).
    let constant = true;
    for (let r = 1; r < n && constant; r++) if (buf[r * d + i] !== buf[i]) constant = false;
    c.quantum[i] = constant ? quantumOf(buf[i]) : 0;
    const point = pointSpread({ med, mad, sd }, p, c.quantum[i] / Math.sqrt(12));
    c.scale[i] = Math.max(mad * madBound(ne), point);
    bound[i] = c.scale[i] / point;
    c.dfac[i] = c.scale[i] / Math.max(c.scale[i], p.driftMinRelScale * Math.abs(med));
  }
  return bound;
}

/** Replay the learning rows through the level filter: its spread and the variance level per sensor. */
function fitSpreads(c: CombinedDetectors, buf: Float64Array, n: number, t: SampleTiming) {
  const d = c.d;
  const warm = Math.min(n - 1, Math.ceil(3 / t.fast));
  const zs = new Float64Array(n * d);
  const zfTrace = new Float64Array(n * d);
  const dzs = new Float64Array(d);
  const zf = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      const z = (buf[r * d + i] - c.mu[i]) / c.scale[i];
      zs[r * d + i] = z;
      zf[i] = r === 0 ? z : zf[i] + t.fast * (z - zf[i]);
      zfTrace[r * d + i] = zf[i];
      if (r > 0) {
        const dz = z - zs[(r - 1) * d + i];
        dzs[i] += dz * dz;
      }
    }
  }
  const m = n - warm;
  for (let i = 0; i < d; i++) {
    // The drift CUSUM's decision height in σ·samples. A run of correlated samples carries one sample's worth
    // of evidence per correlation time, so the false excursions of a sum grow with the variance inflation of
    // the signal's mean at the longest scale the window shows: MIN_CUSUM_H σ per independent sample, at most
    // cusumHSeconds (a sensor that wanders on that scale, or one the window cannot tell, keeps the time-based
    // height). White noise sampled every second is no longer judged as if each sample were 750 s of evidence
    // short of a drift: a sustained shift of a few σ is caught in tens of samples.
    // Below SERIAL_MIN_ROWS the window cannot measure the sensor's memory (blocks of a dozen rows or fewer)
    // and the time-based height stands, as the spread's bound then counts every row.
    c.cusumH[i] = n < SERIAL_MIN_ROWS ? t.cusumH : Math.min(t.cusumH, Math.max(MIN_CUSUM_H, MIN_CUSUM_H * blockInflation(zs, n, d, i)));
    let s = 0;
    for (let r = warm; r < n; r++) s += zfTrace[r * d + i] ** 2;
    // Floor at 1: the threshold is in robust σ of the raw signal unless training showed the smoothed
    // signal wandering more than that (slow process wander; 30 min of training underestimates it).
    c.sdf[i] = Math.max(Math.sqrt(s / Math.max(1, m)), 1);
    // same small-sample care for the variance level (a mean of n − 1 squares: standard error √(2/(n−1)))
    c.v0[i] = Math.max((dzs[i] / Math.max(1, n - 1)) * (n < 200 ? 1 + 1.645 * Math.sqrt(2 / Math.max(1, n - 1)) : 1), 0.05);
    c.vv[i] = c.v0[i];
  }
  return { warm, zf, zs, zfTrace };
}

/**
 * Covariance of the smoothed z in training, for the cross-sensor detector (off, and said, on too few rows): each
 * sensor's variance from the smoothed trace (floored), the correlations from the raw rows (zs).
 */
function fitCross(c: CombinedDetectors, zs: Float64Array, zfTrace: Float64Array, n: number, warm: number, bound: Float64Array, warnings: string[]): void {
  const d = c.d;
  const m = n - warm;
  // a covariance needs many samples: below max(50, 10·d) the cross detector stays off (and says so)
  if (d >= 2 && m < Math.max(50, 10 * d))
    warnings.push(`only ${m} learning samples after warm-up: the cross-sensor detector needs ${Math.max(50, 10 * d)} and is off`);
  if (d >= 2 && m >= Math.max(50, 10 * d)) {
    // Variances: the mean square of the smoothed z, floored at the spread learning measured (the point estimate,
    // before the small-sample bound widened the scale: 1/bound² in z units), so a near-constant training signal
    // cannot dominate T², and a sensor may wander at the filter's scale by its raw spread, which a short window
    // cannot rule out.
    const sd = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let v = 0;
      for (let r = warm; r < n; r++) v += zfTrace[r * d + i] ** 2;
      sd[i] = Math.sqrt(Math.max(v / m, 1 / (bound[i] * bound[i])));
    }
    // Correlations: from the raw rows, not the smoothed trace. An EWMA of serially independent vectors keeps
    // their correlation (MEWMA: Σ_y = λ/(2 − λ) Σ_z, Lowry et al. 1992), and the raw rows hold about n independent
    // samples where the smoothed trace holds m·λ/(2 − λ) (5 min at 1 s under the 22 s filter: about 5, fewer than
    // SKAB's 8 sensors, whose correlations came out anywhere up to ±0.9). The smoothed trace's own off-diagonal,
    // under the floored variances, also read a coupling of 0.9 as 0.01: two sensors that always moved together
    // could move 3 σ apart unseen. Assumed: a coupling seen sample by sample holds at the filter's slower scale
    // (a mass or energy balance does; noise shared by two sensors that wander on their own would not).
    const mean = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += zs[r * d + i] / n;
    const cz = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const ei = zs[r * d + i] - mean[i];
        for (let j = i; j < d; j++) cz[i * d + j] += ei * (zs[r * d + j] - mean[j]);
      }
    }
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      cov[i * d + i] = sd[i] * sd[i];
      for (let j = i + 1; j < d; j++) {
        const den = Math.sqrt(cz[i * d + i] * cz[j * d + j]);
        // a sensor constant in training has no correlation to offer
        const rho = den > 0 ? Math.max(-1, Math.min(1, cz[i * d + j] / den)) : 0;
        const v = rho * sd[i] * sd[j];
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
    }
    const prec = invertSpd(cov, d, 1e-3);
    c.prec = prec;
    const t2s = new Float64Array(m);
    const y = new Float64Array(d);
    for (let r = warm; r < n; r++) {
      for (let i = 0; i < d; i++) y[i] = zfTrace[r * d + i];
      t2s[r - warm] = hotellingT2(prec, y, d);
    }
    c.t2Ref = Math.max(quantile(t2s, 0.995), d);
  }
}

/** What the learning rows hold before the state they are learned on (settledStart). */
export interface SettledStart {
  /** First learning row of the state the series is learned on (0: the whole window). */
  start: number;
  /** Per sensor: the median of the state before it (null: no step). */
  prior: Float64Array | null;
  /** The sensor that moved most at that step, and by how many of its σ (-1, 0: no step). */
  sensor: number;
  shift: number;
}

/** Rows each side of a step at the least, for its two levels to be told apart. */
const MIN_SEGMENT = 10;

/**
 * The learning window is taken as normal operation, but it may hold a step the level detector would itself call
 * an anomaly: a start-up, a load change, the series connected mid-transient. Learned across it, the median sits
 * between the two levels and the MAD spans the step, and the spread stays that wide for good: a later fault
 * smaller than the step is never seen (SKAB other/4: a flow step of 7 σ in the window, and the labelled drop of
 * 6 units went unseen). The last such step is found by splitting the rows after the previous one where a
 * sensor's level changes most (the maximum of the standardised CUSUM of deviations from the mean: the
 * likelihood-ratio split for a shift in mean), as long as the two sides' medians differ by more than
 * levelThreshold times their pooled robust spread. The series is learned on the state after it, the one it is in
 * now, if that lasted enough rows to measure its memory (SERIAL_MIN_ROWS; fewer, and the detectors fall back to
 * heights so conservative that a fault goes unseen); the state before it stays known as normal (a return to it is
 * no fault). A step in the window's last rows is not learned on: learning across it stays, the lesser harm than
 * calling the state the series is in a fault from its first scored row. A slow wander or a ramp across the window
 * is no step: each side's spread holds half the move, and its bound counts the few independent samples a slow
 * wander has a side (without it the calibration's 20-minute wander at 1 s rose from 1.13 to 1.51 false episodes a week).
 */
export function settledStart(buf: Float64Array, n: number, d: number, p: DetectorParams): SettledStart {
  const none: SettledStart = { start: 0, prior: null, sensor: -1, shift: 0 };
  const col = new Float64Array(n);
  let from = 0;
  let prev = 0;
  let last: { at: number; sensor: number; shift: number } | null = null;
  for (;;) {
    const step = biggestStep(buf, from, n, d, col, p);
    if (!step) break;
    prev = from;
    last = step;
    from = step.at;
  }
  if (!last || n - last.at < Math.max(p.learnMinSamples, SERIAL_MIN_ROWS)) return none;
  const prior = new Float64Array(d);
  for (let i = 0; i < d; i++) prior[i] = columnStats(buf, prev, last.at, d, i, col).med;
  return { start: last.at, prior, sensor: last.sensor, shift: last.shift };
}

/** The split of rows [s, e) where some sensor's level changes most, if its two sides differ by more than levelThreshold pooled σ. */
function biggestStep(buf: Float64Array, s: number, e: number, d: number, col: Float64Array, p: DetectorParams) {
  if (e - s < 2 * MIN_SEGMENT) return null;
  let best: { at: number; sensor: number; shift: number } | null = null;
  for (let i = 0; i < d; i++) {
    let mean = 0;
    for (let r = s; r < e; r++) mean += buf[r * d + i];
    mean /= e - s;
    let cum = 0;
    let at = -1;
    let top = 0;
    for (let r = s; r < e - 1; r++) {
      cum += buf[r * d + i] - mean;
      const k = r + 1;
      if (k - s < MIN_SEGMENT || e - k < MIN_SEGMENT) continue;
      const v = Math.abs(cum) / Math.sqrt((k - s) * (e - k));
      if (v > top) {
        top = v;
        at = k;
      }
    }
    if (at < 0) continue;
    const left = columnStats(buf, s, at, d, i, col);
    const right = columnStats(buf, at, e, d, i, col);
    // each side's spread as fitBaseline bounds it, counting its independent samples: a slow wander holds few in
    // each side, and its sides' medians differ by many of their short-run spreads in the ordinary course
    const ls = pointSpread(left, p) * madBound(effectiveSamples(buf.subarray(s * d, at * d), at - s, d, i, left.mean));
    const rs = pointSpread(right, p) * madBound(effectiveSamples(buf.subarray(at * d, e * d), e - at, d, i, right.mean));
    const shift = Math.abs(right.med - left.med) / Math.sqrt((ls * ls + rs * rs) / 2);
    if (shift > p.levelThreshold && (!best || shift > best.shift)) best = { at, sensor: i, shift };
  }
  return best;
}

/** Median, MAD (× 1.4826: σ for normal data), mean and standard deviation of column i over rows [s, e); col is scratch space. */
function columnStats(buf: Float64Array, s: number, e: number, d: number, i: number, col: Float64Array) {
  const m = e - s;
  const c = col.subarray(0, m);
  let mean = 0;
  let m2 = 0;
  for (let r = 0; r < m; r++) {
    const v = buf[(s + r) * d + i];
    c[r] = v;
    mean += v;
    m2 += v * v;
  }
  mean /= m;
  const med = median(c);
  for (let r = 0; r < m; r++) c[r] = Math.abs(c[r] - med);
  return { med, mad: median(c) * 1.4826, mean, sd: Math.sqrt(Math.max(0, m2 / m - mean * mean)) };
}

/** A spread's point estimate: the MAD, with the std as a second opinion (MAD is 0 for quantised or mostly-constant sensors) and floors. */
function pointSpread(st: { med: number; mad: number; sd: number }, p: DetectorParams, floor = 0): number {
  return Math.max(st.mad, 0.5 * st.sd, p.minRelScale * Math.abs(st.med), floor, 1e-9);
}

/** The upper 95 % bound's factor on a MAD from ne independent samples (its standard error ≈ 1.17 σ/√n); none from 200 on. */
const madBound = (ne: number) => (ne < 200 ? 1 + (1.645 * 1.17) / Math.sqrt(ne) : 1);

/** Fewest learning rows that measure a sensor's serial correlation (lag-1 ρ's standard error ≈ 1/√n ≤ 0.1). */
const SERIAL_MIN_ROWS = 100;

/**
 * Independent samples among column i's n rows (mean m): n (1 − ρ)/(1 + ρ), ρ the lag-1 autocorrelation
 * (AR(1)). The rows count as independent unless ρ is clearly there: n ≥ 100 (ρ's standard error ≈ 1/√n is
 * then at most 0.1) and ρ over two standard errors (white noise shows |ρ| < 2/√n in 95 % of windows).
 */
function effectiveSamples(buf: Float64Array, n: number, d: number, i: number, m: number): number {
  if (n < SERIAL_MIN_ROWS) return n;
  let c0 = 0;
  let c1 = 0;
  let prev = buf[i] - m;
  c0 += prev * prev;
  for (let r = 1; r < n; r++) {
    const e = buf[r * d + i] - m;
    c0 += e * e;
    c1 += e * prev;
    prev = e;
  }
  const rho = c0 > 0 ? Math.min(0.999, c1 / c0) : 0;
  if (!(rho > 2 / Math.sqrt(n))) return n;
  return Math.max(1, (n * (1 - rho)) / (1 + rho));
}

/**
 * Variance inflation of column i's mean at the learning window's longest scale: block length b × the
 * variance of the means of 8 blocks of b rows / the variance of single rows (1 for independent rows, up to b
 * where the window is one slow movement). 8 blocks: the means' variance has 7 degrees of freedom, and each
 * block is still an eighth of the window.
 */
export function blockInflation(buf: Float64Array, n: number, d: number, i: number): number {
  const b = Math.max(1, Math.floor(n / 8));
  const nb = Math.floor(n / b);
  const len = nb * b;
  let m = 0;
  for (let r = 0; r < len; r++) m += buf[r * d + i];
  m /= len;
  let v = 0;
  for (let r = 0; r < len; r++) v += (buf[r * d + i] - m) ** 2;
  v /= len;
  let vb = 0;
  for (let k = 0; k < nb; k++) {
    let s = 0;
    for (let r = k * b; r < (k + 1) * b; r++) s += buf[r * d + i];
    vb += (s / b - m) ** 2;
  }
  vb /= Math.max(1, nb - 1);
  return v > 0 ? Math.min(b, Math.max(1, (b * vb) / v)) : b;
}
