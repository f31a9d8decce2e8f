// Contract schemas of the plant: readings, device statuses, the replay simulator, ingest counters,
// trend history and incident reports. Types are inferred here and re-exported (type-only) by
// ../plant.ts and ../contract.ts, so the renderer never loads zod.
import { z } from 'zod';
import { SCENARIO_TYPES } from '../plant';
import { PlantModelViewSchema } from './model';

const finite = z.number().finite();
const deviceId = z.string().min(1).max(128);

/** The seed's MQTT payload on aegisflow/sensors/{device_id}: flat JSON with the five sensor fields (the demo's
 *  wire preset, not the internal shape). Timestamps are ISO 8601 (UTC). Unknown keys are dropped. */
export const SeedPayloadSchema = z.object({
  device_id: deviceId,
  timestamp: z.string().min(1).max(64),
  temperature: finite,
  pressure: finite,
  vibration: finite,
  humidity: finite,
  power: finite,
});
export type SeedPayload = z.infer<typeof SeedPayloadSchema>;

export const QUALITY_REASONS = ['out_of_range', 'stale', 'connector_down', 'bad_payload', 'source'] as const;
export const QualitySchema = z.object({ level: z.enum(['uncertain', 'bad']), reason: z.enum(QUALITY_REASONS), detail: z.string().optional() });
export type Quality = z.infer<typeof QualitySchema>;

/** One reading of an asset: tag key -> value. May be partial (a missing key means "no new value").
 *  `quality` lists only the tags that are not good; a 'bad' tag is never fed to the detector. */
export const ReadingSchema = z.object({
  device_id: deviceId,
  timestamp: z.string().min(1).max(64),
  values: z.record(z.string(), finite),
  quality: z.record(z.string(), QualitySchema).optional(),
});
export type Reading = z.infer<typeof ReadingSchema>;

/** Reading with the timestamp parsed to epoch milliseconds: the form the core works with. */
export const TimedReadingSchema = ReadingSchema.extend({ ts: z.number() });
export type TimedReading = z.infer<typeof TimedReadingSchema>;

export const DeviceStateSchema = z.enum(['running', 'reduced', 'shutdown', 'restarting']);
export type DeviceState = z.infer<typeof DeviceStateSchema>;

/** The status of a device whose state is known: a simulated one (device models) tells it. */
export const KnownDeviceStatusSchema = z.object({
  device_id: z.string(),
  state: DeviceStateSchema,
  load_pct: z.number(),
  last_command: z.object({ command: z.string(), at: z.string() }).optional(),
});
export type KnownDeviceStatus = z.infer<typeof KnownDeviceStatusSchema>;

/**
 * A device's state as far as AegisFlow knows it. `unknown` (load null): a real device whose running state
 * no source reports; never assumed to be running.
 */
export const DeviceStatusSchema = KnownDeviceStatusSchema.extend({
  state: z.union([DeviceStateSchema, z.literal('unknown')]),
  load_pct: z.number().nullable(),
});
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;

/** The status of a device no source reports the state of: unknown, never assumed running. */
export const unknownDeviceStatus = (device_id: string): DeviceStatus => ({ device_id, state: 'unknown', load_pct: null });

export const IngestCountersSchema = z.object({
  received: z.number(),
  stored: z.number(),
  rejected: z.number(),
  /** Rejections per reason code (bad_json, schema, unknown_device, non_finite, bad_timestamp, oversize, topic_mismatch). */
  rejectedByReason: z.record(z.string(), z.number()),
  /** Ingest's link to the broker: false during an outage of an external broker (the UI shows a banner). */
  brokerConnected: z.boolean(),
  /** Since when (core clock, ms) the link is in its current state. */
  brokerSince: z.number(),
  /** Outages of the broker link since start. */
  brokerOutages: z.number(),
  /** Readings received but not yet stored because the database refused the write (disk full): kept in memory and retried. */
  unstoredWaiting: z.number(),
  /** Readings given up because more than ingest could hold waited for the disk (counted, never silent). */
  unstoredDropped: z.number(),
});
export type IngestCounters = z.infer<typeof IngestCountersSchema>;

