// Contract schemas of detection and alarms (issue 4): anomaly episodes and ISA-18.2 alarms. Types are
// re-exported (type-only) by ../anomalies.ts, whose constants they are built from.
import { z } from 'zod';
import { ALARM_KINDS, ALARM_PRIORITIES, ALARM_STATES, DETECTOR_KINDS, SEVERITIES, TYPE_HINTS } from '../anomalies';

const TypeHintSchema = z.enum(TYPE_HINTS);
const SeveritySchema = z.enum(SEVERITIES);
const DetectorKindSchema = z.enum(DETECTOR_KINDS);
export const AlarmStateSchema = z.enum(ALARM_STATES);
const AlarmPrioritySchema = z.enum(ALARM_PRIORITIES);

/** How one sensor takes part in an episode (peaks over the episode so far, against the baseline frozen at its start). */
export const SensorInvolvementSchema = z.object({
  sensor: z.string(),
  /** +1 rose, −1 fell, 0 no net move (e.g. an oscillation around an unchanged mean). */
  direction: z.union([z.literal(1), z.literal(-1), z.literal(0)]),
  /** Peak signed deviation of the smoothed level, in the sensor's learned noise (robust σ). */
  z: z.number(),
  /** The same as a share of the baseline (0.15 = +15 %). */
  rel: z.number(),
  /** Share of the episode's samples in which this sensor oscillated (variance detector over its threshold). */
  oscillating: z.number(),
  /** Detectors that fired on this sensor (empty: it moved ≥ 3σ without firing one). */
  detectors: z.array(DetectorKindSchema),
});
export type SensorInvolvement = z.infer<typeof SensorInvolvementSchema>;

