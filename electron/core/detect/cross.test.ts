// Issue 17, the cross-sensor detector (Hotelling T² of the smoothed z vector): what it must see and what it must
// leave alone, at SKAB's sampling (1 s) and learning length (~5 min).
import { describe, expect, it } from 'vitest';
import { seededRng } from '../clock';
import { gaussian } from './calibration';
import { DeviceMonitor, EV_OPENED } from './episodes';
import { DetectorParamsSchema } from './schema';

const STEP = 1000;
const LEARN = 300;

/** Run rows (one a second) through one monitor; the episodes with the row they opened at. */
function run(rows: number[][]) {
  const p = DetectorParamsSchema.parse({ learnSamples: LEARN });
  const m = new DeviceMonitor(
    'dev',
    rows[0].map((_, i) => `s${i}`),
    p,
  );
  const eps: Array<{ at: number; detectors: string[] }> = [];
  rows.forEach((v, r) => {
    if (m.push(Date.UTC(2026, 0, 5) + r * STEP, v) === EV_OPENED) eps.push({ at: r, detectors: [...(m.episode?.detectors ?? [])] });
  });
  m.forceClose();
  return eps;
}

/**
 * Two sensors driven by one fast process (a shared white component, 1 σ) over their own small noise (0.3 σ),
 * plus `wander` (row → [w0, w1]) on top: they move together sample by sample, so the gap between them is
 * tight (0.42 of either's spread) although each is noisy.
 */
function coupled(n: number, seed: number, wander: (r: number) => [number, number] = () => [0, 0]): number[][] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, (_, r) => {
    const c = gaussian(rng);
    const [w0, w1] = wander(r);
    return [100 + c + 0.3 * gaussian(rng) + w0, 50 + c + 0.3 * gaussian(rng) + w1];
  });
}

/** Ornstein-Uhlenbeck wander of stationary spread amp, time constant tau rows. */
function ou(rng: () => number, amp: number, tau: number): () => number {
  const a = Math.exp(-1 / tau);
  let w = 0;
  return () => (w = a * w + amp * Math.sqrt(1 - a * a) * gaussian(rng));
}

describe('cross-sensor detector', () => {
  // The finding: the covariance of the smoothed z was estimated on the smoothed trace (5 min at 1 s under a 22 s
  // filter: about 5 independent samples) and its diagonal then floored at the raw spread, which kept the variance
  // but not the coupling (a correlation of 0.9 came out as 0.01): two sensors that always moved together could
  // move 3 σ apart, each within its own limits, and nothing saw it.
  it('flags two sensors that move together sample by sample moving 3 σ apart, each within its own limits', () => {
    for (const seed of [3, 4, 5]) {
      const rows = coupled(2000, seed);
      const sd = Math.sqrt(1 + 0.09); // each sensor's spread
      for (let r = 1200; r < 1500; r++) {
        rows[r][0] += 1.5 * sd;
        rows[r][1] -= 1.5 * sd;
      }
      const eps = run(rows);
      expect(eps.filter((e) => e.at < 1200)).toEqual([]);
      const hit = eps.find((e) => e.at >= 1200 && e.at < 1260);
      expect(hit?.detectors ?? []).toContain('cross');
    }
  });

  it('leaves independent normal noise alone', () => {
    for (const seed of [7, 8]) {
      const rng = seededRng(seed);
      const rows = Array.from({ length: 20_000 }, () => [10 + gaussian(rng), 20 + gaussian(rng), 30 + gaussian(rng), 40 + gaussian(rng)]);
      expect(run(rows)).toEqual([]);
    }
  });

  it('leaves coupled sensors alone while they wander slowly together, beyond anything learning showed', () => {
    for (const seed of [9, 10]) {
      // 3 σ of common wander with a 2 h time constant: the 5-minute learning window sees almost none of it
      const w = ou(seededRng(seed + 100), 3, 7200);
      const rows = coupled(20_000, seed, () => {
        const x = w();
        return [x, x];
      });
      expect(run(rows)).toEqual([]);
    }
  });
});
