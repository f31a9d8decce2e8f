// Electron's security checklist in one place: web preferences for every window, a strict CSP, no
// navigation, no new windows, no permissions, and a sender check for every IPC message.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Session, WebContents, WebFrameMain, WebPreferences } from 'electron';

/** Production policy: our own files only. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The policy for a window: production's, or — only while a dev server is in use (`npm run dev`) — one
 * that also lets Vite's inline React-refresh preamble and its hot-reload socket through.
 */
export function cspFor(devServerUrl: string | undefined): string {
  if (!devServerUrl) return CSP;
  const origin = new URL(devServerUrl).origin;
  const ws = origin.replace(/^http/, 'ws');
  return CSP.replace("script-src 'self'", `script-src 'self' 'unsafe-inline' ${origin}`).replace("connect-src 'self'", `connect-src 'self' ${origin} ${ws}`);
}

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  };
}

/**
 * Where our pages come from: the dev server in development, the packaged files otherwise. With
 * `rendererHtml` given, a file: URL must be that very file (any other local file is not ours).
 */
export function isTrustedUrl(url: string, devServerUrl: string | undefined, rendererHtml?: string): boolean {
  try {
    const u = new URL(url);
    if (devServerUrl) {
      const d = new URL(devServerUrl);
      if (u.origin === d.origin) return true;
    }
    if (u.protocol !== 'file:') return false;
    if (!rendererHtml) return true;
    return path.resolve(fileURLToPath(u)) === path.resolve(rendererHtml);
  } catch {
    return false;
  }
}

export function isTrustedSender(frame: WebFrameMain | null | undefined, devServerUrl: string | undefined, rendererHtml?: string): boolean {
  return !!frame && isTrustedUrl(frame.url, devServerUrl, rendererHtml);
}

export function hardenSession(session: Session, devServerUrl?: string): void {
  const csp = cspFor(devServerUrl);
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

export function hardenContents(contents: WebContents, devServerUrl: string | undefined, rendererHtml?: string): void {
  // The page never navigates itself (routes are hash changes); a reload of the same URL is the only exception.
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url, devServerUrl, rendererHtml) || url !== contents.getURL()) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedUrl(url, devServerUrl, rendererHtml)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
