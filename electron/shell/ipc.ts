// IPC: one handler per contract request and per shell method, each checking its sender; core events
// forwarded to windows. Nothing else is reachable from a page.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX } from '../../shared/bridge';
import { REQUEST_NAMES, UI_EVENTS, type Reply } from '../../shared/contract';
import { createReadingsThrottle } from '../../shared/readings-throttle';
import { SHELL_CHANNELS, isPaneId, sanitizePrefs, type PaneId, type ShellPrefs } from '../../shared/shell';
import type { Core } from '../core';
import type { Caller } from '../../shared/operators';
import { isTrustedSender } from './security';

export interface Trust {
  devServerUrl: string | undefined;
  rendererHtml: string;
}

export function registerIpc(core: Core, windows: () => BrowserWindow[], trust: Trust, caller: () => Caller | null): () => void {
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(IPC_REQUEST_PREFIX + name, async (event, params): Promise<Reply<unknown>> => {
      if (!isTrustedSender(event.senderFrame, trust.devServerUrl, trust.rendererHtml)) {
        core.log.warn({ channel: name, url: event.senderFrame?.url }, 'IPC from an untrusted frame refused');
        return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      }
      // As the shell's logged-in operator, or anonymous (the core then refuses: log in first).
      return core.api.call(name, (params ?? {}) as never, caller() ?? undefined);
    });
  }
  const uiEvents = new Set<string>(UI_EVENTS);
  const send = (name: string, payload: unknown) => {
    for (const w of windows()) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT_PREFIX + name, payload);
  };
  // Readings are high-rate: the one throttle of the UI transports (shared/readings-throttle.ts), which
  // tells the windows what it left out.
  const readings = createReadingsThrottle<unknown>({ send: (batch) => send('readings', batch), onDrop: (report) => send('readings.dropped', report) });
  const off = core.bus.onAny((name, payload) => {
    if (!uiEvents.has(name)) return;
    if (name === 'readings') readings.push(payload as unknown[]);
    else send(name, payload);
  });
  return () => {
    off();
    readings.dispose();
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(IPC_REQUEST_PREFIX + name);
  };
}

export interface ShellHandlers {
  popOutPane(pane: PaneId): boolean;
  getPrefs(): ShellPrefs;
  setPrefs(prefs: ShellPrefs): ShellPrefs;
}

/** The shell's three methods (shared/shell.ts), with the same sender check and argument validation. */
export function registerShellIpc(handlers: ShellHandlers, trust: Trust, log: Core['log']): () => void {
  const guarded =
    <T>(channel: string, fn: (arg: unknown) => T) =>
    (event: IpcMainInvokeEvent, arg: unknown): T | null => {
      if (!isTrustedSender(event.senderFrame, trust.devServerUrl, trust.rendererHtml)) {
        log.warn({ channel, url: event.senderFrame?.url }, 'shell IPC from an untrusted frame refused');
        return null;
      }
      return fn(arg);
    };
  ipcMain.handle(
    SHELL_CHANNELS.popOutPane,
    guarded(SHELL_CHANNELS.popOutPane, (pane) => (isPaneId(pane) ? handlers.popOutPane(pane) : false)),
  );
  ipcMain.handle(
    SHELL_CHANNELS.getPrefs,
    guarded(SHELL_CHANNELS.getPrefs, () => handlers.getPrefs()),
  );
  ipcMain.handle(
    SHELL_CHANNELS.setPrefs,
    guarded(SHELL_CHANNELS.setPrefs, (p) => handlers.setPrefs(sanitizePrefs(p, handlers.getPrefs()))),
  );
  return () => {
    for (const c of [SHELL_CHANNELS.popOutPane, SHELL_CHANNELS.getPrefs, SHELL_CHANNELS.setPrefs]) ipcMain.removeHandler(c);
  };
}
