// Console preferences kept in localStorage: sound and browser notifications. (Who decides is the
// logged-in operator, from the core's session: never a name typed here.)
import { create } from 'zustand';

export interface Prefs {
  sound: boolean;
  /** Serve mode: the browser's own notifications for approvals and urgent alarms (Electron has native ones). */
  browserNotify: boolean;
}

const KEY = 'aegisflow.prefs.v1';

export function loadPrefs(storage: Pick<Storage, 'getItem'> | undefined): Prefs {
  const d: Prefs = { sound: false, browserNotify: false };
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<Prefs> | null;
    if (!raw || typeof raw !== 'object') return d;
    return {
      sound: typeof raw.sound === 'boolean' ? raw.sound : d.sound,
      browserNotify: typeof raw.browserNotify === 'boolean' ? raw.browserNotify : d.browserNotify,
    };
  } catch {
    return d;
  }
}

export interface PrefsState extends Prefs {
  update(p: Partial<Prefs>): void;
}

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

export const usePrefs = create<PrefsState>()((set, get) => ({
  ...loadPrefs(storage),
  update: (p) => {
    set(p);
    const { sound, browserNotify } = get();
    try {
      storage?.setItem(KEY, JSON.stringify({ sound, browserNotify }));
    } catch {
      /* storage full or disabled: the preference lasts for this session */
    }
  },
}));
