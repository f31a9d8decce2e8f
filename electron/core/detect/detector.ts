// Streaming detectors for one device (a vector of sensors sampled together). O(1) memory per
// series after the learning buffer is released; no allocation per sample, because the live
// service must stay far above the plant's rate (target ≥1M sensor values/s single-threaded).
//
// DeviceDetector is the combined detectors (combined.ts: level, drift, variance, cross) and what runs
// a series through them: the learning rows, then the model (learn.ts) and the hit threshold
// (budget.ts); bad values held, the daily or weekly cycle removed (season.ts), settling after a discontinuity.
// What the baselines remember for the episode rules (snapshots, the known normal) is BaselineMemory (memory.ts). The seed's rolling z-score (zscore.ts) stays selectable for
// comparison. Time, not rows: see timing.ts.
import { calibrateBudget, MIN_FIT, NO_BUDGET, tailScore, type AlarmBudget, type TailTracker } from './budget';
import { BaselineMemory } from './memory';
import { KIND_ZSCORE } from './kinds';
import { learnModel, LearningRows, settledStart } from './learn';
import type { DetectorParams } from './schema';
import { Seasonality, type SeasonKind } from './season';
import { measureSampling, timingFor, timingWarnings, type SampleTiming } from './timing';
import { ZscoreWindow } from './zscore';

/**
 * The per-device detector bank. Feed rows with push(); read score/sensorScore/sensorKinds after it.
 * Rows must come in time order; the caller (DeviceMonitor) drops duplicates and stragglers.
 */
export class DeviceDetector extends BaselineMemory {
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
  /** Non-finite values replaced by the last good one. */
  missing = 0;
  /** Samples left to re-settle after a known discontinuity (0 = none). */
  resettling = 0;

  private readonly zscore: ZscoreWindow | null;
  private budget: AlarmBudget = NO_BUDGET;
  /** The tail of this series' declustered scores, fed on: the hit threshold follows it (null: too few learning rows). */
  private tracker: TailTracker | null = null;
  /** The learning rows; null once learned (or in z-score mode, which does not learn). */
  private learning: LearningRows | null;
  /** The daily and weekly profiles (created at the end of learning, when the sampling period is known; null: off). */
  private season: Seasonality | null = null;
  /** Per sensor: the learned spread while the seasonal one replaces it (0 = not replaced). */
  private readonly learnedScale: Float64Array;
  private readonly tmp: Float64Array;
  private readonly lastX: Float64Array;
  private readonly hasLast: Uint8Array;
  private resettleN = 0;

  constructor(
    d: number,
    params: DetectorParams,
    /** The sensors' names, for warnings (default: their numbers). */
    private readonly names: readonly string[] = [],
  ) {
    super(d, params);
    this.lastX = new Float64Array(d);
    this.hasLast = new Uint8Array(d);
    this.tmp = new Float64Array(d);
    this.learnedScale = new Float64Array(d);
    if (params.mode === 'zscore') {
      // the seed's detector counts rows; its episodes use the declared sampling's counts (else the 5 s plant's, or the row overrides)
      this.timing = timingFor(params, (params.samplingSeconds ?? 5) * 1000);
      this.zscore = new ZscoreWindow(d, params.zscoreWindow, params.zscoreThreshold);
      this.learning = null;
      this.learned = true;
    } else {
      this.zscore = null;
      this.learning = new LearningRows(d, params.learnSamples ?? 256);
    }
  }

  /** Per sensor: the seasonal cycle in use ('daily' or 'weekly'), or null. */
  seasonality(): Array<SeasonKind | null> {
    return Array.from({ length: this.d }, (_, i) => this.season?.active(i) ?? null);
  }

