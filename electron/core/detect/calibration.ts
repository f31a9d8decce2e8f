// Calibration harness: families of NORMAL synthetic series (no anomaly in them), run through the same
// offline path as the CLI with given settings, and the false episodes they raise per series-week beside
// the budget (falseEpisodesPerWeek). Every episode on these series is false by construction.
// The families are kinds of data, not data sets: AR(1) noise from white to nearly a random walk,
// heavy tails (Student-t, ν = 3), slow mean-reverting wander, a daily cycle, announced operating-mode
// changes; each at 1 s, 60 s and 15 min sampling. A caller picks the seeds (a test uses other seeds and
// parameters than the ones any default was chosen on).
import { seededRng } from '../clock';
import { DeviceMonitor, EV_OPENED } from './episodes';
import type { DetectorParams } from './schema';

export interface NormalFamily {
  name: string;
  /** Sampling period (s). */
  dt: number;
  /** Series length (s). */
  span: number;
  /** Sensors per series (independent, same kind). */
  d: number;
  /** Value of sensor i at sample r (state kept by the closure); mode: announced operating mode (a level offset). */
  make: (rng: () => number) => { next: (r: number) => number[]; announced: (r: number) => boolean };
}

export interface FamilyResult {
  name: string;
  series: number;
  weeks: number;
  falseEpisodes: number;
  perSeriesWeek: number;
  /** Median expected false episodes per week the budget promised, over the series. */
  promised: number;
}

const DAY = 86_400;
const WEEK = 7 * DAY;

export function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Student-t with ν degrees of freedom, scaled to unit variance (ν > 2). */
export function studentT(rng: () => number, nu: number): number {
  let chi = 0;
  for (let k = 0; k < nu; k++) chi += gaussian(rng) ** 2;
  return gaussian(rng) / Math.sqrt(chi / nu) / Math.sqrt(nu / (nu - 2));
}

export interface FamilyOptions {
  /** AR(1) coefficients of the ar1 family. */
  phis: readonly number[];
  /** Mean-reversion time constants (s) of the wander family. */
  wanderTaus: readonly number[];
  /** Stationary spread of the wander, in noise σ. */
  wanderAmps: readonly number[];
  /** Sampling periods (s). */
  dts: readonly number[];
  /** Daily cycle amplitude in noise σ. */
  dailyAmp: number;
  /** Operating-mode step in noise σ. */
  modeStep: number;
}

export const DEFAULT_FAMILIES: FamilyOptions = {
  phis: [0, 0.5, 0.9, 0.99],
  wanderTaus: [1200, 6 * 3600],
  wanderAmps: [3, 10],
  dts: [1, 60, 900],
  dailyAmp: 8,
  modeStep: 10,
};

/** How long a series of sampling dt runs: long enough for a few weeks at slow sampling, bounded rows at fast. */
const spanFor = (dt: number) => (dt >= 900 ? 8 * WEEK : dt >= 60 ? 2 * WEEK : 1 * DAY);

export function normalFamilies(o: FamilyOptions = DEFAULT_FAMILIES): NormalFamily[] {
  const out: NormalFamily[] = [];
  for (const dt of o.dts) {
    const span = spanFor(dt);
    const d = 3;
    for (const phi of o.phis) {
      out.push({
        name: `ar1 φ=${phi} @${dt}s`,
        dt,
        span,
        d,
        make: (rng) => {
          const s = new Float64Array(d);
          const lv = Array.from({ length: d }, () => 50 + 50 * rng());
          const innov = Math.sqrt(1 - phi * phi);
          return { next: () => lv.map((m, i) => m + (s[i] = phi * s[i] + innov * gaussian(rng))), announced: () => false };
        },
      });
    }
    out.push({
      name: `student-t ν=3 @${dt}s`,
      dt,
      span,
      d,
      make: (rng) => {
        const s = new Float64Array(d);
        return { next: () => Array.from(s, (_, i) => 100 + (s[i] = 0.5 * s[i] + 0.866 * studentT(rng, 3))), announced: () => false };
      },
    });
    for (const tau of o.wanderTaus)
      for (const amp of o.wanderAmps) {
        // an Ornstein-Uhlenbeck wander of amp σ (stationary) under white noise of 1 σ: a level, a tank, sludge
        const a = Math.exp(-dt / tau);
        out.push({
          name: `wander ${amp}σ τ=${(tau / 3600).toPrecision(2)}h @${dt}s`,
          dt,
          span,
          d,
          make: (rng) => {
            const w = Array.from({ length: d }, () => amp * gaussian(rng));
            return {
              next: () => w.map((x, i) => 20 + (w[i] = a * x + amp * Math.sqrt(1 - a * a) * gaussian(rng)) + gaussian(rng)),
              announced: () => false,
            };
          },
        });
      }
    out.push({
      name: `daily cycle @${dt}s`,
      dt,
      span,
      d,
      make: (rng) => {
        const ph = Array.from({ length: d }, () => 24 * rng());
        return {
          next: (r) => ph.map((p) => 200 + o.dailyAmp * Math.sin((2 * Math.PI * ((r * dt) / 3600 - p)) / 24) + gaussian(rng)),
          announced: () => false,
        };
      },
    });
    // operating modes: a commanded change every ~6 h (at least 20 samples apart) moves every sensor by modeStep σ
    const every = Math.max(20, Math.round((6 * 3600) / dt));
    out.push({
      name: `mode changes @${dt}s`,
      dt,
      span,
      d,
      make: (rng) => {
        let mode = 0;
        const sign = Array.from({ length: d }, () => (rng() < 0.5 ? -1 : 1));
        return {
          next: (r) => {
            if (r > 0 && r % every === 0) mode = (mode + 1) % 3;
            return sign.map((sg) => 80 + sg * mode * o.modeStep + gaussian(rng));
          },
          announced: (r) => r > 0 && r % every === 0,
        };
      },
    });
  }
  return out;
}

/** Run `series` normal series of a family through a monitor each; count the episodes (all false). */
export function measureFamily(f: NormalFamily, params: DetectorParams, series: number, seed: number): FamilyResult {
  const t0 = Date.UTC(2026, 0, 5);
  const n = Math.round(f.span / f.dt);
  const sensors = Array.from({ length: f.d }, (_, i) => `s${i}`);
  let falseEpisodes = 0;
  let weeks = 0;
  const promised: number[] = [];
  for (let k = 0; k < series; k++) {
    const rng = seededRng(seed * 7919 + k * 104_729 + 1);
    const g = f.make(rng);
    // offline: a series learns on at most learnMaxShare of its rows, as runOffline does
    const m = new DeviceMonitor('x', sensors, { ...params, learnMaxSamples: Math.max(10, Math.floor(params.learnMaxShare * n)) });
    let learnedAt = -1;
    for (let r = 0; r < n; r++) {
      if (g.announced(r)) m.discontinuity();
      if (m.push(t0 + r * f.dt * 1000, g.next(r)) === EV_OPENED) falseEpisodes++;
      if (learnedAt < 0 && m.detector.learned) learnedAt = r;
    }
    if (learnedAt >= 0) weeks += ((n - learnedAt) * f.dt) / WEEK;
    promised.push(m.detector.expectedFalsePerWeek);
  }
  promised.sort((a, b) => a - b);
  return {
    name: f.name,
    series,
    weeks,
    falseEpisodes,
    perSeriesWeek: falseEpisodes / Math.max(weeks, 1e-9),
    promised: promised[promised.length >> 1] ?? 0,
  };
}