/** From `wall` on, plant time is `plant + (t − wall) × rate` (rate 0 while paused; null at maximum speed). */
const ClockSegmentSchema = z.object({ wall: z.number(), plant: z.number(), rate: z.number().nullable() });

/** Stored clock segments, oldest first, and how many stored ones are older than the first of them. */
export const ClockSegmentsPageSchema = z.object({ segments: z.array(ClockSegmentSchema), older: z.number() });

export const SimulatorStatusSchema = z.object({
  running: z.boolean(),
  paused: z.boolean(),
  speed: z.number(),
  /** Position in the dataset, as simulated time (ISO) and as a row index. */
  simTime: z.string().nullable(),
  rowIndex: z.number(),
  totalRows: z.number(),
  published: z.number(),
  finished: z.boolean(),
  /**
   * The plant clock (the clock of the readings) against the wall clock, so anything stamped with wall
   * time (an alarm, an approval, an audit row) is shown at its plant time: from `wall` on, plant time is
   * `plant + (t − wall) × rate` (rate 0 while paused; null at maximum speed, where it runs as fast as
   * the readings go out, up to `plantTime` at `at`). Newest last; kept in the database across restarts
   * (plant/clock-store.ts: the last 10,000 and 30 days). A status carries only the newest few (the clock
   * now, and a bounded recent window); `older` says how many stored ones precede them, which
   * `simulator.clockSegments` gives (a UI fetches them once, then follows the new ones in each status).
   */
  clock: z
    .object({
      segments: z.array(ClockSegmentSchema),
      older: z.number(),
      plantTime: z.number().nullable(),
      at: z.number(),
    })
    .optional(),
});
export type SimulatorStatus = z.infer<typeof SimulatorStatusSchema>;

export const PlantSnapshotSchema = z.object({
  devices: z.array(DeviceStatusSchema.extend({ latest: ReadingSchema.nullable() })),
  simulator: SimulatorStatusSchema,
  ingest: IngestCountersSchema,
});
export type PlantSnapshot = z.infer<typeof PlantSnapshotSchema>;

/** Readings as columns: ts in epoch ms, one array per tag key (same length; null where a reading lacked the tag). */
export const ReadingColumnsSchema = z.object({
  device_id: z.string(),
  ts: z.array(z.number()),
  series: z.record(z.string(), z.array(z.number().nullable())),
});
export type ReadingColumns = z.infer<typeof ReadingColumnsSchema>;

/** One tag's trend (plant.tagRange): raw values, or time buckets (avg with min/max) from the raw values or the 1-minute rollup. */
export const TagSeriesSchema = z.object({
  tag: z.string(),
  /** Epoch ms: the value's time, or a bucket's start. */
  ts: z.array(z.number()),
  /** null where the value (every value of a bucket) is bad quality. */
  value: z.array(z.number().nullable()),
  min: z.array(z.number().nullable()).optional(),
  max: z.array(z.number().nullable()).optional(),
  source: z.enum(['raw', 'buckets', 'rollup']),
});
export type TagSeries = z.infer<typeof TagSeriesSchema>;

/** An incident report (log_incident_report by an agent), as the control room lists it. */
export const IncidentViewSchema = z.object({
  id: z.string(),
  ts: z.number(),
  agent_id: z.string().nullable(),
  device_id: z.string(),
  anomaly_id: z.string().nullable(),
  anomaly_type: z.string().nullable(),
  severity: z.string(),
  title: z.string(),
  root_cause: z.string(),
  actions_taken: z.string(),
  outcome: z.string().nullable(),
  lessons_learned: z.string().nullable(),
  manual_sections: z.array(z.string()),
});
export type IncidentView = z.infer<typeof IncidentViewSchema>;

export const ScenarioTypeSchema = z.enum(SCENARIO_TYPES);

export const ScenarioInfoSchema = z.object({ type: ScenarioTypeSchema, device_id: z.string(), startHour: z.number(), endHour: z.number() });
export type ScenarioInfo = z.infer<typeof ScenarioInfoSchema>;

