// The renderer's one door to the core: the preload's surface inside Electron, or the same surface
// built over the serve-mode WebSocket in a browser. Both typed from shared/contract.ts.
import { buildBridge, type BridgeSurface, type Invoke, type UiEventName } from '../../../shared/bridge';
import type { Reply, RequestName } from '../../../shared/contract';
import type { ShellSurface } from '../../../shared/shell';
import type { AuthReply, AuthState, AuthSurface } from '../../../shared/operators';

declare global {
  interface Window {
    aegisflow?: BridgeSurface;
    /** Electron only: pop-out windows, notification preferences (electron/preload.ts). */
    aegisflowShell?: ShellSurface;
    /** Electron only: logging in over IPC (the main process keeps the session). */
    aegisflowAuth?: AuthSurface;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface Client {
  api: BridgeSurface;
  auth: AuthSurface;
  transport: 'ipc' | 'websocket';
  onConnection(listener: (s: ConnectionState) => void): () => void;
  /** Open the live link (after logging in); the WebSocket reconnects by itself until disconnect(). */
  connect(): void;
  disconnect(): void;
  /** The core said the session is over (logout elsewhere, idle, account removed): log in again. */
  onSessionEnded(listener: (why: string) => void): () => void;
}

/** What a request gets while there is no connection: it is refused at once, never queued for later. */
export const NOT_SENT: Reply<never> = { ok: false, error: { code: 'disconnected', message: 'not sent: no connection to the AegisFlow core' } };

/** Unwrap a reply: the result, or an Error carrying the contract's error code. */
export async function unwrap<T>(p: Promise<Reply<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.result;
  const err = new Error(r.error.message) as Error & { code: string };
  err.code = r.error.code;
  throw err;
}

/** Requests whose reply says the session is over tell the session listeners (both transports). */
function sessionAware(invoke: Invoke, ended: (why: string) => void): Invoke {
  return async (name, params) => {
    const r = await invoke(name, params);
    if (!r.ok && r.error.code === 'unauthenticated') ended(r.error.message);
    return r;
  };
}

function listenerSet<T>() {
  const set = new Set<(v: T) => void>();
  return {
    add: (l: (v: T) => void) => (set.add(l), () => void set.delete(l)),
    emit: (v: T) => set.forEach((l) => l(v)),
  };
}

/** Serve mode: log in over REST; the session is an HttpOnly cookie the page's script never sees. */
function restAuth(): AuthSurface {
  const post = async (path: string, body?: unknown): Promise<AuthReply> => {
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        credentials: 'same-origin',
      });
      const json = (await res.json()) as AuthState & { error?: string; code?: string };
      return res.ok ? { ok: true, result: json } : { ok: false, error: { code: json.code ?? `http_${res.status}`, message: json.error ?? res.statusText } };
    } catch (err) {
      return { ok: false, error: { code: 'disconnected', message: `cannot reach the AegisFlow core: ${(err as Error).message}` } };
    }
  };
  return {
    state: async () => (await (await fetch('/api/v1/auth', { credentials: 'same-origin' })).json()) as AuthState,
    login: (name, password) => post('/api/v1/auth/login', { name, password }),
    setup: (code, name, password) => post('/api/v1/auth/setup', { code, name, password }),
    logout: async () => {
      const r = await post('/api/v1/auth/logout');
      return r.ok ? r.result : { setupRequired: false, operator: null, idleLockS: 0 };
    },
  };
}

function websocketClient(url: string): Client {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let state: ConnectionState = 'closed';
  let retry = 500;
  let wanted = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const sessionEnded = listenerSet<string>();
  const setState = (s: ConnectionState) => {
    state = s;
    stateListeners.forEach((l) => l(s));
  };
  const connect = () => {
    if (!wanted || ws) return;
    setState('connecting');
    ws = new WebSocket(url);
    ws.onopen = () => {
      retry = 500;
      setState('open');
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
    ws.onclose = (ev) => {
      ws = null;
      setState('closed');
      // A request in flight when the link dropped may or may not have reached the core: say so.
      for (const [, resolve] of pending)
        resolve({ ok: false, error: { code: 'disconnected', message: 'connection to AegisFlow lost before the answer: check the result before repeating' } });
      pending.clear();
      // 4401: the session ended (logout, idle, account removed); 1008 or a refused upgrade: no session.
      if (ev.code === 4401) {
        wanted = false;
        sessionEnded.emit(ev.reason || 'the session ended');
        return;
      }
      if (!wanted) return;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        // A refused upgrade looks like any failed connection: ask whether the session still stands.
        void fetch('/api/v1/auth', { credentials: 'same-origin' })
          .then((r) => r.json() as Promise<AuthState>)
          .then((s) => (s.operator ? connect() : ((wanted = false), sessionEnded.emit('the session ended'))))
          .catch(() => connect());
      }, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  const api = buildBridge(
    sessionAware(
      (name: RequestName, params: unknown) =>
        new Promise((resolve) => {
          // Never queued: a click made while disconnected must not take effect minutes later.
          if (!ws || ws.readyState !== WebSocket.OPEN) return resolve(NOT_SENT);
          const id = nextId++;
          pending.set(id, resolve);
          ws.send(JSON.stringify({ id, type: 'request', name, params }));
        }),
      (why) => sessionEnded.emit(why),
    ),
    (name: UiEventName, listener) => {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  );
  return {
    api,
    auth: restAuth(),
    transport: 'websocket',
    onConnection(l) {
      stateListeners.add(l);
      l(state);
      return () => stateListeners.delete(l);
    },
    connect() {
      wanted = true;
      connect();
    },
    disconnect() {
      wanted = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      ws?.close(1000, 'logged out');
    },
    onSessionEnded: sessionEnded.add,
  };
}

function ipcClient(bridge: BridgeSurface, auth: AuthSurface): Client {
  const sessionEnded = listenerSet<string>();
  // The preload's surface, with the same session check on every reply.
  const api = Object.freeze(
    Object.fromEntries(
      Object.entries(bridge).map(([k, fn]) => [
        k,
        k.startsWith('on')
          ? fn
          : async (params: unknown) => {
              const r = await (fn as (p: unknown) => Promise<Reply<unknown>>)(params);
              if (!r.ok && r.error.code === 'unauthenticated') sessionEnded.emit(r.error.message);
              return r;
            },
      ]),
    ),
  ) as BridgeSurface;
  return { api, auth, transport: 'ipc', onConnection: (l) => (l('open'), () => {}), connect: () => {}, disconnect: () => {}, onSessionEnded: sessionEnded.add };
}

export function createClient(): Client {
  if (window.aegisflow && window.aegisflowAuth) return ipcClient(window.aegisflow, window.aegisflowAuth);
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return websocketClient(`${proto}//${location.host}/ws`);
}
