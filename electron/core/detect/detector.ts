// Streaming detectors for one device (a vector of sensors sampled together). O(1) memory per
// series after the learning buffer is released; no allocation per sample, because the live
// service must stay far above the plant's rate (target ≥1M sensor values/s single-threaded).
//
// Detectors, each for what the seed's rolling z-score cannot see:
//  - level:    robust (median/MAD) baseline, EWMA-smoothed z over the spread it had in training.
//              A rolling z-score re-centres on a shifted level within a window; this does not.
//  - drift:    two-sided CUSUM on the robust z, for slow ramps (sensor_drift: +15 % over 2 h).
//  - variance: EWMA of squared first differences over its training level (oscillation,
//              electrical_fault: power swinging 5–45 kW while its mean barely moves).
//  - cross:    Hotelling T² of the smoothed z vector with the covariance learned in training,
//              for changes in how sensors move together.
//  - zscore:   the seed's detector (window 60, |z|>3), selectable for comparison.
import type { DetectorKind, DetectorParams } from './schema';

/** Baseline snapshots kept for rollback (ring buffer per device: O(1) memory). */
const SNAPSHOTS = 6;

export const KIND_LEVEL = 1;
export const KIND_DRIFT = 2;
export const KIND_VARIANCE = 4;
export const KIND_CROSS = 8;
export const KIND_ZSCORE = 16;

export function kindNames(mask: number): DetectorKind[] {
  const out: DetectorKind[] = [];
  if (mask & KIND_LEVEL) out.push('level');
  if (mask & KIND_DRIFT) out.push('drift');
  if (mask & KIND_VARIANCE) out.push('variance');
  if (mask & KIND_CROSS) out.push('cross');
  if (mask & KIND_ZSCORE) out.push('zscore');
  return out;
}

function median(xs: Float64Array): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
}

/** Inverse of a symmetric positive-definite matrix (Gauss-Jordan with a ridge for near-singular training data). */
export function invertSpd(a: Float64Array, d: number, ridge = 1e-6): Float64Array {
  const m = new Float64Array(d * 2 * d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a[i * d + i];
  const lam = ridge * Math.max(trace / d, 1e-12);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * 2 * d + j] = a[i * d + j] + (i === j ? lam : 0);
    m[i * 2 * d + d + i] = 1;
  }
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * 2 * d + c]) > Math.abs(m[p * 2 * d + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < 2 * d; k++) {
        const t = m[c * 2 * d + k];
        m[c * 2 * d + k] = m[p * 2 * d + k]!;
        m[p * 2 * d + k] = t;
      }
    }
    const piv = m[c * 2 * d + c] || 1e-12;
    for (let k = 0; k < 2 * d; k++) m[c * 2 * d + k] /= piv;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * 2 * d + c];
      if (f === 0) continue;
      for (let k = 0; k < 2 * d; k++) m[r * 2 * d + k] -= f * m[c * 2 * d + k];
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[i * d + j] = m[i * 2 * d + d + j]!;
  return inv;
}

/**
 * The per-device detector bank. Feed rows with push(); read score/sensorScore/sensorKinds after it.
 * Rows must come in time order; the caller (DeviceMonitor) drops duplicates and stragglers.
 */
export class DeviceDetector {
  readonly d: number;
  /** Max normalised score of this row over all detectors and sensors (1.0 = at threshold). */
  score = 0;
  /** Which detectors reached 1.0 on this row (bit mask of KIND_*). */
  kinds = 0;
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
  learned = false;
  /** Rows seen since the learning period ended. */
  scored = 0;
  /** Non-finite values replaced by the last good one. */
  missing = 0;

  private readonly p: DetectorParams;
  private learnBuf: Float64Array | null;
  private learnN = 0;
  /** Level baseline: follows at levelAlpha (a step is caught against it, a slow wander is not), frozen in episodes like mu. */
  private readonly muF: Float64Array;
  private readonly lastX: Float64Array;
  private readonly hasLast: Uint8Array;
  private readonly zPrev: Float64Array;
  private readonly sdf: Float64Array;
  private readonly cp: Float64Array;
  private readonly cn: Float64Array;
  /** scale / drift scale per sensor (≤ 1): the drift detector judges a slow move against max(noise, driftMinRelScale × level). */
  private readonly dfac: Float64Array;
  private readonly vv: Float64Array;
  private readonly v0: Float64Array;
  /** EWMA of the raw value (weight settleAlpha): where the signal sits now; and where it sat when a steady run began. */
  private readonly lvl: Float64Array;
  private readonly anchor: Float64Array;
  private prec: Float64Array | null = null;
  private t2Ref = 1;
  private hasPrev = false;
  private readonly snaps: Float64Array;
  private snapPos = 0;
  private snapN = 0;
  private sinceSnap = 0;
  // seed z-score: ring buffer per sensor with running sums
  private ring: Float64Array | null = null;
  private ringPos = 0;
  private ringN = 0;
  private readonly rs: Float64Array;
  private readonly rs2: Float64Array;

