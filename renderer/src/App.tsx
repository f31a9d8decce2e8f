// The control room: top bar (connection, plant time, what needs the operator), banners for lost
// links and silent data, notices, and the docked panes. Routes: #pane=<id> shows one popped-out pane,
// #popup=approval the compact approval window.
import { useEffect, useMemo, useState, type ReactNode, type SyntheticEvent } from 'react';
import { ApprovalPopup } from './components/ApprovalPopup';
import { OperatorsDialog } from './components/OperatorsDialog';
import { PlantNow } from './components/PlantTime';
import { fmtAgo, useNow } from './components/ui';
import { useServices } from './context';
import { PaneBody, Workspace } from './layout/Workspace';
import { ReplayPausedBanner } from './components/ReplayBanner';
import { PANES } from './panes/registry';
import { alarmSummary, useAlarms } from './store/alarms';
import { useApprovals } from './store/approvals';
import { useConnection } from './store/connection';
import { activate, setPopped, useLayout, type PaneId } from './store/layout';
import { useNotices } from './store/notices';
import { usePlant } from './store/plant';
import { usePrefs } from './store/prefs';
import { runActive, startWorkSync, useWork } from './store/work';
import { useAuth } from './store/auth';
import type { ShellPrefs } from '../../shared/shell';
import type { Route } from './route';
import { startSync } from './sync';
import { beep } from './components/sound';
import { browserNotificationsAvailable, enableBrowserNotifications, startBrowserNotifications } from './components/browserNotify';

export function App({ route }: { route: Route }) {
  const { client, live, actions, shell } = useServices();

  useEffect(() => startSync(client, live, actions), [client, live, actions]);
  useEffect(() => startWorkSync(client.api), [client]);

  useEffect(() => {
    if (!shell || route.kind !== 'main') return;
    const offs = [
      shell.onFocusApproval((id) => {
        useApprovals.getState().select(id);
        useLayout.getState().apply((l) => activate(setPopped(l, 'approvals', false), 'approvals'));
      }),
      shell.onPaneReturned((pane) => useLayout.getState().apply((l) => setPopped(l, pane, false))),
      shell.onFocusPane((pane) => useLayout.getState().apply((l) => (l.popped.includes(pane) ? l : activate(l, pane)))),
    ];
    return () => offs.forEach((o) => o());
  }, [shell, route.kind]);

  // A browser has no native shell: its own notifications, when the operator turned them on.
  useEffect(() => (!shell && route.kind === 'main' ? startBrowserNotifications(client) : undefined), [client, shell, route.kind]);

  // Optional sound per new approval (operator preference).
  useEffect(() => {
    if (route.kind !== 'main') return;
    return client.api.onApprovalCreated(() => {
      if (usePrefs.getState().sound) beep();
    });
  }, [client, route.kind]);

  if (route.kind === 'popup') return <ApprovalPopup approvalId={route.approvalId} />;
  if (route.kind === 'pane')
    return (
      <div className="app single">
        <TopBar compact title={PANES[route.pane].title} />
        <Banners />
        <Controls>
          <section className="pane-body solo" data-pane={route.pane} aria-label={PANES[route.pane].title}>
            <PaneBody id={route.pane} />
          </section>
        </Controls>
        <Notices />
      </div>
    );
  return (
    <div className="app">
      <TopBar />
      <Banners />
      <Controls>
        <Workspace />
      </Controls>
      <Notices />
    </div>
  );
}

/**
 * Operator controls are live only while the link is: a click or a form sent while disconnected is
 * stopped here and said so (and the client refuses it too), so nothing clicked now acts minutes later.
 */
function Controls({ children }: { children: ReactNode }) {
  const conn = useConnection((s) => s.state);
  const offline = conn !== 'open';
  const refuse = (e: SyntheticEvent) => {
    if (!offline) return;
    const t = e.target as HTMLElement;
    // Moving around the screen (tabs, docks, pop-outs) sends nothing and stays possible.
    if (t.closest('[data-pane-tab], .dock-move, [data-action="pop-out"], [data-nav]')) return;
    if (e.type === 'click' && !t.closest('button, input[type=checkbox], input[type=radio], a')) return;
    e.preventDefault();
    e.stopPropagation();
    useNotices.getState().push('error', 'Not sent: no connection to the AegisFlow core. Nothing is queued — act again once the link is back.');
  };
  return (
    <div className={offline ? 'controls offline' : 'controls'} data-controls={offline ? 'offline' : 'live'} onClickCapture={refuse} onSubmitCapture={refuse}>
      {children}
    </div>
  );
}

