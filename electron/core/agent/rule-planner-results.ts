// What the rule planner reads out of tool results: readings, past incidents, the manual's text. A
// result it cannot read counts as empty; the planner decides what that means.
import type { ToolResult } from './planner';
import type { SeenReading } from './sop';

/** A tool result's value as text for a note: strings as they are, anything else as JSON, absent as the fallback. */
export function asText(v: unknown, fallback = ''): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

export interface Incident {
  id: string;
  device_id: string;
  anomaly_type: string | null;
  title: string;
  root_cause: string;
  actions_taken: string;
  lessons_learned: string | null;
}

export const asRecord = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function readingsOf(r: ToolResult | undefined, deviceId: string): SeenReading[] {
  const devices = r?.structured?.devices;
  if (!Array.isArray(devices)) return [];
  const d = devices.map(asRecord).find((x) => x?.device_id === deviceId);
  const rs = d?.readings;
  return Array.isArray(rs) ? (rs.filter((x) => asRecord(x) && typeof (x as SeenReading).timestamp === 'string') as SeenReading[]) : [];
}

export function incidentsOf(r: ToolResult | undefined): Incident[] {
  const xs = r?.structured?.incidents;
  return Array.isArray(xs) ? (xs.filter((x) => asRecord(x) && typeof (x as Incident).id === 'string') as Incident[]) : [];
}

export function manualTextOf(r: ToolResult | undefined, section: string): { text: string; cited: string[] } {
  const xs = r?.structured?.results;
  if (!Array.isArray(xs)) return { text: r?.text ?? '', cited: [] };
  const hits = xs.map(asRecord).filter((x): x is Record<string, unknown> => !!x);
  const exact = hits.find((h) => h.section === section);
  const cited = hits.map((h) => asText(h.section)).filter(Boolean);
  return { text: asText((exact ?? hits[0])?.text), cited };
}
