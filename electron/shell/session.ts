// The desktop shell's operator session (issue 13). The page logs in over IPC; the main process keeps
// the session key and runs every request of its own windows (and the tray's and notifications' actions)
// as that operator. The secret never reaches a page or a URL; logging out or idling out ends it for all.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { AUTH_CHANNELS, type AuthReply, type AuthState, type Caller } from '../../shared/operators';
import { toErrorInfo, type Core } from '../core';
import { isTrustedSender } from './security';
import type { Trust } from './ipc';

export interface ShellSession {
  /** The logged-in operator as a core caller, or null (the session ended or nobody logged in). */
  caller(): Caller | null;
  dispose(): void;
}

export function startShellSession(core: Core, trust: Trust): ShellSession {
  const ops = core.services.operators;
  let key: string | null = null;
  const state = (): AuthState => ops.state(key ? ops.sessions.live(key) : null);
  const asReply = async (p: Promise<Awaited<ReturnType<typeof ops.login>>>): Promise<AuthReply> => {
    try {
      const r = await p;
      if (!r.ok) return { ok: false, error: { code: r.code, message: r.message } };
      if (key) ops.sessions.end(key, 'user switched');
      key = r.session.key;
      return { ok: true, result: state() };
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) };
    }
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const guarded =
    <T>(channel: string, fn: (arg: Record<string, unknown>) => T | Promise<T>) =>
    async (event: IpcMainInvokeEvent, arg: unknown): Promise<T | AuthReply> => {
      if (!isTrustedSender(event.senderFrame, trust.devServerUrl, trust.rendererHtml)) {
        core.log.warn({ channel, url: event.senderFrame?.url }, 'auth IPC from an untrusted frame refused');
        return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      }
      return fn(arg && typeof arg === 'object' ? (arg as Record<string, unknown>) : {});
    };
  ipcMain.handle(
    AUTH_CHANNELS.state,
    guarded(AUTH_CHANNELS.state, () => state()),
  );
  ipcMain.handle(
    AUTH_CHANNELS.login,
    guarded(AUTH_CHANNELS.login, (a) => asReply(ops.login(str(a.name), str(a.password)))),
  );
  // The desktop window is the shell's own: it asks for the first admin with the core's one-time code.
  ipcMain.handle(
    AUTH_CHANNELS.setup,
    guarded(AUTH_CHANNELS.setup, (a) => asReply(ops.setup(ops.setupCode() ?? '', str(a.name), str(a.password)))),
  );
  ipcMain.handle(
    AUTH_CHANNELS.logout,
    guarded(AUTH_CHANNELS.logout, () => {
      if (key) ops.sessions.end(key, 'logout');
      key = null;
      return state();
    }),
  );
  return {
    caller: () => ops.callerFor(key, 'ipc'),
    dispose() {
      for (const c of Object.values(AUTH_CHANNELS)) ipcMain.removeHandler(c);
    },
  };
}
