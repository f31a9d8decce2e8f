// The seed's detector (rolling window, |z| over a threshold), kept selectable for comparison: it
// counts rows, not time, and re-centres on a shifted level within its window.
import { KIND_ZSCORE } from './kinds';

/** A window of the last `window` rows per sensor, with running sums so a row costs O(d). */
export class ZscoreWindow {
  private readonly ring: Float64Array;
  private pos = 0;
  private n = 0;
  private readonly rs: Float64Array;
  private readonly rs2: Float64Array;

  constructor(
    private readonly d: number,
    private readonly window: number,
    private readonly threshold: number,
  ) {
    this.ring = new Float64Array(window * d);
    this.rs = new Float64Array(d);
    this.rs2 = new Float64Array(d);
  }

  /** Score row x against the window (once full) into sensorScore/sensorKinds, then slide it; returns the row's best. */
  push(x: Float64Array, sensorScore: Float64Array, sensorKinds: Int32Array): number {
    const d = this.d;
    const w = this.window;
    const ring = this.ring;
    let best = 0;
    if (this.n >= w) {
      for (let i = 0; i < d; i++) {
        const mean = this.rs[i] / w;
        const varc = Math.max(0, this.rs2[i] / w - mean * mean);
        const sd = Math.sqrt(varc);
        const z = sd > 1e-12 ? Math.abs(x[i] - mean) / sd : 0;
        const s = z / this.threshold;
        sensorScore[i] = s;
        if (s >= 1) sensorKinds[i] = KIND_ZSCORE;
        if (s > best) best = s;
      }
    }
    // slide the window: drop the oldest, add this row
    const base = this.pos * d;
    for (let i = 0; i < d; i++) {
      if (this.n >= w) {
        const old = ring[base + i];
        this.rs[i] -= old;
        this.rs2[i] -= old * old;
      }
      ring[base + i] = x[i];
      this.rs[i] += x[i];
      this.rs2[i] += x[i] * x[i];
    }
    this.pos = (this.pos + 1) % w;
    if (this.n < w) this.n++;
    return best;
  }

  /** Forget the window (after a data gap). */
  reset(): void {
    this.n = 0;
    this.pos = 0;
    this.rs.fill(0);
    this.rs2.fill(0);
  }
}
