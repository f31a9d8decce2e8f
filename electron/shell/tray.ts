// Tray icon: how many approvals wait (tooltip, macOS title, a red-dot icon), a quick "pause all
// agents" kill switch, the pop-up preference, and the way back to the control room.
import { Menu, Tray, nativeImage } from 'electron';
import type { Core } from '../core';
import type { Caller } from '../../shared/operators';
import { trayLabel } from './format';

export interface TrayDeps {
  core: Core;
  icons: { normal: string; alert: string };
  showControlRoom(): void;
  showApprovals(): void;
  popupEnabled(): boolean;
  setPopupEnabled(on: boolean): void;
  quit(): void;
  /** The shell's logged-in operator (the kill switch acts as them), or null. */
  caller(): Caller | null;
}

export function startTray(d: TrayDeps): { refresh(): Promise<void>; dispose(): void } {
  const normal = nativeImage.createFromPath(d.icons.normal);
  const alert = nativeImage.createFromPath(d.icons.alert);
  const tray = new Tray(normal);
  let pending = 0;
  let killMessage = '';

  const killAll = async () => {
    const who = d.caller();
    const r = who ? await d.core.api.call('agents.killAll', { reason: 'kill switch in the tray' }, who) : null;
    killMessage = !r ? 'Not sent: log in to the control room first' : r.ok ? `Paused ${r.result.paused.length} agent(s)` : `Pause failed: ${r.error.message}`;
    render();
  };

  const render = () => {
    tray.setImage(pending > 0 ? alert : normal);
    tray.setToolTip(`AegisFlow — ${trayLabel(pending)}`);
    if (process.platform === 'darwin') tray.setTitle(pending > 0 ? String(pending) : '');
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: trayLabel(pending), enabled: pending > 0, click: () => d.showApprovals() },
        { type: 'separator' },
        {
          label: 'Pause all agents',
          click: () => void killAll(),
        },
        ...(killMessage ? [{ label: killMessage, enabled: false }] : []),
        { label: 'Approval pop-up window', type: 'checkbox', checked: d.popupEnabled(), click: (item) => d.setPopupEnabled(item.checked) },
        { type: 'separator' },
        { label: 'Show control room', click: () => d.showControlRoom() },
        { label: 'Quit AegisFlow', click: () => d.quit() },
      ]),
    );
  };

  const refresh = async () => {
    // A count on the shell's own tray, read by the main process itself (no operator action).
    pending = d.core.services.governance.listApprovals('pending', 1000).length;
    render();
  };
  tray.on('click', () => d.showControlRoom());
  const offs = [d.core.bus.on('approval.created', () => void refresh()), d.core.bus.on('approval.decided', () => void refresh())];
  void refresh();
  return {
    refresh,
    dispose() {
      offs.forEach((o) => o());
      tray.destroy();
    },
  };
}