function TopBar({ compact, title }: { compact?: boolean; title?: string }) {
  const { shell } = useServices();
  const conn = useConnection((s) => s.state);
  const ready = useConnection((s) => s.ready);
  const dropped = useConnection((s) => s.readingsDropped);
  const sim = usePlant((s) => s.simulator);
  const pending = useApprovals((s) => s.pending.length);
  const alarmMap = useAlarms((s) => s.alarms);
  const alarms = useMemo(() => alarmSummary(alarmMap), [alarmMap]);
  const { client } = useServices();
  const operator = useAuth((s) => s.state?.operator ?? null);
  const sound = usePrefs((s) => s.sound);
  const browserNotify = usePrefs((s) => s.browserNotify);
  const [shellPrefs, setShellPrefs] = useState<ShellPrefs | null>(null);
  const [menu, setMenu] = useState(false);
  const [accounts, setAccounts] = useState(false);
  useEffect(() => {
    if (shell) void shell.getPrefs().then(setShellPrefs, () => {});
  }, [shell]);
  const show = (p: PaneId) => useLayout.getState().apply((l) => activate(l, p));
  return (
    <header className="topbar">
      <strong className="brand">AegisFlow{title ? ` · ${title}` : ''}</strong>
      <span className={conn === 'open' ? 'conn ok' : 'conn abnormal'} data-field="connection" data-ready={ready ? 'yes' : 'no'}>
        {conn === 'open' ? 'connected' : conn === 'connecting' ? 'connecting…' : 'disconnected'}
      </span>
      {dropped ? (
        <span
          className="conn dropped"
          data-field="readings-dropped"
          title={`More than ${dropped.max} readings per ${dropped.windowMs} ms arrived: the live view skipped the oldest. Every reading is still stored.`}
        >
          {dropped.total.toLocaleString('en-US')} readings not drawn
        </span>
      ) : null}
      {sim ? (
        <span className="sim">
          plant time{' '}
          <b data-field="plant-time">
            <PlantNow />
          </b>{' '}
          {sim.running ? (
            <span data-field="replay-state">
              · {sim.speed === 0 ? 'max' : `${sim.speed}×`} · {sim.paused ? 'paused' : 'running'}
            </span>
          ) : sim.totalRows > 0 ? (
            <span data-field="replay-state">· replay {sim.finished ? 'finished' : 'stopped'}</span>
          ) : null}
        </span>
      ) : null}
      <WorkIndicator onShow={() => show('work')} />
      <span className="spacer" />
      <button type="button" className={pending ? 'pill attention-pill' : 'pill'} onClick={() => show('approvals')} data-field="pending-approvals">
        {pending} pending approval{pending === 1 ? '' : 's'}
      </button>
      <button type="button" className={alarms.unacked ? `pill prio-${alarms.top}` : 'pill'} onClick={() => show('alarms')} data-field="unacked-alarms">
        {alarms.unacked} unacknowledged alarm{alarms.unacked === 1 ? '' : 's'}
      </button>
      {alarms.removed ? (
        <button
          type="button"
          className="pill removed"
          onClick={() => show('alarms')}
          data-field="shelved-alarms"
          title="shelved, suppressed or out of service: not annunciated, still in alarm"
        >
          {alarms.removed} shelved / OOS
        </button>
      ) : null}
      {!compact ? (
        <div className="menu-wrap">
          <button type="button" onClick={() => setMenu(!menu)} aria-expanded={menu} data-field="operator">
            {operator?.name ?? '—'} ▾
          </button>
          {menu ? (
            <div className="menu" role="menu">
              <span className="menu-who">
                Logged in as <b>{operator?.name}</b> ({operator?.roles.join(', ')})
              </span>
              <button type="button" onClick={() => void client.auth.logout().then((s) => useAuth.getState().set(s, 'Switch user: the next operator logs in.'))}>
                Switch user
              </button>
              <button type="button" onClick={() => void client.auth.logout().then((s) => useAuth.getState().set(s, 'Console locked.'))}>
                Lock console
              </button>
              <button type="button" data-action="operators" onClick={() => (setMenu(false), setAccounts(true))}>
                {operator?.roles.includes('admin') ? 'Operators…' : 'Change password…'}
              </button>
              <label>
                <input type="checkbox" checked={sound} onChange={(e) => usePrefs.getState().update({ sound: e.target.checked })} /> Sound on new approvals
              </label>
              {!shell && browserNotificationsAvailable() ? (
                <label>
                  <input
                    type="checkbox"
                    checked={browserNotify}
                    onChange={async (e) => {
                      const on = e.target.checked && (await enableBrowserNotifications());
                      usePrefs.getState().update({ browserNotify: on });
                    }}
                  />{' '}
                  Browser notifications (approvals, urgent alarms)
                </label>
              ) : null}
              {shell && shellPrefs ? (
                <>
                  <label>
                    <input
                      type="checkbox"
                      checked={shellPrefs.notifications}
                      onChange={(e) => void shell.setPrefs({ notifications: e.target.checked }).then(setShellPrefs)}
                    />{' '}
                    Desktop notifications
                  </label>
                  <label>
                    <input
                      type="checkbox"
                      checked={shellPrefs.approvalPopup}
                      onChange={(e) => void shell.setPrefs({ approvalPopup: e.target.checked }).then(setShellPrefs)}
                    />{' '}
                    Approval pop-up window
                  </label>
                </>
              ) : null}
              <button type="button" onClick={() => useLayout.getState().reset()}>
                Reset layout
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      {accounts ? <OperatorsDialog onClose={() => setAccounts(false)} /> : null}
    </header>
  );
}

function Banners() {
  const conn = useConnection((s) => s.state);
  const sim = usePlant((s) => s.simulator);
  const last = usePlant((s) => s.lastReadingsAt);
  const ingest = usePlant((s) => s.ingest);
  const now = useNow(2000);
  if (conn !== 'open')
    return (
      <div className="banner abnormal-box" role="alert" data-banner="disconnected">
        Connection to the AegisFlow core lost — reconnecting. Values on screen are frozen and may be stale; controls are disabled and nothing you click is sent.
      </div>
    );
  if (ingest && ingest.brokerConnected === false)
    return (
      <div className="banner abnormal-box" role="alert" data-banner="broker-down">
        MQTT broker unreachable for {fmtAgo(ingest.brokerSince, now).replace(' ago', '')} — reconnecting. Readings wait at the broker and arrive when it is
        back; values on screen are stale.
      </div>
    );
  const expecting = sim && sim.running && !sim.paused && !sim.finished;
  if (expecting && last !== null && now - last > 10_000)
    return (
      <div className="banner abnormal-box" role="alert" data-banner="no-data">
        No live readings for {fmtAgo(last, now).replace(' ago', '')} although the replay runs: broker or ingest may be down.
      </div>
    );
  if (sim?.paused) return <ReplayPausedBanner sim={sim} />;
  return null;
}

function Notices() {
  const notices = useNotices((s) => s.notices);
  if (!notices.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={n.kind === 'error' ? 'notice abnormal-box' : 'notice'} onClick={() => useNotices.getState().dismiss(n.id)}>
          {n.text}
        </div>
      ))}
    </div>
  );
}

/** While the demo or an agent run goes on, the top bar says so (what, and the scene or step it is at). */
function WorkIndicator({ onShow }: { onShow: () => void }) {
  const demo = useWork((s) => (s.demo?.running ? s.demo : null));
  const run = useWork((s) => (runActive(s) ? s.run : null));
  if (!demo && !run) return null;
  const scene = demo ? [...demo.steps].sort((a, b) => b.index - a.index)[0]?.scene : null;
  return (
    <button type="button" className="pill work-pill" data-field="agent-work" onClick={onShow} title="Show the Agent work pane">
      <span className="busy" aria-hidden="true" />
      {demo ? `demo running${scene ? ` · ${scene.replace(/_/g, ' ')}` : ''}` : `agent on ${run?.deviceId ?? 'the newest anomaly'}`}
    </button>
  );
}
