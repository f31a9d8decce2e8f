// Pure helpers of the shell (no Electron imports): notification texts, tray label, pop-up queue order.
import type { ApprovalView } from '../../shared/governance';

export function approvalNotificationText(a: ApprovalView, now: number): { title: string; body: string } {
  const cmd = typeof a.args.command === 'string' ? ` ${a.args.command}` : '';
  const dev = typeof a.args.device_id === 'string' ? ` on ${a.args.device_id}` : '';
  const rest = Object.entries(a.args)
    .filter(([k]) => k !== 'command' && k !== 'device_id' && k !== 'justification')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  const secs = Math.max(0, Math.round((a.deadline - now) / 1000));
  return {
    title: `Approval needed: ${a.tool}${cmd}${dev}`,
    body: `${a.agentId}${rest ? ` · ${rest.slice(0, 120)}` : ''}\nrisk ${a.risk}/10 · decide within ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} (no decision = denied)`,
  };
}

export function trayLabel(pending: number): string {
  return pending === 0 ? 'No approvals waiting' : `${pending} approval${pending === 1 ? '' : 's'} waiting`;
}

/** Which approval the pop-up shows next: the soonest deadline still pending (null = close it). */
export function nextForPopup(pending: ApprovalView[], decidedId: string | null): ApprovalView | null {
  return pending.filter((a) => a.status === 'pending' && a.id !== decidedId).sort((a, b) => a.deadline - b.deadline)[0] ?? null;
}
