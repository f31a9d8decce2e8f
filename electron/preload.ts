// Preload (sandboxed, context-isolated): exposes the typed contract surface as `window.aegisflow` and
// the shell's named methods as `window.aegisflowShell`. ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadSurfaces } from './shell/preload-surface';

const { aegisflow, aegisflowShell } = createPreloadSurfaces(ipcRenderer);
contextBridge.exposeInMainWorld('aegisflow', aegisflow);
contextBridge.exposeInMainWorld('aegisflowShell', aegisflowShell);
