// Audit: the hash-chained log, filterable, with chain verification and export (JSONL with the signed
// head, the same file `aegisflow audit export` writes and `aegisflow audit verify --file` checks).
import { useEffect, useState } from 'react';
import { unwrap } from '../api/client';
import { PlantTime } from '../components/PlantTime';
import { Empty, download, useAgentName } from '../components/ui';
import { useServices } from '../context';
import { useAudit } from '../store/audit';

const KINDS = [
  '',
  'ALLOWED',
  'BLOCKED',
  'REVIEW',
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'KILLED',
  'REVIVED',
  'EXECUTED',
  'DEVICE_REFUSED',
  'NO_ACK',
  'REFUSED',
  'POLICY_LOADED',
  'AGENT_ADDED',
];
const ABNORMAL = new Set(['BLOCKED', 'REFUSED', 'KILLED', 'EXPIRED', 'REJECTED']);

export default function AuditPane() {
  const { actions, client } = useServices();
  const [exported, setExported] = useState<{ rows: number; headSeq: number | null } | { error: string } | null>(null);
  const rows = useAudit((s) => s.rows);
  const filter = useAudit((s) => s.filter);
  const loading = useAudit((s) => s.loading);
  const hasMore = useAudit((s) => s.hasMore);
  const error = useAudit((s) => s.error);
  const verify = useAudit((s) => s.verify);
  const set = useAudit.getState().setFilter;
  const agentName = useAgentName();

  useEffect(() => {
    const t = setTimeout(() => void actions.loadAudit(false), 250);
    return () => clearTimeout(t);
  }, [filter, actions]);

  return (
    <div className="audit">
      <form className="row toolbar wrap" onSubmit={(e) => e.preventDefault()}>
        <input placeholder="agent" value={filter.agentId} onChange={(e) => set({ agentId: e.target.value })} aria-label="agent filter" />
        <input placeholder="tool" value={filter.tool} onChange={(e) => set({ tool: e.target.value })} aria-label="tool filter" />
        <select value={filter.kind} onChange={(e) => set({ kind: e.target.value })} aria-label="kind filter">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k || 'all kinds'}
            </option>
          ))}
        </select>
        <label>
          from <input type="datetime-local" value={filter.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label>
          to <input type="datetime-local" value={filter.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <span className="spacer" />
        <button type="button" onClick={() => void actions.verifyAudit()} data-action="verify">
          Verify chain
        </button>
        <button
          type="button"
          data-action="export"
          title="Every row since the 'from' time (or all), then the chain head signed now: verify with aegisflow audit verify --file"
          onClick={async () => {
            const from = filter.from ? Date.parse(filter.from) : NaN;
            try {
              const r = await unwrap(client.api.auditExport(Number.isFinite(from) ? { since: from } : {}));
              download(`aegisflow-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.jsonl`, r.lines.map((l) => l + '\n').join(''));
              setExported({ rows: r.rows, headSeq: r.headSeq });
            } catch (err) {
              setExported({ error: (err as Error).message });
            }
          }}
        >
          Export
        </button>
      </form>
      {verify ? (
        <div className={verify.ok ? 'banner' : 'banner attention-box'} role="status" data-field="verify">
          {verify.ok
            ? `Chain verified: ${verify.rows.toLocaleString()} rows, ${verify.signedHeads} signed heads, ${verify.ms.toFixed(1)} ms`
            : `CHAIN BROKEN at seq ${verify.firstBadSeq ?? '?'}: ${verify.problem ?? 'unknown problem'}`}
        </div>
      ) : null}
      {exported ? (
        <div className="banner" role="status" data-field="exported">
          {'error' in exported
            ? `Export failed: ${exported.error}`
            : `Exported ${exported.rows.toLocaleString()} rows and the chain head signed at row ${exported.headSeq ?? '—'}.`}
        </div>
      ) : null}
      {error ? <p className="attention">Audit query refused: {error}</p> : null}
      {rows.length === 0 ? (
        <Empty loaded={!loading}>No audit rows match.</Empty>
      ) : (
        <table className="grid compact fit stack-narrow audit-table">
          <thead>
            <tr>
              <th className="num">Seq</th>
              <th>Time</th>
              <th>Kind</th>
              <th>Agent</th>
              <th>Tool</th>
              <th>Reason</th>
              <th>Actor</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.seq} data-seq={r.seq} data-kind={r.kind}>
                <td className="num" data-label="#">
                  {r.seq}
                </td>
                <td className="nowrap">
                  <PlantTime wall={r.ts} />
                </td>
                <td className={ABNORMAL.has(r.kind) ? 'attention' : ''}>{r.kind}</td>
                <td title={r.agentId ?? ''}>{agentName(r.agentId)}</td>
                <td className="wrap-word">
                  {r.tool ?? '—'}
                  {r.args && typeof r.args === 'object' && 'command' in r.args ? <span className="muted"> {String(r.args.command)}</span> : null}
                </td>
                <td className="wrap-any wide" title={r.reason ?? ''}>
                  <div className="clamp">{r.reason ?? ''}</div>
                </td>
                {/* an agent acting on its own record (the operator agent registering itself) by its name; operators and services as they are */}
                <td data-label="by" title={r.actor ?? ''}>
                  {r.actor ? agentName(r.actor) : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore ? (
        <button type="button" disabled={loading} onClick={() => void actions.loadAudit(true)}>
          Older rows…
        </button>
      ) : null}
    </div>
  );
}
