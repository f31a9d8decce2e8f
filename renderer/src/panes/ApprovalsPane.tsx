// Approvals: the pending queue (soonest deadline first), bulk decisions, keyboard work, and history.
import { useEffect, useRef, useState } from 'react';
import { ApprovalCard } from '../components/ApprovalCard';
import { PlantTime } from '../components/PlantTime';
import { Empty, useAgentName, useNow } from '../components/ui';
import { useServices } from '../context';
import { isHighRisk, summarizeArgs, useApprovals } from '../store/approvals';

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
  const agentName = useAgentName();

  useEffect(() => {
    if (!selectedId) return;
    listRef.current?.querySelector(`[data-approval-id="${CSS.escape(selectedId)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const rootRef = useRef<HTMLDivElement>(null);
  const decide = async (id: string, verdict: 'approve' | 'reject', comment = '') => {
    setBusy(true);
    await actions.decide(id, verdict, comment);
    setBusy(false);
    // The decided card (and its confirm button) is gone: the keys go on working on the queue.
    if (!document.activeElement || document.activeElement === document.body) rootRef.current?.focus();
  };

  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
    const st = useApprovals.getState();
    if (e.key === 'ArrowDown' || e.key === 'j') st.move(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') st.move(-1);
    else if (e.key === 'r' && st.selectedId) void decide(st.selectedId, 'reject');
    else if (e.key === 'a' && st.selectedId) {
      // A high-risk request is never approved by one key: "a" opens its confirm step (Enter confirms).
      const sel = st.pending.find((p) => p.id === st.selectedId);
      if (sel && isHighRisk(sel)) st.askConfirm(sel.id);
      else void decide(st.selectedId, 'approve');
    } else if (e.key === 'Escape' && st.confirmId) st.askConfirm(null);
    else return;
    e.preventDefault();
  };

  return (
    <div className="approvals" tabIndex={0} onKeyDown={onKey} aria-label="Approvals queue" ref={rootRef}>
      <div className="row toolbar">
        <b data-field="pending-count">{pending.length} pending</b>
        <span className="muted">keys: ↑/↓ select · a approve (high risk: then Enter to confirm) · r reject</span>
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
        <table className="grid compact fit stack-narrow approval-history">
          <thead>
            <tr>
              <th>Decided</th>
              <th>Status</th>
              <th>Agent</th>
              <th>Request</th>
              <th>By</th>
              <th>Comment</th>
            </tr>
          </thead>
          <tbody>
            {history.slice(0, 50).map((a) => (
              <tr key={a.id} data-history-id={a.id}>
                <td className="nowrap">
                  <PlantTime wall={a.decidedAt ?? a.deadline} />
                </td>
                <td className={a.status === 'approved' ? '' : 'muted'}>{a.status}</td>
                <td title={a.agentId}>{agentName(a.agentId)}</td>
                <td className="wrap-any wide" title={JSON.stringify(a.args)}>
                  {a.tool} <span className="muted">{summarizeArgs(a.args, 90)}</span>
                </td>
                <td data-label="by">{a.decidedBy ?? '—'}</td>
                <td className="wrap-any wide" data-label={a.comment ? 'comment' : undefined}>
                  {a.comment ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
