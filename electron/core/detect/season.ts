// Seasonality: a daily profile per sensor, and a weekly one, are learned from the data and the one that
// explains it best is removed from the signal once it has repeated over two periods. Each profile is a
// seasonal index: one mean per phase bucket, held over the bucket (piecewise constant, no interpolation),
// so a step at a shift change or a day/night setpoint is learned as a step, not a ramp that alarms at both
// ends. Buckets follow the sampling: one per sample up to 96 a day (15 min; 24 at hourly data), and the
// week at the sampling up to 30-min buckets (336; hourly, 168, at the least). Memory is O(1) per sensor: a few KB.
// Meanwhile it measures the spread of the data around each profile, which replaces the learned spread
// once the cycle is removed (a learning window that saw part of the cycle took the cycle for noise).

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** A share of a period's buckets with samples that makes the period count (a gap of a few samples does not void it). */
const COVERED = 0.9;
/** A period's bucket mean further than this many spreads (robust σ of one sample around the profile) from the
 *  learned mean is a move, not the cycle's noise (a bucket's mean of several samples is closer than one sample). */
const CHANGE_SIGMA = 3;

/**
 * One cycle's profile per sensor: bucket means, the long-run one averaged over periods (up to `memory`
 * periods), and the current period's being gathered. A sensor's cycle is usable once two covered periods
 * have repeated it (the current period's profile correlates ≥ 0.5 with the one learned before it) and its
 * swing is at least the data's spread around it.
 */
export class CycleProfile {
  readonly buckets: number;
  private readonly bucketMs: number;
  readonly mean: Float64Array;
  /** Periods behind each bucket's mean (capped at memory). */
  private readonly days: Uint8Array;
  private readonly sum: Float64Array;
  private readonly n: Uint32Array;
  /** Samples behind each bucket's learned mean (its own noise is taken out of the spread). */
  private readonly cnt: Float32Array;
  readonly consistency: Float64Array;
  /** Per sensor: covered periods learned. */
  private readonly periods: Uint16Array;
  readonly usable: Uint8Array;
  readonly offset: Float64Array;
  /** Robust σ of the samples around the learned profile (0 = not measured yet), per sensor. */
  readonly spread: Float64Array;
  private readonly absRes: Float64Array;
  private readonly nRes: Uint32Array;
  private readonly spreadDays: Uint16Array;
  /** Per bucket: the side (+1/−1) of the last period's mean where it stood further than CHANGE_SIGMA spreads from the
   *  learned mean (0 = it did not): a move is learned in full once the next period repeats it. */
  private readonly moved: Int8Array;
  /** 1 once the sensor has a learned mean in every bucket (a bucket that never had one holds its neighbour's). */
  private readonly ready: Uint8Array;
  private period = NaN;

  constructor(
    private readonly d: number,
    private readonly periodMs: number,
    buckets: number,
    private readonly memory: number,
  ) {
    this.buckets = buckets;
    this.bucketMs = periodMs / buckets;
    this.mean = new Float64Array(d * buckets);
    this.days = new Uint8Array(d * buckets);
    this.sum = new Float64Array(d * buckets);
    this.n = new Uint32Array(d * buckets);
    this.cnt = new Float32Array(d * buckets);
    this.moved = new Int8Array(d * buckets);
    this.spread = new Float64Array(d);
    this.absRes = new Float64Array(d);
    this.nRes = new Uint32Array(d);
    this.spreadDays = new Uint16Array(d);
    this.ready = new Uint8Array(d);
    this.periods = new Uint16Array(d);
    this.consistency = new Float64Array(d);
    this.usable = new Uint8Array(d);
    this.offset = new Float64Array(d);
  }

  private bucketOf(ts: number): number {
    const b = Math.floor((((ts % this.periodMs) + this.periodMs) % this.periodMs) / this.bucketMs);
    return b < this.buckets ? b : this.buckets - 1;
  }

  /** Seasonal component of sensor i at ts (zero-mean over the period); 0 where the cycle is not usable. */
  value(i: number, ts: number): number {
    if (!this.usable[i]) return 0;
    return this.mean[i * this.buckets + this.bucketOf(ts)] - this.offset[i];
  }

