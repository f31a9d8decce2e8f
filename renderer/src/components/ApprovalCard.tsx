// One pending approval with everything the operator needs to decide: who, what, the full arguments,
// the risk, the policy's reason and the time left (timeout = deny).
import { useState } from 'react';
import type { ApprovalView } from '../../../shared/governance';
import { formatCountdown, secondsLeft } from '../store/approvals';
import { fmtTime } from './ui';
import { PlantTime } from './PlantTime';

export function ApprovalCard(props: {
  a: ApprovalView;
  now: number;
  selected?: boolean;
  onSelect?: () => void;
  onDecide: (verdict: 'approve' | 'reject', comment: string) => void;
  busy?: boolean;
}) {
  const { a, now, selected } = props;
  const [comment, setComment] = useState('');
  const left = secondsLeft(a.deadline, now);
  const urgent = left <= 30;
  return (
    <article
      className={`approval${selected ? ' selected' : ''}`}
      data-approval-id={a.id}
      aria-label={`approval ${a.tool} by ${a.agentId}`}
      onClick={props.onSelect}
    >
      <header>
        <b>{a.tool}</b>
        {a.kind === 'healing' ? (
          <span className="cmd" title="the immune system asks to heal this quarantined agent">
            healing
          </span>
        ) : null}
        {typeof a.args.command === 'string' ? <span className="cmd">{a.args.command}</span> : null}
        {typeof a.args.device_id === 'string' ? <span>on {a.args.device_id}</span> : null}
        <span className="spacer" />
        <span className={a.risk >= 7 ? 'risk abnormal' : 'risk'} title="risk 0–10">
          risk {a.risk}/10
        </span>
        <span
          className={urgent ? 'countdown abnormal' : 'countdown'}
          data-field="countdown"
          title={`expires ${fmtTime(a.deadline)} wall clock; no decision = denied`}
        >
          {formatCountdown(left)}
        </span>
      </header>
      <dl className="kv">
        <dt>Agent</dt>
        <dd>{a.agentId}</dd>
        <dt>Policy</dt>
        <dd>
          {a.reason}{' '}
          <span className="muted">
            ({a.ruleId}, v{a.policyVersion.slice(0, 8)})
          </span>
        </dd>
        {a.approverRole ? (
          <>
            <dt>Approver</dt>
            <dd>{a.approverRole}</dd>
          </>
        ) : null}
        {a.requiredApprovals > 1 ? (
          <>
            <dt>Two-person rule</dt>
            <dd data-field="approvals-given">
              {a.approvals.length} of {a.requiredApprovals} approvals
              {a.approvals.length ? ` — approved by ${a.approvals.map((x) => x.by).join(', ')}; needs another operator` : ' — needs different operators'}
            </dd>
          </>
        ) : null}
        <dt>Requested</dt>
        <dd>
          <PlantTime wall={a.createdAt} />
        </dd>
      </dl>
      <pre className="args">{JSON.stringify(a.args, null, 2)}</pre>
      <div className="row" onClick={(e) => e.stopPropagation()}>
        <input
          className="grow"
          placeholder="Comment (recorded in the audit log)"
          value={comment}
          maxLength={500}
          onChange={(e) => setComment(e.target.value)}
          aria-label="comment"
        />
        <button type="button" className="approve" disabled={props.busy} onClick={() => props.onDecide('approve', comment)} data-action="approve">
          Approve
        </button>
        <button type="button" className="reject" disabled={props.busy} onClick={() => props.onDecide('reject', comment)} data-action="reject">
          Reject
        </button>
      </div>
    </article>
  );
}
