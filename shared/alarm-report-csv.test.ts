import { describe, expect, it } from 'vitest';
import { alarmReportCsv, csvField } from './alarm-report-csv';
import type { AlarmReport } from './schemas/alarm-report';

const T = Date.UTC(2026, 0, 1, 8);
const report: AlarmReport = {
  clock: 'plant',
  from: T,
  to: T + 3_600_000,
  thresholds: {
    window_min: 10,
    acceptable_per_hour: 6,
    manageable_per_hour: 12,
    flood_per_window: 10,
    chatter_count: 3,
    chatter_window_s: 60,
    stale_hours: 24,
  },
  total: 5,
  hours: 1,
  avg_per_hour: 5,
  peak_window: { count: 4, at: T + 600_000 },
  rate_rating: 'acceptable',
  windows: 6,
  flood_windows: 0,
  flood_pct: 0,
  operators: [
    { operator: 'anna, "the night"', on_shift: 5, acknowledged: 2 },
    { operator: null, on_shift: 0, acknowledged: 0 },
  ],
  bad_actors: [{ alarm_id: '=HYPERLINK("x")', source: 'line-1/pump-03', count: 4, share_pct: 80, chattering: true }],
  stale: [],
  chattering: [{ alarm_id: '=HYPERLINK("x")', source: 'line-1/pump-03', raises: 4, max_in_window: 4, at: T + 600_000 }],
  priorities: {
    counts: { urgent: 0, high: 4, medium: 1, low: 0, diagnostic: 0 },
    bands: [
      { band: 'urgent + high', priorities: ['urgent', 'high'], count: 4, pct: 80, target_pct: 5 },
      { band: 'medium', priorities: ['medium'], count: 1, pct: 20, target_pct: 15 },
      { band: 'low', priorities: ['low'], count: 0, pct: 0, target_pct: 80 },
    ],
  },
};

describe('alarm report CSV', () => {
  it('quotes commas, quotes and line breaks; defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(null)).toBe('');
  });

  it('a header, then one row per figure, each with the header’s column count', () => {
    const lines = alarmReportCsv(report).split('\r\n');
    expect(lines[0]).toBe('section,name,source,count,percent,plant_time,note');
    expect(lines.at(-1)).toBe('');
    expect(lines).toContain('window,from,,,,2026-01-01T08:00:00.000Z,plant time');
    expect(lines).toContain('summary,peak_10min,,4,,2026-01-01T08:10:00.000Z,');
    expect(lines).toContain('operator_on_shift,"anna, ""the night""",,5,,,');
    expect(lines).toContain('operator_acknowledged,(no shift handover recorded),,0,,,');
    expect(lines).toContain(`bad_actor,"'=HYPERLINK(""x"")",line-1/pump-03,4,80,,chattering`);
    expect(lines).toContain(`chattering,"'=HYPERLINK(""x"")",line-1/pump-03,4,,2026-01-01T08:10:00.000Z,4 raises within 60 s`);
    expect(lines).toContain('priority_band,medium,,1,20,,target 15 %');
    expect(lines.filter((l) => l.startsWith('threshold,'))).toHaveLength(7);
  });
});