  /** Gather a sample; returns true when a period closed (usable, spread and consistency were then updated). */
  add(ts: number, x: ArrayLike<number>, scale: Float64Array): boolean {
    const period = Math.floor(ts / this.periodMs);
    let closed = false;
    if (period !== this.period) {
      if (this.period === this.period) {
        this.close(scale);
        closed = true;
      }
      this.period = period;
    }
    const B = this.buckets;
    const b = this.bucketOf(ts);
    for (let i = 0; i < this.d; i++) {
      const o = i * B + b;
      this.sum[o] += x[i];
      this.n[o]++;
      if (this.ready[i]) {
        // |x − profile|, less the profile's own noise (a mean of cnt samples): E|e| = σ·√(1 + 1/cnt)·√(2/π)
        this.absRes[i] += Math.abs(x[i] - this.mean[o]) / Math.sqrt(1 + 1 / Math.max(1, this.cnt[o]));
        this.nRes[i]++;
      }
    }
    return closed;
  }

  private close(scale: Float64Array): void {
    const B = this.buckets;
    for (let i = 0; i < this.d; i++) {
      const o = i * B;
      // this period's bucket means against the learned ones, centred, where both exist
      let have = 0;
      let mt = 0;
      let ml = 0;
      let k = 0;
      for (let b = 0; b < B; b++) {
        if (!this.n[o + b]) continue;
        have++;
        if (this.days[o + b]) {
          mt += this.sum[o + b] / this.n[o + b];
          ml += this.mean[o + b];
          k++;
        }
      }
      const covered = have >= COVERED * B;
      if (covered && k >= COVERED * B) {
        mt /= k;
        ml /= k;
        let sxy = 0;
        let sxx = 0;
        let syy = 0;
        for (let b = 0; b < B; b++) {
          if (!this.n[o + b] || !this.days[o + b]) continue;
          const x = this.sum[o + b] / this.n[o + b] - mt;
          const y = this.mean[o + b] - ml;
          sxy += x * y;
          sxx += x * x;
          syy += y * y;
        }
        const r = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
        this.consistency[i] = this.consistency[i] === 0 ? r : 0.5 * (this.consistency[i] + r);
      }
      // how far a period's bucket mean may stand from the learned one and still be the cycle's own variation: from
      // the spread known before this period (this period's own residuals hold the fault being judged), or the
      // sensor's learned spread where none was measured around the profile yet (as for `usable` below)
      const lim = CHANGE_SIGMA * (this.spreadDays[i] > 0 ? this.spread[i] : scale[i]);
      if (this.nRes[i] > 0) {
        const today = Math.sqrt(Math.PI / 2) * (this.absRes[i] / this.nRes[i]);
        const s = this.spreadDays[i];
        this.spread[i] = s === 0 ? today : this.spread[i] + (today - this.spread[i]) / Math.min(s + 1, this.memory);
        this.spreadDays[i] = s + 1;
        this.absRes[i] = 0;
        this.nRes[i] = 0;
      }
      for (let b = 0; b < B; b++) {
        const n = this.n[o + b];
        if (!n) continue;
        let m = this.sum[o + b] / n;
        const dd = this.days[o + b];
        // A one-off is not a cycle: a period's bucket mean further than `lim` from the learned one (an outage, a
        // fault inside an episode, which the profiles learn too) moves the bucket only by `lim` unless the next
        // period repeats the move on the same side; then it is the cycle changing (a shift that starts an hour
        // earlier from now on) and is learned in full. Left unbounded, an hour's outage weighed 1/2 of its bucket in
        // a profile's second period and opened a false episode at the same hour the next day and week.
        if (dd > 0) {
          const dev = m - this.mean[o + b];
          const side = dev > lim ? 1 : dev < -lim ? -1 : 0;
          if (side !== 0 && this.moved[o + b] !== side) m = this.mean[o + b] + side * lim;
          this.moved[o + b] = side;
        }
        const w = Math.min(dd + 1, this.memory);
        this.mean[o + b] = dd === 0 ? m : this.mean[o + b] + (m - this.mean[o + b]) / w;
        this.cnt[o + b] = w * n;
        this.days[o + b] = w;
        this.sum[o + b] = 0;
        this.n[o + b] = 0;
      }
      if (covered) this.periods[i]++;
      // a bucket no covered period reached yet holds its predecessor's mean (a gap in the data at that phase)
      let last = -1;
      for (let b = 0; b < 2 * B; b++) {
        const j = b % B;
        if (this.days[o + j]) last = j;
        else if (last >= 0) this.mean[o + j] = this.mean[o + last];
      }
      let mean = 0;
      for (let b = 0; b < B; b++) mean += this.mean[o + b];
      mean /= B;
      this.ready[i] = last >= 0 && this.periods[i] >= 1 ? 1 : 0;
      let v = 0;
      for (let b = 0; b < B; b++) v += (this.mean[o + b] - mean) ** 2;
      const swing = Math.sqrt(v / B);
      this.offset[i] = mean;
      // the cycle is usable once it repeated, and it swings at least as far as the data strays around it (and
      // as the sensor's noise, where that was not measured yet)
      const around = this.spreadDays[i] > 0 ? this.spread[i] : scale[i];
      this.usable[i] = this.periods[i] >= 2 && this.consistency[i] >= 0.5 && swing >= around && this.spreadDays[i] > 0 ? 1 : 0;
    }
  }
}

