// The ISA-18.2 / EEMUA 191 alarm report: alarms per hour against the benchmarks, time in flood, per
// operator, the top-10 bad actors, stale and chattering alarms, the priority distribution against
// ≈80/15/5, and the same report as CSV. The core computes it (alarms.report) over a window of plant time.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { alarmReportCsv } from '../../../shared/alarm-report-csv';
import type { AlarmReport } from '../../../shared/schemas/alarm-report';
import { unwrap } from '../api/client';
import { PlantTime } from '../components/PlantTime';
import { Empty, PriorityBadge, Stat, download } from '../components/ui';
import { useServices } from '../context';
import { alarmName } from '../store/alarms';
import { REPORT_SPANS, reportFileName, useAlarmReport, type ReportSpan } from '../store/alarmReport';
import { useModel } from '../store/model';
import { clockPlacing, usePlantClock } from '../store/clock';
import { plantPresent, usePlantNow, wallToPlant, type PlantClock } from '../time';

const DAY = 24 * 3_600_000;

export default function AlarmReportPane() {
  const { client } = useServices();
  const span = useAlarmReport((s) => s.span);
  const report = useAlarmReport((s) => s.report);
  const loading = useAlarmReport((s) => s.loading);
  const error = useAlarmReport((s) => s.error);
  const note = useAlarmReport((s) => s.note);
  const assets = useModel((s) => s.assets);
  const tags = useModel((s) => s.tags);
  const lookup = useMemo(() => ({ assets, tags }), [assets, tags]);
  const name = (id: string, source: string | null) => alarmName(id, source, lookup);

  const load = useCallback(
    async (which: ReportSpan) => {
      const st = useAlarmReport.getState();
      st.started();
      try {
        // The window ends at the plant time the top bar shows (with no replay the plant clock is the wall clock).
        const plantNow = (clock: PlantClock | null) => plantPresent(usePlantNow.getState().now, clock) ?? Date.now();
        let to = plantNow(usePlantClock.getState().clock);
        let from = to - DAY;
        let why: string | null = null;
        if (which === 'shift') {
          // The shift began when its operator acknowledged the handover (wall clock), placed on the plant clock
          // with the segments in force then (after a long replay they come after the page's first status).
          const acked = (await unwrap(client.api.handoverList({ limit: 20 }))).find((h) => h.ackedAt !== null);
          if (acked?.ackedAt) {
            const clock = await clockPlacing(acked.ackedAt);
            to = plantNow(clock);
            from = Math.min(wallToPlant(clock, acked.ackedAt), to - 60_000);
          } else {
            from = to - DAY;
            why = 'No shift handover acknowledged yet: the last 24 h are shown.';
          }
        } else {
          const def = REPORT_SPANS.find((s) => s.id === which);
          if (def && 'ms' in def) from = to - def.ms;
        }
        st.done({ report: await unwrap(client.api.alarmsReport({ from, to })), note: why });
      } catch (err) {
        st.done({ error: (err as Error).message });
      }
    },
    [client],
  );
  useEffect(() => {
    void load(useAlarmReport.getState().span);
  }, [load]);
  // A report is a snapshot: say when alarms have changed since, rather than recompute on every change of a flood.
  const [changes, setChanges] = useState(0);
  useEffect(() => client.api.onAlarmChanged(() => setChanges((n) => n + 1)), [client]);
  useEffect(() => setChanges(0), [report]);

  return (
    <div className="alarm-report">
      <div className="row toolbar">
        <label>
          Window{' '}
          <select
            aria-label="report window"
            value={span}
            onChange={(e) => {
              const s = e.target.value as ReportSpan;
              useAlarmReport.getState().setSpan(s);
              void load(s);
            }}
          >
            {REPORT_SPANS.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void load(span)} disabled={loading} data-action="report-refresh">
          {loading ? 'Computing…' : 'Refresh'}
        </button>
        <button
          type="button"
          data-action="report-csv"
          disabled={!report}
          onClick={() => report && download(reportFileName(report), alarmReportCsv(report), 'text/csv;charset=utf-8')}
        >
          Download CSV
        </button>
        {report && changes > 0 ? (
          <span className="attention" data-field="report-stale">
            {changes} alarm change{changes === 1 ? '' : 's'} since: Refresh
          </span>
        ) : null}
        {report ? (
          <span className="muted" data-report-from={report.from} data-report-to={report.to}>
            plant time <PlantTime plant={report.from} seconds={false} /> – <PlantTime plant={report.to} seconds={false} />
          </span>
        ) : null}
      </div>
      {error ? (
        <p className="attention" role="alert">
          {error}
        </p>
      ) : null}
      {note ? <p className="muted">{note}</p> : null}
      {!report ? <Empty loaded={!loading}>No report yet.</Empty> : <ReportBody r={report} name={name} />}
    </div>
  );
}