/** An anomaly episode: detector hits on one device merged from first hit to last. */
export const EpisodeSchema = z.object({
  id: z.string(),
  device_id: z.string(),
  /** Epoch ms of the first hit; of the last active sample once closed (null while open). */
  start_ts: z.number(),
  end_ts: z.number().nullable(),
  /** Epoch ms of the last reading seen inside the episode. */
  last_ts: z.number(),
  status: z.enum(['open', 'closed']),
  sensors: z.array(z.string()),
  detectors: z.array(DetectorKindSchema),
  /** Which sensors take part, which way and how much, strongest first; typing is read from it. Older stored
   *  episodes have an empty list. */
  involvement: z.array(SensorInvolvementSchema),
  /** Peak normalised score (1.0 = at threshold). */
  score: z.number(),
  severity: SeveritySchema,
  type_hint: TypeHintSchema,
  confidence: z.number(),
  samples: z.number(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: z.number().nullable(),
  ack_note: z.string().nullable(),
});
export type Episode = z.infer<typeof EpisodeSchema>;

/** Also what the core's detection service and the MCP anomaly tools accept (defaults applied). */
export const EpisodeQuerySchema = z.strictObject({
  status: z.enum(['open', 'closed', 'all']).default('all'),
  device_id: z.string().max(256).optional(),
  /** Only devices matching one of these globs (an agent's scope, e.g. "line-2/*"); undefined = all. */
  scope: z.array(z.string().max(256)).max(1000).optional(),
  type_hint: TypeHintSchema.optional(),
  severity: SeveritySchema.optional(),
  /** Epoch ms window on the episode start. */
  from: z.number().finite().optional(),
  to: z.number().finite().optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  offset: z.number().int().min(0).default(0),
});
/** A query as a caller writes it (every field optional). */
export type EpisodeQuery = z.input<typeof EpisodeQuerySchema>;

export const EpisodePageSchema = z.object({ items: z.array(EpisodeSchema), total: z.number() });
export type EpisodePage = z.infer<typeof EpisodePageSchema>;

export const AlarmSchema = z.object({
  id: z.string(),
  /** Device (or subsystem) the alarm belongs to. */
  source: z.string(),
  kind: z.enum(ALARM_KINDS),
  priority: AlarmPrioritySchema,
  message: z.string(),
  state: AlarmStateSchema,
  /** Process condition after on/off delays. */
  active: z.boolean(),
  acknowledged: z.boolean(),
  activated_at: z.number().nullable(),
  cleared_at: z.number().nullable(),
  acked_by: z.string().nullable(),
  acked_at: z.number().nullable(),
  shelved_by: z.string().nullable(),
  shelve_reason: z.string().nullable(),
  shelved_until: z.number().nullable(),
  oos_by: z.string().nullable(),
  oos_reason: z.string().nullable(),
  suppress_reason: z.string().nullable(),
  activations: z.number(),
  chattering: z.boolean(),
  first_out: z.boolean(),
  stale: z.boolean(),
  /** Anomaly episode behind the alarm, if any. */
  episode_id: z.string().nullable(),
  updated_at: z.number(),
});
export type Alarm = z.infer<typeof AlarmSchema>;

export const AlarmChangeSchema = z.object({
  alarm: AlarmSchema,
  from: AlarmStateSchema,
  to: AlarmStateSchema,
  at: z.number(),
  by: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AlarmChange = z.infer<typeof AlarmChangeSchema>;

export const AlarmHistoryEntrySchema = z.object({
  alarm_id: z.string(),
  at: z.number(),
  from_state: AlarmStateSchema,
  to_state: AlarmStateSchema,
  by: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AlarmHistoryEntry = z.infer<typeof AlarmHistoryEntrySchema>;

export const FloodStatusSchema = z.object({
  active: z.boolean(),
  started_at: z.number().nullable(),
  first_out: z.string().nullable(),
  count_in_window: z.number(),
});
export type FloodStatus = z.infer<typeof FloodStatusSchema>;

export const AlarmStatsSchema = z.object({
  at: z.number(),
  /** Annunciations in the last 10 minutes and the last 24 hours. */
  last_10min: z.number(),
  last_24h: z.number(),
  /** Average and peak per 10-minute bucket over the last 24 h (ISA-18.2: ≤1 very likely acceptable, ≤2 manageable). */
  avg_per_10min: z.number(),
  peak_10min: z.number(),
  /** Share of 10-minute buckets (last 24 h) in flood. */
  flood_pct: z.number(),
  floods: z.array(z.object({ started_at: z.number(), ended_at: z.number().nullable(), first_out: z.string().nullable(), count: z.number() })),
  top_bad_actors: z.array(z.object({ id: z.string(), activations: z.number(), chattering: z.boolean() })),
  standing: z.number(),
  stale: z.number(),
  shelved: z.number(),
  out_of_service: z.number(),
  suppressed: z.number(),
  chattering: z.number(),
  by_priority: z.record(AlarmPrioritySchema, z.number()),
});
export type AlarmStats = z.infer<typeof AlarmStatsSchema>;

const id = z.string().min(1).max(512);
const alarmId = z.string().min(1).max(256);
const note = z.string().max(2000).optional();

// Who acknowledges, shelves or takes out of service is the caller's authenticated operator: never a
// name in the params (a `who` key is refused as unknown).
export const anomalyRequests = {
  'anomalies.active': { params: z.strictObject({}), result: z.array(EpisodeSchema) },
  'anomalies.list': { params: EpisodeQuerySchema, result: EpisodePageSchema },
  'anomalies.acknowledge': { params: z.strictObject({ id, note }), result: EpisodeSchema },
  'alarms.list': {
    params: z.strictObject({
      states: z.array(AlarmStateSchema).optional(),
      source: z.string().max(256).optional(),
      /** Only alarms needing attention: active or unacknowledged. */
      attention: z.boolean().optional(),
    }),
    result: z.array(AlarmSchema),
  },
  'alarms.acknowledge': { params: z.strictObject({ id: alarmId, note }), result: AlarmSchema },
  /** Timed shelving: reason required; minutes default from config (15). */
  'alarms.shelve': {
    params: z.strictObject({
      id: alarmId,
      reason: z.string().trim().min(1, 'a reason is required to shelve an alarm').max(2000),
      minutes: z
        .number()
        .positive()
        .max(24 * 60)
        .optional(),
    }),
    result: AlarmSchema,
  },
  'alarms.unshelve': { params: z.strictObject({ id: alarmId, reason: z.string().max(2000).optional() }), result: AlarmSchema },
  'alarms.outOfService': {
    params: z.strictObject({ id: alarmId, reason: z.string().trim().min(1, 'a reason is required').max(2000), out_of_service: z.boolean() }),
    result: AlarmSchema,
  },
  'alarms.history': {
    params: z.strictObject({ id: alarmId.optional(), limit: z.number().int().min(1).max(10_000).default(200), before: z.number().optional() }),
    result: z.array(AlarmHistoryEntrySchema),
  },
  'alarms.stats': { params: z.strictObject({}), result: AlarmStatsSchema.extend({ flood: FloodStatusSchema }) },
};

export const anomalyEvents = {
  'anomaly.opened': EpisodeSchema,
  'anomaly.updated': EpisodeSchema,
  'anomaly.closed': EpisodeSchema,
  'alarm.changed': AlarmChangeSchema,
  'alarm.flood': FloodStatusSchema,
};