export type SeasonKind = 'daily' | 'weekly';

/**
 * The daily and the weekly profile of each sensor, and which of them is removed from its signal: the usable
 * one with the smaller spread around it (a weekly cycle, e.g. no shift on weekends, leaves a daily profile
 * a wide spread on the days it does not fit; where the days are alike, the daily profile's better-averaged
 * buckets win).
 */
export class Seasonality {
  private readonly daily: CycleProfile;
  private readonly weekly: CycleProfile;
  /** Per sensor: 0 none, 1 daily, 2 weekly. */
  private readonly kind: Uint8Array;
  /** At the last period's close, per sensor: 1 = a cycle went on or changed, -1 = off, 0 = unchanged. */
  readonly turned: Int8Array;
  /** Robust σ around the cycle in use (0 = none), per sensor. */
  readonly spread: Float64Array;

  constructor(
    private readonly d: number,
    dtMs: number,
  ) {
    this.daily = new CycleProfile(d, DAY_MS, Math.max(24, Math.min(96, Math.round(DAY_MS / Math.max(dtMs, 1)))), 7);
    // The weekly profile follows the sampling too, to 30-min buckets: at hourly ones a 30-min series' rush hour fell
    // into buckets holding two phases of it, and the residual (~15 σ on 30-min demand counts) widened the level
    // detector's limit until a weekday at −40 % went unseen. 30 min, not the daily profile's 15: the weekly profile is
    // kept for every sensor of the live service (10,000 tags), at ~9 KB each.
    this.weekly = new CycleProfile(d, WEEK_MS, Math.max(168, Math.min(336, Math.round(WEEK_MS / Math.max(dtMs, 1)))), 4);
    this.kind = new Uint8Array(d);
    this.turned = new Int8Array(d);
    this.spread = new Float64Array(d);
  }

  /** Per sensor: the cycle in use, or null. */
  active(i: number): SeasonKind | null {
    const k = this.kind[i];
    return k === 1 ? 'daily' : k === 2 ? 'weekly' : null;
  }

  value(i: number, ts: number): number {
    const k = this.kind[i];
    return k === 1 ? this.daily.value(i, ts) : k === 2 ? this.weekly.value(i, ts) : 0;
  }

  /** Gather a sample; true when a period closed (turned then says which sensors' cycles went on, changed or off). */
  add(ts: number, x: ArrayLike<number>, scale: Float64Array): boolean {
    const closedDay = this.daily.add(ts, x, scale);
    const closedWeek = this.weekly.add(ts, x, scale);
    if (!closedDay && !closedWeek) return false;
    const dly = this.daily;
    const wk = this.weekly;
    for (let i = 0; i < this.d; i++) {
      const useD = dly.usable[i] === 1;
      const useW = wk.usable[i] === 1;
      const k = useW && (!useD || wk.spread[i] < dly.spread[i]) ? 2 : useD ? 1 : 0;
      this.turned[i] = k === this.kind[i] ? 0 : k === 0 ? -1 : 1;
      this.kind[i] = k;
      this.spread[i] = k === 1 ? dly.spread[i] : k === 2 ? wk.spread[i] : 0;
    }
    return true;
  }
}