  constructor(d: number, params: DetectorParams) {
    this.d = d;
    this.p = params;
    this.sensorScore = new Float64Array(d);
    this.sensorKinds = new Int32Array(d);
    this.mu = new Float64Array(d);
    this.scale = new Float64Array(d).fill(1);
    this.zf = new Float64Array(d);
    this.zDev = new Float64Array(d);
    this.muF = new Float64Array(d);
    this.varRatio = new Float64Array(d);
    this.lastX = new Float64Array(d);
    this.hasLast = new Uint8Array(d);
    this.zPrev = new Float64Array(d);
    this.sdf = new Float64Array(d).fill(1);
    this.cp = new Float64Array(d);
    this.cn = new Float64Array(d);
    this.dfac = new Float64Array(d).fill(1);
    this.vv = new Float64Array(d);
    this.v0 = new Float64Array(d).fill(1);
    this.lvl = new Float64Array(d);
    this.anchor = new Float64Array(d);
    this.rs = new Float64Array(d);
    this.rs2 = new Float64Array(d);
    this.snaps = new Float64Array(2 * SNAPSHOTS * d);
    if (params.mode === 'zscore') {
      this.ring = new Float64Array(params.zscoreWindow * d);
      this.learnBuf = null;
      this.learned = true;
    } else {
      this.learnBuf = new Float64Array(params.learnSamples * d);
    }
  }

  /**
   * Roll the baseline back to where it stood about rollbackSamples ago. Called when an episode
   * opens: a slow drift is learned as normal before it is detected, and a baseline left holding that
   * part of it would turn the drift's end into a second, false episode.
   */
  rollback(): void {
    if (this.snapN < SNAPSHOTS) return;
    // the oldest snapshot sits at snapPos (ring buffer full)
    const o = 2 * this.snapPos * this.d;
    for (let i = 0; i < this.d; i++) {
      this.mu[i] = this.snaps[o + i]!;
      this.muF[i] = this.snaps[o + this.d + i]!;
    }
  }

  /** Forget the baseline snapshots (after an episode: only snapshots taken since then are trusted). */
  clearSnapshots(): void {
    this.snapN = 0;
    this.snapPos = 0;
    this.sinceSnap = 0;
  }

  /** Start a steady run: remember where the signals sit now. */
  markSettle(): void {
    this.anchor.set(this.lvl);
  }

  /**
   * Largest move, in robust σ, of any sensor's level since markSettle(): small while the signals hold a
   * steady level (returned to the old one, or settled at a new one).
   */
  unsettled(): number {
    let worst = 0;
    for (let i = 0; i < this.d; i++) {
      const g = Math.abs(this.lvl[i] - this.anchor[i]) / this.scale[i];
      if (g > worst) worst = g;
    }
    return worst;
  }

  /**
   * The level the signals hold now becomes the baseline (an episode ended on a steady state that is
   * not the old one). Spread, covariance and variance level stay as learned; the filters restart.
   */
  rebaseline(): void {
    if (!this.learned || this.p.mode === 'zscore') return;
    for (let i = 0; i < this.d; i++) {
      this.mu[i] = this.lvl[i]!;
      this.muF[i] = this.lvl[i]!;
    }
    this.zf.fill(0);
    this.cp.fill(0);
    this.cn.fill(0);
    for (let i = 0; i < this.d; i++) this.vv[i] = this.v0[i]!;
    this.clearSnapshots();
  }

  /** Forget short-term state (after a data gap); the learned baseline stays. */
  resetShortTerm(): void {
    this.zf.fill(0);
    this.cp.fill(0);
    this.cn.fill(0);
    for (let i = 0; i < this.d; i++) this.vv[i] = this.v0[i]!;
    this.hasPrev = false;
    this.ringN = 0;
    this.ringPos = 0;
    this.rs.fill(0);
    this.rs2.fill(0);
  }