function ReportBody({ r, name }: { r: AlarmReport; name: (id: string, source: string | null) => string }) {
  const t = r.thresholds;
  return (
    <>
      <div className="row stats-row" data-report-summary>
        <Stat label="alarms" value={r.total} />
        <Stat label="per hour (avg)" value={r.avg_per_hour.toFixed(1)} unit={r.rate_rating} attention={r.rate_rating !== 'acceptable'} />
        <Stat label={`peak / ${t.window_min} min`} value={r.peak_window.count} attention={r.peak_window.count > t.flood_per_window} />
        <Stat label="time in flood" value={r.flood_pct.toFixed(1)} unit="%" attention={r.flood_windows > 0} />
        <Stat label="stale" value={r.stale.length} attention={r.stale.length > 0} />
        <Stat label="chattering" value={r.chattering.length} attention={r.chattering.length > 0} />
      </div>
      <p className="muted small report-rules">
        Benchmarks (ISA-18.2, EEMUA 191): ≤ {t.acceptable_per_hour}/h acceptable, ≤ {t.manageable_per_hour}/h manageable; flood: more than {t.flood_per_window}{' '}
        alarms in {t.window_min} min ({r.flood_windows} of {r.windows} windows); chattering: ≥ {t.chatter_count} raises of one alarm within {t.chatter_window_s}{' '}
        s; stale: active over {t.stale_hours} h. Peak window from {r.peak_window.at === null ? '—' : <PlantTime plant={r.peak_window.at} seconds={false} />}.
      </p>
      <PriorityBars r={r} />
      <div className="report-grid">
        <section aria-label="alarms per operator">
          <h3>Per operator</h3>
          {r.operators.length === 0 ? (
            <Empty>No alarms and no acknowledgements in this window.</Empty>
          ) : (
            <table className="grid fit compact" data-table="operators">
              <thead>
                <tr>
                  <th>Operator</th>
                  <th className="num" title="alarms raised while this operator was on shift (from the acknowledged shift handovers)">
                    Raised on shift
                  </th>
                  <th className="num" title="alarms this operator acknowledged">
                    Acknowledged
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.operators.map((o) => (
                  <tr key={o.operator ?? ''} data-operator={o.operator ?? ''}>
                    <td className="wrap-any">{o.operator ?? <span className="muted">no handover recorded</span>}</td>
                    <td className="num">{o.on_shift}</td>
                    <td className="num">{o.acknowledged}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted small">On shift: the operator who acknowledged the last shift handover before the alarm. Acknowledged: who acknowledged it.</p>
        </section>
        <section aria-label="top bad actors">
          <h3>Top {r.bad_actors.length || 10} bad actors</h3>
          {r.bad_actors.length === 0 ? (
            <Empty>No alarms in this window.</Empty>
          ) : (
            <table className="grid fit compact" data-table="bad-actors">
              <thead>
                <tr>
                  <th>Alarm</th>
                  <th className="num">Count</th>
                  <th className="num">Share</th>
                </tr>
              </thead>
              <tbody>
                {r.bad_actors.map((b) => (
                  <tr key={b.alarm_id} data-alarm-id={b.alarm_id} data-count={b.count}>
                    <td className="wrap-word" title={b.alarm_id}>
                      {name(b.alarm_id, b.source)}
                      {b.chattering ? <span className="tag"> chattering</span> : null}
                    </td>
                    <td className="num">{b.count}</td>
                    <td className="num">{b.share_pct.toFixed(1)} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-label="stale alarms">
          <h3>Stale (active over {t.stale_hours} h)</h3>
          {r.stale.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <table className="grid fit compact" data-table="stale">
              <thead>
                <tr>
                  <th>Alarm</th>
                  <th>Priority</th>
                  <th>Raised</th>
                  <th className="num">Active</th>
                </tr>
              </thead>
              <tbody>
                {r.stale.map((s) => (
                  <tr key={s.alarm_id} data-alarm-id={s.alarm_id}>
                    <td className="wrap-word" title={s.alarm_id}>
                      {name(s.alarm_id, s.source)} <span className="muted">({s.state.replace(/_/g, ' ')})</span>
                    </td>
                    <td>{s.priority ? <PriorityBadge p={s.priority} /> : '—'}</td>
                    <td>
                      <PlantTime plant={s.raised_at} seconds={false} />
                    </td>
                    <td className="num">{s.hours} h</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-label="chattering alarms">
          <h3>
            Chattering (≥ {t.chatter_count} in {t.chatter_window_s} s)
          </h3>
          {r.chattering.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <table className="grid fit compact" data-table="chattering">
              <thead>
                <tr>
                  <th>Alarm</th>
                  <th className="num">Raises</th>
                  <th className="num" title={`most raises within ${t.chatter_window_s} s`}>
                    Max / {t.chatter_window_s} s
                  </th>
                  <th>From</th>
                </tr>
              </thead>
              <tbody>
                {r.chattering.map((c) => (
                  <tr key={c.alarm_id} data-alarm-id={c.alarm_id}>
                    <td className="wrap-word" title={c.alarm_id}>
                      {name(c.alarm_id, c.source)}
                    </td>
                    <td className="num">{c.raises}</td>
                    <td className="num">{c.max_in_window}</td>
                    <td>
                      <PlantTime plant={c.at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}

const BAND_CLASS: Record<string, string> = { 'urgent + high': 'prio-high', medium: 'prio-medium', low: 'prio-low' };

/** The share of each priority band beside EEMUA 191's target, as two stacked bars. */
function PriorityBars({ r }: { r: AlarmReport }) {
  const bands = r.priorities.bands;
  const bar = (which: 'pct' | 'target_pct', label: string) => (
    <div className="prio-bar-row">
      <span className="prio-bar-label">{label}</span>
      <div className="prio-bar" role="img" aria-label={`${label}: ${bands.map((b) => `${b.band} ${b[which]} %`).join(', ')}`}>
        {bands.map((b) =>
          b[which] > 0 ? (
            <span key={b.band} className={BAND_CLASS[b.band] ?? 'prio-low'} style={{ width: `${b[which]}%` }} title={`${b.band}: ${b[which]} %`} />
          ) : null,
        )}
      </div>
    </div>
  );
  return (
    <section aria-label="priority distribution" className="prio-dist">
      <h3>Priority distribution</h3>
      {bar('pct', 'this window')}
      {bar('target_pct', 'target ≈80/15/5')}
      <ul className="plain row wrap small">
        {bands.map((b) => (
          <li key={b.band} data-band={b.band} data-count={b.count} data-pct={b.pct}>
            <span className={`prio ${BAND_CLASS[b.band] ?? 'prio-low'}`}>{b.band}</span> {b.count} ({b.pct} %, target ≈{b.target_pct} %)
          </li>
        ))}
        {r.priorities.counts.diagnostic ? <li className="muted">diagnostic {r.priorities.counts.diagnostic} (not counted)</li> : null}
      </ul>
    </section>
  );
}
