// Immune system (issue 9): fleet figures, healing approvals (HITL), the agent grid, the healing
// timeline, fleet-learned patterns, and chaos buttons to prove it works.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { CHAOS_TYPES, type AgentState, type ChaosType } from '../../../shared/immune';
import { AgentName } from '../components/AgentName';
import { Empty, Stat } from '../components/ui';
import { PlantTime } from '../components/PlantTime';
import { useServices } from '../context';
import { agentLabel, useAgents } from '../store/agents';
import { useImmune } from '../store/immune';

const MiniChart = lazy(() => import('../charts/MiniChart'));
const VITALS_SERIES = [
  { label: 'latency ms', stroke: '#2b2b2b' },
  { label: 'tokens', stroke: '#2f5d8a', scale: 'tokens' },
];

const ABNORMAL_STATES: ReadonlySet<AgentState> = new Set(['quarantined', 'pending_approval', 'rejected', 'healing', 'exhausted']);

export default function ImmunePane() {
  const { actions } = useServices();
  const overview = useImmune((s) => s.overview);
  const error = useImmune((s) => s.error);
  const selected = useImmune((s) => s.selected);
  const detail = useImmune((s) => s.detail);
  const agents = useAgents((s) => s.agents);
  const [chaos, setChaos] = useState<{ type: ChaosType; agent: string }>({ type: 'prompt_injection', agent: '' });

  useEffect(() => {
    if (selected) void actions.loadImmuneAgent(selected);
  }, [selected, overview, actions]);
  const vitals = useMemo(() => {
    const v = [...(detail?.vitals ?? [])].sort((a, b) => a.ts - b.ts);
    return { t: v.map((x) => x.ts / 1000), values: [v.map((x) => x.latency_ms), v.map((x) => x.total_tokens)] };
  }, [detail]);

  if (!overview) return error ? <p className="abnormal">Immune system unavailable: {error}</p> : <Empty loaded={false}>Immune system not started.</Empty>;
  const { stats } = overview;
  return (
    <div className="immune">
      <div className="stats-grid">
        <Stat label="agents" value={stats.agents} />
        <Stat label="executions" value={stats.executions.toLocaleString()} />
        <Stat label="infections" value={stats.infections} />
        <Stat label="healed" value={stats.healed} />
        <Stat label="failed heals" value={stats.failed_heals} abnormal={stats.failed_heals > 0} />
        <Stat label="success rate" value={(stats.success_rate * 100).toFixed(0)} unit="%" />
        <Stat label="quarantined" value={stats.quarantined} abnormal={stats.quarantined > 0} />
        <Stat label="awaiting approval" value={stats.pending} abnormal={stats.pending > 0} />
      </div>

      <h3>Healing approvals</h3>
      {overview.pending.length === 0 ? (
        <Empty>No severe infection is waiting for a decision.</Empty>
      ) : (
        <>
          <div className="row">
            <button type="button" className="approve" onClick={() => void actions.immuneDecideAll('approve')}>
              Approve all ({overview.pending.length})
            </button>
            <button type="button" className="reject" onClick={() => void actions.immuneDecideAll('reject')}>
              Reject all
            </button>
          </div>
          <table className="grid compact">
            <tbody>
              {overview.pending.map((p) => (
                <tr key={p.id} data-immune-approval={p.id}>
                  <td>
                    <AgentName id={p.agent_id} />
                  </td>
                  <td>{p.diagnosis.replace(/_/g, ' ')}</td>
                  <td className={p.severity >= 7 ? 'abnormal' : ''}>severity {p.severity.toFixed(1)}/10</td>
                  <td>
                    <PlantTime wall={p.created_at} />
                  </td>
                  <td className="actions">
                    {p.approval_id ? (
                      <>
                        <button type="button" className="approve" onClick={() => void actions.immuneDecide(p.approval_id!, 'approve')}>
                          Approve healing
                        </button>
                        <button type="button" className="reject" onClick={() => void actions.immuneDecide(p.approval_id!, 'reject')}>
                          Reject
                        </button>
                      </>
                    ) : (
                      <span className="muted">opening its approval…</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {overview.rejected.length ? (
        <>
          <div className="row">
            <b>Rejected — still quarantined</b>
            <button type="button" onClick={() => void actions.healAll()}>
              Heal all
            </button>
          </div>
          <ul className="plain">
            {overview.rejected.map((r) => (
              <li key={r.id}>
                <AgentName id={r.agent_id} /> · {r.diagnosis.replace(/_/g, ' ')}{' '}
                <button type="button" onClick={() => void actions.healNow(r.agent_id)}>
                  Heal now
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h3>Agents</h3>
      <div className="agent-grid">
        {overview.agents.map((a) => (
          <button
            type="button"
            key={a.agent_id}
            data-immune-agent={a.agent_id}
            className={`agent-cell${ABNORMAL_STATES.has(a.state) ? ' abnormal-box' : ''}${a.agent_id === selected ? ' selected' : ''}`}
            onClick={() => useImmune.getState().select(a.agent_id === selected ? null : a.agent_id)}
            title={`${a.agent_id} · ${a.model} · ${a.mcp_servers.join(', ')}`}
          >
            <b>{agentLabel(agents, a.agent_id)}</b>
            <span>{a.state.replace(/_/g, ' ')}</span>
            <span className="muted">
              {a.source} · {a.executions} runs{a.baseline_ready || a.state === 'learning' ? '' : ' · baseline learning'}
            </span>
          </button>
        ))}
      </div>
      {selected && detail ? (
        <section className="detail">
          <h4>
            <AgentName id={detail.agent.agent_id} />{' '}
            <span className="muted">
              {detail.agent.agent_id} · {detail.agent.model} · {detail.agent.state.replace(/_/g, ' ')}
            </span>
          </h4>
          {vitals.t.length > 1 ? (
            <Suspense fallback={<p className="empty">Loading chart…</p>}>
              <MiniChart t={vitals.t} values={vitals.values} series={VITALS_SERIES} height={120} />
            </Suspense>
          ) : null}
          <table className="grid compact">
            <thead>
              <tr>
                <th>Time</th>
                <th className="num">latency ms</th>
                <th className="num">tokens</th>
                <th className="num">cost USD</th>
                <th className="num">tool calls</th>
                <th className="num">retries</th>
                <th className="num">errors</th>
              </tr>
            </thead>
            <tbody>
              {detail.vitals.slice(-8).map((v) => (
                <tr key={v.ts}>
                  <td>
                    <PlantTime wall={v.ts} />
                  </td>
                  <td className="num">{v.latency_ms.toFixed(0)}</td>
                  <td className="num">{v.total_tokens}</td>
                  <td className="num">{v.cost_usd.toFixed(4)}</td>
                  <td className="num">{v.tool_calls}</td>
                  <td className="num">{v.retries}</td>
                  <td className="num">{v.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            Memory:{' '}
            {detail.memory.length ? detail.memory.map((m) => `${m.diagnosis}/${m.action} ${m.successes}✓ ${m.failures}✗`).join(' · ') : 'nothing learned yet'}
          </p>
        </section>
      ) : null}

      <h3>Timeline</h3>
      {overview.healing.length === 0 ? (
        <Empty>No healing activity yet.</Empty>
      ) : (
        <table className="grid compact">
          <tbody>
            {overview.healing.slice(0, 40).map((h) => (
              <tr key={h.id}>
                <td>
                  <PlantTime wall={h.ts} />
                </td>
                <td className="nowrap">
                  <AgentName id={h.agent_id} />
                </td>
                <td className={`nowrap ${h.ok === false || h.kind === 'exhausted' || h.kind === 'quarantined' ? 'abnormal' : ''}`}>
                  {h.kind.replace(/_/g, ' ')}
                </td>
                <td>{h.action ?? ''}</td>
                <td className="ellipsis">{h.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Fleet patterns</h3>
      {overview.patterns.length === 0 ? (
        <Empty>No healing outcomes yet.</Empty>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Diagnosis</th>
              <th>Action</th>
              <th className="num">attempts</th>
              <th className="num">success</th>
              <th>Verdict</th>
            </tr>
          </thead>
          <tbody>
            {overview.patterns.map((p) => (
              <tr key={`${p.diagnosis}/${p.action}`}>
                <td>{p.diagnosis.replace(/_/g, ' ')}</td>
                <td>{p.action.replace(/_/g, ' ')}</td>
                <td className="num">{p.attempts}</td>
                <td className="num">{(p.success_rate * 100).toFixed(0)} %</td>
                <td className={p.verdict === 'avoid' ? 'abnormal' : ''}>{p.verdict}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Chaos injection</h3>
      <div className="row wrap">
        <select value={chaos.agent} onChange={(e) => setChaos({ ...chaos, agent: e.target.value })} aria-label="chaos target">
          <option value="">random simulated agent</option>
          {overview.agents
            .filter((a) => a.source === 'simulated')
            .map((a) => (
              <option key={a.agent_id} value={a.agent_id}>
                {agentLabel(agents, a.agent_id)}
              </option>
            ))}
        </select>
        {CHAOS_TYPES.map((t) => (
          <button key={t} type="button" data-chaos={t} onClick={() => void actions.chaos(t, chaos.agent)}>
            {t.replace(/_/g, ' ')}
          </button>
        ))}
      </div>
    </div>
  );
}
