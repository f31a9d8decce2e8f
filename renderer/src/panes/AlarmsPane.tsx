// Alarms (ISA-18.2): the list with priority, state, time and first-out; acknowledge, shelve with a
// reason; filters; and the alarm-rate figures the standard asks for.
import { useMemo, useState } from 'react';
import { ALARM_PRIORITIES, type Alarm } from '../../../shared/anomalies';
import { AlarmCues } from '../components/AlarmCues';
import { PlantTime } from '../components/PlantTime';
import { Empty, FieldInput, PriorityBadge, ShelfLeft, Stat } from '../components/ui';
import { useServices } from '../context';
import { alarmName, alarmText, needsAck, removedWord, useAlarms, visibleAlarms, type AlarmView } from '../store/alarms';
import { useModel } from '../store/model';
import { showTrend } from '../navigate';

const STATE_LABEL: Record<Alarm['state'], string> = {
  normal: 'normal',
  unacknowledged: 'UNACK',
  acknowledged: 'ack',
  rtn_unacknowledged: 'RTN unack',
  shelved: 'shelved',
  suppressed: 'suppressed',
  out_of_service: 'out of service',
};

export default function AlarmsPane() {
  const { actions } = useServices();
  const alarmsMap = useAlarms((s) => s.alarms);
  const filter = useAlarms((s) => s.filter);
  const stats = useAlarms((s) => s.stats);
  const flood = useAlarms((s) => s.flood);
  const loaded = useAlarms((s) => s.loaded);
  const selectedId = useAlarms((s) => s.selectedId);
  const assets = useModel((s) => s.assets);
  const tags = useModel((s) => s.tags);
  const lookup = useMemo(() => ({ assets, tags }), [assets, tags]);
  const firstOut = flood?.first_out ? alarmsMap[flood.first_out] : undefined;
  const list = useMemo(() => visibleAlarms({ alarms: alarmsMap, filter }), [alarmsMap, filter]);
  const [shelving, setShelving] = useState<{ id: string; reason: string; minutes: number } | null>(null);

  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT' || (e.target as HTMLElement).tagName === 'SELECT' || e.ctrlKey || e.metaKey) return;
    const st = useAlarms.getState();
    const i = list.findIndex((a) => a.id === st.selectedId);
    if (e.key === 'ArrowDown' || e.key === 'j') st.select(list[Math.min(i + 1, list.length - 1)]?.id ?? null);
    else if (e.key === 'ArrowUp' || e.key === 'k') st.select(list[Math.max(i - 1, 0)]?.id ?? null);
    else if (e.key === 'a' || e.key === ' ') {
      const target = list.find((a) => a.id === st.selectedId) ?? list.find(needsAck);
      if (target && needsAck(target)) void actions.ackAlarm(target.id);
    } else return;
    e.preventDefault();
  };

  return (
    <div className="alarms" tabIndex={0} onKeyDown={onKey} aria-label="Alarm list">
      {flood?.active ? (
        <div className="banner abnormal-box" role="alert" data-banner="flood">
          Alarm flood: {flood.count_in_window} alarms in 10 min
          {flood.first_out ? (
            <>
              {' '}
              · first out: {alarmName(flood.first_out, firstOut?.source ?? null, lookup)}
              {firstOut && removedWord(firstOut) ? <b> ({removedWord(firstOut)})</b> : null}
            </>
          ) : null}
        </div>
      ) : null}
      <div className="row stats-row">
        <Stat label="last 10 min" value={stats?.last_10min ?? '—'} unit="alarms" attention={(stats?.last_10min ?? 0) > 10} />
        <Stat label="avg / 10 min (24 h)" value={stats ? stats.avg_per_10min.toFixed(2) : '—'} attention={(stats?.avg_per_10min ?? 0) > 2} />
        <Stat label="peak / 10 min" value={stats?.peak_10min ?? '—'} />
        <Stat label="time in flood" value={stats ? stats.flood_pct.toFixed(1) : '—'} unit="%" />
        <Stat label="standing" value={stats?.standing ?? '—'} />
        <Stat label="shelved" value={stats?.shelved ?? '—'} />
        <Stat label="chattering" value={stats?.chattering ?? '—'} />
      </div>
      <div className="row toolbar">
        <select value={filter.view} onChange={(e) => useAlarms.getState().setFilter({ view: e.target.value as AlarmView })} aria-label="Alarm view">
          <option value="attention">Needs attention</option>
          <option value="active">Active</option>
          <option value="shelved">Shelved / suppressed / OOS</option>
          <option value="all">All</option>
        </select>
        <select value={filter.priority} onChange={(e) => useAlarms.getState().setFilter({ priority: e.target.value as never })} aria-label="Priority">
          <option value="all">all priorities</option>
          {ALARM_PRIORITIES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <input
          placeholder="source filter"
          value={filter.source}
          onChange={(e) => useAlarms.getState().setFilter({ source: e.target.value })}
          aria-label="Source filter"
        />
        <span className="muted">keys: ↑/↓ select · a acknowledge</span>
      </div>
      <p className="muted" data-note="alarm-text">
        Priority, consequence and action come from the master alarm table as it was at each alarm&apos;s raise; a change there applies to the next raise.
      </p>
      {list.length === 0 ? (
        <Empty loaded={loaded}>No alarms in this view.</Empty>
      ) : (
        <table className="grid fit alarm-table">
          <thead>
            <tr>
              <th>Priority</th>
              <th>State</th>
              <th>Time</th>
              <th>Alarm</th>
              <th>Message</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr
                key={a.id}
                data-alarm-id={a.id}
                data-source={a.source}
                data-state={a.state}
                className={`${a.id === selectedId ? 'selected' : ''} ${needsAck(a) ? 'unacked' : ''}`}
                onClick={() => useAlarms.getState().select(a.id)}
                onDoubleClick={() => showTrend(a.source)}
                title="Double-click: trends of this source"
              >
                <td>
                  <PriorityBadge p={a.priority} />
                </td>
                <td className={needsAck(a) ? 'abnormal blink-once' : ''}>
                  {STATE_LABEL[a.state]}
                  {a.first_out ? (
                    <span className="tag" title="first alarm of the cascade">
                      1st out
                    </span>
                  ) : null}
                  {a.chattering ? <span className="tag">chattering</span> : null}
                  {a.stale ? <span className="tag">stale</span> : null}
                </td>
                {/* a date (another plant day) wraps onto its own line: at 1366×768 "2026-12-08 21:15:33" on one line pushed the buttons out */}
                <td className="when">
                  <PlantTime wall={a.activated_at ?? a.updated_at} />
                </td>
                <td data-field="source" title={a.id} className="wrap-word">
                  {alarmName(a.id, a.source, lookup)}
                </td>
                <td className="wrap-any">
                  {alarmText(a, lookup)}
                  <AlarmCues alarm={a} />
                  {a.state === 'shelved' ? (
                    <div className="muted">
                      shelved by {a.shelved_by}: {a.shelve_reason} (<ShelfLeft until={a.shelved_until} />)
                    </div>
                  ) : null}
                </td>
                <td className="actions" onClick={(e) => e.stopPropagation()}>
                  {needsAck(a) ? (
                    <button type="button" data-action="ack" onClick={() => void actions.ackAlarm(a.id)}>
                      Acknowledge
                    </button>
                  ) : null}
                  {a.state === 'shelved' ? (
                    <button type="button" onClick={() => void actions.unshelveAlarm(a.id)}>
                      Unshelve
                    </button>
                  ) : a.state !== 'out_of_service' && a.state !== 'suppressed' ? (
                    <button type="button" onClick={() => setShelving({ id: a.id, reason: '', minutes: 15 })}>
                      Shelve…
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shelving ? (
        <form
          className="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (!shelving.reason.trim()) return;
            void actions.shelveAlarm(shelving.id, shelving.reason.trim(), shelving.minutes);
            setShelving(null);
          }}
        >
          <b>Shelve {alarmName(shelving.id, alarmsMap[shelving.id]?.source ?? null, lookup)}</b>
          <FieldInput state={shelving} set={setShelving} field="reason" autoFocus required placeholder="Reason (required, recorded)" />
          <label>
            for{' '}
            <input
              type="number"
              min={1}
              max={1440}
              value={shelving.minutes}
              onChange={(e) => setShelving({ ...shelving, minutes: Number(e.target.value) || 15 })}
            />{' '}
            min
          </label>
          <button type="submit" disabled={!shelving.reason.trim()}>
            Shelve
          </button>
          <button type="button" onClick={() => setShelving(null)}>
            Cancel
          </button>
        </form>
      ) : null}
    </div>
  );
}
