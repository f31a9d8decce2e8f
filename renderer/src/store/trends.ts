// Trends selection (what is charted and the time window), shared so other panes can say "show me
// this" (a click on an asset or an alarm), and remembered in localStorage. An entry is a tag id
// ("<device>/<key>") or an asset's device id, which stands for all of that asset's tags (the pane
// expands it with the plant model): "show this asset" needs no model at hand, and an older saved
// selection of devices still opens.
import { create } from 'zustand';
import { DEVICE_IDS } from '../domain';

export const TREND_WINDOWS = [
  { label: '10 min', sec: 600 },
  { label: '1 h', sec: 3600 },
  { label: '6 h', sec: 6 * 3600 },
  { label: '24 h', sec: 86400 },
] as const;
const KEY = 'aegisflow.trends.v1';
/** More lines than this on one screen is a plot nobody reads (and a day of each costs memory). */
export const MAX_TREND_ENTRIES = 16;

export interface TrendSelection {
  entries: string[];
  windowSec: number;
}

export function parseSelection(text: string | null): TrendSelection {
  const d: TrendSelection = { entries: [DEVICE_IDS[0]], windowSec: 3600 };
  try {
    const raw = JSON.parse(text ?? 'null') as { entries?: unknown; devices?: unknown; windowSec?: unknown } | null;
    const list = Array.isArray(raw?.entries) ? raw.entries : Array.isArray(raw?.devices) ? raw.devices : [];
    const entries = [...new Set(list.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 256))].slice(0, MAX_TREND_ENTRIES);
    const w = raw?.windowSec;
    const windowSec = TREND_WINDOWS.find((x) => x.sec === w)?.sec ?? d.windowSec;
    return { entries: entries.length ? entries : d.entries, windowSec };
  } catch {
    return d;
  }
}

export interface TrendsState extends TrendSelection {
  setEntries(entries: string[]): void;
  setWindow(sec: number): void;
}

export function createTrendsStore(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined) {
  return create<TrendsState>()((set, get) => {
    const save = () => {
      try {
        storage?.setItem(KEY, JSON.stringify({ entries: get().entries, windowSec: get().windowSec }));
      } catch {
        /* session only */
      }
    };
    return {
      ...parseSelection(storage?.getItem(KEY) ?? null),
      // An empty chart helps nobody: the last entry stays; past the maximum the oldest go.
      setEntries: (entries) => {
        const uniq = [...new Set(entries)];
        if (uniq.length === 0) return;
        set({ entries: uniq.slice(-MAX_TREND_ENTRIES) });
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
