// The alarm report as one CSV table (RFC 4180): a header, then one row per figure, operator, bad actor,
// stale or chattering alarm and priority, told apart by `section`. Times are plant time as ISO 8601 (UTC).
// A text that a spreadsheet would run as a formula (= + - @ first) is prefixed with an apostrophe.
import type { AlarmReport } from './schemas/alarm-report';

export const ALARM_REPORT_CSV_HEADER = ['section', 'name', 'source', 'count', 'percent', 'plant_time', 'note'] as const;

type Cell = string | number | null;

export function csvField(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function alarmReportCsv(r: AlarmReport): string {
  const rows: Cell[][] = [];
  const row = (section: string, name: string, o: { source?: string | null; count?: number; percent?: number; time?: number | null; note?: string } = {}) =>
    rows.push([section, name, o.source ?? null, o.count ?? null, o.percent ?? null, iso(o.time ?? null), o.note ?? null]);
  row('window', 'from', { time: r.from, note: 'plant time' });
  row('window', 'to', { time: r.to, note: 'plant time' });
  for (const [k, v] of Object.entries(r.thresholds)) row('threshold', k, { count: v });
  row('summary', 'alarms', { count: r.total });
  row('summary', 'hours', { count: r.hours });
  row('summary', 'avg_per_hour', { count: r.avg_per_hour, note: r.rate_rating });
  row('summary', 'peak_10min', { count: r.peak_window.count, time: r.peak_window.at });
  row('summary', 'flood_windows', { count: r.flood_windows, percent: r.flood_pct, note: `of ${r.windows} windows of ${r.thresholds.window_min} min` });
  for (const o of r.operators) {
    const name = o.operator ?? '(no shift handover recorded)';
    row('operator_on_shift', name, { count: o.on_shift });
    row('operator_acknowledged', name, { count: o.acknowledged });
  }
  for (const b of r.bad_actors)
    row('bad_actor', b.alarm_id, { source: b.source, count: b.count, percent: b.share_pct, note: b.chattering ? 'chattering' : undefined });
  for (const s of r.stale)
    row('stale', s.alarm_id, { source: s.source, time: s.raised_at, note: `active ${s.hours} h; ${s.state}${s.priority ? `; ${s.priority}` : ''}` });
  for (const c of r.chattering)
    row('chattering', c.alarm_id, {
      source: c.source,
      count: c.raises,
      time: c.at,
      note: `${c.max_in_window} raises within ${r.thresholds.chatter_window_s} s`,
    });
  for (const [p, n] of Object.entries(r.priorities.counts)) row('priority', p, { count: n });
  for (const b of r.priorities.bands) row('priority_band', b.band, { count: b.count, percent: b.pct, note: `target ${b.target_pct} %` });
  return [ALARM_REPORT_CSV_HEADER, ...rows].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}
