// Preload (sandboxed, context-isolated): exposes the typed contract surface as `window.aegisflow`,
// the shell's named methods as `window.aegisflowShell` and logging in as `window.aegisflowAuth`. ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadSurfaces } from './shell/preload-surface';

const { aegisflow, aegisflowShell, aegisflowAuth } = createPreloadSurfaces(ipcRenderer);
contextBridge.exposeInMainWorld('aegisflow', aegisflow);
contextBridge.exposeInMainWorld('aegisflowShell', aegisflowShell);
contextBridge.exposeInMainWorld('aegisflowAuth', aegisflowAuth);
