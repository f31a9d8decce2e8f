// What the preload hands to the page, built from an ipcRenderer-like object so a unit test can check
// the exact surface without Electron: the contract's named methods (shared/bridge.ts) and the shell's
// few named methods (shared/shell.ts). Listeners receive the payload only, never the IPC event (whose
// `sender` would be ipcRenderer itself).
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, buildBridge, type BridgeSurface } from '../../shared/bridge';
import type { Reply } from '../../shared/contract';
import { buildShellBridge, type ShellSurface } from '../../shared/shell';
import { buildAuthBridge, type AuthSurface } from '../../shared/operators';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function subscriber(ipc: IpcRendererLike) {
  return (channel: string, listener: (payload: unknown) => void) => {
    const wrapped = (_event: unknown, payload: unknown) => listener(payload);
    ipc.on(channel, wrapped);
    return () => {
      ipc.removeListener(channel, wrapped);
    };
  };
}

export function createPreloadSurfaces(ipc: IpcRendererLike): { aegisflow: BridgeSurface; aegisflowShell: ShellSurface; aegisflowAuth: AuthSurface } {
  const on = subscriber(ipc);
  const aegisflow = buildBridge(
    (name, params) => ipc.invoke(IPC_REQUEST_PREFIX + name, params) as Promise<Reply<unknown>>,
    (name, listener) => on(IPC_EVENT_PREFIX + name, listener),
  );
  const aegisflowShell = buildShellBridge((channel, arg) => ipc.invoke(channel, arg), on);
  const aegisflowAuth = buildAuthBridge((channel, arg) => ipc.invoke(channel, arg));
  return { aegisflow, aegisflowShell, aegisflowAuth };
}
