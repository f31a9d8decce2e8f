// Overview: today's governance figures, pending approvals, active alarms, top agents and tools.
import { useEffect, useState } from 'react';
import { unwrap } from '../api/client';
import { Empty, Stat, useAgentName } from '../components/ui';
import { useServices } from '../context';
import { alarmSummary, useAlarms } from '../store/alarms';
import { useApprovals } from '../store/approvals';
import { useAgents } from '../store/agents';
import { useAudit } from '../store/audit';
import { governanceStats, startOfLocalDay, type GovernanceStats } from '../store/stats';
import type { AuditRowView } from '../../../shared/governance';

const MAX_ROWS = 20_000;

export default function OverviewPane() {
  const { client } = useServices();
  const pending = useApprovals((s) => s.pending.length);
  const alarms = useAlarms((s) => s.alarms);
  const agents = useAgents((s) => s.agents);
  const agentName = useAgentName();
  const auditTick = useAudit((s) => s.unseen);
  const [stats, setStats] = useState<GovernanceStats | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const from = startOfLocalDay(Date.now());
        const rows: AuditRowView[] = [];
        let before: number | undefined;
        while (rows.length < MAX_ROWS) {
          const page = await unwrap(client.api.auditQuery({ from, limit: 1000, beforeSeq: before }));
          rows.push(...page);
          if (page.length < 1000) break;
          before = page[page.length - 1].seq;
        }
        if (!cancelled) {
          setStats(governanceStats(rows, rows.length >= MAX_ROWS));
          setError(null);
        }
      } catch (err) {
        if (!cancelled) setError((err as Error).message);
      }
    };
    const t = setTimeout(() => void load(), 300);
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }, [client, auditTick]);

  const al = alarmSummary(alarms);
  const agentList = Object.values(agents);
  return (
    <div className="overview">
      <div className="stats-grid">
        <Stat label="calls today" value={stats?.calls ?? '—'} />
        <Stat label="allowed" value={stats?.allowed ?? '—'} />
        <Stat label="blocked" value={stats?.blocked ?? '—'} attention={(stats?.blocked ?? 0) > 0} />
        <Stat label="reviewed" value={stats?.reviewed ?? '—'} />
        <Stat label="approved / rejected / expired" value={stats ? `${stats.approved} / ${stats.rejected} / ${stats.expired}` : '—'} />
        <Stat label="killed" value={stats?.killed ?? '—'} attention={(stats?.killed ?? 0) > 0} />
        <Stat label="pending approvals" value={pending} attention={pending > 0} />
        <Stat label="alarms awaiting ack" value={al.unacked} abnormal={al.unacked > 0} />
        <Stat label="active alarms" value={al.active} />
        <Stat label="shelved / suppressed / OOS" value={al.removed} />
        <Stat
          label="agents active / paused / quarantined"
          value={`${agentList.filter((a) => a.status === 'active').length} / ${agentList.filter((a) => a.status === 'paused').length} / ${agentList.filter((a) => a.status === 'quarantined').length}`}
          attention={agentList.some((a) => a.status === 'quarantined')}
        />
      </div>
      {error ? <p className="attention">Figures unavailable: {error}</p> : null}
      {stats?.truncated ? <p className="muted">More than {MAX_ROWS.toLocaleString()} audit rows today: counts are lower bounds.</p> : null}
      <div className="two-col">
        <div>
          <h3>Top agents today</h3>
          {stats?.topAgents.length ? (
            <table className="grid compact">
              <tbody>
                {stats.topAgents.map((a) => (
                  <tr key={a.id}>
                    <td title={a.id}>{agentName(a.id)}</td>
                    <td className="num">
                      {a.calls} call{a.calls === 1 ? '' : 's'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty loaded={!!stats}>No agent calls today.</Empty>
          )}
        </div>
        <div>
          <h3>Top tools today</h3>
          {stats?.topTools.length ? (
            <table className="grid compact">
              <tbody>
                {stats.topTools.map((t) => (
                  <tr key={t.tool}>
                    <td>{t.tool}</td>
                    <td className="num">
                      {t.calls} call{t.calls === 1 ? '' : 's'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty loaded={!!stats}>No tool calls today.</Empty>
          )}
        </div>
      </div>
    </div>
  );
}
