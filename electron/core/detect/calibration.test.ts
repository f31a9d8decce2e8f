// Issue 17: the alarm budget holds on normal data it was not tuned on. The families, their parameters and
// seeds here differ from the eval's (DEFAULT_FAMILIES, seed 1), on which the budget's method was checked.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../clock';
import { gaussian, measureFamily, normalFamilies, type FamilyOptions } from './calibration';
import { DeviceMonitor, EV_OPENED } from './episodes';
import { DetectorParamsSchema } from './schema';

const defaults = DetectorParamsSchema.parse({});
const HELD_OUT: FamilyOptions = { phis: [0.3, 0.97], wanderTaus: [2400], wanderAmps: [6], dts: [1, 60, 900], dailyAmp: 12, modeStep: 7 };

describe('alarm budget on held-out normal families', () => {
  // the finding: heavy-tailed noise gave 1.6–2.4 false episodes per series-DAY against a promise of ≤ 1 a week
  it('false episodes per series-week stay within 2× the budget pooled, and within 4× on any family with two series-weeks', () => {
    const budget = defaults.falseEpisodesPerWeek;
    let eps = 0;
    let weeks = 0;
    const per: string[] = [];
    for (const f of normalFamilies(HELD_OUT)) {
      // 1 s series run a day each: more of them so every family holds a couple of series-weeks
      const r = measureFamily(f, defaults, f.dt < 60 ? 10 : 3, 29);
      eps += r.falseEpisodes;
      weeks += r.weeks;
      if (r.weeks >= 2 && r.perSeriesWeek > 4 * budget) per.push(`${r.name}: ${r.perSeriesWeek.toFixed(2)}/week over ${r.weeks.toFixed(1)} weeks`);
    }
    expect(per).toEqual([]);
    expect(eps / weeks).toBeLessThanOrEqual(2 * budget);
  }, 120_000);

  // the finding: the tail's shape was shrunk towards the exponential by one standard error, so heavy-tailed noise
  // judged sample by sample (Student-t ν = 3 every minute) saw twice the budget (2.1/series-week)
  it('heavy-tailed noise sampled every minute stays within 2× the budget over 32 series-weeks', () => {
    const [f] = normalFamilies({ ...HELD_OUT, dts: [60] }).filter((x) => x.name.startsWith('student-t'));
    let eps = 0;
    let weeks = 0;
    for (const seed of [29, 31]) {
      const r = measureFamily(f, defaults, 8, seed);
      eps += r.falseEpisodes;
      weeks += r.weeks;
    }
    expect(weeks).toBeGreaterThan(30);
    expect(eps / weeks).toBeLessThanOrEqual(2 * defaults.falseEpisodesPerWeek);
  }, 60_000);

  it('a real fault every day is not learned away: episodes far past the threshold count, but do not widen the tail', () => {
    // the budget cannot tell a real fault from a false alarm by its timing; by its height it can: a 10σ step
    // each day for three weeks (far more often than the budget) stays detected every time. It comes at a
    // different hour each day: one at the same hour every day is a daily cycle (seasonality learns it).
    const rng = seededRng(606);
    const m = new DeviceMonitor('f', ['a', 'b'], defaults);
    const startMin = Array.from({ length: 21 }, (_, day) => 60 + ((day * 397) % 1300));
    let opened = 0;
    for (let i = 0; i < 21 * 1440; i++) {
      const day = Math.floor(i / 1440);
      const fault = i > 1440 && i % 1440 >= startMin[day] && i % 1440 < startMin[day] + 30 ? 10 : 0;
      if (m.push(Date.UTC(2026, 3, 1) + i * 60_000, [50 + gaussian(rng) + fault, 20 + gaussian(rng)]) === EV_OPENED) opened++;
    }
    expect(opened).toBe(20);
  });
});
