// One pending approval with everything the operator needs to decide: who, what, the full arguments,
// the risk, the policy's reason and the time left (timeout = deny).
import { useRef, useState } from 'react';
import type { ApprovalView } from '../../../shared/governance';
import { formatCountdown, highRiskWhy, isHighRisk, secondsLeft, useApprovals } from '../store/approvals';
import { useModel } from '../store/model';
import { ConsequencePreview } from './ConsequencePreview';
import { PlantTime } from './PlantTime';
import { useAgentName } from './ui';
import { fmtWall } from '../time';

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
  const confirming = useApprovals((s) => s.confirmId === a.id);
  const agentName = useAgentName();
  const device = typeof a.args.device_id === 'string' ? a.args.device_id : null;
  const deviceName = useModel((s) => (device ? (s.assets.get(device)?.name ?? device) : null));
  const ref = useRef<HTMLElement>(null);
  const left = secondsLeft(a.deadline, now);
  const urgent = left <= 30;
  const high = isHighRisk(a);
  const approve = () => (high && !confirming ? useApprovals.getState().askConfirm(a.id) : props.onDecide('approve', comment));
  const cancel = () => {
    useApprovals.getState().askConfirm(null);
    // Back to the queue (its keys), not to the page body.
    ref.current?.parentElement?.closest<HTMLElement>('[tabindex]')?.focus();
  };
  return (
    <article
      ref={ref}
      className={`approval${selected ? ' selected' : ''}`}
      data-approval-id={a.id}
      data-high-risk={high ? 'yes' : 'no'}
      aria-label={`approval ${a.tool} by ${agentName(a.agentId)}`}
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
        {device ? <span title={device}>on {deviceName}</span> : null}
        <span className="spacer" />
        <span className={high ? 'risk attention' : 'risk'} title="policy risk 0–10">
          risk {a.risk}/10
        </span>
        <span
          className={urgent ? 'countdown attention' : 'countdown'}
          data-field="countdown"
          title={`expires ${fmtWall(a.deadline)} wall clock; no decision = denied`}
        >
          {formatCountdown(left)}
        </span>
      </header>
      <dl className="kv">
        <dt>Agent</dt>
        <dd title={a.agentId}>{agentName(a.agentId)}</dd>
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
      {a.tool === 'execute_device_command' && a.status === 'pending' ? <ConsequencePreview approvalId={a.id} /> : null}
      <div className="row" onClick={(e) => e.stopPropagation()}>
        <input
          className="grow"
          placeholder="Comment (recorded in the audit log)"
          value={comment}
          maxLength={500}
          onChange={(e) => setComment(e.target.value)}
          aria-label="comment"
        />
        <button type="button" className="approve" disabled={props.busy || confirming} onClick={approve} data-action="approve">
          {high ? 'Approve…' : 'Approve'}
        </button>
        <button type="button" className="reject" disabled={props.busy} onClick={() => props.onDecide('reject', comment)} data-action="reject">
          Reject
        </button>
      </div>
      {confirming ? (
        <div
          className="row wrap confirm-step attention-box"
          role="alertdialog"
          aria-label="Confirm approval"
          data-field="confirm"
          onClick={(e) => e.stopPropagation()}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              cancel();
            }
          }}
        >
          <span className="confirm-text">
            <b>High risk</b> ({highRiskWhy(a)}): approve {typeof a.args.command === 'string' ? a.args.command : a.tool}
            {deviceName ? ` on ${deviceName}` : ''}?
          </span>
          <button
            type="button"
            className="approve"
            autoFocus
            disabled={props.busy}
            onClick={() => props.onDecide('approve', comment)}
            data-action="confirm-approve"
          >
            Confirm approve
          </button>
          <button type="button" onClick={cancel} data-action="cancel-approve">
            Cancel
          </button>
          <span className="muted">Enter confirms · Esc cancels</span>
        </div>
      ) : null}
    </article>
  );
}
