// A click on a trend marker opens what it stands for: the approval card, the audit rows of that command
// outcome, the incident reports. (An alarm opens the Alarms pane; an annotation says all in its tooltip.)
import type { TrendMarker } from '../../charts/trendStack';
import { useApprovals } from '../../store/approvals';
import { useAudit } from '../../store/audit';
import { activate, useLayout, type PaneId } from '../../store/layout';

function open(pane: PaneId): void {
  useLayout.getState().apply((l) => (l.popped.includes(pane) ? l : activate(l, pane)));
}

/** True when the marker opened something. */
export function openMarker(m: TrendMarker, commandKind?: string): boolean {
  switch (m.kind) {
    case 'requested':
    case 'decided':
      if (m.id && useApprovals.getState().pending.some((a) => a.id === m.id)) useApprovals.getState().select(m.id);
      open('approvals');
      return true;
    case 'command':
      useAudit.getState().setFilter({ tool: 'execute_device_command', kind: commandKind ?? '', agentId: '', from: '', to: '' });
      open('audit');
      return true;
    case 'incident':
    case 'episode':
      open('incidents');
      return true;
    case 'alarm':
      open('alarms');
      return true;
    default:
      return false;
  }
}
