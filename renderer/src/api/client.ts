// The renderer's one door to the core: the preload's surface inside Electron, or the same surface
// built over the serve-mode WebSocket in a browser. Both typed from shared/contract.ts.
import { buildBridge, type BridgeSurface, type UiEventName } from '../../../shared/bridge';
import type { Reply, RequestName } from '../../../shared/contract';
import type { ShellSurface } from '../../../shared/shell';

declare global {
  interface Window {
    aegisflow?: BridgeSurface;
    /** Electron only: pop-out windows, notification preferences (electron/preload.ts). */
    aegisflowShell?: ShellSurface;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface Client {
  api: BridgeSurface;
  transport: 'ipc' | 'websocket';
  onConnection(listener: (s: ConnectionState) => void): () => void;
}

/** Unwrap a reply: the result, or an Error carrying the contract's error code. */
export async function unwrap<T>(p: Promise<Reply<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.result;
  const err = new Error(r.error.message) as Error & { code: string };
  err.code = r.error.code;
  throw err;
}

function websocketClient(url: string): Client {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let state: ConnectionState = 'connecting';
  let retry = 500;
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const queue: string[] = [];
  const setState = (s: ConnectionState) => {
    state = s;
    stateListeners.forEach((l) => l(s));
  };
  const connect = () => {
    setState('connecting');
    ws = new WebSocket(url);
    ws.onopen = () => {
      retry = 500;
      setState('open');
      for (const m of queue.splice(0)) ws!.send(m);
    };
    ws.onmessage = (ev) => {
      let msg: { type: 'reply'; id: number; reply: Reply<unknown> } | { type: 'event'; name: string; payload: unknown } | { type: 'error' };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return; // a garbled frame is dropped; the next snapshot poll heals whatever it carried
      }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'reply') {
        pending.get(msg.id)?.(msg.reply);
        pending.delete(msg.id);
      } else if (msg.type === 'event') {
        const { name, payload } = msg;
        listeners.get(name)?.forEach((l) => {
          // One failing pane must not starve the others of the same event.
          try {
            l(payload);
          } catch (err) {
            console.error(`listener for ${name} failed`, err);
          }
        });
      }
    };
    ws.onclose = () => {
      setState('closed');
      for (const [, resolve] of pending) resolve({ ok: false, error: { code: 'disconnected', message: 'connection to AegisFlow lost' } });
      pending.clear();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();
  const api = buildBridge(
    (name: RequestName, params: unknown) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        const text = JSON.stringify({ id, type: 'request', name, params });
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
        else queue.push(text);
      }),
    (name: UiEventName, listener) => {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => set!.delete(listener);
    },
  );
  return {
    api,
    transport: 'websocket',
    onConnection(l) {
      stateListeners.add(l);
      l(state);
      return () => stateListeners.delete(l);
    },
  };
}

export function createClient(): Client {
  if (window.aegisflow) {
    return { api: window.aegisflow, transport: 'ipc', onConnection: (l) => (l('open'), () => {}) };
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return websocketClient(`${proto}//${location.host}/ws`);
}
