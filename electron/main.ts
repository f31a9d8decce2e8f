// Electron entry: single instance, the core in the main process, the hardened shell around it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session } from 'electron';
import { createCore, loadConfig, type Core } from './core';
import { registerIpc } from './shell/ipc';
import { hardenSession } from './shell/security';
import { createMainWindow, resolvePaths } from './shell/windows';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(mainDir, '..', '..');

/** better-sqlite3 built for Electron's ABI (scripts/ensure-electron-sqlite.mjs, or shipped when packaged). */
function electronSqliteBinding(): string | undefined {
  const candidates = [
    path.join(process.resourcesPath ?? '', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    path.join(repoRoot, '.vendor', 'electron-sqlite', 'better_sqlite3.node'),
  ];
  return candidates.find((p) => fs.existsSync(p));
}

async function boot(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  hardenSession(session.defaultSession);

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
  const windows = () => BrowserWindow.getAllWindows();
  const disposeIpc = registerIpc(core, windows, paths.devServerUrl);
  let main = createMainWindow(paths);

  app.on('second-instance', () => {
    if (main.isDestroyed()) main = createMainWindow(paths);
    if (main.isMinimized()) main.restore();
    main.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) main = createMainWindow(paths);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    disposeIpc();
    void core.stop().finally(() => app.exit(0));
  });
}

void boot();
