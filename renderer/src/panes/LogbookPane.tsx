// Operator logbook and shift handover: timestamped notes (plant time, wall time on hover) with links to
// devices and alarms; the handover report of the shift now ending (open and shelved alarms, pending
// approvals, agents stopped and calls blocked, open episodes, the notes), exported as Markdown or printed
// to PDF, and acknowledged by the incoming operator.
import { useEffect, useState } from 'react';
import type { Handover, LogEntry } from '../../../shared/schemas/shift';
import { unwrap } from '../api/client';
import { PlantTime } from '../components/PlantTime';
import { Empty, download } from '../components/ui';
import { useServices } from '../context';
import { useAuth } from '../store/auth';
import { useModel } from '../store/model';

export default function LogbookPane() {
  const { client } = useServices();
  const me = useAuth((s) => s.state?.operator?.name ?? null);
  const assets = useModel((s) => s.model?.assets ?? null);
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [handovers, setHandovers] = useState<Handover[] | null>(null);
  const [text, setText] = useState('');
  const [device, setDevice] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let off = false;
    const load = () => {
      void unwrap(client.api.logbookList({ limit: 200 })).then(
        (e) => !off && setEntries(e),
        () => !off && setEntries((x) => x ?? []),
      );
      void unwrap(client.api.handoverList({ limit: 10 })).then(
        (h) => !off && setHandovers(h),
        () => !off && setHandovers((x) => x ?? []),
      );
    };
    load();
    const offs = [client.api.onLogbookEntry(load), client.api.onHandoverChanged(load)];
    return () => {
      off = true;
      offs.forEach((o) => o());
    };
  }, [client]);
  const attempt = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const latest = handovers?.[0] ?? null;
  return (
    <div className="logbook">
      <section aria-label="logbook">
        <h3>Logbook</h3>
        <form
          className="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            if (!text.trim()) return;
            void attempt(async () => {
              await unwrap(client.api.logbookAdd({ text: text.trim(), ...(device ? { links: { devices: [device] } } : {}) }));
              setText('');
            });
          }}
        >
          <input
            className="grow"
            aria-label="logbook note"
            placeholder="Note for the log (recorded with your name and the plant time)"
            value={text}
            maxLength={4000}
            onChange={(e) => setText(e.target.value)}
          />
          <select aria-label="logbook device" value={device} onChange={(e) => setDevice(e.target.value)}>
            <option value="">no device</option>
            {(assets ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <button type="submit" data-action="log-note">
            Add note
          </button>
        </form>
        {error ? (
          <p className="attention" role="alert">
            {error}
          </p>
        ) : null}
        {!entries || entries.length === 0 ? (
          <Empty loaded={!!entries}>No notes yet.</Empty>
        ) : (
          <ul className="log-entries">
            {entries.map((e) => (
              <li key={e.id} data-log-id={e.id}>
                <span className="muted">
                  <PlantTime wall={e.ts} />
                </span>{' '}
                <b>{e.operator}</b>: {e.text}
                {e.links.devices?.length ? <span className="muted"> · {e.links.devices.join(', ')}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="shift handover">
        <h3>Shift handover</h3>
        <div className="row wrap">
          <input
            className="grow"
            aria-label="handover note"
            placeholder="Anything the incoming operator must know (optional)"
            value={note}
            maxLength={4000}
            onChange={(e) => setNote(e.target.value)}
          />
          <button
            type="button"
            data-action="prepare-handover"
            onClick={() =>
              void attempt(async () => {
                await unwrap(client.api.handoverCreate(note.trim() ? { note: note.trim() } : {}));
                setNote('');
              })
            }
          >
            Prepare handover
          </button>
        </div>
        {latest ? (
          <article className="handover" data-handover-id={latest.id} data-acked={latest.ackedAt ? 'yes' : 'no'}>
            <div className="row wrap">
              <span>
                Prepared by <b>{latest.createdBy}</b> · {latest.counts.openAlarms} open alarms, {latest.counts.shelvedAlarms} shelved,{' '}
                {latest.counts.pendingApprovals} pending approvals, {latest.counts.stoppedAgents} agents stopped, {latest.counts.notes} notes
              </span>
              <span className="spacer" />
              <button type="button" onClick={() => download(`handover-${latest.id}.md`, latest.markdown, 'text/markdown')} data-action="handover-md">
                Export Markdown
              </button>
              <button type="button" onClick={() => window.print()} title="Print the report, or save it as PDF">
                Print / PDF
              </button>
              {latest.ackedAt ? (
                <span data-field="handover-acked">
                  acknowledged by <b>{latest.ackedBy}</b> at <PlantTime wall={latest.ackedAt} />
                </span>
              ) : latest.createdBy === me ? (
                <span className="muted">waiting for the incoming operator to acknowledge</span>
              ) : (
                <button
                  type="button"
                  className="approve"
                  data-action="ack-handover"
                  onClick={() => void attempt(() => unwrap(client.api.handoverAck({ id: latest.id })))}
                >
                  Acknowledge handover
                </button>
              )}
            </div>
            <pre className="handover-report">{latest.markdown}</pre>
          </article>
        ) : (
          <Empty loaded={!!handovers}>No handover prepared yet.</Empty>
        )}
      </section>
    </div>
  );
}
