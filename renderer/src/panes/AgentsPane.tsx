// Agents: registry with status and kill switches, create with a one-time token, and one agent's
// detail (calls and decisions over time, risk, tools used, scope, policy view).
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { AgentView, AuditRowView, PolicyInfo } from '../../../shared/governance';
import { AgentName } from '../components/AgentName';
import { PlantTime } from '../components/PlantTime';
import { CopyButton, Empty, FieldInput, fmtAgo, useNow } from '../components/ui';
import { useServices } from '../context';
import { sortedAgents, useAgents } from '../store/agents';
import { useApprovals } from '../store/approvals';
import { bucketDecisions } from '../store/stats';

const MiniChart = lazy(() => import('../charts/MiniChart'));
// Blocked calls are the abnormal ones: the only coloured line.
const DECISION_SERIES = [
  { label: 'allowed', stroke: '#5a5a5a', stepped: true },
  { label: 'review', stroke: '#2f5d8a', stepped: true },
  { label: 'blocked', stroke: '#c8102e', stepped: true, width: 1.5 },
];

export default function AgentsPane() {
  const { actions } = useServices();
  const agents = useAgents((s) => s.agents);
  const loaded = useAgents((s) => s.loaded);
  const selectedId = useAgents((s) => s.selectedId);
  const created = useAgents((s) => s.createdToken);
  const now = useNow(5000);
  const [killConfirm, setKillConfirm] = useState(false);
  const [form, setForm] = useState<{ name: string; role: string; model: string } | null>(null);
  const list = sortedAgents(agents);
  const selected = selectedId ? agents[selectedId] : undefined;

  return (
    <div className="agents">
      <div className="row toolbar">
        <b>{list.length} agents</b>
        <span className="spacer" />
        <button type="button" onClick={() => setForm({ name: '', role: 'assistant', model: '' })}>
          New agent…
        </button>
        {killConfirm ? (
          <>
            <span className="abnormal">Pause every agent?</span>
            <button
              type="button"
              className="reject"
              data-action="kill-all-confirm"
              onClick={() => {
                void actions.killAll();
                setKillConfirm(false);
              }}
            >
              Yes, pause all
            </button>
            <button type="button" onClick={() => setKillConfirm(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="reject" data-action="kill-all" onClick={() => setKillConfirm(true)}>
            Pause all agents
          </button>
        )}
      </div>
      {form ? (
        <form
          className="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (!form.name.trim()) return;
            void actions
              .createAgent({ name: form.name.trim(), role: form.role.trim() || undefined, model: form.model.trim() || undefined })
              .then((r) => r && setForm(null));
          }}
        >
          <b>New agent</b>
          <FieldInput state={form} set={setForm} field="name" required autoFocus placeholder="Name" aria-label="agent name" />
          <FieldInput state={form} set={setForm} field="role" placeholder="Role (policy matches on it)" aria-label="agent role" />
          <FieldInput state={form} set={setForm} field="model" placeholder="Model label (optional)" aria-label="agent model" />
          <button type="submit">Create</button>
          <button type="button" onClick={() => setForm(null)}>
            Cancel
          </button>
        </form>
      ) : null}
      {created ? (
        <div className="banner token" role="status">
          <div>
            Token for{' '}
            <b>
              <AgentName id={created.agentId} />
            </b>{' '}
            — shown once, store it now; AegisFlow keeps only its hash.
          </div>
          <code data-field="one-time-token">{created.token}</code>
          <CopyButton text={created.token} />
          <button type="button" onClick={() => useAgents.getState().setCreatedToken(null)}>
            Done
          </button>
        </div>
      ) : null}
      {list.length === 0 ? (
        <Empty loaded={loaded}>No agents registered. Create one, or run `aegisflow agent add`.</Empty>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Status</th>
              <th>Role</th>
              <th>Model</th>
              <th>Last seen</th>
              <th>Limits</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr
                key={a.id}
                data-agent-id={a.id}
                className={a.id === selectedId ? 'selected' : ''}
                onClick={() => useAgents.getState().select(a.id === selectedId ? null : a.id)}
              >
                <td>
                  <b>{a.name}</b> <span className="muted">{a.id}</span>
                </td>
                <td className={a.status === 'active' ? '' : 'abnormal'} title={a.statusReason ?? ''}>
                  {a.status}
                </td>
                <td>{a.role}</td>
                <td>{a.model ?? '—'}</td>
                <td>{fmtAgo(a.lastSeen, now)}</td>
                <td>
                  {a.reducedAutonomy ? <span className="tag">reduced autonomy</span> : null}
                  {a.revokedTools.length ? <span className="tag">revoked: {a.revokedTools.join(', ')}</span> : null}
                </td>
                <td className="actions" onClick={(e) => e.stopPropagation()}>
                  {a.status === 'active' ? (
                    <button type="button" className="reject" onClick={() => void actions.pauseAgent(a.id)}>
                      Pause
                    </button>
                  ) : (
                    <button type="button" onClick={() => void actions.reviveAgent(a.id)}>
                      Revive
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected ? <AgentDetail agent={selected} /> : null}
    </div>
  );
}

/** "a, b ,, c" → ["a", "b", "c"]; empty means no limit on that axis. */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .slice(0, 50);
}

function AgentDetail({ agent }: { agent: AgentView }) {
  const { actions } = useServices();
  const [rows, setRows] = useState<AuditRowView[] | null>(null);
  const [policy, setPolicy] = useState<PolicyInfo | null>(null);
  const [editScope, setEditScope] = useState<{ areas: string; devices: string; lines: string; toolGroups: string } | null>(null);
  const approvals = useApprovals((s) => s.history);
  const pending = useApprovals((s) => s.pending);
  useEffect(() => {
    let off = false;
    void actions.agentAudit(agent.id).then((r) => !off && setRows(r ?? []));
    void actions.policy().then((p) => !off && setPolicy(p));
    return () => {
      off = true;
    };
  }, [agent.id, agent.lastSeen, actions]);
  const buckets = useMemo(() => bucketDecisions(rows ?? [], 3_600_000), [rows]);
  const chartValues = useMemo(() => [buckets.allowed, buckets.reviewed, buckets.blocked], [buckets]);
  const tools = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of rows ?? []) if (r.tool && (r.kind === 'ALLOWED' || r.kind === 'BLOCKED' || r.kind === 'REVIEW')) m.set(r.tool, (m.get(r.tool) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }, [rows]);
  const mine = [...pending, ...approvals].filter((a) => a.agentId === agent.id);
  const maxRisk = mine.reduce((m, a) => Math.max(m, a.risk), 0);
  return (
    <section className="detail" aria-label={`agent ${agent.id}`}>
      <h3>
        {agent.name} <span className="muted">{agent.id}</span>
      </h3>
      <dl className="kv">
        <dt>Status</dt>
        <dd className={agent.status === 'active' ? '' : 'abnormal'}>
          {agent.status}
          {agent.statusReason ? ` — ${agent.statusReason}` : ''}
        </dd>
        <dt>Created</dt>
        <dd data-field="agent-created">
          <PlantTime wall={agent.createdAt} />
        </dd>
        <dt>Scope</dt>
        <dd>
          {editScope ? (
            <form
              className="row wrap"
              onSubmit={(e) => {
                e.preventDefault();
                void actions
                  .setScope(agent.id, {
                    areas: splitList(editScope.areas),
                    devices: splitList(editScope.devices),
                    lines: splitList(editScope.lines),
                    toolGroups: splitList(editScope.toolGroups),
                  })
                  .then(() => setEditScope(null));
              }}
            >
              <FieldInput state={editScope} set={setEditScope} field="areas" placeholder="areas, e.g. production" aria-label="scope areas" />
              <FieldInput state={editScope} set={setEditScope} field="devices" placeholder="devices, e.g. line-2/*" aria-label="scope devices" />
              <FieldInput state={editScope} set={setEditScope} field="lines" placeholder="lines, e.g. line-2" aria-label="scope lines" />
              <FieldInput state={editScope} set={setEditScope} field="toolGroups" placeholder="tool groups, e.g. read, report" aria-label="scope tool groups" />
              <button type="submit">Save scope</button>
              <button type="button" onClick={() => setEditScope(null)}>
                Cancel
              </button>
            </form>
          ) : (
            <>
              areas {agent.scope.areas?.join(', ') || 'any'} · devices {agent.scope.devices?.join(', ') || 'any'} · lines{' '}
              {agent.scope.lines?.join(', ') || 'any'} · tool groups {agent.scope.toolGroups?.join(', ') || 'any'}{' '}
              <button
                type="button"
                onClick={() =>
                  setEditScope({
                    areas: agent.scope.areas?.join(', ') ?? '',
                    devices: agent.scope.devices?.join(', ') ?? '',
                    lines: agent.scope.lines?.join(', ') ?? '',
                    toolGroups: agent.scope.toolGroups?.join(', ') ?? '',
                  })
                }
              >
                Edit
              </button>
            </>
          )}
        </dd>
        <dt>Policy</dt>
        <dd>
          {policy ? `v${policy.version.slice(0, 8)}, ${policy.rules} rules (${policy.file})` : '—'}
          {policy?.failSafe ? (
            <div className="abnormal" data-field="policy-fail-safe">
              {policy.status ?? 'fail-safe policy in force: read-only tools ALLOW, everything else BLOCK'}
            </div>
          ) : null}
          {agent.reducedAutonomy ? ' · every call needs review (reduced autonomy)' : ''}
          {agent.revokedTools.length ? ` · blocked tools: ${agent.revokedTools.join(', ')}` : ''}
          {agent.reducedAutonomy || agent.revokedTools.length ? (
            <>
              {' '}
              <button
                type="button"
                onClick={() => void actions.restoreTrust(agent.id)}
                title="Lift the immune system's limits: full autonomy and every revoked tool back (audited)"
              >
                Restore autonomy
              </button>
            </>
          ) : null}
        </dd>
        <dt>Highest risk</dt>
        <dd className={maxRisk >= 7 ? 'abnormal' : ''}>
          {mine.length ? `${maxRisk}/10 over ${mine.length} approval${mine.length === 1 ? '' : 's'}` : 'no approvals'}
        </dd>
        <dt>Tools used</dt>
        <dd>{tools.length ? tools.map(([t, n]) => `${t} ×${n}`).join(' · ') : 'none'}</dd>
      </dl>
      <h4>Calls per hour by decision</h4>
      {rows === null ? (
        <Empty loaded={false}>…</Empty>
      ) : buckets.t.length === 0 ? (
        <Empty>No calls recorded for this agent.</Empty>
      ) : (
        <Suspense fallback={<p className="empty">Loading chart…</p>}>
          <MiniChart t={buckets.t} values={chartValues} series={DECISION_SERIES} />
        </Suspense>
      )}
    </section>
  );
}
