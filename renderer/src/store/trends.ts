// Trends selection (devices and time window), shared so other panes can say "show me this device"
// (a click on a plant row or an alarm), and remembered in localStorage.
import { create } from 'zustand';
import { DEVICE_IDS } from '../domain';

export const TREND_WINDOWS = [
  { label: '10 min', sec: 600 },
  { label: '1 h', sec: 3600 },
  { label: '6 h', sec: 6 * 3600 },
  { label: '24 h', sec: 86400 },
] as const;
const KEY = 'aegisflow.trends.v1';
export const MAX_TREND_DEVICES = 6;

export interface TrendSelection {
  devices: string[];
  windowSec: number;
}

export function parseSelection(text: string | null): TrendSelection {
  const d: TrendSelection = { devices: [DEVICE_IDS[0]], windowSec: 3600 };
  try {
    const raw = JSON.parse(text ?? 'null') as { devices?: unknown; windowSec?: unknown } | null;
    const devices = Array.isArray(raw?.devices)
      ? [...new Set(raw.devices.filter((x): x is string => typeof x === 'string' && x.length <= 128))].slice(0, MAX_TREND_DEVICES)
      : [];
    const windowSec = TREND_WINDOWS.some((w) => w.sec === raw?.windowSec) ? (raw!.windowSec as number) : d.windowSec;
    return { devices: devices.length ? devices : d.devices, windowSec };
  } catch {
    return d;
  }
}

export interface TrendsState extends TrendSelection {
  setDevices(devices: string[]): void;
  toggle(device: string): void;
  setWindow(sec: number): void;
}

export function createTrendsStore(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined) {
  return create<TrendsState>()((set, get) => {
    const save = () => {
      try {
        storage?.setItem(KEY, JSON.stringify({ devices: get().devices, windowSec: get().windowSec }));
      } catch {
        /* session only */
      }
    };
    return {
      ...parseSelection(storage?.getItem(KEY) ?? null),
      setDevices: (devices) => {
        if (devices.length === 0) return;
        set({ devices: [...new Set(devices)].slice(0, MAX_TREND_DEVICES) });
        save();
      },
      // The last device cannot be unticked (an empty chart helps nobody); a 7th pushes out the oldest.
      toggle: (d) => {
        const cur = get().devices;
        set({ devices: cur.includes(d) ? (cur.length > 1 ? cur.filter((x) => x !== d) : cur) : [...cur, d].slice(-MAX_TREND_DEVICES) });
        save();
      },
      setWindow: (windowSec) => {
        set({ windowSec });
        save();
      },
    };
  });
}
export const useTrends = createTrendsStore(typeof localStorage === 'undefined' ? undefined : localStorage);
