// The shell's security, asserted without an Electron binary: every window's options, the CSP, which
// URLs and frames are trusted, the session and contents hardening (with recording fakes), and the
// exact surface the preload exposes to the page.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventMethodName, methodName } from '../../shared/bridge';
import { REQUEST_NAMES, UI_EVENTS } from '../../shared/contract';
import { SHELL_CHANNELS } from '../../shared/shell';
import type { ApprovalView } from '../../shared/governance';
import { approvalNotificationText, nextForPopup, trayLabel } from './format';
import { approvalPopupOptions, mainWindowOptions, paneWindowOptions } from './options';
import { createPreloadSurfaces, type IpcRendererLike } from './preload-surface';
import { CSP, cspFor, hardenContents, hardenSession, isTrustedSender, isTrustedUrl } from './security';
import { parseShellState } from './state';

const PRELOAD = '/app/out/preload/index.cjs';
const HTML = path.resolve('/app/out/renderer/index.html');

describe('BrowserWindow options', () => {
  const windows = {
    main: mainWindowOptions(PRELOAD),
    pane: paneWindowOptions(PRELOAD, 'Trends', { width: 800, height: 600, x: 10, y: 20 }),
    popup: approvalPopupOptions(PRELOAD),
  };
  for (const [name, o] of Object.entries(windows)) {
    it(`${name} window: isolated, sandboxed, no Node, web security on, nothing experimental`, () => {
      const wp = o.webPreferences!;
      expect(wp.preload).toBe(PRELOAD);
      expect(wp.contextIsolation).toBe(true);
      expect(wp.sandbox).toBe(true);
      expect(wp.nodeIntegration).toBe(false);
      expect(wp.nodeIntegrationInWorker).toBe(false);
      expect(wp.nodeIntegrationInSubFrames).toBe(false);
      expect(wp.webSecurity).toBe(true);
      expect(wp.allowRunningInsecureContent).toBe(false);
      expect(wp.experimentalFeatures).toBe(false);
      expect(wp.webviewTag).toBe(false);
      expect(wp.enableBlinkFeatures).toBeUndefined();
      expect(o.show).toBe(false); // shown on ready-to-show, never a white flash of a half-loaded page
    });
  }
  it('the approval pop-up stays on top and cannot be minimised away', () => {
    expect(windows.popup.alwaysOnTop).toBe(true);
    expect(windows.popup.minimizable).toBe(false);
    expect(windows.main.alwaysOnTop).toBeUndefined();
  });
  it('remembered bounds are applied, but cannot override security or minimum sizes', () => {
    const evil = { width: 10, height: 10, webPreferences: { sandbox: false } } as never;
    const o = paneWindowOptions(PRELOAD, 'x', evil);
    expect(o.webPreferences!.sandbox).toBe(true);
    expect(o.minWidth).toBe(420);
    expect(windows.pane.x).toBe(10);
  });
});

