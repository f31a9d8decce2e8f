// The master alarm table (ISA-18.2 rationalization): one row per alarm the plant can raise, with its
// setpoint, priority and how it follows (consequence severity × time to respond), consequence,
// corrective action, reference and class; filters by device and priority; an edit form for the role
// that changes plant configuration (admin), read only with the reason for everyone else.
import { useEffect, useMemo, useState } from 'react';
import { ALARM_PRIORITIES, type AlarmPriority } from '../../../shared/anomalies';
import { ALARM_CLASSES, CONSEQUENCE_SEVERITIES, priorityOf, type AlarmClass, type ConsequenceSeverity } from '../../../shared/alarm-table';
import { hasRole } from '../../../shared/operators';
import type { AlarmTableRow } from '../../../shared/schemas/alarm-table';
import { unwrap } from '../api/client';
import { PlantTime } from '../components/PlantTime';
import { Empty, PriorityBadge } from '../components/ui';
import { useServices } from '../context';
import { alarmName } from '../store/alarms';
import { followAlarmTable, useAlarmTable } from '../store/alarmTable';
import { useAuth } from '../store/auth';
import { useModel } from '../store/model';

interface Draft {
  id: string;
  consequence: string;
  action: string;
  reference: string;
  severity: ConsequenceSeverity | null;
  respond_min: number | null;
  class: AlarmClass;
  reason: string;
}

const draftOf = (r: AlarmTableRow): Draft => ({
  id: r.id,
  consequence: r.consequence ?? '',
  action: r.action ?? '',
  reference: r.reference ?? '',
  severity: r.severity,
  respond_min: r.respond_min,
  class: r.class,
  reason: '',
});

const NONE = <i className="muted">no rationalization yet</i>;
const rank = (p: AlarmPriority | null) => (p === null ? -1 : ALARM_PRIORITIES.indexOf(p));

