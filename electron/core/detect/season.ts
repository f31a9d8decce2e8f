// Seasonality: an hour-of-day profile per sensor (24 buckets: O(1)) is learned from normal data and
// removed from the signal once it has repeated over two days.

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
