// The combined detectors of one device, each for what the seed's rolling z-score cannot see:
//  - level:    robust (median/MAD) baseline, EWMA-smoothed z over the spread it had in training.
//              A rolling z-score re-centres on a shifted level within a window; this does not.
//  - drift:    two-sided CUSUM on the robust z, for slow ramps (sensor_drift: +15 % over 2 h).
//  - variance: EWMA of squared first differences over its training level (oscillation,
//              electrical_fault: power swinging 5–45 kW while its mean barely moves).
//  - cross:    Hotelling T² of the smoothed z vector with the covariance learned in training,
//              for changes in how sensors move together.
//  - stuck:    a sensor whose learning rows never repeated a value (a continuous measurement) repeating
//              one for longer than its learned chance of a repeat allows (a frozen transmitter, a
//              historian holding the last value): no level, drift or variance rise shows it.
// This holds the learned model (baselines, spreads, covariance) and the filters' state, scores a row
// and adapts the baselines; learn.ts fits the model, budget.ts sets the hit threshold, and
// DeviceDetector (detector.ts) runs a series through it.
import { KIND_CROSS, KIND_DRIFT, KIND_LEVEL, KIND_STUCK, KIND_VARIANCE } from './kinds';
import type { DetectorParams } from './schema';
import { quantumOf } from './stuck';
import type { SampleTiming } from './timing';

export class CombinedDetectors {
  /** Max normalised score of this row over all detectors and sensors (1.0 = at threshold). */
  score = 0;
  /** Which detectors reached 1.0 on this row (bit mask of KIND_*). */
  kinds = 0;
  /** This row's evidence without the smoothing lag (same units as score): the unsmoothed level deviation of
   *  each sensor, the drift detector while fresh evidence feeds it, and the variance detector; not the level
   *  and cross detectors, which read the smoothed level and trail a step's end by the level filter's lag. */
  rawScore = 0;
  readonly sensorScore: Float64Array;
  readonly sensorKinds: Int32Array;
  /** Baseline (median), scale (robust σ) and smoothed z per sensor: read by the episode typer. */
  readonly mu: Float64Array;
  readonly scale: Float64Array;
  /** Level filter: smoothed robust z against the level baseline (muF). */
  readonly zf: Float64Array;
  /** Smoothed robust z against the slow baseline (mu): how far each sensor has moved, for the episode typer. */
  readonly zDev: Float64Array;
  readonly varRatio: Float64Array;
  /** Level baseline: follows at levelAlpha (a step is caught against it, a slow wander is not), frozen in episodes like mu. */
  readonly muF: Float64Array;
  /** EWMA of the raw value (weight settleAlpha): where the signal sits now. */
  readonly lvl: Float64Array;
  readonly zPrev: Float64Array;
  /** Spread of the smoothed z in training (≥ 1), per sensor. */
  readonly sdf: Float64Array;
  readonly cp: Float64Array;
  readonly cn: Float64Array;
  /** scale / drift scale per sensor (≤ 1): the drift detector judges a slow move against max(noise, driftMinRelScale × level). */
  readonly dfac: Float64Array;
  /** Per sensor: the drift detector's decision height in σ·samples (learn.ts; 0 until learned: the timing's cusumH). */
  readonly cusumH: Float64Array;
  readonly vv: Float64Array;
  /** Variance level in training, per sensor. */
  readonly v0: Float64Array;
  /** Mean square of the slow residual (x − mu)/scale, learned outside episodes: how far the level normally
   *  strays from the slow baseline (a daily cycle not yet learned, process wander). The drift detector judges
   *  against max(1, its root), so a series that wanders more than its short learning showed is not a drift. */
  readonly wander: Float64Array;
  /** The same against the level baseline (x − muF)/scale: the level and cross detectors judge against it. */
  readonly wanderF: Float64Array;
  /** Per sensor: repeats of one value that make it stuck (samples; 0 = off: its learning rows repeated values), and
   *  the repeats of its last value so far (set by the caller from the raw values it got, not held ones). */
  readonly stuckLen: Float64Array;
  readonly repeats: Float64Array;
  /** Per sensor that held one value over all its learning rows: the step of its resolution seen so far (0 = it showed a spread). */
  readonly quantum: Float64Array;
  /** Precision matrix of the smoothed z in training (null: cross detector off) and its T² reference. */
  prec: Float64Array | null = null;
  t2Ref = 1;
  hasPrev = false;

  constructor(
    readonly d: number,
    protected readonly p: DetectorParams,
  ) {
    this.sensorScore = new Float64Array(d);
    this.sensorKinds = new Int32Array(d);
    this.mu = new Float64Array(d);
    this.scale = new Float64Array(d).fill(1);
    this.zf = new Float64Array(d);
    this.zDev = new Float64Array(d);
    this.varRatio = new Float64Array(d);
    this.muF = new Float64Array(d);
    this.lvl = new Float64Array(d);
    this.zPrev = new Float64Array(d);
    this.sdf = new Float64Array(d).fill(1);
    this.cp = new Float64Array(d);
    this.cn = new Float64Array(d);
    this.dfac = new Float64Array(d).fill(1);
    this.cusumH = new Float64Array(d);
    this.vv = new Float64Array(d);
    this.v0 = new Float64Array(d).fill(1);
    this.wander = new Float64Array(d).fill(1);
    this.wanderF = new Float64Array(d).fill(1);
    this.stuckLen = new Float64Array(d);
    this.repeats = new Float64Array(d);
    this.quantum = new Float64Array(d);
  }

