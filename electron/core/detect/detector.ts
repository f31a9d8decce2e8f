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
//
// Time, not rows: the learning window and every time constant are in seconds; the series' sampling
// period is measured while it learns (median interval) and turns them into per-sample weights and
// counts (SampleTiming). A setting the sampling cannot honour gets a warning and a fallback.
// Seasonality: an hour-of-day profile per sensor (24 buckets: O(1)) is learned from normal data and
// removed from the signal once it has repeated over two days. Alarm budget: the hit threshold of each
// series is raised until the exponential tail of its own learning scores (peaks over threshold,
// declustered) expects at most falseEpisodesPerWeek; the score is also given as −log10 p.
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

/** Per-sample weight of an EWMA with time constant tau (s) at sampling period dt (s); 0 = frozen. */
export const alphaFor = (tauS: number, dtS: number) => (tauS <= 0 ? 0 : 1 - Math.exp(-dtS / tauS));

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
    baseline: alphaFor(p.baselineTauSeconds, dt),
    level: alphaFor(p.levelTauSeconds, dt),
    wander: alphaFor(p.wanderTauSeconds, dt),
    settle: alphaFor(p.settleTauSeconds, dt),
    // hits spanning openSeconds: 3 samples at 5 s, 1 once a sample is longer than that
    open: p.openSamples ?? 1 + count(p.openSeconds, 0),
    close: p.closeSamples ?? count(p.closeSeconds),
    recover: count(p.recoverSeconds),
    maxFreeze: count(p.maxFreezeSeconds),
    catchUp: count(p.catchUpSeconds, 0),
    rollback: count(p.rollbackSeconds, 0),
    resettle: count(p.settleSeconds, 3),
    cusumH: Math.max(10, p.cusumHSeconds / dt),
    gapMs: Math.max(p.gapResetSeconds * 1000, p.gapFactor * dtMs),
  };
}

const DAY_MS = 86_400_000;
const BUCKETS = 24;

/**
 * Hour-of-day profile per sensor: 24 bucket means, the long-run one averaged over days (up to a week
 * of memory), and today's being gathered. A sensor's cycle is used once two whole days have repeated
 * it (today's profile correlates ≥ 0.5 with the learned one) and its swing is at least its noise.
 */
