// Preload (sandboxed, context-isolated): exposes the typed contract surface as `window.aegisflow`.
// Named methods only; ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, buildBridge } from '../shared/bridge';
import type { Reply } from '../shared/contract';

const surface = buildBridge(
  (name, params) => ipcRenderer.invoke(IPC_REQUEST_PREFIX + name, params) as Promise<Reply<unknown>>,
  (name, listener) => {
    const channel = IPC_EVENT_PREFIX + name;
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
);

contextBridge.exposeInMainWorld('aegisflow', surface);