  /**
   * Slow baseline adaptation (daily cycles, process wander), at `factor` × the configured rate. The
   * monitor freezes it inside an episode, so an anomaly is not learned as normal and the episode can
   * close when the signals come back.
   */
  adapt(values: ArrayLike<number>, factor = 1, quietFactor = factor, quietLevel = 0.7): void {
    if (this.p.baselineAlpha <= 0 || !this.learned || this.p.mode === 'zscore') return;
    // Snapshot the baseline every rollbackSamples/SNAPSHOTS samples while nothing is open (factor 1).
    if (factor >= 1 && this.p.rollbackSamples > 0 && ++this.sinceSnap >= Math.max(1, Math.floor(this.p.rollbackSamples / SNAPSHOTS))) {
      this.sinceSnap = 0;
      this.snaps.set(this.mu, 2 * this.snapPos * this.d);
      this.snaps.set(this.muF, (2 * this.snapPos + 1) * this.d);
      this.snapPos = (this.snapPos + 1) % SNAPSHOTS;
      if (this.snapN < SNAPSHOTS) this.snapN++;
    }
    for (let i = 0; i < this.d; i++) {
      const x = values[i];
      // sensors below quietLevel (not part of the anomaly) may follow the data at quietFactor
      const f = this.sensorScore[i] < quietLevel ? quietFactor : factor;
      const a = Math.min(0.5, this.p.baselineAlpha * f);
      const aF = this.p.levelAlpha > 0 ? Math.min(0.5, this.p.levelAlpha * f) : a;
      if (a > 0 && x === x && x !== Infinity && x !== -Infinity) {
        this.mu[i] += a * (x - this.mu[i]);
        this.muF[i] += aF * (x - this.muF[i]);
      }
    }
  }

  push(values: ArrayLike<number>): number {
    const d = this.d;
    // Hold the last good value for NaN/Infinity: one bad field must not poison the filters.
    const x = this.lastX;
    let anyGood = false;
    for (let i = 0; i < d; i++) {
      const v = values[i];
      if (v === v && v !== Infinity && v !== -Infinity) {
        x[i] = v;
        this.hasLast[i] = 1;
        anyGood = true;
      } else {
        this.missing++;
      }
    }
    this.score = 0;
    this.kinds = 0;
    this.sensorScore.fill(0);
    this.sensorKinds.fill(0);
    if (!anyGood) return 0;
    if (this.p.mode === 'zscore') return this.pushZscore(x);
    if (!this.learned) {
      for (let i = 0; i < d; i++) if (!this.hasLast[i]) return 0;
      this.learnBuf!.set(x.subarray(0, d), this.learnN * d);
      this.learnN++;
      if (this.learnN >= this.p.learnSamples) this.fit();
      return 0;
    }
    this.scored++;
    return this.pushCombined(x);
  }

  private pushZscore(x: Float64Array): number {
    const d = this.d;
    const w = this.p.zscoreWindow;
    const ring = this.ring!;
    let best = 0;
    if (this.ringN >= w) {
      for (let i = 0; i < d; i++) {
        const mean = this.rs[i] / w;
        const varc = Math.max(0, this.rs2[i] / w - mean * mean);
        const sd = Math.sqrt(varc);
        const z = sd > 1e-12 ? Math.abs(x[i] - mean) / sd : 0;
        const s = z / this.p.zscoreThreshold;
        this.sensorScore[i] = s;
        if (s >= 1) this.sensorKinds[i] = KIND_ZSCORE;
        if (s > best) best = s;
      }
    }
    // slide the window: drop the oldest, add this row
    const base = this.ringPos * d;
    for (let i = 0; i < d; i++) {
      if (this.ringN >= w) {
        const old = ring[base + i];
        this.rs[i] -= old;
        this.rs2[i] -= old * old;
      }
      ring[base + i] = x[i]!;
      this.rs[i] += x[i];
      this.rs2[i] += x[i] * x[i];
    }
    this.ringPos = (this.ringPos + 1) % w;
    if (this.ringN < w) this.ringN++;
    this.score = best;
    if (best >= 1) this.kinds = KIND_ZSCORE;
    return best;
  }