class DailyProfile {
  readonly mean: Float64Array;
  readonly days: Int32Array;
  private readonly sum: Float64Array;
  private readonly n: Int32Array;
  readonly consistency: Float64Array;
  readonly active: Uint8Array;
  readonly offset: Float64Array;
  private day = NaN;
  constructor(private readonly d: number) {
    this.mean = new Float64Array(d * BUCKETS);
    this.days = new Int32Array(d * BUCKETS);
    this.sum = new Float64Array(d * BUCKETS);
    this.n = new Int32Array(d * BUCKETS);
    this.consistency = new Float64Array(d);
    this.active = new Uint8Array(d);
    this.offset = new Float64Array(d);
  }
  /** Seasonal component of sensor i at ts (linear between bucket centres, zero-mean over the day). */
  value(i: number, ts: number): number {
    if (!this.active[i]) return 0;
    const pos = ((((ts % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * BUCKETS - 0.5;
    const b0 = Math.floor(pos);
    const f = pos - b0;
    const a = (b0 + BUCKETS) % BUCKETS;
    const b = (b0 + 1) % BUCKETS;
    const o = i * BUCKETS;
    return this.mean[o + a] * (1 - f) + this.mean[o + b] * f - this.offset[i];
  }
  /** Gather a normal sample; returns the sensors whose cycle became active at this sample (bit mask). */
  add(ts: number, x: ArrayLike<number>, scale: Float64Array): number {
    const day = Math.floor(ts / DAY_MS);
    let turnedOn = 0;
    if (day !== this.day) {
      if (this.day === this.day) turnedOn = this.closeDay(scale);
      this.day = day;
    }
    const b = Math.floor(((((ts % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * BUCKETS);
    for (let i = 0; i < this.d; i++) {
      this.sum[i * BUCKETS + b] += x[i];
      this.n[i * BUCKETS + b]++;
    }
    return turnedOn;
  }
  private closeDay(scale: Float64Array): number {
    let turnedOn = 0;
    for (let i = 0; i < this.d; i++) {
      const o = i * BUCKETS;
      // today's bucket means against the learned ones, centred, where both exist
      let full = true;
      let mt = 0;
      let ml = 0;
      let k = 0;
      for (let b = 0; b < BUCKETS; b++) {
        if (!this.n[o + b]) full = false;
        if (this.n[o + b] && this.days[o + b]) {
          mt += this.sum[o + b] / this.n[o + b];
          ml += this.mean[o + b];
          k++;
        }
      }
      if (full && k === BUCKETS) {
        mt /= k;
        ml /= k;
        let sxy = 0;
        let sxx = 0;
        let syy = 0;
        for (let b = 0; b < BUCKETS; b++) {
          const x = this.sum[o + b] / this.n[o + b] - mt;
          const y = this.mean[o + b] - ml;
          sxy += x * y;
          sxx += x * x;
          syy += y * y;
        }
        const r = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
        this.consistency[i] = this.consistency[i] === 0 ? r : 0.5 * (this.consistency[i] + r);
      }
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.n[o + b];
        if (!n) continue;
        const m = this.sum[o + b] / n;
        const dd = this.days[o + b];
        this.mean[o + b] = dd === 0 ? m : this.mean[o + b] + (m - this.mean[o + b]) / Math.min(dd + 1, 7);
        this.days[o + b] = dd + 1;
        this.sum[o + b] = 0;
        this.n[o + b] = 0;
      }
      let minDays = Infinity;
      let mean = 0;
      for (let b = 0; b < BUCKETS; b++) {
        minDays = Math.min(minDays, this.days[o + b]);
        mean += this.mean[o + b];
      }
      mean /= BUCKETS;
      let v = 0;
      for (let b = 0; b < BUCKETS; b++) v += (this.mean[o + b] - mean) ** 2;
      const swing = Math.sqrt(v / BUCKETS);
      this.offset[i] = mean;
      const on = minDays >= 2 && this.consistency[i] >= 0.5 && swing >= scale[i];
      if (on && !this.active[i]) turnedOn |= 1 << i;
      this.active[i] = on ? 1 : 0;
    }
    return turnedOn;
  }
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
  learned = false;
  /** Rows seen since the learning period ended. */
  scored = 0;
  /** Rows the baseline was learned on. */
  learnedRows = 0;
  /** Time (ms) the learning rows spanned. */
  learnedSpanMs = 0;
  /** The score as a calibrated tail probability: −log10 P(a normal sample scores this high), from the learning data. */
  pscore = 0;
  /** Weights and counts from the measured sampling period (null until learned). */
  timing: SampleTiming | null = null;
  /** What the sampling or the data could not honour, and the fallback taken. */
  readonly warnings: string[] = [];
  /** Hit threshold on the raw (detector-normalised) score: 1, or higher where the alarm budget needs it. */
  hit = 1;
  /** Expected false episodes per week at the hit threshold, from the learning data's tail. */
  expectedFalsePerWeek = 0;
  private tailU = 0;
  private tailBeta = 0;
  private tailShare = 0;
  /** Non-finite values replaced by the last good one. */
  missing = 0;

  private readonly p: DetectorParams;
  private learnBuf: Float64Array | null;
  private learnTs: Float64Array | null;
  private learnN = 0;
  private readonly season: DailyProfile | null;
  /** This row's values with the seasonal component removed. */
  private readonly xs: Float64Array;
  private readonly tmp: Float64Array;
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
  /** Mean square of the slow residual (x − mu)/scale, learned outside episodes: how far the level normally
   *  strays from the slow baseline (a daily cycle not yet learned, process wander). The drift detector judges
   *  against max(1, its root), so a series that wanders more than its short learning showed is not a drift. */
  private readonly wander: Float64Array;
  /** The same against the level baseline (x − muF)/scale: the level and cross detectors judge against it. */
  private readonly wanderF: Float64Array;
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
    this.wander = new Float64Array(d).fill(1);
    this.wanderF = new Float64Array(d).fill(1);
    this.v0 = new Float64Array(d).fill(1);
    this.lvl = new Float64Array(d);
    this.anchor = new Float64Array(d);
    this.rs = new Float64Array(d);
    this.rs2 = new Float64Array(d);
    this.snaps = new Float64Array(2 * SNAPSHOTS * d);
    this.xs = new Float64Array(d);
    this.tmp = new Float64Array(d);
    this.season = params.mode === 'combined' && params.seasonality === 'auto' ? new DailyProfile(d) : null;
    if (params.mode === 'zscore') {
      // the seed's detector counts rows; its episodes use the 5 s plant's counts (or the row overrides)
      this.timing = timingFor(params, 5000);
      this.ring = new Float64Array(params.zscoreWindow * d);
      this.learnBuf = null;
      this.learnTs = null;
      this.learned = true;
    } else {
      const cap = params.learnSamples ?? 256;
      this.learnBuf = new Float64Array(cap * d);
      this.learnTs = new Float64Array(cap);
    }
  }

  /** Per sensor: the seasonal cycle in use ('daily'), or null. */
  seasonality(): Array<'daily' | null> {
    return Array.from({ length: this.d }, (_, i) => (this.season?.active[i] ? 'daily' : null));
  }

  /** Learn the daily profile from a normal sample (the monitor calls this outside episodes and settling). */
  learnSeason(ts: number, values: ArrayLike<number>): void {
    const s = this.season;
    if (!s || !this.learned) return;
    const before = this.tmp;
    for (let i = 0; i < this.d; i++) before[i] = s.value(i, ts);
    s.add(ts, values, this.scale);
    for (let i = 0; i < this.d; i++) {
      const delta = s.value(i, ts) - before[i];
      if (delta !== 0) {
        // the baselines live in deseasonalised units: move them with the profile
        this.mu[i] -= delta;
        this.muF[i] -= delta;
        this.lvl[i] -= delta;
        this.anchor[i] -= delta;
      }
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

  /** Samples left to re-settle after a known discontinuity (0 = none). */
  resettling = 0;
  private resettleN = 0;

  /**
   * A known discontinuity (replay seek, speed change, resume, loop; a reconnect): forget the short-term
   * state and re-settle over the next `samples` samples, whose mean level becomes the baseline.
   */
  beginResettle(samples: number): void {
    if (!this.learned || this.p.mode === 'zscore') {
      this.resetShortTerm();
      return;
    }
    this.resetShortTerm();
    this.resettling = Math.max(1, samples);
    this.resettleN = 0;
    this.anchor.fill(0);
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
    if (this.p.baselineTauSeconds <= 0 || !this.learned || this.p.mode === 'zscore') return;
    // Snapshot the baseline every rollbackSamples/SNAPSHOTS samples while nothing is open (factor 1).
    const t = this.timing!;
    if (factor >= 1 && t.rollback > 0 && ++this.sinceSnap >= Math.max(1, Math.floor(t.rollback / SNAPSHOTS))) {
      this.sinceSnap = 0;
      this.snaps.set(this.mu, 2 * this.snapPos * this.d);
      this.snaps.set(this.muF, (2 * this.snapPos + 1) * this.d);
      this.snapPos = (this.snapPos + 1) % SNAPSHOTS;
      if (this.snapN < SNAPSHOTS) this.snapN++;
    }
    void values; // the deseasonalised copy of this row (xs) is what the baselines follow
    for (let i = 0; i < this.d; i++) {
      const x = this.xs[i];
      // sensors below quietLevel (not part of the anomaly) may follow the data at quietFactor
      const f = this.sensorScore[i] < quietLevel ? quietFactor : factor;
      const a = Math.min(0.5, t.baseline * f);
      const aF = t.level > 0 ? Math.min(0.5, t.level * f) : a;
      if (f >= 1) {
        const r = (x - this.mu[i]) / this.scale[i];
        this.wander[i] += t.wander * (Math.min(r * r, 400) - this.wander[i]);
        const rf = (x - this.muF[i]) / this.scale[i];
        this.wanderF[i] += t.wander * (Math.min(rf * rf, 400) - this.wanderF[i]);
      }
      if (a > 0 && x === x && x !== Infinity && x !== -Infinity) {
        this.mu[i] += a * (x - this.mu[i]);
        this.muF[i] += aF * (x - this.muF[i]);
      }
    }
  }

  push(values: ArrayLike<number>, ts = 0): number {
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
    this.rawScore = 0;
    this.kinds = 0;
    this.sensorScore.fill(0);
    this.sensorKinds.fill(0);
    if (!anyGood) return 0;
    this.pscore = 0;
    if (this.p.mode === 'zscore') return this.pushZscore(x);
    if (!this.learned) {
      for (let i = 0; i < d; i++) if (!this.hasLast[i]) return 0;
      if ((this.learnN + 1) * d > this.learnBuf!.length) {
        const nb = new Float64Array(this.learnBuf!.length * 2);
        nb.set(this.learnBuf!);
        this.learnBuf = nb;
        const nt = new Float64Array(this.learnTs!.length * 2);
        nt.set(this.learnTs!);
        this.learnTs = nt;
      }
      this.learnBuf!.set(x.subarray(0, d), this.learnN * d);
      this.learnTs![this.learnN] = ts;
      this.learnN++;
      const p = this.p;
      const done =
        p.learnSamples !== undefined
          ? this.learnN >= p.learnSamples
          : (this.learnN >= p.learnMinSamples && ts - this.learnTs![0] >= p.learnSeconds * 1000) || this.learnN >= 100_000;
      if (done) this.fit();
      return 0;
    }
    this.scored++;
    const xs = this.xs;
    const season = this.season;
    for (let i = 0; i < d; i++) xs[i] = season ? x[i] - season.value(i, ts) : x[i];
    if (this.resettling > 0) {
      // gather the new level (anchor is free while settling), score nothing
      for (let i = 0; i < d; i++) this.anchor[i] += xs[i];
      this.resettleN++;
      if (--this.resettling === 0) {
        for (let i = 0; i < d; i++) this.lvl[i] = this.anchor[i] / this.resettleN;
        this.rebaseline();
        this.anchor.set(this.lvl);
        this.hasPrev = false;
      }
      this.score = 0;
      this.kinds = 0;
      return 0;
    }
    const raw = this.pushCombined(xs);
    this.pscore = this.tailScore(raw);
    return this.score;
  }

  /** −log10 of the probability that a normal sample scores raw or more (exponential tail past the 90th percentile). */
  tailScore(raw: number): number {
    if (this.tailBeta <= 0) return raw >= this.hit ? 6 : 0;
    const lp = Math.log10(this.tailShare) - (raw - this.tailU) / (this.tailBeta * Math.LN10);
    return lp >= 0 ? 0 : -lp;
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
    const t = this.timing!;
    const a = t.fast;
    const av = t.variance;
    const H = t.cusumH;
    const hit = this.hit;
    // CUSUM capped just above its threshold, and z clipped for the level filter: after a large step
    // ends, both fall back within a few samples instead of trailing the episode for minutes.
    const cap = 1.05 * H * hit;
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
      if (raw > rawBest) rawBest = raw;
      this.sensorScore[i] = s / hit;
      this.sensorKinds[i] = k;
      kinds |= k;
      if (s > best) best = s;
    }
    this.hasPrev = true;
    if (this.prec) {
      const t2 = this.t2(this.zf);
      const sc = t2 / (p.crossThreshold * this.t2Ref);
      if (sc >= hit) kinds |= KIND_CROSS;
      if (sc > best) best = sc;
    }
    this.score = best / hit;
    this.rawScore = rawBest / hit;
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
    this.learnedRows = n;
    this.learnedSpanMs = n > 1 ? this.learnTs![n - 1] - this.learnTs![0] : 0;
    const buf = this.learnBuf!;
    const col = new Float64Array(n);
    // the sampling period: median interval of the learning rows; irregular sampling is said, not hidden
    const iv = new Float64Array(Math.max(1, n - 1));
    for (let r = 1; r < n; r++) iv[r - 1] = this.learnTs![r] - this.learnTs![r - 1];
    const dtMs = n > 1 ? Math.max(1, median(iv)) : 5000;
    const t = (this.timing = timingFor(this.p, dtMs));
    this.warnTiming(t, n, quantile(iv, 0.9) / dtMs);
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
      // a few dozen learning samples under-estimate the spread as often as not: take the upper 95 % bound
      // of the MAD's estimate (its standard error is ≈ 1.17 σ/√n), which fades to nothing on long learning
      const ub = 1 + (1.645 * 1.17) / Math.sqrt(n);
      this.scale[i] = Math.max(mad * (n < 200 ? ub : 1), 0.5 * sd, this.p.minRelScale * Math.abs(med), 1e-9);
      this.dfac[i] = this.scale[i] / Math.max(this.scale[i], this.p.driftMinRelScale * Math.abs(med));
    }
    // Replay the training rows through the filters to learn their spread there.
    const warm = Math.min(n - 1, Math.ceil(3 / t.fast));
    const zs = new Float64Array(n * d);
    const zfTrace = new Float64Array(n * d);
    const dzs = new Float64Array(d);
    const zf = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        const z = (buf[r * d + i] - this.mu[i]) / this.scale[i];
        zs[r * d + i] = z;
        zf[i] = r === 0 ? z : zf[i] + t.fast * (z - zf[i]);
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
      // same small-sample care for the variance level (a mean of n − 1 squares: standard error √(2/(n−1)))
      this.v0[i] = Math.max((dzs[i] / Math.max(1, n - 1)) * (n < 200 ? 1 + 1.645 * Math.sqrt(2 / Math.max(1, n - 1)) : 1), 0.05);
      this.vv[i] = this.v0[i]!;
    }
    // a covariance needs many samples: below max(50, 10·d) the cross detector stays off (and says so)
    if (d >= 2 && m < Math.max(50, 10 * d))
      this.warnings.push(`only ${m} learning samples after warm-up: the cross-sensor detector needs ${Math.max(50, 10 * d)} and is off`);
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
      this.prec = invertSpd(cov, d, 1e-3);
      const t2s = new Float64Array(m);
      const y = new Float64Array(d);
      for (let r = warm; r < n; r++) {
        for (let i = 0; i < d; i++) y[i] = zfTrace[r * d + i]!;
        t2s[r - warm] = this.t2(y);
      }
      this.t2Ref = Math.max(quantile(t2s, 0.995), d);
    }
    this.lvl.set(this.mu);
    this.anchor.set(this.mu);
    this.muF.set(this.mu);
    this.calibrate(buf, n, warm, dtMs);
    this.zf.set(zf);
    this.cp.fill(0);
    this.cn.fill(0);
    for (let i = 0; i < d; i++) {
      this.zPrev[i] = zs[(n - 1) * d + i]!;
      this.vv[i] = this.v0[i]!;
    }
    this.lvl.set(this.mu);
    this.anchor.set(this.mu);
    this.zDev.set(zf);
    this.hasPrev = true;
    this.learnBuf = null;
    this.learnTs = null;
    this.learned = true;
  }

  private warnTiming(t: SampleTiming, n: number, irregular: number): void {
    const p = this.p;
    const dt = t.dtMs / 1000;
    const fmt = (s: number) => (s >= 7200 ? `${(s / 3600).toFixed(1)} h` : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(s < 10 ? 2 : 0)} s`);
    if (p.learnSamples === undefined && n * dt > p.learnSeconds * 1.5)
      this.warnings.push(
        `sampled every ${fmt(dt)}: the ${fmt(p.learnSeconds)} learning window holds fewer than ${p.learnMinSamples} samples; learned on ${n} samples (${fmt(n * dt)}) instead`,
      );
    if (dt > p.fastTauSeconds)
      this.warnings.push(`sampled every ${fmt(dt)}, slower than the level filter's ${fmt(p.fastTauSeconds)}: each sample is judged alone (no smoothing)`);
    if (dt * 10 > p.baselineTauSeconds)
      this.warnings.push(`sampled every ${fmt(dt)}: the baseline (time constant ${fmt(p.baselineTauSeconds)}) adapts at most every sample`);
    if (dt * 1000 * p.gapFactor > p.gapResetSeconds * 1000)
      this.warnings.push(`sampled every ${fmt(dt)}: a data gap is taken from ${fmt(t.gapMs / 1000)} (${p.gapFactor} samples), not ${fmt(p.gapResetSeconds)}`);
    if (irregular > 3) this.warnings.push(`irregular sampling: 10 % of intervals are over ${irregular.toFixed(1)}× the median ${fmt(dt)}`);
  }

  /**
   * Alarm budget: replay the learning rows through the scoring path, fit an exponential tail to the
   * row scores above their 90th percentile (peaks over threshold; exceedances counted once per run,
   * i.e. declustered), and raise the hit threshold until the expected false episodes per week are
   * within falseEpisodesPerWeek. The filters start from rest, as after learning.
   */
  private calibrate(buf: Float64Array, n: number, warm: number, dtMs: number): void {
    const d = this.d;
    this.hit = 1;
    const m = n - warm;
    if (m < 10) return;
    this.zf.fill(0);
    this.cp.fill(0);
    this.cn.fill(0);
    for (let i = 0; i < d; i++) this.vv[i] = this.v0[i]!;
    this.hasPrev = false;
    const scores = new Float64Array(m);
    const row = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) row[i] = buf[r * d + i]!;
      if (r === 0) for (let i = 0; i < d; i++) this.zf[i] = (row[i] - this.muF[i]) / this.scale[i];
      const raw = this.pushCombined(row);
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
    if (k < 3 || sum <= 0) return;
    const beta = sum / k;
    const seconds = (m * dtMs) / 1000;
    // clusters above u per week, thinned by the exponential tail: λ(S) = rate_u · exp(−(S − u)/β)
    const perWeekAtU = (clusters / Math.max(seconds, 1)) * 604_800;
    const budget = this.p.falseEpisodesPerWeek;
    const need = u + beta * Math.log(Math.max(1, perWeekAtU / budget));
    this.tailU = u;
    this.tailBeta = beta;
    this.tailShare = k / m;
    this.hit = Math.max(1, need);
    this.expectedFalsePerWeek = perWeekAtU * Math.exp(-(this.hit - u) / beta);
  }
}
