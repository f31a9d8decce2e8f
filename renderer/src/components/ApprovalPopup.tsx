// The compact always-on-top approval window: the pending request with its full arguments, policy
// reason and countdown, Approve / Reject. The main process closes the window once the request is
// decided anywhere or expires; the page also says so, in case it is shown in a browser.
import { ApprovalCard } from './ApprovalCard';
import { useNow } from './ui';
import { useServices } from '../context';
import { useApprovals } from '../store/approvals';

export function ApprovalPopup({ approvalId }: { approvalId: string | null }) {
  const { actions } = useServices();
  const pending = useApprovals((s) => s.pending);
  const history = useApprovals((s) => s.history);
  const loaded = useApprovals((s) => s.loaded);
  const now = useNow(1000) + useApprovals((s) => s.clockSkewMs);
  const a = approvalId ? pending.find((p) => p.id === approvalId) : pending[0];
  const done = approvalId ? history.find((h) => h.id === approvalId) : undefined;
  return (
    <div className="popup">
      {a ? (
        <>
          <div className="popup-head">Approval needed{pending.length > 1 ? ` · ${pending.length - 1} more waiting` : ''}</div>
          <ApprovalCard a={a} now={now} selected onDecide={(v, c) => void actions.decide(a.id, v, c)} />
        </>
      ) : (
        <p className="empty">
          {!loaded ? 'Loading…' : done ? `This request was ${done.status}${done.decidedBy ? ` by ${done.decidedBy}` : ''}.` : 'Nothing waiting for approval.'}
        </p>
      )}
    </div>
  );
}
