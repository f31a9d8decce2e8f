// The always-on-top approval pop-up: opens (without stealing focus) when a request arrives and the
// operator has the preference on; follows the queue when the shown request is decided or expires —
// wherever that happened — and closes itself when nothing is left.
import type { BrowserWindow } from 'electron';
import type { Core } from '../core';
import { nextForPopup } from './format';
import type { Bounds } from './state';
import { createApprovalPopup, loadRoute, popupHash, type WindowPaths } from './windows';

export interface PopupDeps {
  core: Core;
  paths: WindowPaths;
  enabled(): boolean;
  bounds(): Bounds | null;
  saveBounds(b: Bounds): void;
}

export function startApprovalPopup(d: PopupDeps): { close(): void; dispose(): void } {
  let win: BrowserWindow | null = null;
  let shownId: string | null = null;

  const open = (id: string) => {
    if (win && !win.isDestroyed()) {
      if (shownId !== id) loadRoute(win, d.paths, popupHash(id));
      shownId = id;
      return;
    }
    win = createApprovalPopup(d.paths, id, d.bounds() ?? undefined);
    shownId = id;
    const w = win;
    const remember = () => !w.isDestroyed() && d.saveBounds(w.getBounds());
    w.on('resized', remember);
    w.on('moved', remember);
    w.on('closed', () => {
      if (win === w) {
        win = null;
        shownId = null;
      }
    });
  };
  const close = () => {
    if (win && !win.isDestroyed()) win.close();
    win = null;
    shownId = null;
  };

  const offs = [
    d.core.bus.on('approval.created', (a) => {
      if (!d.enabled() || a.status !== 'pending') return;
      // Keep showing the current request; the page says how many more wait.
      if (!win || win.isDestroyed()) open(a.id);
    }),
    d.core.bus.on('approval.decided', (a) => {
      if (!win || a.id !== shownId) return;
      // The shell's own window follows the queue (read by the main process; deciding needs the session).
      const next = nextForPopup(d.core.services.governance.listApprovals('pending', 1000), a.id);
      if (next && d.enabled()) open(next.id);
      else close();
    }),
  ];
  return {
    close,
    dispose() {
      offs.forEach((o) => o());
      close();
    },
  };
}
