// The desktop shell's own small surface for the renderer (Electron only; absent in a browser): pop a
// pane out into its own window, operator preferences for notifications and the approval pop-up, and
// two events from the main process. Named methods over fixed channels, like shared/bridge.ts: never a
// generic invoke. The main process validates every argument and checks every sender.

/** Panes of the control room (renderer/src/panes); a pop-out window shows exactly one. */
export const PANE_IDS = [
  'plant',
  'trends',
  'alarms',
  'approvals',
  'overview',
  'agents',
  'audit',
  'incidents',
  'immune',
  'replay',
  'connect',
  'work',
  'logbook',
  'report',
  'alarmtable',
] as const;
export type PaneId = (typeof PANE_IDS)[number];
export const isPaneId = (p: unknown): p is PaneId => typeof p === 'string' && (PANE_IDS as readonly string[]).includes(p);

export interface ShellPrefs {
  /** Native notification for every new approval and every urgent alarm. */
  notifications: boolean;
  /** The compact always-on-top approval window. */
  approvalPopup: boolean;
  /** A short sound with each notification. */
  sound: boolean;
}
export const DEFAULT_SHELL_PREFS: ShellPrefs = { notifications: true, approvalPopup: true, sound: false };

export interface ShellSurface {
  popOutPane(pane: PaneId): Promise<boolean>;
  getPrefs(): Promise<ShellPrefs>;
  setPrefs(prefs: Partial<ShellPrefs>): Promise<ShellPrefs>;
  /** A notification or the tray asked to show this approval. */
  onFocusApproval(listener: (approvalId: string) => void): () => void;
  /** A popped-out pane's window was closed: the pane goes back into the layout. */
  onPaneReturned(listener: (pane: PaneId) => void): () => void;
  /** A notification (urgent alarm) or the tray asked to show this pane. */
  onFocusPane(listener: (pane: PaneId) => void): () => void;
}

export const SHELL_CHANNELS = {
  popOutPane: 'aegisflow:shell:popOutPane',
  getPrefs: 'aegisflow:shell:getPrefs',
  setPrefs: 'aegisflow:shell:setPrefs',
  focusApproval: 'aegisflow:shell:evt:focusApproval',
  paneReturned: 'aegisflow:shell:evt:paneReturned',
  focusPane: 'aegisflow:shell:evt:focusPane',
} as const;

export type ShellInvoke = (channel: string, arg?: unknown) => Promise<unknown>;
export type ShellSubscribe = (channel: string, listener: (payload: unknown) => void) => () => void;

export function buildShellBridge(invoke: ShellInvoke, subscribe: ShellSubscribe): ShellSurface {
  const on = (channel: string) => (listener: (p: never) => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    return subscribe(channel, listener as (p: unknown) => void);
  };
  return Object.freeze({
    popOutPane: (pane: PaneId) => invoke(SHELL_CHANNELS.popOutPane, pane) as Promise<boolean>,
    getPrefs: () => invoke(SHELL_CHANNELS.getPrefs) as Promise<ShellPrefs>,
    setPrefs: (prefs: Partial<ShellPrefs>) => invoke(SHELL_CHANNELS.setPrefs, prefs) as Promise<ShellPrefs>,
    onFocusApproval: on(SHELL_CHANNELS.focusApproval),
    onPaneReturned: on(SHELL_CHANNELS.paneReturned),
    onFocusPane: on(SHELL_CHANNELS.focusPane),
  });
}

/** Keep only known keys with boolean values (the main process stores what the page sends). */
export function sanitizePrefs(p: unknown, base: ShellPrefs = DEFAULT_SHELL_PREFS): ShellPrefs {
  const out = { ...base };
  if (p && typeof p === 'object')
    for (const k of Object.keys(DEFAULT_SHELL_PREFS) as Array<keyof ShellPrefs>) {
      const v = (p as Record<string, unknown>)[k];
      if (typeof v === 'boolean') out[k] = v;
    }
  return out;
}
