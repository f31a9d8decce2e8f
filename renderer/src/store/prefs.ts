// Operator preferences kept in localStorage: the operator's name (recorded with every decision) and sound.
import { create } from 'zustand';

export interface Prefs {
  operator: string;
  sound: boolean;
  /** Serve mode: the browser's own notifications for approvals and urgent alarms (Electron has native ones). */
  browserNotify: boolean;
}

const KEY = 'aegisflow.prefs.v1';

export function loadPrefs(storage: Pick<Storage, 'getItem'> | undefined): Prefs {
  const d: Prefs = { operator: 'operator', sound: false, browserNotify: false };
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<Prefs> | null;
    if (!raw || typeof raw !== 'object') return d;
    return {
      operator: typeof raw.operator === 'string' && raw.operator.trim() ? raw.operator.trim().slice(0, 64) : d.operator,
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
    const { operator, sound, browserNotify } = get();
    try {
      storage?.setItem(KEY, JSON.stringify({ operator, sound, browserNotify }));
    } catch {
      /* storage full or disabled: the preference lasts for this session */
    }
  },
}));