  private pushCombined(x: Float64Array): number {
    const d = this.d;
    const p = this.p;
    const a = p.fastAlpha;
    const av = p.varAlpha;
    // CUSUM capped just above its threshold, and z clipped for the level filter: after a large step
    // ends, both fall back within a few samples instead of trailing the episode for minutes.
    const cap = 1.05 * p.cusumH;
    const clip = p.clipZ;
    const vcap = 4 * p.varThreshold;
    const sa = p.settleAlpha;
    let best = 0;
    let kinds = 0;
    for (let i = 0; i < d; i++) {
      this.lvl[i] += sa * (x[i] - this.lvl[i]);
      const sc = this.scale[i];
      const z = (x[i] - this.mu[i]) / sc;
      const zl = (x[i] - this.muF[i]) / sc;
      const zc = zl > clip ? clip : zl < -clip ? -clip : zl;
      const zf = this.zf[i] + a * (zc - this.zf[i]);
      this.zf[i] = zf;
      this.zDev[i] = zf + (this.muF[i] - this.mu[i]) / sc;
      let s = Math.abs(zf) / (p.levelThreshold * this.sdf[i]);
      let k = s >= 1 ? KIND_LEVEL : 0;
      // CUSUM, capped so a long anomaly does not leave a long tail after it ends
      const zd = z * this.dfac[i];
      const cp = Math.min(cap, Math.max(0, this.cp[i] + zd - p.cusumK));
      const cn = Math.min(cap, Math.max(0, this.cn[i] - zd - p.cusumK));
      this.cp[i] = cp;
      this.cn[i] = cn;
      const sd = (cp > cn ? cp : cn) / p.cusumH;
      if (sd >= 1) k |= KIND_DRIFT;
      if (sd > s) s = sd;
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
      if (sv >= 1) k |= KIND_VARIANCE;
      if (sv > s) s = sv;
      this.sensorScore[i] = s;
      this.sensorKinds[i] = k;
      kinds |= k;
      if (s > best) best = s;
    }
    this.hasPrev = true;
    if (this.prec) {
      const t2 = this.t2(this.zf);
      const sc = t2 / (p.crossThreshold * this.t2Ref);
      if (sc >= 1) kinds |= KIND_CROSS;
      if (sc > best) best = sc;
    }
    this.score = best;
    this.kinds = kinds;
    return best;
  }

  private t2(y: Float64Array): number {
    const d = this.d;
    const P = this.prec!;
    let t = 0;
    for (let i = 0; i < d; i++) {
      let r = 0;
      for (let j = 0; j < d; j++) r += P[i * d + j] * y[j];
      t += r * y[i];
    }
    return t;
  }

  /** End of the learning period: robust baseline, then calibrate each detector on the same rows. */
  private fit(): void {
    const d = this.d;
    const n = this.learnN;
    const buf = this.learnBuf!;
    const col = new Float64Array(n);
    for (let i = 0; i < d; i++) {
      for (let r = 0; r < n; r++) col[r] = buf[r * d + i]!;
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
      this.mu[i] = med;
      this.scale[i] = Math.max(mad, 0.5 * sd, this.p.minRelScale * Math.abs(med), 1e-9);
      this.dfac[i] = this.scale[i] / Math.max(this.scale[i], this.p.driftMinRelScale * Math.abs(med));
    }
    // Replay the training rows through the filters to learn their spread there.
    const warm = Math.min(n - 1, Math.ceil(3 / this.p.fastAlpha));
    const zs = new Float64Array(n * d);
    const zfTrace = new Float64Array(n * d);
    const dzs = new Float64Array(d);
    const zf = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const z = (buf[r * d + i] - this.mu[i]) / this.scale[i];
        zs[r * d + i] = z;
        zf[i] = r === 0 ? z : zf[i] + this.p.fastAlpha * (z - zf[i]);
        zfTrace[r * d + i] = zf[i]!;
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
      this.sdf[i] = Math.max(Math.sqrt(s / Math.max(1, m)), 1);
      this.v0[i] = Math.max(dzs[i] / Math.max(1, n - 1), 0.05);
      this.vv[i] = this.v0[i]!;
    }
    if (d >= 2 && m > 2 * d) {
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
      this.prec = invertSpd(cov, d, 1e-3);
      const t2s = new Float64Array(m);
      const y = new Float64Array(d);
      for (let r = warm; r < n; r++) {
        for (let i = 0; i < d; i++) y[i] = zfTrace[r * d + i]!;
        t2s[r - warm] = this.t2(y);
      }
      this.t2Ref = Math.max(quantile(t2s, 0.995), d);
    }
    this.zf.set(zf);
    for (let i = 0; i < d; i++) this.zPrev[i] = zs[(n - 1) * d + i]!;
    this.lvl.set(this.mu);
    this.anchor.set(this.mu);
    this.muF.set(this.mu);
    this.zDev.set(zf);
    this.hasPrev = true;
    this.learnBuf = null;
    this.learned = true;
  }
}
