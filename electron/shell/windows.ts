// Windows of the control room: the main window, panes popped out onto other monitors, and the
// approval pop-up. Every window gets the same hardened preferences (options.ts) and contents rules.
import path from 'node:path';
import { BrowserWindow, type Rectangle } from 'electron';
import { approvalPopupOptions, mainWindowOptions, paneWindowOptions } from './options';
import { hardenContents } from './security';

export { approvalPopupOptions, mainWindowOptions, paneWindowOptions } from './options';

export interface WindowPaths {
  preload: string;
  rendererHtml: string;
  devServerUrl: string | undefined;
}

/** Load the renderer with a route in the hash (#pane=trends, #popup=approval&id=…). */
export function loadRoute(win: BrowserWindow, paths: WindowPaths, hash = ''): void {
  if (paths.devServerUrl) void win.loadURL(paths.devServerUrl + (hash ? '#' + hash : ''));
  else void win.loadFile(paths.rendererHtml, hash ? { hash } : undefined);
}

function finish(win: BrowserWindow, paths: WindowPaths, hash: string, focus = true): BrowserWindow {
  hardenContents(win.webContents, paths.devServerUrl, paths.rendererHtml);
  win.once('ready-to-show', () => (focus ? win.show() : win.showInactive()));
  loadRoute(win, paths, hash);
  return win;
}

export function createMainWindow(paths: WindowPaths, bounds?: Partial<Rectangle>): BrowserWindow {
  return finish(new BrowserWindow(mainWindowOptions(paths.preload, bounds)), paths, '');
}

export function createPaneWindow(paths: WindowPaths, pane: string, title: string, bounds?: Partial<Rectangle>): BrowserWindow {
  return finish(new BrowserWindow(paneWindowOptions(paths.preload, title, bounds)), paths, `pane=${encodeURIComponent(pane)}`);
}

export function createApprovalPopup(paths: WindowPaths, approvalId: string, bounds?: Partial<Rectangle>): BrowserWindow {
  const win = new BrowserWindow(approvalPopupOptions(paths.preload, bounds));
  // 'screen-saver' level keeps it above full-screen programs on macOS; elsewhere alwaysOnTop suffices.
  win.setAlwaysOnTop(true, 'screen-saver');
  return finish(win, paths, popupHash(approvalId), false);
}

export function popupHash(approvalId: string): string {
  return `popup=approval&id=${encodeURIComponent(approvalId)}`;
}

export function resolvePaths(mainDir: string): WindowPaths {
  return {
    preload: path.join(mainDir, '../preload/index.cjs'),
    rendererHtml: path.join(mainDir, '../renderer/index.html'),
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
  };
}
