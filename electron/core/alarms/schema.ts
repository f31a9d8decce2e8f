// ISA-18.2 / IEC 62682 alarm vocabulary and config. Figures from the standard and EEMUA 191:
// chattering = ≥3 activations in 60 s; flood = >10 alarms in 10 min, over when <5 in 10 min;
// shelving is timed (default 15 min here); stale = active for more than 24 h.
import { z } from 'zod';

/** A–G of ISA-18.2: normal, unacknowledged, acknowledged, returned-to-normal unacknowledged, shelved, suppressed by design, out of service. */
export const ALARM_STATES = ['normal', 'unacknowledged', 'acknowledged', 'rtn_unacknowledged', 'shelved', 'suppressed', 'out_of_service'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** Five priorities, most urgent first. 'diagnostic' never annunciates as a process alarm. */
export const ALARM_PRIORITIES = ['urgent', 'high', 'medium', 'low', 'diagnostic'] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

export const ALARM_KINDS = ['anomaly', 'communication', 'analog'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export const AlarmConfigSchema = z.object({
  /** Condition must hold this long before the alarm activates (on-delay), and be gone this long before it clears (off-delay). */
  onDelayMs: z.number().int().min(0).default(0),
  offDelayMs: z.number().int().min(0).default(0),
  /** Timed shelving: default and maximum duration. */
  shelveDefaultMs: z.number().int().positive().default(15 * 60_000),
  shelveMaxMs: z.number().int().positive().default(8 * 3_600_000),
  chatterCount: z.number().int().min(2).default(3),
  chatterWindowMs: z.number().int().positive().default(60_000),
  /** Flood: more than floodCount annunciations in floodWindowMs; ends below floodEndCount. */
  floodCount: z.number().int().positive().default(10),
  floodEndCount: z.number().int().positive().default(5),
  floodWindowMs: z.number().int().positive().default(10 * 60_000),
  staleMs: z.number().int().positive().default(24 * 3_600_000),
  /** How often shelving expiry and delays are checked by the live service (ms). */
  tickMs: z.number().int().positive().default(1000),
});
export type AlarmConfig = z.infer<typeof AlarmConfigSchema>;

export interface Alarm {
  id: string;
  /** Device (or subsystem) the alarm belongs to. */
  source: string;
  kind: AlarmKind;
  priority: AlarmPriority;
  message: string;
  state: AlarmState;
  /** Process condition after on/off delays. */
  active: boolean;
  acknowledged: boolean;
  activated_at: number | null;
  cleared_at: number | null;
  acked_by: string | null;
  acked_at: number | null;
  shelved_by: string | null;
  shelve_reason: string | null;
  shelved_until: number | null;
  oos_by: string | null;
  oos_reason: string | null;
  suppress_reason: string | null;
  activations: number;
  chattering: boolean;
  first_out: boolean;
  stale: boolean;
  /** Anomaly episode behind the alarm, if any. */
  episode_id: string | null;
  updated_at: number;
}

export interface AlarmChange {
  alarm: Alarm;
  from: AlarmState;
  to: AlarmState;
  at: number;
  by: string | null;
  reason: string | null;
}

export interface AlarmHistoryEntry {
  alarm_id: string;
  at: number;
  from_state: AlarmState;
  to_state: AlarmState;
  by: string | null;
  reason: string | null;
}

export interface FloodStatus {
  active: boolean;
  started_at: number | null;
  first_out: string | null;
  count_in_window: number;
}

export interface AlarmStats {
  at: number;
  /** Annunciations in the last 10 minutes and the last 24 hours. */
  last_10min: number;
  last_24h: number;
  /** Average and peak per 10-minute bucket over the last 24 h (ISA-18.2: ≤1 very likely acceptable, ≤2 manageable). */
  avg_per_10min: number;
  peak_10min: number;
  /** Share of 10-minute buckets (last 24 h) in flood. */
  flood_pct: number;
  floods: Array<{ started_at: number; ended_at: number | null; first_out: string | null; count: number }>;
  top_bad_actors: Array<{ id: string; activations: number; chattering: boolean }>;
  standing: number;
  stale: number;
  shelved: number;
  out_of_service: number;
  suppressed: number;
  chattering: number;
  by_priority: Record<AlarmPriority, number>;
}

// Request params, validated at the API boundary.
export const AlarmIdSchema = z.string().min(1).max(256);
export const WhoSchema = z.string().trim().min(1).max(128);
export const AckParamsSchema = z.object({ id: AlarmIdSchema, who: WhoSchema, note: z.string().max(2000).optional() });
export const ShelveParamsSchema = z.object({
  id: AlarmIdSchema,
  who: WhoSchema,
  reason: z.string().trim().min(1, 'a reason is required to shelve an alarm').max(2000),
  /** Minutes; default from config (15). */
  minutes: z.number().positive().max(24 * 60).optional(),
});
export const UnshelveParamsSchema = z.object({ id: AlarmIdSchema, who: WhoSchema, reason: z.string().max(2000).optional() });
export const OutOfServiceParamsSchema = z.object({
  id: AlarmIdSchema,
  who: WhoSchema,
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
  out_of_service: z.boolean(),
});
export const ListAlarmsParamsSchema = z
  .object({
    states: z.array(z.enum(ALARM_STATES)).optional(),
    source: z.string().max(256).optional(),
    /** Only alarms needing attention: active or unacknowledged. */
    attention: z.boolean().optional(),
  })
  .default({});
export const HistoryParamsSchema = z.object({ id: AlarmIdSchema.optional(), limit: z.number().int().min(1).max(10_000).default(200), before: z.number().optional() });
