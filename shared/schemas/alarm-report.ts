// Contract schema of the ISA-18.2 / EEMUA 191 alarm report (issue 18). Every time is plant time (epoch ms on
// the clock of the readings); the thresholds the figures were judged by are part of the answer.
import { z } from 'zod';
import { ALARM_PRIORITIES } from '../anomalies';
import { AlarmStateSchema } from './anomalies';

const AlarmPrioritySchema = z.enum(ALARM_PRIORITIES);
const count = z.number().int().min(0);

export const AlarmReportThresholdsSchema = z.object({
  /** Figures are counted in windows of this many minutes (10, as EEMUA 191 does). */
  window_min: z.number(),
  /** ≈1 alarm per 10 min: very likely acceptable. */
  acceptable_per_hour: z.number(),
  /** ≈2 per 10 min: the most an operator can manage. */
  manageable_per_hour: z.number(),
  /** A window with more than this many alarms is a flood. */
  flood_per_window: z.number(),
  /** Chattering: at least `chatter_count` raises of one alarm within `chatter_window_s`. */
  chatter_count: z.number(),
  chatter_window_s: z.number(),
  /** Stale: active for more than this many hours at the end of the report's window. */
  stale_hours: z.number(),
});

export const AlarmReportSchema = z.object({
  clock: z.literal('plant'),
  from: z.number(),
  to: z.number(),
  thresholds: AlarmReportThresholdsSchema,
  /** Alarms raised (annunciated to the operator) within the window. */
  total: count,
  hours: z.number(),
  avg_per_hour: z.number(),
  /** The busiest 10-minute window (start in plant time, null when no alarm). */
  peak_window: z.object({ count, at: z.number().nullable() }),
  /** acceptable (≤ acceptable_per_hour), manageable (≤ manageable_per_hour) or overloaded. */
  rate_rating: z.enum(['acceptable', 'manageable', 'overloaded']),
  windows: count,
  flood_windows: count,
  flood_pct: z.number(),
  /**
   * Per operator: alarms raised while they were on shift (from the acknowledged shift handovers) and
   * alarms they acknowledged. `operator` null: raised with no shift known (no handover recorded yet).
   */
  operators: z.array(z.object({ operator: z.string().nullable(), on_shift: count, acknowledged: count })),
  /** The ten alarms raised most often, with their share of all alarms in the window. */
  bad_actors: z.array(z.object({ alarm_id: z.string(), source: z.string().nullable(), count, share_pct: z.number(), chattering: z.boolean() })),
  stale: z.array(
    z.object({
      alarm_id: z.string(),
      source: z.string().nullable(),
      priority: AlarmPrioritySchema.nullable(),
      state: AlarmStateSchema,
      raised_at: z.number(),
      hours: z.number(),
    }),
  ),
  /** Alarms that chattered in the window: the most raises seen within one chatter window, and when that began. */
  chattering: z.array(z.object({ alarm_id: z.string(), source: z.string().nullable(), raises: count, max_in_window: count, at: z.number() })),
  priorities: z.object({
    counts: z.record(AlarmPrioritySchema, count),
    /** Our priorities against EEMUA 191's ≈5/15/80: urgent and high together ≈5 %, medium ≈15 %, low ≈80 %; diagnostic alarms are left out. */
    bands: z.array(z.object({ band: z.string(), priorities: z.array(AlarmPrioritySchema), count, pct: z.number(), target_pct: z.number() })),
  }),
});
export type AlarmReport = z.infer<typeof AlarmReportSchema>;

export const alarmReportRequests = {
  /** The alarm report over a window of plant time; default the 24 hours up to the plant clock now. */
  'alarms.report': {
    params: z.strictObject({ from: z.number().optional(), to: z.number().optional() }),
    result: AlarmReportSchema,
  },
};