  /**
   * Sensor i's spread measured anew (robust σ, raw units) on data its learning window did not describe
   * (a daily cycle now removed): every state kept in its σ units is converted, and the spreads that held
   * the removed cycle (wander, smoothed spread) restart from the new σ.
   */
  rescale(i: number, spread: number): void {
    const d = this.d;
    const s = Math.max(spread, this.p.minRelScale * Math.abs(this.mu[i]), 1e-9);
    const r = s / this.scale[i];
    if (!(r > 0) || r === 1) return;
    this.scale[i] = s;
    this.zf[i] /= r;
    this.zDev[i] /= r;
    this.zPrev[i] /= r;
    this.cp[i] /= r;
    this.cn[i] /= r;
    this.v0[i] = Math.max(this.v0[i] / (r * r), 0.05);
    this.vv[i] /= r * r;
    this.wander[i] = 1;
    this.wanderF[i] = 1;
    this.sdf[i] = 1;
    this.dfac[i] = s / Math.max(s, this.p.driftMinRelScale * Math.abs(this.mu[i]));
    // z_i' = z_i / r: the precision matrix's row and column i scale by r (T² unchanged)
    if (this.prec)
      for (let j = 0; j < d; j++) {
        this.prec[i * d + j] *= r;
        this.prec[j * d + i] *= r;
      }
  }

  /** A value of sensor i (one that held one value while learning) with a finer last digit refines its resolution. */
  refineQuantum(i: number, v: number): void {
    const q = quantumOf(v);
    if (q >= this.quantum[i]) return;
    this.quantum[i] = q;
    // never above the learned spread's other floors (rescale applies them), never wider than it was
    if (q / Math.sqrt(12) < this.scale[i]) this.rescale(i, q / Math.sqrt(12));
  }

  /** Filters back at rest (level, CUSUM, variance); the baselines stay. */
  rest(): void {
    this.zf.fill(0);
    this.cp.fill(0);
    this.cn.fill(0);
    for (let i = 0; i < this.d; i++) this.vv[i] = this.v0[i];
  }

  /** The level the signals hold now (lvl) becomes the baseline; spread, covariance and variance level stay as learned. */
  levelAsBaseline(): void {
    for (let i = 0; i < this.d; i++) {
      this.mu[i] = this.lvl[i];
      this.muF[i] = this.lvl[i];
    }
    this.rest();
  }

  /** After learning: the filters go on from the last learning row (level filter zf, robust z zLast). */
  resume(zf: Float64Array, zLast: Float64Array): void {
    this.zf.set(zf);
    this.cp.fill(0);
    this.cn.fill(0);
    this.zPrev.set(zLast);
    for (let i = 0; i < this.d; i++) this.vv[i] = this.v0[i];
    this.lvl.set(this.mu);
    this.zDev.set(zf);
    this.hasPrev = true;
  }

  /** Slow baseline adaptation towards row x at `factor` × the configured rate; sensors scoring under quietLevel at quietFactor. */
  adaptBaselines(x: Float64Array, t: SampleTiming, factor: number, quietFactor: number, quietLevel: number, involved: Uint8Array | null = null): void {
    for (let i = 0; i < this.d; i++) {
      const xi = x[i];
      // Sensors under quietLevel that have taken no part in the anomaly (with `involved`: none that fired in it) may
      // move their level baseline at quietFactor: the level and cross detectors then judge how the sensors move
      // now, not the wander an uninvolved sensor stored up while frozen (a stale alarm once the fault is over). The
      // slow baseline stays at `factor`: a slow fault judged and typed against it (a transmitter drifting every
      // reading by one share, a runaway's vibration following its heat) is not learned away before it fires.
      const quiet = this.sensorScore[i] < quietLevel && !(involved && involved[i]);
      const f = factor;
      const a = Math.min(0.5, t.baseline * f);
      const fF = quiet ? quietFactor : factor;
      const aF = t.level > 0 ? Math.min(0.5, t.level * fF) : Math.min(0.5, t.baseline * fF);
      // the wander is learned from normal samples only: at slow sampling one anomalous sample would raise it
      // far enough to hide the anomaly it belongs to
      if (f >= 1 && this.sensorScore[i] < quietLevel) {
        const r = (xi - this.mu[i]) / this.scale[i];
        this.wander[i] += t.wander * (Math.min(r * r, 400) - this.wander[i]);
        const rf = (xi - this.muF[i]) / this.scale[i];
        this.wanderF[i] += t.wander * (Math.min(rf * rf, 400) - this.wanderF[i]);
      }
      if (xi === xi && xi !== Infinity && xi !== -Infinity) {
        if (a > 0) this.mu[i] += a * (xi - this.mu[i]);
        if (aF > 0) this.muF[i] += aF * (xi - this.muF[i]);
      }
    }
  }

