// Panes popped out onto other monitors: one window per pane, bounds remembered, reopened at the next
// start. Closing a pop-out returns the pane to the main window's layout.
import type { BrowserWindow } from 'electron';
import { SHELL_CHANNELS, type PaneId } from '../../shared/shell';
import type { ShellStateFile } from './state';
import { createPaneWindow, type WindowPaths } from './windows';

const TITLES: Record<PaneId, string> = {
  plant: 'Plant',
  trends: 'Trends',
  alarms: 'Alarms',
  approvals: 'Approvals',
  overview: 'Overview',
  agents: 'Agents',
  audit: 'Audit',
  incidents: 'Incidents',
  immune: 'Immune',
  replay: 'Replay',
  connect: 'Connect an agent',
  work: 'Agent work',
  logbook: 'Logbook',
  report: 'Alarm report',
  alarmtable: 'Master alarm table',
};

export function startPopouts(d: { paths: WindowPaths; state: ShellStateFile; mainWindow(): BrowserWindow | null }) {
  const open = new Map<PaneId, BrowserWindow>();
  let quitting = false;

  const popOut = (pane: PaneId): boolean => {
    const existing = open.get(pane);
    if (existing && !existing.isDestroyed()) {
      existing.focus();
      return true;
    }
    const saved = d.state.state.popouts.find((p) => p.pane === pane)?.bounds ?? undefined;
    const win = createPaneWindow(d.paths, pane, TITLES[pane], saved);
    open.set(pane, win);
    const remember = () => {
      if (win.isDestroyed()) return;
      const bounds = win.getNormalBounds();
      d.state.update((s) => ({ ...s, popouts: [...s.popouts.filter((p) => p.pane !== pane), { pane, bounds }] }));
    };
    remember();
    win.on('resized', remember);
    win.on('moved', remember);
    win.on('closed', () => {
      open.delete(pane);
      // Quitting closes every window: keep the list so the same panes come back next time.
      if (quitting) return;
      d.state.update((s) => ({ ...s, popouts: s.popouts.filter((p) => p.pane !== pane) }));
      const main = d.mainWindow();
      if (main && !main.isDestroyed()) main.webContents.send(SHELL_CHANNELS.paneReturned, pane);
    });
    return true;
  };

  return {
    popOut,
    windows: () => [...open.values()].filter((w) => !w.isDestroyed()),
    restore() {
      for (const p of d.state.state.popouts) popOut(p.pane);
    },
    beforeQuit() {
      quitting = true;
    },
  };
}
