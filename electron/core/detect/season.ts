// Seasonality: an hour-of-day profile per sensor (24 buckets: O(1)) is learned from normal data and
// removed from the signal once it has repeated over two days. Meanwhile it measures the spread of the
// data around the profile, which replaces the learned spread once the cycle is removed (a learning
// window that saw part of the cycle took the cycle for noise).

const DAY_MS = 86_400_000;
const BUCKETS = 24;

/**
 * Hour-of-day profile per sensor: 24 bucket means, the long-run one averaged over days (up to a week
 * of memory), and today's being gathered. A sensor's cycle is used once two whole days have repeated
 * it (today's profile correlates ≥ 0.5 with the learned one) and its swing is at least its noise.
 */
export class DailyProfile {
  readonly mean: Float64Array;
  readonly days: Int32Array;
  private readonly sum: Float64Array;
  private readonly n: Int32Array;
  readonly consistency: Float64Array;
  readonly active: Uint8Array;
  readonly offset: Float64Array;
  /** Robust σ of the samples around the learned profile (0 = not measured yet), per sensor. */
  readonly spread: Float64Array;
  /** Samples behind each bucket's learned mean (its own noise is taken out of the spread). */
  private readonly cnt: Float64Array;
  private readonly absRes: Float64Array;
  private readonly nRes: Int32Array;
  private readonly spreadDays: Int32Array;
  /** At the last day's close, per sensor: 1 = the cycle went on, -1 = off, 0 = unchanged. */
  readonly turned: Int8Array;
  /** 1 once every bucket of the sensor has a learned mean. */
  private readonly ready: Uint8Array;
  private day = NaN;
  constructor(private readonly d: number) {
    this.mean = new Float64Array(d * BUCKETS);
    this.days = new Int32Array(d * BUCKETS);
    this.sum = new Float64Array(d * BUCKETS);
    this.n = new Int32Array(d * BUCKETS);
    this.cnt = new Float64Array(d * BUCKETS);
    this.spread = new Float64Array(d);
    this.absRes = new Float64Array(d);
    this.nRes = new Int32Array(d);
    this.spreadDays = new Int32Array(d);
    this.ready = new Uint8Array(d);
    this.turned = new Int8Array(d);
    this.consistency = new Float64Array(d);
    this.active = new Uint8Array(d);
    this.offset = new Float64Array(d);
  }
  /** Seasonal component of sensor i at ts (linear between bucket centres, zero-mean over the day). */
  value(i: number, ts: number): number {
    if (!this.active[i]) return 0;
    return this.profile(i, ts) - this.offset[i];
  }
  /** The learned profile of sensor i at ts, linear between bucket centres. */
  private profile(i: number, ts: number): number {
    const pos = ((((ts % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * BUCKETS - 0.5;
    const b0 = Math.floor(pos);
    const f = pos - b0;
    const a = (b0 + BUCKETS) % BUCKETS;
    const b = (b0 + 1) % BUCKETS;
    const o = i * BUCKETS;
    return this.mean[o + a] * (1 - f) + this.mean[o + b] * f;
  }
  /** Gather a normal sample; returns true when a day closed (turned then says which sensors' cycles went on or off). */
  add(ts: number, x: ArrayLike<number>, scale: Float64Array): boolean {
    const day = Math.floor(ts / DAY_MS);
    let closed = false;
    if (day !== this.day) {
      if (this.day === this.day) {
        this.closeDay(scale);
        closed = true;
      }
      this.day = day;
    }
    const b = Math.floor(((((ts % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * BUCKETS);
    for (let i = 0; i < this.d; i++) {
      this.sum[i * BUCKETS + b] += x[i];
      this.n[i * BUCKETS + b]++;
      if (this.ready[i]) {
        // |x − profile|, less the profile's own noise (a mean of cnt samples): E|e| = σ·√(1 + 1/cnt)·√(2/π)
        const c = this.cnt[i * BUCKETS + b];
        this.absRes[i] += Math.abs(x[i] - this.profile(i, ts)) / Math.sqrt(1 + 1 / Math.max(1, c));
        this.nRes[i]++;
      }
    }
    return closed;
  }
  private closeDay(scale: Float64Array): void {
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
      if (this.nRes[i] > 0) {
        const today = Math.sqrt(Math.PI / 2) * (this.absRes[i] / this.nRes[i]);
        const k = this.spreadDays[i];
        this.spread[i] = k === 0 ? today : this.spread[i] + (today - this.spread[i]) / Math.min(k + 1, 7);
        this.spreadDays[i] = k + 1;
        this.absRes[i] = 0;
        this.nRes[i] = 0;
      }
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.n[o + b];
        if (!n) continue;
        const m = this.sum[o + b] / n;
        const dd = this.days[o + b];
        this.mean[o + b] = dd === 0 ? m : this.mean[o + b] + (m - this.mean[o + b]) / Math.min(dd + 1, 7);
        this.cnt[o + b] = Math.min(dd + 1, 7) * n;
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
      this.ready[i] = minDays >= 1 ? 1 : 0;
      let v = 0;
      for (let b = 0; b < BUCKETS; b++) v += (this.mean[o + b] - mean) ** 2;
      const swing = Math.sqrt(v / BUCKETS);
      this.offset[i] = mean;
      // the cycle is used once it repeated, and it swings at least as far as the data strays around it (and
      // as the sensor's noise, where that was not measured yet)
      const around = this.spreadDays[i] > 0 ? this.spread[i] : scale[i];
      const on = minDays >= 2 && this.consistency[i] >= 0.5 && swing >= around && this.spreadDays[i] > 0;
      this.turned[i] = on === !!this.active[i] ? 0 : on ? 1 : -1;
      this.active[i] = on ? 1 : 0;
    }
  }
}