  /** Learn the daily and weekly profiles from a sample (the monitor calls this except while re-settling or the score is up outside an episode). */
  learnSeason(ts: number, values: ArrayLike<number>): void {
    const s = this.season;
    if (!s || !this.learned) return;
    const before = this.tmp;
    for (let i = 0; i < this.d; i++) before[i] = s.value(i, ts);
    const closed = s.add(ts, values, this.scale);
    for (let i = 0; i < this.d; i++) {
      // The learning window's spread may hold part of the cycle: once the cycle is removed, the spread around
      // it replaces the learned one where it is smaller; when the cycle goes off again, the learned one is back.
      if (closed && s.turned[i] === 1 && s.spread[i] < this.scale[i]) {
        if (this.learnedScale[i] === 0) this.learnedScale[i] = this.scale[i];
        this.rescale(i, s.spread[i]);
      } else if (closed && s.turned[i] === -1 && this.learnedScale[i] > 0) {
        this.rescale(i, this.learnedScale[i]);
        this.learnedScale[i] = 0;
      }
      const delta = s.value(i, ts) - before[i];
      if (delta !== 0) {
        // the baselines live in deseasonalised units: move them with the profile
        this.shiftBaselines(i, delta);
      }
    }
  }

  /** Forget the daily and weekly profiles (a replay's seek or loop): the learned spread is back; they learn anew. */
  forgetSeason(): void {
    if (!this.season || !this.timing) return;
    for (let i = 0; i < this.d; i++) {
      if (this.learnedScale[i] > 0) this.rescale(i, this.learnedScale[i]);
      this.learnedScale[i] = 0;
    }
    this.season = new Seasonality(this.d, this.timing.dtMs);
  }

  /**
   * A known discontinuity (replay seek, speed change, resume, loop; a reconnect): forget the short-term
   * state and re-settle over the next `samples` samples, whose mean level becomes the baseline.
   */
  beginResettle(samples: number): void {
    this.resetShortTerm();
    // the data jumps (seek, loop): the normal before the last episode is no longer where this stretch came from
    this.known = false;
    if (!this.learned || this.p.mode === 'zscore') return;
    this.resettling = Math.max(1, samples);
    this.resettleN = 0;
    this.anchor.fill(0);
  }

  /** Forget short-term state (after a data gap); the learned baseline stays. */
  resetShortTerm(): void {
    this.rest();
    this.repeats.fill(0);
    this.hasPrev = false;
    this.zscore?.reset();
  }

  /**
   * Slow baseline adaptation (daily cycles, process wander), at `factor` × the configured rate. The
   * monitor freezes it inside an episode, so an anomaly is not learned as normal and the episode can
   * close when the signals come back.
   */
  adapt(values: ArrayLike<number>, factor = 1, quietFactor = factor, quietLevel = 0.7, involved: Uint8Array | null = null): void {
    const t = this.timing;
    if (this.p.baselineTauSeconds <= 0 || !this.learned || this.p.mode === 'zscore' || !t) return;
    // Snapshot the baseline every rollbackSamples/SNAPSHOTS samples while nothing is open (factor 1).
    if (factor >= 1) this.snapshot(t);
    void values; // the deseasonalised copy of this row (xs) is what the baselines follow
    this.adaptBaselines(this.xs, t, factor, quietFactor, quietLevel, involved);
  }

