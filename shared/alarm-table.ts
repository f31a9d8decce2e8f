// The master alarm table's priority rule, shared by the core (what a raise gets) and the console (what an
// edit form shows before it is sent): ISA-18.2's rationalization matrix of consequence severity × the
// time the operator has to respond.
import type { AlarmPriority } from './anomalies';

/** Consequence severity if nobody acts (ISA-18.2's rationalization matrix, columns). */
export const CONSEQUENCE_SEVERITIES = ['minor', 'major', 'severe'] as const;
export type ConsequenceSeverity = (typeof CONSEQUENCE_SEVERITIES)[number];

export const ALARM_CLASSES = ['process', 'equipment', 'safety', 'environmental', 'system'] as const;
export type AlarmClass = (typeof ALARM_CLASSES)[number];

export const ALARM_TABLE_TYPES = ['HH', 'H', 'L', 'LL', 'anomaly', 'communication', 'system'] as const;
export type AlarmTableType = (typeof ALARM_TABLE_TYPES)[number];

/** More than 30 minutes to respond is no alarm at all (ISA-18.2): diagnostic here, so nothing is lost. */
export function priorityOf(severity: ConsequenceSeverity, respondMin: number): AlarmPriority {
  const col = severity === 'severe' ? 2 : severity === 'major' ? 1 : 0;
  if (respondMin <= 3) return (['medium', 'high', 'urgent'] as const)[col];
  if (respondMin <= 10) return (['low', 'medium', 'high'] as const)[col];
  if (respondMin <= 30) return (['low', 'low', 'medium'] as const)[col];
  return 'diagnostic';
}

export function basisOf(severity: ConsequenceSeverity, respondMin: number): string {
  return `${severity} consequence × respond within ${respondMin} min → ${priorityOf(severity, respondMin)}`;
}

export const ANOMALY_BASIS =
  'each raise\'s episode severity (critical → urgent, high → high, …); an unsure ("unknown" or confidence < 0.5) hit is never above medium';
