// A sensor's resolution and the stuck detector's limit, from its learning rows: what a sensor that never
// repeated a value while learning (a continuous measurement) may repeat before it is stuck, and the step of
// the last digit its values are given to (the spread floor of a sensor that held one value while learning).
import type { CombinedDetectors } from './combined';
import type { DetectorParams } from './schema';
import type { SampleTiming } from './timing';

/**
 * The stuck detector's limit per sensor. A sensor whose m learning transitions never repeated a value reports a
 * continuous measurement: its chance of repeating the last value is at most 3/m (the rule of three, 95 %), and a run
 * of L repeats at most (3/m)^L. The limit is the run that normal operation expects less than a tenth of the alarm
 * budget's episodes a week (one detector of the bank), from the samples a week holds; never under 3 repeats. A sensor
 * that repeated values while learning (quantised, counts, held by a slower source) is off: its runs say nothing.
 */
export function fitStuck(c: CombinedDetectors, buf: Float64Array, n: number, t: SampleTiming, p: DetectorParams): void {
  const d = c.d;
  const m = n - 1;
  const perWeek = 604_800_000 / Math.max(1, t.dtMs);
  for (let i = 0; i < d; i++) {
    c.stuckLen[i] = 0;
    c.repeats[i] = 0;
    if (m < 10) continue;
    let k = 0;
    for (let r = 1; r < n && k === 0; r++) if (buf[r * d + i] === buf[(r - 1) * d + i]) k++;
    if (k > 0) continue;
    const q = Math.min(0.5, 3 / m);
    c.stuckLen[i] = Math.max(3, Math.ceil(Math.log((0.1 * p.falseEpisodesPerWeek) / perWeek) / Math.log(q)));
  }
}

/** The last decimal digit's step of v (1 for 0 and integers, 0.01 for 2.75; 1e-9 past nine decimals). */
export function quantumOf(v: number): number {
  let q = 1;
  for (let k = 0; k <= 9; k++, q /= 10) {
    const s = v / q;
    if (Math.abs(s - Math.round(s)) <= 1e-9 * Math.max(1, Math.abs(s))) return q;
  }
  return 1e-9;
}