describe('content security policy', () => {
  it('allows only our own scripts: no inline, no eval, no plugins, no framing', () => {
    const d = Object.fromEntries(
      CSP.split(';')
        .map((p) => p.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(CSP).not.toMatch(/unsafe-eval/);
  });
  it('relaxes only for a dev server, and only towards that server', () => {
    expect(cspFor(undefined)).toBe(CSP);
    const dev = cspFor('http://localhost:5173');
    expect(dev).toContain("script-src 'self' 'unsafe-inline' http://localhost:5173");
    expect(dev).toContain("connect-src 'self' http://localhost:5173 ws://localhost:5173");
    expect(dev).toContain("object-src 'none'");
  });
});

describe('trusted pages and IPC senders', () => {
  const file = pathToFileURL(HTML).href;
  it('trusts only the renderer file and the dev server origin', () => {
    expect(isTrustedUrl(file + '#popup=approval&id=a1', undefined, HTML)).toBe(true);
    expect(isTrustedUrl(pathToFileURL('/etc/passwd').href, undefined, HTML)).toBe(false);
    expect(isTrustedUrl('https://evil.example/', undefined, HTML)).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/#pane=trends', 'http://localhost:5173', HTML)).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', 'http://localhost:5173', HTML)).toBe(false);
    expect(isTrustedUrl('not a url', undefined, HTML)).toBe(false);
  });
  it('refuses IPC from a missing frame or a foreign page', () => {
    expect(isTrustedSender(null, undefined, HTML)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/' } as never, undefined, HTML)).toBe(false);
    expect(isTrustedSender({ url: file } as never, undefined, HTML)).toBe(true);
  });
});

describe('session and contents hardening', () => {
  it('denies every permission request and check, and sets the CSP header on every response', () => {
    const got: Record<string, unknown> = {};
    const session = {
      setPermissionRequestHandler: (h: (wc: unknown, p: string, cb: (ok: boolean) => void) => void) => h(null, 'media', (ok) => (got.request = ok)),
      setPermissionCheckHandler: (h: () => boolean) => (got.check = h()),
      webRequest: {
        onHeadersReceived: (h: (d: unknown, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) =>
          h({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (got.headers = r.responseHeaders)),
      },
    };
    hardenSession(session as never);
    expect(got.request).toBe(false);
    expect(got.check).toBe(false);
    expect(got.headers).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [CSP] });
  });

  it('blocks navigation away, redirects elsewhere, webviews and window.open', () => {
    const handlers: Record<string, (e: { preventDefault(): void; prevented?: boolean }, url?: string) => void> = {};
    let openHandler: (() => { action: string }) | null = null;
    const current = pathToFileURL(HTML).href;
    const contents = {
      on: (ev: string, h: (typeof handlers)[string]) => (handlers[ev] = h),
      getURL: () => current,
      setWindowOpenHandler: (h: () => { action: string }) => (openHandler = h),
    };
    hardenContents(contents as never, undefined, HTML);
    const fire = (ev: string, url?: string) => {
      const e = {
        prevented: false,
        preventDefault() {
          this.prevented = true;
        },
      };
      handlers[ev](e, url);
      return e.prevented;
    };
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', pathToFileURL('/tmp/other.html').href)).toBe(true);
    expect(fire('will-navigate', current)).toBe(false); // a reload stays allowed
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
    expect(openHandler!()).toEqual({ action: 'deny' });
  });
});

describe('the preload surface', () => {
  function fakeIpc() {
    const invoked: Array<[string, unknown]> = [];
    const listeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
    const ipc: IpcRendererLike & { emit(ch: string, payload: unknown): void } = {
      invoke: async (channel, arg) => {
        invoked.push([channel, arg]);
        return { ok: true, result: 'r' };
      },
      on: (ch, l) => listeners.set(ch, (listeners.get(ch) ?? new Set()).add(l)),
      removeListener: (ch, l) => listeners.get(ch)?.delete(l),
      emit: (ch, payload) => listeners.get(ch)?.forEach((l) => l({ sender: ipc, senderId: 0 }, payload)),
    };
    return { ipc, invoked, listeners };
  }

  it('exposes exactly one named method per contract request and UI event — no generic invoke, send or ipcRenderer', () => {
    const { aegisflow } = createPreloadSurfaces(fakeIpc().ipc);
    const expected = [...REQUEST_NAMES.map(methodName), ...UI_EVENTS.map(eventMethodName)].sort();
    expect(Object.keys(aegisflow).sort()).toEqual(expected);
    for (const banned of ['invoke', 'send', 'sendSync', 'on', 'ipcRenderer', 'postMessage', 'removeListener']) expect(aegisflow).not.toHaveProperty(banned);
    for (const v of Object.values(aegisflow)) expect(typeof v).toBe('function');
    expect(Object.isFrozen(aegisflow)).toBe(true);
  });

  it('each method reaches only its own channel, and listeners see the payload, never the IPC event', async () => {
    const { ipc, invoked } = fakeIpc();
    const { aegisflow, aegisflowShell } = createPreloadSurfaces(ipc);
    await aegisflow.approvalsDecide({ id: 'a1', verdict: 'approve' });
    await aegisflow.plantSnapshot({});
    expect(invoked).toEqual([
      ['aegisflow:req:approvals.decide', { id: 'a1', verdict: 'approve' }],
      ['aegisflow:req:plant.snapshot', {}],
    ]);
    const seen: unknown[][] = [];
    const off = aegisflow.onApprovalCreated((...args: unknown[]) => seen.push(args));
    ipc.emit('aegisflow:evt:approval.created', { id: 'a2' });
    off();
    ipc.emit('aegisflow:evt:approval.created', { id: 'a3' });
    expect(seen).toEqual([[{ id: 'a2' }]]);
    expect(() => aegisflow.onReadings('not a function' as never)).toThrow(TypeError);

    const shellSeen: unknown[] = [];
    aegisflowShell.onFocusApproval((id) => shellSeen.push(id));
    ipc.emit(SHELL_CHANNELS.focusApproval, 'a9');
    expect(shellSeen).toEqual(['a9']);
  });

  it('the shell surface is its six named methods and nothing else', async () => {
    const { ipc, invoked } = fakeIpc();
    const { aegisflowShell, aegisflowAuth } = createPreloadSurfaces(ipc);
    expect(Object.keys(aegisflowShell).sort()).toEqual(['getPrefs', 'onFocusApproval', 'onFocusPane', 'onPaneReturned', 'popOutPane', 'setPrefs']);
    // Logging in: four named methods on fixed channels; the session itself stays in the main process.
    expect(Object.keys(aegisflowAuth).sort()).toEqual(['login', 'logout', 'setup', 'state']);
    expect(Object.isFrozen(aegisflowAuth)).toBe(true);
    expect(Object.isFrozen(aegisflowShell)).toBe(true);
    await aegisflowShell.popOutPane('trends');
    expect(invoked).toEqual([[SHELL_CHANNELS.popOutPane, 'trends']]);
  });

  it('electron/preload.ts exposes just these three objects', () => {
    const src = fs.readFileSync(path.join(import.meta.dirname, '..', 'preload.ts'), 'utf8');
    const exposed = [...src.matchAll(/exposeInMainWorld\(\s*'([^']+)'\s*,\s*([A-Za-z_]+)\s*\)/g)].map((m) => [m[1], m[2]]);
    expect(exposed).toEqual([
      ['aegisflow', 'aegisflow'],
      ['aegisflowShell', 'aegisflowShell'],
      ['aegisflowAuth', 'aegisflowAuth'],
    ]);
    expect(src.match(/exposeInMainWorld/g)).toHaveLength(3);
  });
});

describe('shell helpers', () => {
  const a = (id: string, deadline: number, status: ApprovalView['status'] = 'pending') =>
    ({
      id,
      deadline,
      status,
      tool: 'execute_device_command',
      agentId: 'diag',
      risk: 7,
      args: { command: 'reduce_load', device_id: 'line-1/pump-03', parameters: { reduction_pct: 30 }, justification: 'long text' },
    }) as unknown as ApprovalView;

  it('a notification names the tool, command, device, agent, arguments and time left', () => {
    const t = approvalNotificationText(a('x', 125_000), 0);
    expect(t.title).toBe('Approval needed: execute_device_command reduce_load on line-1/pump-03');
    expect(t.body).toContain('diag · parameters={"reduction_pct":30}');
    expect(t.body).toContain('risk 7/10 · decide within 2:05');
    expect(t.body).not.toContain('long text');
  });

  it('the pop-up moves to the soonest remaining request, or closes', () => {
    expect(nextForPopup([a('b', 30), a('c', 20), a('d', 10, 'approved')], 'a')!.id).toBe('c');
    expect(nextForPopup([a('a', 5)], 'a')).toBeNull();
    expect(trayLabel(0)).toBe('No approvals waiting');
    expect(trayLabel(2)).toBe('2 approvals waiting');
  });

  it('remembered shell state survives garbage and keeps only what it understands', () => {
    expect(parseShellState('{oops').prefs).toEqual({ notifications: true, approvalPopup: true, sound: false });
    const s = parseShellState(
      JSON.stringify({
        prefs: { approvalPopup: false, sound: 'loud', evil: true },
        main: { width: 5, height: 99_999, x: 1, y: 'top' },
        popouts: [{ pane: 'trends', bounds: { width: 800, height: 600, x: 1920, y: 0 } }, { pane: 'trends' }, { pane: '../../etc' }],
      }),
    );
    expect(s.prefs).toEqual({ notifications: true, approvalPopup: false, sound: false });
    expect(s.main).toEqual({ width: 200, height: 10_000 });
    expect(s.popouts).toEqual([{ pane: 'trends', bounds: { width: 800, height: 600, x: 1920, y: 0 } }]);
  });
});
