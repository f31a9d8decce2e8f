// Serve mode (a browser, a wall display): the browser's own notifications for new approvals and urgent
// alarms while the tab is not in front. Electron uses native notifications from the main process instead.
import type { Client } from '../api/client';
import { useApprovals } from '../store/approvals';
import { activate, useLayout } from '../store/layout';
import { usePrefs } from '../store/prefs';

export function browserNotificationsAvailable(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export async function enableBrowserNotifications(): Promise<boolean> {
  if (!browserNotificationsAvailable()) return false;
  const p = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  return p === 'granted';
}

export function startBrowserNotifications(client: Client): () => void {
  if (!browserNotificationsAvailable()) return () => {};
  const open = new Map<string, Notification>();
  const allowed = () => usePrefs.getState().browserNotify && Notification.permission === 'granted' && (document.hidden || !document.hasFocus());
  const show = (key: string, title: string, body: string, onClick: () => void) => {
    const n = new Notification(title, { body, tag: key, requireInteraction: true, icon: './favicon.png' });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
    n.onclose = () => open.delete(key);
    open.set(key, n);
  };
  const offs = [
    client.api.onApprovalCreated((a) => {
      if (!allowed() || a.status !== 'pending') return;
      const cmd = typeof a.args.command === 'string' ? ` ${a.args.command}` : '';
      const dev = typeof a.args.device_id === 'string' ? ` on ${a.args.device_id}` : '';
      show(`approval:${a.id}`, `Approval needed: ${a.tool}${cmd}${dev}`, `${a.agentId} · risk ${a.risk}/10 · no decision = denied`, () => {
        useApprovals.getState().select(a.id);
        useLayout.getState().apply((l) => activate(l, 'approvals'));
      });
    }),
    client.api.onApprovalDecided((a) => open.get(`approval:${a.id}`)?.close()),
    client.api.onAlarmChanged((c) => {
      if (!allowed() || c.to !== 'unacknowledged' || c.from === 'unacknowledged' || c.alarm.priority !== 'urgent') return;
      show(`alarm:${c.alarm.id}`, `URGENT alarm: ${c.alarm.source}`, c.alarm.message, () => useLayout.getState().apply((l) => activate(l, 'alarms')));
    }),
  ];
  return () => {
    offs.forEach((o) => o());
    for (const n of open.values()) n.close();
  };
}
