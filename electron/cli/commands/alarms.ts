// aegisflow alarms: the ISA-18.2 alarm report through the core's alarms.report request (the running app's
// API, or a core of its own when none runs), as text, CSV (the control room's Download CSV) or JSON.
import fs from 'node:fs';
import { alarmReportCsv } from '../../../shared/alarm-report-csv';
import type { AlarmReport } from '../../../shared/schemas/alarm-report';
import { COMMON_HELP, COMMON_OPTIONS, runLinked, usageError } from '../common';
import { LINK_HELP, LINK_OPTIONS } from '../link';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow alarms report [--from WHEN] [--to WHEN] [--csv | --json] [--out FILE]

report   the ISA-18.2 / EEMUA 191 alarm report over a window of plant time: alarms per hour against
         the benchmarks (6/h acceptable, 12/h manageable), the busiest 10 minutes, time in flood
         (10-minute windows with more than 10 alarms), alarms per operator (raised on their shift,
         acknowledged by them), the top-10 bad actors, stale alarms (active over 24 h), chattering
         alarms (3 or more raises within 60 s) and the priority distribution against 80/15/5.

Options:
      --from WHEN    window start, plant time: ISO time (2026-01-01T06:00:00Z) or epoch ms (default: --to − 24 h)
      --to WHEN      window end, plant time (default: the plant clock now; the wall clock when no replay runs)
      --csv          the report as CSV (the same file as the control room's Download CSV)
      --json         the report as JSON (the alarms.report answer)
      --out FILE     write to FILE instead of stdout
${COMMON_HELP}

${LINK_HELP}

Examples:
  aegisflow alarms report
  aegisflow alarms report --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z --csv --out alarms-jan1.csv`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...LINK_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  csv: { type: 'boolean' },
  json: { type: 'boolean' },
  out: { type: 'string' },
} as const;

function when(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw usageError(`--${flag}: cannot read "${v}" (use an ISO time or epoch ms)`);
  return t;
}

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

/** The report for a person: the figures with their benchmarks, then the lists. */
export function reportText(r: AlarmReport): string {
  const t = r.thresholds;
  const out = [
    `Alarm report (ISA-18.2 / EEMUA 191), plant time ${iso(r.from)} – ${iso(r.to)} UTC (${r.hours} h)`,
    `  alarms             ${r.total}`,
    `  per hour (avg)     ${r.avg_per_hour} — ${r.rate_rating} (≤ ${t.acceptable_per_hour}/h acceptable, ≤ ${t.manageable_per_hour}/h manageable)`,
    `  peak / ${t.window_min} min      ${r.peak_window.count}${r.peak_window.at === null ? '' : ` from ${iso(r.peak_window.at)}`}`,
    `  time in flood      ${r.flood_pct} % (${r.flood_windows} of ${r.windows} windows with more than ${t.flood_per_window} alarms)`,
    '',
    'Per operator (raised on shift per the acknowledged handovers / acknowledged by them):',
    ...(r.operators.length
      ? r.operators.map(
          (o) => `  ${(o.operator ?? '(no handover recorded)').padEnd(28)} ${String(o.on_shift).padStart(6)} ${String(o.acknowledged).padStart(6)}`,
        )
      : ['  none']),
    '',
    'Top bad actors:',
    ...(r.bad_actors.length
      ? r.bad_actors.map((b) => `  ${String(b.count).padStart(6)}  ${String(b.share_pct).padStart(6)} %  ${b.alarm_id}${b.chattering ? '  (chattering)' : ''}`)
      : ['  none']),
    '',
    `Stale (active over ${t.stale_hours} h):`,
    ...(r.stale.length ? r.stale.map((s) => `  ${s.alarm_id}  since ${iso(s.raised_at)} (${s.hours} h, ${s.state})`) : ['  none']),
    '',
    `Chattering (≥ ${t.chatter_count} raises within ${t.chatter_window_s} s):`,
    ...(r.chattering.length
      ? r.chattering.map((c) => `  ${c.alarm_id}  ${c.raises} raises, ${c.max_in_window} within ${t.chatter_window_s} s from ${iso(c.at)}`)
      : ['  none']),
    '',
    'Priorities (target ≈80/15/5):',
    ...r.priorities.bands.map((b) => `  ${b.band.padEnd(14)} ${String(b.count).padStart(6)}  ${b.pct} % (target ≈${b.target_pct} %)`),
  ];
  return out.join('\n') + '\n';
}

export const alarmsCommand: CliCommand = {
  name: 'alarms',
  summary: 'the ISA-18.2 alarm report (per hour, floods, per operator, bad actors, stale, chattering, priorities) as text, CSV or JSON',
  help: HELP,
  run: (argv) =>
    runLinked(argv, { name: 'alarms', options: OPTIONS, help: HELP, subcommands: ['report'] }, async ({ values, open }) => {
      if (values.csv && values.json) throw usageError('--csv and --json: choose one');
      const from = when('from', values.from);
      const to = when('to', values.to);
      const core = await open({ operator: values.operator });
      const r = await core.call('alarms.report', { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
      const text = values.csv ? alarmReportCsv(r) : values.json ? JSON.stringify(r, null, 2) + '\n' : reportText(r);
      if (values.out) fs.writeFileSync(values.out, text);
      else process.stdout.write(text);
      return 0;
    }),
};
