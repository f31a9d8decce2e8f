// Detection config and the anomaly-episode record. One zod schema types both the config file and
// the code; every knob has a default measured on the plant's 5 s data (see bench/eval-detector.ts).
import { z } from 'zod';
import { SEVERITIES, TYPE_HINTS } from '../../../shared/anomalies';

export const DetectorParamsSchema = z.object({
  /** 'combined' = our detectors; 'zscore' = the seed's rolling z-score (window 60, |z|>3), kept for comparison. */
  mode: z.enum(['combined', 'zscore']).default('combined'),
  /** Samples per series used to learn the baseline before anything is flagged (360 × 5 s = 30 min). */
  learnSamples: z.number().int().min(10).max(100_000).default(360),
  /** EWMA weight of the fast (level) filter. 0.2 ≈ 5-sample memory: a lone spike does not open an episode. */
  fastAlpha: z.number().gt(0).max(1).default(0.2),
  /** Level detector: smoothed robust z over its learned spread must exceed this. */
  levelThreshold: z.number().positive().default(6),
  /** The level filter sees z clipped to ±clipZ, so it recovers quickly after a huge step ends. */
  clipZ: z.number().positive().default(50),
  /** CUSUM drift detector on the robust z: slack k and decision height h (in σ·samples). */
  cusumK: z.number().min(0).default(2.5),
  cusumH: z.number().positive().default(150),
  /** The drift detector judges a slow move against max(robust σ, driftMinRelScale × |baseline|): over hours a
   *  reading wanders by about an instrument's accuracy (~0.5–1 % of reading) whatever its short-term noise, so a
   *  very quiet sensor must not turn that into a drift (0 = noise only). */
  driftMinRelScale: z.number().min(0).max(1).default(0.01),
  /** Variance / oscillation detector: EWMA of squared first differences over its learned level. */
  varAlpha: z.number().gt(0).max(1).default(0.1),
  varThreshold: z.number().positive().default(8),
  /** Cross-sensor detector: Hotelling T² of the smoothed z vector over its learned 99.5th percentile. */
  crossThreshold: z.number().positive().default(6),
  /** Scale floor as a fraction of |baseline|, so a flat-lined sensor in training cannot make every wiggle an anomaly. */
  minRelScale: z.number().min(0).default(0.002),
  /** Slow baseline adaptation (EWMA weight per sample, 0 = frozen): 1/720 ≈ 1 h time constant at 5 s, slow
   *  beside the scenarios (runaway 30 min, leak 1 min) and fast beside the daily cycle. */
  baselineAlpha: z
    .number()
    .min(0)
    .max(0.1)
    .default(1 / 720),
  /** The level and cross-sensor detectors judge against a baseline that follows at this weight per sample
   *  (0 = the slow one above): a step stands out against it at once, a slow wander (which the drift detector
   *  judges) does not. Frozen inside episodes like the slow one. */
  levelAlpha: z.number().min(0).max(0.5).default(0.01),
  /** Inside an episode the baseline adapts this much slower (0 = frozen), so a long anomaly is not learned as normal... */
  episodeAdapt: z.number().min(0).max(1).default(0),
  /** After an episode closes, the baseline adapts catchUpFactor × faster for catchUpSamples samples, to
   *  catch up on the daily cycle it missed while frozen (otherwise the end of a long episode rebounds). */
  catchUpSamples: z.number().int().min(0).default(360),
  catchUpFactor: z.number().min(1).max(100).default(10),
  /** When an episode opens, the baseline rolls back to where it stood this many samples ago (0 = off). */
  rollbackSamples: z.number().int().min(0).default(360),
  /** Inside an episode, sensors not taking part in it adapt at this share of the rate. */
  quietAdapt: z.number().min(0).max(1).default(0),
  /** ...for at most this long; then it follows the data again, and once the signals hold steady the level they
   *  hold becomes the baseline and the episode ends (an endless episode helps nobody). */
  /** Counted in samples, not ms: a replay at 100× with shifted timestamps must behave like the plant (1440 × 5 s = 2 h). */
  maxFreezeSamples: z.number().int().positive().default(1440),
  /** Recovery: an episode whose score has fallen under recoverRatio × its peak (peak ≥ recoverMinPeak) while
   *  the signals hold steady for recoverSamples samples is over, even if they settled at a new level: that
   *  level becomes the baseline. Without it, a rig that settles slightly off its old level after a fault
   *  keeps the episode open for ever (0 = off). */
  recoverRatio: z.number().min(0).max(1).default(0.25),
  recoverMinPeak: z.number().min(1).default(3),
  recoverSamples: z.number().int().min(1).default(30),
  /** Steady: no sensor's short level (EWMA weight settleAlpha) moved more than settleZ robust σ during the run. */
  settleAlpha: z.number().gt(0).max(1).default(0.1),
  settleZ: z.number().positive().default(2),
  /** Seed z-score: window and threshold. */
  zscoreWindow: z.number().int().min(5).max(10_000).default(60),
  zscoreThreshold: z.number().positive().default(3),
  /** Episode: open after this many consecutive hits; close after this many consecutive quiet samples. */
  openSamples: z.number().int().min(1).default(3),
  closeSamples: z.number().int().min(1).default(24),
  /** A sample is quiet when the score is below this (hysteresis under the hit level 1.0). */
  closeLevel: z.number().gt(0).max(1).default(0.7),
  /** A data gap longer than this closes any open episode and restarts the short-term filters. */
  gapResetMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
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
  type EpisodeQuery,
  type EpisodePage,
} from '../../../shared/anomalies';

export const EpisodeQuerySchema = z
  .object({
    status: z.enum(['open', 'closed', 'all']).default('all'),
    device_id: z.string().max(256).optional(),
    scope: z.array(z.string().max(256)).max(1000).optional(),
    type_hint: z.enum(TYPE_HINTS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    from: z.number().finite().optional(),
    to: z.number().finite().optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    offset: z.number().int().min(0).default(0),
  })
  .default({ status: 'all', limit: 50, offset: 0 });

export const AckEpisodeParamsSchema = z.object({
  id: z.string().min(1).max(512),
  who: z.string().trim().min(1).max(128),
  note: z.string().max(2000).optional(),
});