  push(values: ArrayLike<number>, ts = 0): number {
    const d = this.d;
    // Hold the last good value for NaN/Infinity: one bad field must not poison the filters.
    const x = this.lastX;
    let anyGood = false;
    const learned = this.learned;
    for (let i = 0; i < d; i++) {
      const v = values[i];
      if (v === v && v !== Infinity && v !== -Infinity) {
        if (learned) {
          // (every sensor had a value by the end of learning.) The stuck detector's sensors (no repeat while learning)
          // count the repeats of the last value they sent (a held, missing one is no repeat); a sensor that learned one
          // value is judged in steps of its resolution, which a value with a finer last digit refines. Never both.
          if (this.stuckLen[i] > 0) this.repeats[i] = v === x[i] ? this.repeats[i] + 1 : 0;
          else if (this.quantum[i] > 0 && v !== x[i]) this.refineQuantum(i, v);
        }
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
    if (this.zscore) {
      const best = this.zscore.push(x, this.sensorScore, this.sensorKinds);
      this.score = best;
      if (best >= 1) this.kinds = KIND_ZSCORE;
      return best;
    }
    const rows = this.learning;
    if (rows) {
      for (let i = 0; i < d; i++) if (!this.hasLast[i]) return 0;
      if (rows.add(x, ts, this.p)) this.fit(rows);
      return 0;
    }
    const t = this.timing;
    if (!t) return 0; // not reached: learning sets it
    this.scored++;
    const xs = this.xs;
    const season = this.season;
    for (let i = 0; i < d; i++) xs[i] = season ? x[i] - season.value(i, ts) : x[i];
    if (this.resettling > 0) {
      this.resettle(xs);
      return 0;
    }
    const raw = this.scoreRow(xs, t, this.hit);
    this.pscore = tailScore(this.budget, raw);
    const tr = this.tracker;
    if (tr) {
      tr.observe(raw, t.dtMs / 1000);
      this.hit = tr.hit;
      this.expectedFalsePerWeek = tr.expectedFalsePerWeek;
    }
    return this.score;
  }

  /** Whether the alarm budget has fitted this series' tail (else expectedFalsePerWeek is no estimate: 0). */
  get budgetFitted(): boolean {
    return !!this.tracker && this.tracker.fitted;
  }

  /** −log10 of the probability that a normal sample scores raw or more (exponential tail past the 90th percentile). */
  tailScore(raw: number): number {
    return tailScore(this.budget, raw);
  }

  /** Gather the new level while re-settling (anchor holds its sum), score nothing; at the end it is the baseline. */
  private resettle(xs: Float64Array): void {
    const d = this.d;
    for (let i = 0; i < d; i++) this.anchor[i] += xs[i];
    this.resettleN++;
    if (--this.resettling === 0) {
      const lvl = this.lvl;
      for (let i = 0; i < d; i++) lvl[i] = this.anchor[i] / this.resettleN;
      this.rebaseline();
      this.anchor.set(lvl);
      this.hasPrev = false;
    }
  }

  /** End of the learning period: the sampling period, the model (learn.ts), the alarm budget (budget.ts). */
  private fit(rows: LearningRows): void {
    const { buf, ts, n } = rows;
    const measured = measureSampling(ts, n);
    let dtMs = measured.dtMs;
    const declared = this.p.samplingSeconds === undefined ? 0 : this.p.samplingSeconds * 1000;
    if (declared > 0) {
      if (n < 2 || (measured.dtMs <= 2 * declared && measured.dtMs >= declared / 2)) dtMs = declared;
      else
        this.warnings.push(
          `declared sampling period ${this.p.samplingSeconds} s, but the data came every ${(measured.dtMs / 1000).toPrecision(3)} s: the measured period is used`,
        );
    }
    const irregular = (measured.irregular * measured.dtMs) / dtMs;
    const t = (this.timing = timingFor(this.p, dtMs));
    if (this.p.seasonality === 'auto') this.season = new Seasonality(this.d, dtMs);
    this.warnings.push(...timingWarnings(this.p, t, n, irregular));
    // a step inside the window (a start-up, the series connected mid-transient): learn on the settled state
    const settled = settledStart(buf, n, this.d, this.p);
    const learn = buf.subarray(settled.start * this.d, n * this.d);
    const m = n - settled.start;
    this.learnedRows = m;
    this.learnedSpanMs = m > 1 ? ts[n - 1] - ts[settled.start] : 0;
    if (settled.prior)
      this.warnings.push(
        `the learning window holds a step (${this.names[settled.sensor] ?? `sensor ${settled.sensor + 1}`} moved ${settled.shift.toFixed(0)} σ): learned on its ${m} rows after it; the level before it stays known as normal`,
      );
    const start = learnModel(this, learn, m, t, this.p, this.warnings);
    const cal = calibrateBudget(this, learn, m, start.warm, t, this.p.falseEpisodesPerWeek);
    this.budget = cal.budget;
    this.tracker = cal.tracker;
    if (!cal.tracker || cal.tracker.clusters < 2 * MIN_FIT)
      this.warnings.push(
        `the learning rows hold too few score clusters to fit the alarm budget's tail: the detectors' own threshold holds until normal operation shows the tail`,
      );
    this.hit = this.budget.hit;
    this.expectedFalsePerWeek = this.budget.expectedFalsePerWeek;
    this.resume(start.zf, start.zLast);
    this.anchor.set(this.mu);
    if (settled.prior) {
      this.knownMu.set(settled.prior);
      this.knownMuF.set(settled.prior);
      this.known = true;
    }
    this.learning = null;
    this.learned = true;
  }
}