const none = z.strictObject({});

/** One connector of the plant model: its link and what it delivered (issue 15). */
export const ConnectorStatusSchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(['connected', 'connecting', 'down', 'disabled']),
  /** When the state last changed (ms). */
  since: z.number(),
  /** Where it reads from (a broker URL). */
  endpoint: z.string(),
  lastValueAt: z.number().nullable(),
  values: z.number(),
  messages: z.number(),
  /** Messages refused plus values of bad payload. */
  errors: z.number(),
  lastError: z.string().nullable(),
  /** A server certificate the connector refused because it is not trusted yet (OPC UA): `connectors.trust` accepts it. */
  untrusted: z.object({ thumbprint: z.string(), subject: z.string() }).optional(),
});
export type ConnectorStatusView = z.infer<typeof ConnectorStatusSchema>;

/**
 * What a command would do (issue 18): the device model run forward from the device's state now, once as
 * it is and once with the command, over the next minutes of plant time. Only tags the command changes.
 */
export const ConsequencePreviewSchema = z.object({
  approvalId: z.string(),
  deviceId: z.string(),
  command: z.string(),
  params: z.record(z.string(), z.unknown()),
  /** Plant time (epoch ms) of the first point; then one point every stepMs. */
  startTs: z.number(),
  stepMs: z.number(),
  horizonS: z.number(),
  /** What the prediction assumes, in words for the operator. */
  assumption: z.string(),
  tags: z.array(
    z.object({
      key: z.string(),
      tag: z.string(),
      name: z.string(),
      unit: z.string(),
      now: z.number(),
      asIs: z.array(z.number()),
      withCommand: z.array(z.number()),
      /** The model's alarm limits for the tag, to draw beside the trajectories. */
      limits: z.object({ HH: z.number().optional(), H: z.number().optional(), L: z.number().optional(), LL: z.number().optional() }),
    }),
  ),
  /** sha-256 of the canonical JSON of everything above: the decision records which preview was seen. */
  hash: z.string(),
  /** Milliseconds the core took to compute it. */
  computeMs: z.number(),
});
export type ConsequencePreview = z.infer<typeof ConsequencePreviewSchema>;

export const plantRequests = {
  /** The consequence preview of a pending device-command approval (the approval card shows it before the decision). */
  'approvals.preview': { params: z.strictObject({ id: z.string().min(1).max(200) }), result: ConsequencePreviewSchema },
  /** The plant model in force, resolved (issue 15): hierarchy, assets, tags with units, ranges, limits and bindings. */
  'plant.model': { params: none, result: PlantModelViewSchema },
  'plant.snapshot': { params: none, result: PlantSnapshotSchema },
  /** Each connector's state, values and errors (issue 15). */
  'connectors.status': { params: none, result: z.array(ConnectorStatusSchema) },
  /** Trust the server certificate a connector is waiting on (OPC UA, issue 16), named by its SHA-1 thumbprint. */
  'connectors.trust': {
    params: z.strictObject({ connector: z.string().min(1).max(64), thumbprint: z.string().regex(/^[0-9a-fA-F]{40}$/, 'a SHA-1 thumbprint (40 hex digits)') }),
    result: z.object({ trusted: z.literal(true) }),
  },
  /** limit is clamped to 1…5000 (default 120). */
  'plant.history': { params: z.strictObject({ device_id: deviceId, limit: finite.optional() }), result: z.array(ReadingSchema) },
  'simulator.control': {
    params: z.discriminatedUnion('action', [
      z.strictObject({ action: z.literal('pause') }),
      z.strictObject({ action: z.literal('resume') }),
      z.strictObject({ action: z.literal('speed'), speed: finite }),
      z.strictObject({ action: z.literal('seek'), simTime: z.string().min(1).max(64) }),
      z.strictObject({ action: z.literal('jump'), scenario: ScenarioTypeSchema, leadSeconds: finite.optional() }),
    ]),
    result: SimulatorStatusSchema,
  },
  'simulator.scenarios': { params: none, result: z.array(ScenarioInfoSchema) },
  /** The stored clock segments that start in [from, to) wall ms, with the one covering `from` (default: all of them). */
  'simulator.clockSegments': { params: z.strictObject({ from: finite.optional(), to: finite.optional() }), result: ClockSegmentsPageSchema },
  /** Stored readings of one device as columns (trend history; issue 7), one series per tag: past maxPoints (clamped to 10…50,000) averaged into time buckets (plant.tagRange's). */
  'plant.range': {
    params: z
      .strictObject({ device_id: deviceId, from: finite, to: finite, maxPoints: finite.optional() })
      .refine((p) => p.from <= p.to, { message: 'from must not be after to', path: ['to'] }),
    result: ReadingColumnsSchema,
  },
  /**
   * Trends of any tags ("<device>/<key>", up to 50): per tag the raw values for short windows, time buckets
   * (avg/min/max) past maxPoints (clamped to 10…50,000; default 1,000), the 1-minute rollup once a point spans a minute or more.
   */
  'plant.tagRange': {
    params: z
      .strictObject({ tags: z.array(z.string().min(1).max(256)).min(1).max(50), from: finite, to: finite, maxPoints: finite.optional() })
      .refine((p) => p.from <= p.to, { message: 'from must not be after to', path: ['to'] }),
    result: z.array(TagSeriesSchema),
  },
  /** Incident reports, newest first (issue 7's Incidents pane). Texts are trimmed; limit is clamped to 1…500. */
  'incidents.list': {
    params: z.strictObject({
      device_id: z.string().trim().max(128).optional(),
      text: z.string().trim().max(200).optional(),
      limit: finite.optional(),
      offset: finite.optional(),
    }),
    result: z.object({ items: z.array(IncidentViewSchema), total: z.number() }),
  },
};

