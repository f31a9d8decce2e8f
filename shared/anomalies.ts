// Anomaly episodes and ISA-18.2 alarms as the core and the renderer see them: plain constants, and the
// contract's types inferred from ./schemas/anomalies.ts (type-only: no zod at run time here).
import type { ScenarioType } from './plant';

export type {
  SensorInvolvement,
  Episode,
  EpisodeQuery,
  EpisodePage,
  Alarm,
  AlarmChange,
  AlarmHistoryEntry,
  FloodStatus,
  AlarmStats,
} from './schemas/anomalies';

export const TYPE_HINTS = ['thermal_runaway', 'pressure_leak', 'bearing_failure', 'sensor_drift', 'electrical_fault', 'unknown'] as const;
export type TypeHint = ScenarioType | 'unknown';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DETECTOR_KINDS = ['level', 'drift', 'variance', 'cross', 'zscore', 'stuck'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** A–G of ISA-18.2: normal, unacknowledged, acknowledged, returned-to-normal unacknowledged, shelved, suppressed by design, out of service. */
export const ALARM_STATES = ['normal', 'unacknowledged', 'acknowledged', 'rtn_unacknowledged', 'shelved', 'suppressed', 'out_of_service'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** Five priorities, most urgent first. */
export const ALARM_PRIORITIES = ['urgent', 'high', 'medium', 'low', 'diagnostic'] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

export const ALARM_KINDS = ['anomaly', 'communication', 'analog', 'system'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** Priority of an anomaly alarm from its episode's severity. */
export function priorityOfSeverity(s: Severity): AlarmPriority {
  return s === 'critical' ? 'urgent' : s === 'high' ? 'high' : s === 'medium' ? 'medium' : s === 'low' ? 'low' : 'diagnostic';
}

/** Below this classifier confidence an anomaly's priority is capped: the detector is unsure what it sees. */
export const CONFIDENT = 0.5;

/**
 * Priority of an anomaly alarm: its episode's severity, but an unrecognised ("unknown") pattern or a
 * low-confidence hint is never high or urgent (ISA-18.2: priority follows consequence, and an unsure
 * hint has none to cite; it stays visible at medium so the operator looks at the trend).
 */
export function priorityOfEpisode(ep: { severity: Severity; type_hint: TypeHint; confidence: number }): AlarmPriority {
  const p = priorityOfSeverity(ep.severity);
  const unsure = ep.type_hint === 'unknown' || ep.confidence < CONFIDENT;
  return unsure && (p === 'urgent' || p === 'high') ? 'medium' : p;
}
