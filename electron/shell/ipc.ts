// IPC: one handler per contract request, each checking its sender; core events forwarded to windows.
import { ipcMain, type BrowserWindow } from 'electron';
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX } from '../../shared/bridge';
import { REQUEST_NAMES, UI_EVENTS, type Reply } from '../../shared/contract';
import type { Core } from '../core';
import { isTrustedSender } from './security';

export function registerIpc(core: Core, windows: () => BrowserWindow[], devServerUrl: string | undefined): () => void {
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(IPC_REQUEST_PREFIX + name, async (event, params): Promise<Reply<unknown>> => {
      if (!isTrustedSender(event.senderFrame, devServerUrl)) {
        core.log.warn({ channel: name, url: event.senderFrame?.url }, 'IPC from an untrusted frame refused');
        return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      }
      return core.api.call(name, (params ?? {}) as never);
    });
  }
  // Readings are high-rate: coalesce to one message per 250 ms per window.
  let pending: unknown[] = [];
  let timer: NodeJS.Timeout | null = null;
  const uiEvents = new Set<string>(UI_EVENTS);
  const send = (name: string, payload: unknown) => {
    for (const w of windows()) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT_PREFIX + name, payload);
  };
  const off = core.bus.onAny((name, payload) => {
    if (!uiEvents.has(name)) return;
    if (name === 'readings') {
      pending.push(...(payload as unknown[]));
      if (!timer)
        timer = setTimeout(() => {
          timer = null;
          const batch = pending.slice(-2000);
          pending = [];
          send('readings', batch);
        }, 250);
      return;
    }
    send(name, payload);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(IPC_REQUEST_PREFIX + name);
  };
}
