// Keeps the slices in step with the core: a full load on every (re)connect, then events, plus slow
// polls for figures that have no event (ingest counters, alarm rates). Returns a stop function.
import type { Actions } from './actions';
import { unwrap, type Client } from './api/client';
import { readingTimeMs, type LiveReadings } from './live/series';
import { useAgents } from './store/agents';
import { useAlarms } from './store/alarms';
import { useAnomalies } from './store/anomalies';
import { useApprovals } from './store/approvals';
import { useAudit } from './store/audit';
import { useConnection } from './store/connection';
import { useConnectors } from './store/connectors';
import { followPlantClock, usePlantClock } from './store/clock';
import { useImmune } from './store/immune';
import { usePlant } from './store/plant';
import { useNotices } from './store/notices';
import { clockBackNotice, plantPresent, usePlantNow } from './time';

/** Call fn at most once per `ms`, trailing: bursts of events become one refresh. */
export function throttle(fn: () => void, ms: number): (() => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  const t = () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(run, wait);
  };
  t.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return t;
}

export function startSync(client: Client, live: LiveReadings, actions: Actions): () => void {
  const { api } = client;
  const refreshAudit = throttle(() => {
    const a = useAudit.getState();
    // Follow live only on the first page; an operator reading older rows is not yanked back.
    if (a.rows.length <= 100) void actions.loadAudit(false);
  }, 1000);
  const refreshImmune = throttle(() => void actions.refreshImmune(), 1000);
  const refreshStats = throttle(() => void actions.refreshAlarmStats(), 2000);
  // Agents' "last seen" changes with every call, which sends no agent.changed: follow MCP calls instead.
  const refreshAgents = throttle(() => void actions.refreshAgents(), 2000);

  const loadAll = async () => {
    await Promise.all([
      actions.loadModel(),
      actions.refreshConnectors(),
      actions.refreshSnapshot(),
      actions.loadScenarios(),
      actions.refreshApprovals(),
      actions.refreshAlarms(),
      actions.refreshAlarmStats(),
      actions.refreshAgents(),
      actions.refreshAnomalies(),
      actions.refreshImmune(),
      actions.loadAudit(false),
    ]);
    useConnection.getState().setReady(true);
  };

  const offs = [
    client.onConnection((s) => {
      useConnection.getState().set(s);
      if (s === 'open') void loadAll();
    }),
    // A reload the core accepted: fetch the new model (a refused one leaves the old model in force).
    api.onPlantModel((e) => {
      if (e.ok) void actions.loadModel();
    }),
    api.onConnectorStatus((s) => useConnectors.getState().apply(s)),
    api.onReadings((rs) => {
      live.ingest(rs);
      usePlant.getState().applyReadings(rs);
      // The plant clock is the readings' clock: the newest of this batch (a replay seeking back moves it back).
      let newest = -Infinity;
      for (const r of rs) newest = Math.max(newest, readingTimeMs(r));
      usePlantNow.getState().saw(newest);
    }),
    // The transport's throttle left readings out of the live view: the top bar says how many.
    api.onReadingsDropped((r) => useConnection.getState().setReadingsDropped(r)),
    api.onDeviceStatus((s) => usePlant.getState().applyDeviceStatus(s)),
    // A broker outage (or its end) shows at once, not at the next snapshot poll.
    api.onBrokerConnection(() => void actions.refreshSnapshot()),
    api.onSimulatorStatus((s) => usePlant.getState().setSimulator(s)),
    // Kept timestamps: a seek back or a loop moves the plant clock back; the operator reads it here, not
    // only in the Replay pane's position (15 s: long enough to read two times at a glance).
    api.onSimulatorDiscontinuity((jump) => {
      const text = clockBackNotice(jump, plantPresent(usePlantNow.getState().now, usePlantClock.getState().clock));
      if (text) useNotices.getState().push('info', text, 15_000);
    }),
    api.onApprovalCreated((a) => useApprovals.getState().created(a)),
    api.onApprovalUpdated((a) => useApprovals.getState().created(a)),
    api.onApprovalDecided((a) => useApprovals.getState().decided(a)),
    api.onAgentChanged((a) => useAgents.getState().changed(a)),
    api.onAuditAppended(() => {
      useAudit.getState().appended();
      refreshAudit();
    }),
    api.onAlarmChanged((c) => {
      useAlarms.getState().applyChange(c);
      refreshStats();
    }),
    api.onAlarmFlood((f) => useAlarms.getState().setFlood(f)),
    api.onAnomalyOpened((e) => useAnomalies.getState().upsert(e)),
    api.onAnomalyUpdated((e) => useAnomalies.getState().upsert(e)),
    api.onAnomalyClosed((e) => useAnomalies.getState().upsert(e)),
    api.onImmuneAgent((a) => {
      useImmune.getState().agentChanged(a);
      refreshImmune();
    }),
    api.onMcpCall(() => refreshAgents()),
    api.onImmuneInfection(() => refreshImmune()),
    api.onImmuneHealing(() => refreshImmune()),
    api.onImmuneApproval(() => refreshImmune()),
    api.onImmuneQuarantine(() => refreshImmune()),
  ];
  const timers = [
    setInterval(() => void actions.refreshSnapshot(), 5000),
    setInterval(() => void actions.refreshAlarmStats(), 15_000),
    // Approvals expire on the core's clock; a slow poll also heals any missed event.
    setInterval(() => void actions.refreshApprovals(), 15_000),
    setInterval(() => void actions.refreshImmune(), 10_000),
  ];
  // Statuses carry only the newest clock segments: the older ones are fetched once, then followed.
  offs.push(followPlantClock(usePlant, (range) => unwrap(api.simulatorClockSegments(range))));
  return () => {
    offs.forEach((off) => off());
    timers.forEach(clearInterval);
    refreshAudit.cancel();
    refreshImmune.cancel();
    refreshStats.cancel();
    refreshAgents.cancel();
  };
}
