// Everything the operator can do, as functions over the typed client. Results go into the slices;
// refusals become a visible notice, never an uncaught promise.
import type { RequestMap } from '../../shared/contract';
import type { ChaosType } from '../../shared/immune';
import type { AgentScope } from '../../shared/governance';
import { unwrap, type Client } from './api/client';
import type { LiveReadings } from './live/series';
import { useAgents } from './store/agents';
import { useAlarms } from './store/alarms';
import { useAnomalies } from './store/anomalies';
import { useApprovals } from './store/approvals';
import { AUDIT_PAGE, toQuery, useAudit } from './store/audit';
import { useImmune } from './store/immune';
import { useNotices } from './store/notices';
import { useConnectors } from './store/connectors';
import { useModel } from './store/model';
import { usePlant } from './store/plant';
import { usePreviews } from './store/previews';

export function createActions(client: Client, live: LiveReadings) {
  const api = client.api;
  const notice = (kind: 'error' | 'info', text: string) => useNotices.getState().push(kind, text);
  async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      notice('error', `${what}: ${(err as Error).message}`);
      return null;
    }
  }
  const quiet = async <T>(fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch {
      return null;
    }
  };

  const actions = {
    // ---------------------------------------------------------------- plant and replay
    /** The plant model in force (hierarchy, tags with units, bands, limits); its connectors as status placeholders. */
    loadModel: () =>
      quiet(async () => {
        const m = await unwrap(api.plantModel({}));
        useModel.getState().setModel(m);
        useConnectors.getState().declare(m.connectors);
      }),
    refreshConnectors: () => quiet(async () => useConnectors.getState().setAll(await unwrap(api.connectorsStatus({})))),
    /** Accept the server certificate an OPC UA connector is waiting on (the operator compared its thumbprint). */
    trustCertificate: (connector: string, thumbprint: string) =>
      attempt('Trust certificate', async () => {
        await unwrap(api.connectorsTrust({ connector, thumbprint }));
        notice('info', `${connector}: server certificate ${thumbprint} trusted`);
      }),
    refreshSnapshot: () => quiet(async () => usePlant.getState().setSnapshot(await unwrap(api.plantSnapshot({})))),
    loadScenarios: () => quiet(async () => usePlant.getState().setScenarios(await unwrap(api.simulatorScenarios({})))),
    simulator: (p: RequestMap['simulator.control']['params']) =>
      attempt('Replay control', async () => {
        const s = await unwrap(api.simulatorControl(p));
        usePlant.getState().setSimulator(s);
        return s;
      }),
    /** Stored history of the chosen tags into their trend buffers (a full day of a 5-s tag is 17,280 values). */
    loadHistory: (tags: readonly string[], from: number, to: number) =>
      attempt('Trend history', async () => {
        performance.mark('aegisflow:history-request');
        const series = await unwrap(api.plantTagRange({ tags: [...tags], from, to, maxPoints: live.capacity }));
        performance.mark('aegisflow:history-reply');
        for (const s of series) live.loadTagHistory(s.tag, s.ts, s.value, s.source !== 'raw');
        performance.mark('aegisflow:history-loaded');
        return series.reduce((n, s) => n + s.ts.length, 0);
      }),

    // ---------------------------------------------------------------- approvals
    refreshApprovals: () =>
      quiet(async () => {
        const [pending, all] = await Promise.all([unwrap(api.approvalsList({ status: 'pending', limit: 500 })), unwrap(api.approvalsList({ limit: 100 }))]);
        useApprovals.getState().setAll(
          pending,
          all.filter((a) => a.status !== 'pending').sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0)),
        );
      }),
    decide: (id: string, verdict: 'approve' | 'reject', comment?: string) =>
      attempt(verdict === 'approve' ? 'Approve' : 'Reject', async () => {
        // The consequence preview the operator had in view is cited, so the audit records what was seen.
        const previewHash = usePreviews.getState().byApproval[id]?.hash;
        const a = await unwrap(api.approvalsDecide({ id, verdict, comment: comment?.trim() || undefined, ...(previewHash ? { previewHash } : {}) }));
        useApprovals.getState().decided(a);
        usePreviews.getState().drop(id);
        return a;
      }),
    decideAll: (verdict: 'approve' | 'reject', comment?: string) =>
      attempt(verdict === 'approve' ? 'Approve all' : 'Reject all', async () => {
        const r = await unwrap(api.approvalsDecideAll({ verdict, comment: comment?.trim() || undefined }));
        notice('info', `${r.decided} approval${r.decided === 1 ? '' : 's'} ${verdict === 'approve' ? 'approved' : 'rejected'}`);
        await actions.refreshApprovals();
        return r;
      }),

    // ---------------------------------------------------------------- alarms and anomalies
    refreshAlarms: () => quiet(async () => useAlarms.getState().setAll(await unwrap(api.alarmsList({})))),
    refreshAlarmStats: () => quiet(async () => useAlarms.getState().setStats(await unwrap(api.alarmsStats({})))),
    ackAlarm: (id: string, note?: string) => attempt('Acknowledge', async () => useAlarms.getState().upsert(await unwrap(api.alarmsAcknowledge({ id, note })))),
    shelveAlarm: (id: string, reason: string, minutes: number) =>
      attempt('Shelve', async () => useAlarms.getState().upsert(await unwrap(api.alarmsShelve({ id, reason, minutes })))),
    unshelveAlarm: (id: string) => attempt('Unshelve', async () => useAlarms.getState().upsert(await unwrap(api.alarmsUnshelve({ id })))),
    alarmHistory: (id: string) => attempt('Alarm history', () => unwrap(api.alarmsHistory({ id, limit: 50 }))),
    refreshAnomalies: () =>
      quiet(async () => {
        const [active, recent] = await Promise.all([unwrap(api.anomaliesActive({})), unwrap(api.anomaliesList({ status: 'all', limit: 200 }))]);
        useAnomalies.getState().setAll([...recent.items, ...active]);
      }),
    ackEpisode: (id: string, note?: string) =>
      attempt('Acknowledge episode', async () => useAnomalies.getState().upsert(await unwrap(api.anomaliesAcknowledge({ id, note })))),

    // ---------------------------------------------------------------- agents
    refreshAgents: () => quiet(async () => useAgents.getState().setAll(await unwrap(api.agentsList({})))),
    pauseAgent: (id: string, reason?: string) =>
      attempt('Pause agent', async () => useAgents.getState().changed(await unwrap(api.agentsPause({ id, reason: reason || 'paused by operator' })))),
    reviveAgent: (id: string) => attempt('Revive agent', async () => useAgents.getState().changed(await unwrap(api.agentsRevive({ id })))),
    killAll: () =>
      attempt('Pause all agents', async () => {
        const r = await unwrap(api.agentsKillAll({ reason: 'kill switch in the control room' }));
        notice('info', `${r.paused.length} agent${r.paused.length === 1 ? '' : 's'} paused`);
        await actions.refreshAgents();
        return r;
      }),
    createAgent: (input: { name: string; role?: string; model?: string; scope?: AgentScope }) =>
      attempt('Create agent', async () => {
        const r = await unwrap(api.agentsCreate({ ...input }));
        useAgents.getState().changed(r.agent);
        useAgents.getState().setCreatedToken({ agentId: r.agent.id, token: r.token });
        return r;
      }),
    restoreTrust: (id: string) => attempt('Restore autonomy', async () => useAgents.getState().changed(await unwrap(api.agentsRestoreTrust({ id })))),
    setScope: (id: string, scope: AgentScope) => attempt('Scope', async () => useAgents.getState().changed(await unwrap(api.agentsSetScope({ id, scope })))),
    agentAudit: (agentId: string) => attempt('Agent history', () => unwrap(api.auditQuery({ agentId, limit: 1000 }))),
    policy: () => quiet(() => unwrap(api.policyGet({}))),

    // ---------------------------------------------------------------- audit
    loadAudit: (append = false) =>
      quiet(async () => {
        const st = useAudit.getState();
        st.setLoading(true);
        const before = append ? st.rows[st.rows.length - 1]?.seq : undefined;
        try {
          const rows = await unwrap(api.auditQuery(toQuery(st.filter, before)));
          useAudit.getState().setRows(rows, append, AUDIT_PAGE);
        } catch (err) {
          useAudit.getState().setLoading(false, (err as Error).message);
        }
      }),
    verifyAudit: () => attempt('Verify audit chain', async () => useAudit.getState().setVerify(await unwrap(api.auditVerify({})))),
    /** Every row of the current filter, paged (for export). */
    auditAll: (max = 50_000) =>
      attempt('Export', async () => {
        const f = useAudit.getState().filter;
        const out = [];
        let before: number | undefined;
        while (out.length < max) {
          const page = await unwrap(api.auditQuery(toQuery(f, before, 1000)));
          out.push(...page);
          if (page.length < 1000) break;
          before = page[page.length - 1].seq;
        }
        return out;
      }),

    // ---------------------------------------------------------------- immune system
    refreshImmune: () =>
      quiet(async () => {
        try {
          useImmune.getState().setOverview(await unwrap(api.immuneOverview({ limit: 100 })));
        } catch (err) {
          useImmune.getState().setError((err as Error).message);
        }
      }),
    loadImmuneAgent: (agent_id: string) =>
      quiet(async () => {
        const d = await unwrap(api.immuneAgent({ agent_id }));
        if (useImmune.getState().selected === agent_id) useImmune.getState().setDetail(d);
      }),
    /** A healing approval is a governance approval: decided with approvals.decide like any other (the id is the governance one). */
    immuneDecide: (approvalId: string, verdict: 'approve' | 'reject') =>
      attempt('Healing approval', async () => {
        const a = await unwrap(api.approvalsDecide({ id: approvalId, verdict }));
        useApprovals.getState().decided(a);
        await actions.refreshImmune();
      }),
    immuneDecideAll: (verdict: 'approve' | 'reject') =>
      attempt('Healing approvals', async () => {
        const r = await unwrap(api.immuneApprovalsDecideAll({ verdict }));
        notice('info', `${r.decided} healing approval${r.decided === 1 ? '' : 's'} ${verdict === 'approve' ? 'approved' : 'rejected'}`);
        await actions.refreshImmune();
      }),
    healNow: (agent_id: string) =>
      attempt('Heal now', async () => {
        await unwrap(api.immuneHealNow({ agent_id }));
        await actions.refreshImmune();
      }),
    healAll: () =>
      attempt('Heal all', async () => {
        const r = await unwrap(api.immuneHealAll({}));
        notice('info', `healing started for ${r.started} agent${r.started === 1 ? '' : 's'}`);
        await actions.refreshImmune();
      }),
    chaos: (type: ChaosType, agent_id?: string) =>
      attempt('Chaos injection', async () => {
        const r = await unwrap(api.immuneChaos({ type, agent_id: agent_id || undefined }));
        notice('info', `injected ${r.type} into ${r.agent_id}`);
        return r;
      }),
  };
  return actions;
}
export type Actions = ReturnType<typeof createActions>;