export default function AlarmTablePane() {
  const { client } = useServices();
  useEffect(() => followAlarmTable(client), [client]);
  const rows = useAlarmTable((s) => s.rows);
  const loaded = useAlarmTable((s) => s.loaded);
  const error = useAlarmTable((s) => s.error);
  const me = useAuth((s) => s.state?.operator ?? null);
  const canEdit = hasRole(me, 'admin');
  const assets = useModel((s) => s.assets);
  const tags = useModel((s) => s.tags);
  const lookup = useMemo(() => ({ assets, tags }), [assets, tags]);
  const [device, setDevice] = useState('all');
  const [priority, setPriority] = useState<AlarmPriority | 'episode' | 'all'>('all');
  const [text, setText] = useState('');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const list = useMemo(() => {
    const q = text.trim().toLowerCase();
    return Object.values(rows).filter(
      (r) =>
        (device === 'all' || (device === 'system' ? !assets.has(r.source) : r.source === device)) &&
        (priority === 'all' || (priority === 'episode' ? r.priority === null : r.priority === priority)) &&
        (!q || `${alarmName(r.id, r.source, lookup)} ${r.id} ${r.consequence ?? ''} ${r.action ?? ''}`.toLowerCase().includes(q)),
    );
  }, [rows, device, priority, text, assets, lookup]);
  const editing = draft ? rows[draft.id] : undefined;

  const save = async (d: Draft, r: AlarmTableRow) => {
    setProblem(null);
    const text = (v: string, was: string | null) => (v.trim() === (was ?? '') ? undefined : v.trim() || null);
    const params = {
      id: d.id,
      consequence: text(d.consequence, r.consequence),
      action: text(d.action, r.action),
      reference: text(d.reference, r.reference),
      ...(r.kind !== 'anomaly' && d.severity && d.severity !== r.severity ? { severity: d.severity } : {}),
      ...(r.kind !== 'anomaly' && d.respond_min !== null && d.respond_min !== r.respond_min ? { respond_min: d.respond_min } : {}),
      ...(d.class !== r.class ? { class: d.class } : {}),
      reason: d.reason.trim(),
    };
    try {
      await unwrap(client.api.alarmTableUpdate(params));
      setDraft(null);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  return (
    <div className="alarm-master" style={{ containerType: 'inline-size', minWidth: 0 }}>
      <div className="row toolbar">
        <select aria-label="Device filter" value={device} onChange={(e) => setDevice(e.target.value)}>
          <option value="all">all devices</option>
          {[...assets.values()].map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
          <option value="system">data path (broker, connectors, storage)</option>
        </select>
        <select aria-label="Priority filter" value={priority} onChange={(e) => setPriority(e.target.value as AlarmPriority | 'episode' | 'all')}>
          <option value="all">all priorities</option>
          {ALARM_PRIORITIES.map((p) => (
            <option key={p}>{p}</option>
          ))}
          <option value="episode">by episode (anomaly)</option>
        </select>
        <input
          className="grow"
          aria-label="Search alarms"
          placeholder="search alarm, consequence, action"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="muted">{list.length} alarms</span>
      </div>
      <p className="muted" data-note="next-raise">
        A change applies from each alarm&apos;s next raise; an alarm already raised keeps the text and priority it was raised with.
        {canEdit ? null : (
          <b data-note="read-only">
            {' '}
            Read only: changing the master alarm table needs the admin role{me ? ` (${me.name}: ${me.roles.join(', ') || 'no role'})` : ''}.
          </b>
        )}
      </p>
      {error ? <p className="error">Cannot read the master alarm table: {error}</p> : null}
      {draft && editing ? (
        <form
          className="dialog"
          aria-label="Edit alarm"
          onSubmit={(e) => {
            e.preventDefault();
            if (draft.reason.trim()) void save(draft, editing);
          }}
        >
          <b style={{ flexBasis: '100%' }}>Edit {alarmName(editing.id, editing.source, lookup)}</b>
          <label style={{ flexBasis: '100%' }}>
            Consequence
            <textarea
              aria-label="Consequence"
              rows={2}
              style={{ width: '100%' }}
              maxLength={1000}
              value={draft.consequence}
              onChange={(e) => setDraft({ ...draft, consequence: e.target.value })}
            />
          </label>
          <label style={{ flexBasis: '100%' }}>
            Corrective action
            <textarea
              aria-label="Corrective action"
              rows={3}
              style={{ width: '100%' }}
              maxLength={1000}
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            />
          </label>
          {editing.kind === 'anomaly' ? (
            <span className="muted">Priority: by episode — an unsure &quot;unknown&quot; hit is never above medium.</span>
          ) : (
            <>
              <label>
                Severity{' '}
                <select
                  aria-label="Severity"
                  value={draft.severity ?? 'major'}
                  onChange={(e) => setDraft({ ...draft, severity: e.target.value as ConsequenceSeverity })}
                >
                  {CONSEQUENCE_SEVERITIES.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
              <label>
                respond within{' '}
                <input
                  aria-label="Time to respond (min)"
                  type="number"
                  min={1}
                  max={1440}
                  style={{ width: 64 }}
                  value={draft.respond_min ?? 10}
                  onChange={(e) => setDraft({ ...draft, respond_min: Number(e.target.value) || null })}
                />{' '}
                min
              </label>
              <span data-field="derived-priority">
                → <PriorityBadge p={priorityOf(draft.severity ?? 'major', draft.respond_min ?? 10)} />
              </span>
            </>
          )}
          <label>
            Reference{' '}
            <input
              aria-label="Reference"
              style={{ width: 90 }}
              maxLength={100}
              value={draft.reference}
              onChange={(e) => setDraft({ ...draft, reference: e.target.value })}
            />
          </label>
          <label>
            Class{' '}
            <select aria-label="Class" value={draft.class} onChange={(e) => setDraft({ ...draft, class: e.target.value as AlarmClass })}>
              {ALARM_CLASSES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <input
            className="grow"
            aria-label="Reason for the change"
            required
            placeholder="Reason (required, audited)"
            value={draft.reason}
            onChange={(e) => setDraft({ ...draft, reason: e.target.value })}
          />
          <button type="submit" disabled={!draft.reason.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
          {problem ? <span className="error">{problem}</span> : null}
        </form>
      ) : null}
      {list.length === 0 ? (
        <Empty loaded={loaded}>No alarms in this view.</Empty>
      ) : (
        <table className="grid fit stack-narrow">
          <thead>
            <tr>
              <th>Priority</th>
              <th>Alarm</th>
              <th>Consequence</th>
              <th>Corrective action</th>
              <th>Ref · class</th>
              <th>Changed</th>
              <th>
                <span className="sr-only">Edit</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...list]
              .sort((a, b) => rank(a.priority) - rank(b.priority) || 0)
              .map((r) => (
                <tr key={r.id} data-alarm-id={r.id} data-priority={r.priority ?? 'episode'}>
                  <td data-label="priority" title={r.priority_basis}>
                    {r.priority ? <PriorityBadge p={r.priority} /> : <span className="tag">by episode</span>}
                    {r.respond_min !== null ? <div className="muted nowrap">{`${r.severity} · ${r.respond_min} min`}</div> : null}
                  </td>
                  <td data-label="alarm" className="wrap-word" title={r.id}>
                    {alarmName(r.id, r.source, lookup)}
                    {r.setpoint !== null ? <span className="muted">{` ${r.type} ${r.setpoint}${r.unit ? ` ${r.unit}` : ''}`}</span> : null}
                    {r.orphaned ? (
                      <span className="tag" title="an edit kept for an alarm the plant model in force no longer has">
                        orphaned
                      </span>
                    ) : null}
                  </td>
                  <td data-label="consequence" data-field="consequence" className="wrap-word wide">
                    {r.consequence ?? NONE}
                  </td>
                  <td data-label="action" data-field="action" className="wrap-word wide">
                    {r.action ? (
                      <span className="clamp" title={r.action}>
                        {r.action}
                      </span>
                    ) : (
                      NONE
                    )}
                  </td>
                  <td data-label="ref" className="wrap-word">
                    {r.reference ?? '—'} · {r.class}
                  </td>
                  <td data-label="changed" className="wrap-word">
                    {r.changed_by ? (
                      <>
                        {r.changed_by}, <PlantTime wall={r.changed_at} />
                      </>
                    ) : (
                      <span className="muted">seed</span>
                    )}
                  </td>
                  <td>
                    {canEdit ? (
                      <button type="button" data-action="edit" onClick={() => (setProblem(null), setDraft(draftOf(r)))}>
                        Edit…
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
