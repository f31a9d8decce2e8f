// End of the learning period: the robust baseline of each sensor, then each detector's spread on the
// same rows (level filter, variance level, cross-sensor covariance).
import { hotellingT2, type CombinedDetectors } from './combined';
import { invertSpd, median, quantile } from './robust';
import type { DetectorParams } from './schema';
import type { SampleTiming } from './timing';

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
  fitBaseline(c, buf, n, p);
  const { warm, zf, zs, zfTrace } = fitSpreads(c, buf, n, t);
  fitCross(c, zfTrace, n, warm, warnings);
  c.lvl.set(c.mu);
  c.muF.set(c.mu);
  const d = c.d;
  return { warm, zf, zLast: zs.slice((n - 1) * d, n * d) };
}

/** Robust baseline per sensor: median, and a scale from the MAD (std and level as floors). */
function fitBaseline(c: CombinedDetectors, buf: Float64Array, n: number, p: DetectorParams): void {
  const d = c.d;
  const col = new Float64Array(n);
  for (let i = 0; i < d; i++) {
    for (let r = 0; r < n; r++) col[r] = buf[r * d + i];
    const med = median(col);
    for (let r = 0; r < n; r++) col[r] = Math.abs(col[r] - med);
    const mad = median(col) * 1.4826;
    // std as a second opinion: MAD is 0 for quantised or mostly-constant sensors
    let m = 0;
    let m2 = 0;
    for (let r = 0; r < n; r++) {
      const v = buf[r * d + i];
      m += v;
      m2 += v * v;
    }
    m /= n;
    const sd = Math.sqrt(Math.max(0, m2 / n - m * m));
    c.mu[i] = med;
    // a few dozen learning samples under-estimate the spread as often as not: take the upper 95 % bound
    // of the MAD's estimate (its standard error is ≈ 1.17 σ/√n), which fades to nothing on long learning
    const ub = 1 + (1.645 * 1.17) / Math.sqrt(n);
    c.scale[i] = Math.max(mad * (n < 200 ? ub : 1), 0.5 * sd, p.minRelScale * Math.abs(med), 1e-9);
    c.dfac[i] = c.scale[i] / Math.max(c.scale[i], p.driftMinRelScale * Math.abs(med));
  }
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

/** Covariance of the smoothed z in training, for the cross-sensor detector (off, and said, on too few rows). */
function fitCross(c: CombinedDetectors, zfTrace: Float64Array, n: number, warm: number, warnings: string[]): void {
  const d = c.d;
  const m = n - warm;
  // a covariance needs many samples: below max(50, 10·d) the cross detector stays off (and says so)
  if (d >= 2 && m < Math.max(50, 10 * d))
    warnings.push(`only ${m} learning samples after warm-up: the cross-sensor detector needs ${Math.max(50, 10 * d)} and is off`);
  if (d >= 2 && m >= Math.max(50, 10 * d)) {
    const cov = new Float64Array(d * d);
    for (let r = warm; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const yi = zfTrace[r * d + i];
        for (let j = i; j < d; j++) cov[i * d + j] += yi * zfTrace[r * d + j];
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = cov[i * d + j] / m;
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
      // same floor as the level detector, so a near-constant training signal cannot dominate T²
      cov[i * d + i] = Math.max(cov[i * d + i], 1);
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
