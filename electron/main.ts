// Electron entry: single instance, the core in the main process, the hardened shell around it —
// main window, pop-out panes, the approval pop-up, native notifications and the tray.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session } from 'electron';
import { SHELL_CHANNELS, type PaneId } from '../shared/shell';
import { createCore, loadConfig, type Core } from './core';
import { registerIpc, registerShellIpc } from './shell/ipc';
import { startNotifications } from './shell/notifications';
import { startApprovalPopup } from './shell/popup';
import { startPopouts } from './shell/popouts';
import { hardenSession } from './shell/security';
import { ShellStateFile } from './shell/state';
import { startTray } from './shell/tray';
import { startShellSession } from './shell/session';
import { createMainWindow, resolvePaths } from './shell/windows';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(mainDir, '..', '..');
const APP_ID = 'io.aegisflow.controlroom';

/** better-sqlite3 built for Electron's ABI (scripts/ensure-electron-sqlite.mjs, or shipped when packaged). */
function electronSqliteBinding(): string | undefined {
  const candidates = [
    path.join(process.resourcesPath ?? '', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    path.join(repoRoot, '.vendor', 'electron-sqlite', 'better_sqlite3.node'),
  ];
  return candidates.find((p) => fs.existsSync(p));
}

function iconsDir(): string {
  return app.isPackaged ? path.join(process.resourcesPath, 'resources', 'icons') : path.join(repoRoot, 'resources', 'icons');
}

async function boot(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Windows shows notifications only for an app with a user model id (the installer's app id).
  app.setAppUserModelId(APP_ID);
  await app.whenReady();
  hardenSession(session.defaultSession, process.env.ELECTRON_RENDERER_URL);

  let core: Core;
  try {
    const config = loadConfig({
      env: process.env,
      cwd: app.isPackaged ? app.getPath('userData') : repoRoot,
      overrides: {
        // The HTTP server (for /mcp, /api/v1 and browser wall displays) serves the same built renderer.
        http: { staticDir: path.join(mainDir, '..', 'renderer') },
        ...(app.isPackaged ? { resourcesDir: path.join(process.resourcesPath, 'resources') } : {}),
      },
    });
    core = createCore(config, { nativeBinding: electronSqliteBinding() });
    await core.start();
  } catch (err) {
    dialog.showErrorBox('AegisFlow could not start', (err as Error).message);
    app.exit(1);
    return;
  }

  const paths = resolvePaths(mainDir);
  const trust = { devServerUrl: paths.devServerUrl, rendererHtml: paths.rendererHtml };
  // The operator session of this desktop: the page logs in over IPC, the main process keeps it.
  const shellSession = startShellSession(core, trust);
  const state = new ShellStateFile(path.join(app.getPath('userData'), 'shell-state.json'));
  const icons = iconsDir();

  let main = openMain();
  function openMain(): BrowserWindow {
    const w = createMainWindow(paths, state.state.main ?? undefined);
    const remember = () => !w.isDestroyed() && state.update((s) => ({ ...s, main: w.getNormalBounds() }));
    w.on('resized', remember);
    w.on('moved', remember);
    // Pop-outs and the pop-up belong to the control room: closing it ends the session (they reopen next time).
    w.on('close', () => app.quit());
    return w;
  }
  const mainWindow = () => (main.isDestroyed() ? null : main);
  const showMain = (): BrowserWindow => {
    if (main.isDestroyed()) main = openMain();
    if (main.isMinimized()) main.restore();
    main.show();
    main.focus();
    return main;
  };
  const sendToMain = (channel: string, payload: unknown) => {
    const w = showMain();
    // A fresh window has no page yet: deliver once it has loaded and React has subscribed.
    if (w.webContents.isLoading()) w.webContents.once('did-finish-load', () => setTimeout(() => !w.isDestroyed() && w.webContents.send(channel, payload), 800));
    else w.webContents.send(channel, payload);
  };

  const popouts = startPopouts({ paths, state, mainWindow });
  const popup = startApprovalPopup({
    core,
    paths,
    enabled: () => state.state.prefs.approvalPopup,
    bounds: () => state.state.popup,
    saveBounds: (b) => state.update((s) => ({ ...s, popup: b })),
  });
  const stopNotifications = startNotifications({
    core,
    enabled: () => state.state.prefs.notifications,
    sound: () => state.state.prefs.sound,
    icon: path.join(icons, '256x256.png'),
    focusApproval: (id) => sendToMain(SHELL_CHANNELS.focusApproval, id),
    focusAlarms: () => sendToMain(SHELL_CHANNELS.focusPane, 'alarms' satisfies PaneId),
    caller: () => shellSession.caller(),
  });
  const setPrefs = (prefs: typeof state.state.prefs) => {
    state.update((s) => ({ ...s, prefs }));
    if (!prefs.approvalPopup) popup.close();
    void tray?.refresh();
    return prefs;
  };
  const tray = (() => {
    try {
      return startTray({
        core,
        icons: { normal: path.join(icons, 'tray.png'), alert: path.join(icons, 'tray-alert.png') },
        showControlRoom: () => void showMain(),
        showApprovals: () => sendToMain(SHELL_CHANNELS.focusPane, 'approvals' satisfies PaneId),
        popupEnabled: () => state.state.prefs.approvalPopup,
        setPopupEnabled: (on) => void setPrefs({ ...state.state.prefs, approvalPopup: on }),
        quit: () => app.quit(),
        caller: () => shellSession.caller(),
      });
    } catch (err) {
      // Some Linux desktops have no status area: the control room works without a tray.
      core.log.warn({ err }, 'tray unavailable');
      return null;
    }
  })();

  const disposeIpc = registerIpc(
    core,
    () => BrowserWindow.getAllWindows(),
    trust,
    () => shellSession.caller(),
  );
  const disposeShellIpc = registerShellIpc({ popOutPane: (pane) => popouts.popOut(pane), getPrefs: () => state.state.prefs, setPrefs }, trust, core.log);
  popouts.restore();

  app.on('second-instance', () => void showMain());
  app.on('activate', () => void showMain());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    popouts.beforeQuit();
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    state.flush();
    stopNotifications();
    popup.dispose();
    tray?.dispose();
    disposeShellIpc();
    shellSession.dispose();
    disposeIpc();
    void core.stop().finally(() => app.exit(0));
  });
}

void boot();