  /** Score row x (deseasonalised) at hit threshold `hit`; returns the row's best score before normalising by hit. */
  scoreRow(x: Float64Array, t: SampleTiming, hit: number): number {
    const d = this.d;
    const p = this.p;
    const a = t.fast;
    const av = t.variance;
    // CUSUM capped just above its threshold, and z clipped for the level filter: after a large step
    // ends, both fall back within a few samples instead of trailing the episode for minutes.
    const clip = p.clipZ;
    const vcap = 4 * p.varThreshold;
    const sa = t.settle;
    let best = 0;
    let kinds = 0;
    let rawBest = 0;
    for (let i = 0; i < d; i++) {
      this.lvl[i] += sa * (x[i] - this.lvl[i]);
      const sc = this.scale[i];
      const z = (x[i] - this.mu[i]) / sc;
      const zl = (x[i] - this.muF[i]) / sc;
      const zc = zl > clip ? clip : zl < -clip ? -clip : zl;
      const zf = this.zf[i] + a * (zc - this.zf[i]);
      this.zf[i] = zf;
      this.zDev[i] = zf + (this.muF[i] - this.mu[i]) / sc;
      const wf = this.wanderF[i];
      const zw = wf > this.sdf[i] * this.sdf[i] ? Math.sqrt(wf) : this.sdf[i];
      let s = Math.abs(zf) / (p.levelThreshold * zw);
      let k = s >= hit ? KIND_LEVEL : 0;
      let raw = Math.abs(zc) / (p.levelThreshold * zw);
      // CUSUM, capped so a long anomaly does not leave a long tail after it ends
      const H = this.cusumH[i] > 0 ? this.cusumH[i] : t.cusumH;
      const cap = 1.05 * H * hit;
      const w = this.wander[i];
      const zd = (z * this.dfac[i]) / (w > 1 ? Math.sqrt(w) : 1);
      // Past its threshold, a sum with no fresh evidence (within the slack) decays at the fast filter's
      // rate, so a drift that ended stops counting in about the level filter's time, at any sampling.
      let cp = this.cp[i] + zd - p.cusumK;
      let cn = this.cn[i] - zd - p.cusumK;
      if (this.cp[i] > H && zd < p.cusumK) cp = Math.min(cp, this.cp[i] * (1 - a));
      if (this.cn[i] > H && -zd < p.cusumK) cn = Math.min(cn, this.cn[i] * (1 - a));
      cp = Math.min(cap, Math.max(0, cp));
      cn = Math.min(cap, Math.max(0, cn));
      this.cp[i] = cp;
      this.cn[i] = cn;
      const sd = (cp > cn ? cp : cn) / H;
      if (sd >= hit) k |= KIND_DRIFT;
      if (sd > s) s = sd;
      // the sum is evidence only while it is fed (a sample past the slack): after a drift or step ends it
      // keeps its height for up to H/k samples, which is memory, not evidence
      if ((zd > p.cusumK || -zd > p.cusumK) && sd > raw) raw = sd;
      if (this.hasPrev) {
        const dz = z - this.zPrev[i];
        // one jump (a step) adds at most a bounded share; only a run of big moves (oscillation) fires
        const q = Math.min(dz * dz, vcap * this.v0[i]);
        this.vv[i] += av * (q - this.vv[i]);
      }
      this.zPrev[i] = z;
      const vr = this.vv[i] / this.v0[i];
      this.varRatio[i] = vr;
      const sv = vr / p.varThreshold;
      if (sv >= hit) k |= KIND_VARIANCE;
      if (sv > s) s = sv;
      if (sv > raw) raw = sv;
      // stuck: the run of repeats over its limit, capped like the drift sum (its length is no measure of harm)
      const L = this.stuckLen[i];
      if (L > 0 && this.repeats[i] > 0) {
        const st = Math.min(this.repeats[i] / L, 2 * hit);
        if (st >= hit) k |= KIND_STUCK;
        if (st > s) s = st;
        if (st > raw) raw = st;
      }
      if (raw > rawBest) rawBest = raw;
      this.sensorScore[i] = s / hit;
      this.sensorKinds[i] = k;
      kinds |= k;
      if (s > best) best = s;
    }
    this.hasPrev = true;
    if (this.prec) {
      const t2 = hotellingT2(this.prec, this.zf, this.d);
      const sc = t2 / (p.crossThreshold * this.t2Ref);
      if (sc >= hit) kinds |= KIND_CROSS;
      if (sc > best) best = sc;
    }
    this.score = best / hit;
    this.rawScore = rawBest / hit;
    this.kinds = kinds;
    return best;
  }
}

/** Hotelling T² of y (length d) under precision matrix P. */
export function hotellingT2(P: Float64Array, y: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) {
    let r = 0;
    for (let j = 0; j < d; j++) r += P[i * d + j] * y[j];
    t += r * y[i];
  }
  return t;
}
