// Anomaly episodes and ISA-18.2 alarms as the core and the renderer see them: plain constants and
// types, no Node, no zod. The core's config schemas live in electron/core/{detect,alarms}/schema.ts.
import type { ScenarioType } from './domain';

export const TYPE_HINTS = ['thermal_runaway', 'pressure_leak', 'bearing_failure', 'sensor_drift', 'electrical_fault', 'unknown'] as const;
export type TypeHint = ScenarioType | 'unknown';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DETECTOR_KINDS = ['level', 'drift', 'variance', 'cross', 'zscore'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** How one sensor takes part in an episode (peaks over the episode so far, against the baseline frozen at its start). */
export interface SensorInvolvement {
  sensor: string;
  /** +1 rose, −1 fell, 0 no net move (e.g. an oscillation around an unchanged mean). */
  direction: 1 | -1 | 0;
  /** Peak signed deviation of the smoothed level, in the sensor's learned noise (robust σ). */
  z: number;
  /** The same as a share of the baseline (0.15 = +15 %). */
  rel: number;
  /** Share of the episode's samples in which this sensor oscillated (variance detector over its threshold). */
  oscillating: number;
  /** Detectors that fired on this sensor (empty: it moved ≥ 3σ without firing one). */
  detectors: DetectorKind[];
}

/** An anomaly episode: detector hits on one device merged from first hit to last. */
export interface Episode {
  id: string;
  device_id: string;
  /** Epoch ms of the first hit; of the last active sample once closed (null while open). */
  start_ts: number;
  end_ts: number | null;
  /** Epoch ms of the last reading seen inside the episode. */
  last_ts: number;
  status: 'open' | 'closed';
  sensors: string[];
  detectors: DetectorKind[];
  /** Which sensors take part, which way and how much, strongest first; typing is read from it. Older stored
   *  episodes have an empty list. */
  involvement: SensorInvolvement[];
  /** Peak normalised score (1.0 = at threshold). */
  score: number;
  severity: Severity;
  type_hint: TypeHint;
  confidence: number;
  samples: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  ack_note: string | null;
}

export interface EpisodeQuery {
  status?: 'open' | 'closed' | 'all';
  device_id?: string;
  /** Only devices matching one of these globs (an agent's scope, e.g. "line-2/*"); undefined = all. */
  scope?: string[];
  type_hint?: TypeHint;
  severity?: Severity;
  /** Epoch ms window on the episode start. */
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}
export interface EpisodePage {
  items: Episode[];
  total: number;
}

/** A–G of ISA-18.2: normal, unacknowledged, acknowledged, returned-to-normal unacknowledged, shelved, suppressed by design, out of service. */
export const ALARM_STATES = ['normal', 'unacknowledged', 'acknowledged', 'rtn_unacknowledged', 'shelved', 'suppressed', 'out_of_service'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** Five priorities, most urgent first. */
export const ALARM_PRIORITIES = ['urgent', 'high', 'medium', 'low', 'diagnostic'] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

export const ALARM_KINDS = ['anomaly', 'communication', 'analog', 'system'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

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

/** Priority of an anomaly alarm from its episode's severity. */
export function priorityOfSeverity(s: Severity): AlarmPriority {
  return s === 'critical' ? 'urgent' : s === 'high' ? 'high' : s === 'medium' ? 'medium' : s === 'low' ? 'low' : 'diagnostic';
}