/** Sent by a UI transport (not the bus) when its readings throttle left readings out of a batch. */
export const ReadingsDroppedSchema = z.object({
  /** Readings left out of the batch just sent. */
  dropped: z.number(),
  /** Left out since this throttle started. */
  total: z.number(),
  windowMs: z.number(),
  max: z.number(),
});

export const plantEvents = {
  /** A plant model (re)load: accepted (every part re-reads the model) or refused with line:col problems (the previous one stays). */
  'plant.model': z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), version: z.string(), previousVersion: z.string().nullable(), file: z.string(), assets: z.number(), tags: z.number() }),
    z.object({
      ok: z.literal(false),
      file: z.string(),
      problems: z.array(z.object({ line: z.number(), col: z.number(), path: z.string(), message: z.string() })),
      keptVersion: z.string().nullable(),
    }),
  ]),
  /** A validated batch of readings, in arrival order. High rate: UIs get it throttled. */
  readings: z.array(TimedReadingSchema),
  'readings.dropped': ReadingsDroppedSchema,
  'ingest.rejected': z.object({ reason: z.string(), topic: z.string(), detail: z.string() }),
  /** Ingest lost or regained its broker (external broker outages). */
  'broker.connection': z.object({ connected: z.boolean(), url: z.string(), at: z.number(), downMs: z.number().optional() }),
  /** A connector's state changed (connected, connecting, down, disabled). */
  'connector.status': ConnectorStatusSchema,
  /** Ingest's writes to SQLite failed (ok false: e.g. the disk is full) or work again. */
  'ingest.storage': z.object({ ok: z.boolean(), at: z.number(), error: z.string().optional(), waiting: z.number() }),
  'simulator.status': SimulatorStatusSchema,
  /** A known break in the replayed data (seek, speed change, resume after pause, loop back to the start):
   *  detection re-settles instead of taking the jump for an anomaly. ts: the next published reading time. */
  'simulator.discontinuity': z.object({ kind: z.enum(['seek', 'speed', 'resume', 'loop']), ts: z.number() }),
  'device.status': DeviceStatusSchema,
  'device.command': z.object({ device_id: z.string(), command: z.string(), params: z.record(z.string(), z.unknown()), issued_by: z.string().optional() }),
};
