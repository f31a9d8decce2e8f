// Detection config and the anomaly-episode record. One zod schema types both the config file and
// the code; every knob has a default measured on the plant's 5 s data (see bench/eval-detector.ts).
import { z } from 'zod';

export const DetectorParamsSchema = z.object({
  /** 'combined' = our detectors; 'zscore' = the seed's rolling z-score (window 60, |z|>3), kept for comparison. */
  mode: z.enum(['combined', 'zscore']).default('combined'),
  // ---- time, not rows: every time constant is in seconds and turned into a per-sample weight or count
  // ---- with each series' sampling period, measured while it learns (median interval).
  /** Learning window per series (30 min). A series that gives fewer than learnMinSamples rows in it learns
   *  on learnMinSamples rows instead, and says so. */
  learnSeconds: z.number().positive().default(1800),
  learnMinSamples: z.number().int().min(10).max(100_000).default(20),
  /** Explicit learning length in rows (CLI --fit-rows); unset = learnSeconds. */
  learnSamples: z.number().int().min(10).max(100_000).optional(),
  /** Offline (a file, whose length is known): a series learns on at most this share of its rows, so a file
   *  shorter than the learning window is still scored rather than learned on whole (never under 10 rows). */
  learnMaxShare: z.number().gt(0).max(1).default(0.25),
  /** Set per series by the offline runner from learnMaxShare (rows); the live service leaves it unset. */
  learnMaxSamples: z.number().int().min(10).optional(),
  /** The series' nominal sampling period (s), where it is known (the plant model's, per asset); unset = the
   *  median interval of its learning rows. If the data comes more than 2× faster or slower than declared, the
   *  measured period is used and a warning says so. */
  samplingSeconds: z.number().positive().optional(),
  /** Time constant of the fast (level) filter: ~22 s, so a lone spike does not open an episode. */
  fastTauSeconds: z.number().positive().default(22),
  /** Level detector: smoothed robust z over its learned spread must exceed this. */
  levelThreshold: z.number().positive().default(6),
  /** The level filter sees z clipped to ±clipZ, so it recovers quickly after a huge step ends. */
  clipZ: z.number().positive().default(50),
  /** CUSUM drift detector on the robust z: slack k (σ) and decision height h in σ·seconds (750 σ·s = 150 σ·samples
   *  at 5 s), never below 10 σ·samples. */
  cusumK: z.number().min(0).default(2.5),
  cusumHSeconds: z.number().positive().default(750),
  /** The drift detector judges a slow move against max(robust σ, driftMinRelScale × |baseline|): over hours a
   *  reading wanders by about an instrument's accuracy (~0.5–1 % of reading) whatever its short-term noise, so a
   *  very quiet sensor must not turn that into a drift (0 = noise only). */
  driftMinRelScale: z.number().min(0).max(1).default(0.01),
  /** Variance / oscillation detector: EWMA (time constant varTauSeconds) of squared first differences over its learned level. */
  varTauSeconds: z.number().positive().default(47),
  varThreshold: z.number().positive().default(8),
  /** Cross-sensor detector: Hotelling T² of the smoothed z vector over its learned 99.5th percentile. */
  crossThreshold: z.number().positive().default(6),
  /** Scale floor as a fraction of |baseline|, so a flat-lined sensor in training cannot make every wiggle an anomaly. */
  minRelScale: z.number().min(0).default(0.002),
  /** Slow baseline adaptation time constant (0 = frozen): 1 h, slow beside the scenarios (runaway 30 min,
   *  leak 1 min), fast beside a daily cycle until the cycle itself is learned (seasonality below). */
  baselineTauSeconds: z.number().min(0).default(3600),
  /** The level and cross-sensor detectors judge against a baseline that follows with this time constant
   *  (0 = the slow one above): a step stands out against it at once, a slow wander (which the drift detector
   *  judges) does not. Frozen inside episodes like the slow one. */
  levelTauSeconds: z.number().min(0).default(500),
  /** Time constant of the learned wander (mean square of the level's distance from the slow baseline, outside
   *  episodes), against which the drift detector judges: 3 h. */
  wanderTauSeconds: z.number().positive().default(10_800),
  /** Inside an episode the baseline adapts this much slower (0 = frozen), so a long anomaly is not learned as normal... */
  episodeAdapt: z.number().min(0).max(1).default(0),
  /** After an episode closes, the baseline adapts catchUpFactor × faster for catchUpSeconds, to catch up on the
   *  daily cycle it missed while frozen (otherwise the end of a long episode rebounds). */
  catchUpSeconds: z.number().min(0).default(1800),
  catchUpFactor: z.number().min(1).max(100).default(10),
  /** When an episode opens, the baseline rolls back to where it stood this long ago (0 = off). */
  rollbackSeconds: z.number().min(0).default(1800),
  /** Inside an episode, a sensor taking no part in it (never fired in it, under closeLevel now) moves its level
   *  baseline at this share of the rate (0 = frozen like the rest), so its ordinary wander is not stored up as an
   *  offset that keeps the episode open after the fault; its slow baseline stays frozen (drift and typing), and
   *  once it fires its level baseline goes back to where it stood when the episode opened. */
  quietAdapt: z.number().min(0).max(1).default(1),
  /** ...for at most this long, and never longer than the series has been seen in normal operation (its learning
   *  span plus its quiet time since: a frozen baseline must not claim more than the data ever showed); then it
   *  follows the data again, and once the score stays quiet or the signals hold steady the level they hold becomes
   *  the baseline and the episode ends (an endless episode helps nobody). */
  maxFreezeSeconds: z.number().positive().default(7200),
  /** Recovery: an episode whose score has fallen under recoverRatio × its peak (peak ≥ recoverMinPeak) while
   *  the signals hold steady for recoverSeconds is over, even if they settled at a new level: that level becomes
   *  the baseline (0 = off). */
  recoverRatio: z.number().min(0).max(1).default(0.25),
  recoverMinPeak: z.number().min(1).default(3),
  recoverSeconds: z.number().positive().default(150),
  /** Steady: no sensor's short level (time constant settleTauSeconds) moved more than settleZ robust σ during the run. */
  settleTauSeconds: z.number().positive().default(47),
  settleZ: z.number().positive().default(2),
  /** Seed z-score: window and threshold. */
  zscoreWindow: z.number().int().min(5).max(10_000).default(60),
  zscoreThreshold: z.number().positive().default(3),
  /** Episode: open once hits last openSeconds (3 samples at 5 s; 1 for slower series); close after closeSeconds quiet. */
  openSeconds: z.number().min(0).default(10),
  closeSeconds: z.number().min(0).default(120),
  /** Row-count overrides of the two above (the seed's z-score comparison uses 1/1). */
  openSamples: z.number().int().min(1).optional(),
  closeSamples: z.number().int().min(1).optional(),
  /** A sample is quiet when the score is below this (hysteresis under the hit level 1.0). */
  closeLevel: z.number().gt(0).max(1).default(0.7),
  /** A data gap longer than max(gapResetSeconds, gapFactor × the sampling period) closes any open episode and
   *  restarts the short-term filters. */
  gapResetSeconds: z.number().positive().default(600),
  gapFactor: z.number().min(1).default(5),
  // ---- seasonality
  /** 'auto': learn an hour-of-day profile per sensor and remove it once the data shows a repeatable daily cycle. */
  seasonality: z.enum(['auto', 'off']).default('auto'),
  // ---- alarm budget
  /** Target false episodes per series per week: each series' hit threshold (never under 1) is where the tail of its
   *  own declustered scores (learning rows, then every scored sample; bounded generalised Pareto over the largest
   *  cluster peaks, with upper confidence bounds) expects no more than this (budget.ts). */
  falseEpisodesPerWeek: z.number().positive().default(1),
  // ---- known discontinuities
  /** After a known discontinuity (replay seek/speed/resume/loop, reconnect), the series re-settles for this
   *  long (at least 3 samples): no episode opens, then the level it holds becomes the baseline. */
  settleSeconds: z.number().min(0).default(30),
});
export type DetectorParams = z.infer<typeof DetectorParamsSchema>;

export const DetectConfigSchema = DetectorParamsSchema.extend({
  enabled: z.boolean().default(true),
  /** A device is silent after this many of its usual intervals without data (communication alarm). */
  silentFactor: z.number().positive().default(10),
  /** ...but never sooner than this (ms of wall time): ingest batches readings every ~100 ms. */
  silentMinMs: z.number().int().positive().default(5000),
  /** How often the silent-device check runs (ms). */
  silentCheckMs: z.number().int().positive().default(1000),
});
export type DetectConfig = z.infer<typeof DetectConfigSchema>;

export {
  TYPE_HINTS,
  SEVERITIES,
  DETECTOR_KINDS,
  type TypeHint,
  type Severity,
  type DetectorKind,
  type Episode,
  type SensorInvolvement,
  type EpisodeQuery,
  type EpisodePage,
} from '../../../shared/anomalies';

// The request params of anomalies.list, which the MCP anomaly tools also query with: the contract's one schema.
export { EpisodeQuerySchema } from '../../../shared/schemas/anomalies';
