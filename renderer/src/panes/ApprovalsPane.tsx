// Approvals: the pending queue (soonest deadline first), bulk decisions, keyboard work, and history.
import { useEffect, useRef, useState } from 'react';
import { ApprovalCard } from '../components/ApprovalCard';
import { Empty, useNow } from '../components/ui';
import { PlantTime } from '../components/PlantTime';
import { useServices } from '../context';
import { summarizeArgs, useApprovals } from '../store/approvals';

export default function ApprovalsPane() {
  const { actions } = useServices();
  const pending = useApprovals((s) => s.pending);
  const history = useApprovals((s) => s.history);
  const loaded = useApprovals((s) => s.loaded);
  const selectedId = useApprovals((s) => s.selectedId);
  const now = useNow(1000) + useApprovals((s) => s.clockSkewMs);
  const [confirm, setConfirm] = useState<'approve' | 'reject' | null>(null);
  const [busy, setBusy] = useState(false);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!selectedId) return;
    listRef.current?.querySelector(`[data-approval-id="${CSS.escape(selectedId)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const decide = async (id: string, verdict: 'approve' | 'reject', comment = '') => {
    setBusy(true);
    await actions.decide(id, verdict, comment);
    setBusy(false);
  };

  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
    const st = useApprovals.getState();
    if (e.key === 'ArrowDown' || e.key === 'j') st.move(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') st.move(-1);
    else if ((e.key === 'a' || e.key === 'r') && st.selectedId) void decide(st.selectedId, e.key === 'a' ? 'approve' : 'reject');
    else return;
    e.preventDefault();
  };

  return (
    <div className="approvals" tabIndex={0} onKeyDown={onKey} aria-label="Approvals queue">
      <div className="row toolbar">
        <b data-field="pending-count">{pending.length} pending</b>
        <span className="muted">keys: ↑/↓ select · a approve · r reject</span>
        <span className="spacer" />
        {confirm ? (
          <>
            <span>
              {confirm === 'approve' ? 'Approve' : 'Reject'} all {pending.length}?
            </span>
            <button
              type="button"
              className={confirm}
              onClick={() => {
                void actions.decideAll(confirm, `bulk ${confirm} from the control room`);
                setConfirm(null);
              }}
            >
              Yes, {confirm} all
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button type="button" disabled={pending.length === 0} onClick={() => setConfirm('approve')}>
              Approve all
            </button>
            <button type="button" disabled={pending.length === 0} onClick={() => setConfirm('reject')}>
              Reject all
            </button>
          </>
        )}
      </div>
      <div ref={listRef} className="approval-list">
        {pending.length === 0 ? (
          <Empty loaded={loaded}>No approvals waiting. Gated agent actions appear here the moment they are requested.</Empty>
        ) : (
          pending.map((a) => (
            <ApprovalCard
              key={a.id}
              a={a}
              now={now}
              busy={busy}
              selected={a.id === selectedId}
              onSelect={() => useApprovals.getState().select(a.id)}
              onDecide={(v, c) => void decide(a.id, v, c)}
            />
          ))
        )}
      </div>
      <h3>History</h3>
      {history.length === 0 ? (
        <Empty loaded={loaded}>No decisions yet.</Empty>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Decided</th>
              <th>Status</th>
              <th>Agent</th>
              <th>Tool</th>
              <th>Arguments</th>
              <th>By</th>
              <th>Comment</th>
            </tr>
          </thead>
          <tbody>
            {history.slice(0, 50).map((a) => (
              <tr key={a.id} data-history-id={a.id}>
                <td>
                  <PlantTime wall={a.decidedAt ?? a.deadline} />
                </td>
                <td className={a.status === 'approved' ? '' : 'muted'}>{a.status}</td>
                <td>{a.agentId}</td>
                <td>{a.tool}</td>
                <td className="ellipsis" title={JSON.stringify(a.args)}>
                  {summarizeArgs(a.args, 60)}
                </td>
                <td>{a.decidedBy ?? '—'}</td>
                <td className="ellipsis">{a.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
