// Native notifications: one per new approval (agent, tool, arguments, deadline) and one per new
// urgent (priority-1) alarm. Clicking focuses the control room on it; on macOS the approval
// notification carries Approve / Reject buttons (Windows needs custom toast XML and Linux daemons
// vary, so there the click opens the approval instead).
import { Notification } from 'electron';
import type { AlarmChange } from '../../shared/anomalies';
import type { ApprovalView } from '../../shared/governance';
import type { Core } from '../core';
import type { Caller } from '../../shared/operators';
import { approvalNotificationText } from './format';

export interface NotificationDeps {
  core: Core;
  enabled(): boolean;
  sound(): boolean;
  icon: string | undefined;
  focusApproval(id: string): void;
  focusAlarms(): void;
  /** The shell's logged-in operator, who decides from a notification button (none: the buttons only open the approval). */
  caller(): Caller | null;
}

export function startNotifications(d: NotificationDeps): () => void {
  const live = new Map<string, Notification>(); // held so click handlers survive garbage collection
  const supported = Notification.isSupported();
  const mac = process.platform === 'darwin';

  const onApproval = (a: ApprovalView) => {
    if (!supported || !d.enabled() || a.status !== 'pending') return;
    const { title, body } = approvalNotificationText(a, d.core.clock.now());
    const n = new Notification({
      title,
      body,
      icon: d.icon,
      silent: !d.sound(),
      urgency: 'critical',
      timeoutType: 'never',
      actions: mac
        ? [
            { type: 'button', text: 'Approve' },
            { type: 'button', text: 'Reject' },
          ]
        : [],
    });
    n.on('click', () => d.focusApproval(a.id));
    n.on('action', (_e, index) => {
      const who = d.caller();
      if (!who) return d.focusApproval(a.id);
      void d.core.api.call('approvals.decide', { id: a.id, verdict: index === 0 ? 'approve' : 'reject', comment: 'decided from a desktop notification' }, who);
    });
    n.on('close', () => live.delete(a.id));
    live.set(a.id, n);
    n.show();
  };
  const onDecided = (a: ApprovalView) => {
    live.get(a.id)?.close();
    live.delete(a.id);
  };
  const onAlarm = (c: AlarmChange) => {
    if (!supported || !d.enabled() || c.to !== 'unacknowledged' || c.from === 'unacknowledged' || c.alarm.priority !== 'urgent') return;
    const n = new Notification({ title: `URGENT alarm: ${c.alarm.source}`, body: c.alarm.message, icon: d.icon, silent: !d.sound(), urgency: 'critical' });
    n.on('click', () => d.focusAlarms());
    const key = `alarm:${c.alarm.id}`;
    n.on('close', () => live.delete(key));
    live.set(key, n);
    n.show();
  };
  const offs = [d.core.bus.on('approval.created', onApproval), d.core.bus.on('approval.decided', onDecided), d.core.bus.on('alarm.changed', onAlarm)];
  return () => {
    offs.forEach((o) => o());
    for (const n of live.values()) n.close();
    live.clear();
  };
}
