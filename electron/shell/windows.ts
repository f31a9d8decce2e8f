// Windows of the control room. Every window gets the same hardened preferences.
import path from 'node:path';
import { BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import { hardenContents, secureWebPreferences } from './security';

export interface WindowPaths {
  preload: string;
  rendererHtml: string;
  devServerUrl: string | undefined;
}

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1600,
    height: 1000,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: '#d4d4d4',
    title: 'AegisFlow control room',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  };
}

export function createMainWindow(paths: WindowPaths, hash = ''): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(paths.preload));
  hardenContents(win.webContents, paths.devServerUrl);
  win.once('ready-to-show', () => win.show());
  if (paths.devServerUrl) void win.loadURL(paths.devServerUrl + (hash ? '#' + hash : ''));
  else void win.loadFile(paths.rendererHtml, hash ? { hash } : undefined);
  return win;
}

export function resolvePaths(mainDir: string): WindowPaths {
  return {
    preload: path.join(mainDir, '../preload/index.cjs'),
    rendererHtml: path.join(mainDir, '../renderer/index.html'),
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
  };
}
