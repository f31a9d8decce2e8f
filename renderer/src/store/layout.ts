// Control-room layout: columns of docks, each dock a tab set of panes, sizes as fractions. Pure
// functions change it; the store persists it to localStorage so the room looks the same tomorrow.
// Panes popped out into their own windows (Electron) are listed in `popped` and restored at start.
import { create } from 'zustand';
import { PANE_IDS, isPaneId, type PaneId } from '../../../shared/shell';

export { PANE_IDS, type PaneId };

export interface Dock {
  id: string;
  panes: PaneId[];
  active: PaneId | null;
  /** Share of the column's height. */
  size: number;
}
export interface Column {
  id: string;
  /** Share of the window's width. */
  size: number;
  docks: Dock[];
}
export interface Layout {
  version: 1;
  columns: Column[];
  popped: PaneId[];
}

export const MIN_SIZE = 0.12;

export function defaultLayout(): Layout {
  return {
    version: 1,
    popped: [],
    columns: [
      {
        id: 'c1',
        size: 0.58,
        docks: [
          { id: 'd1', size: 0.45, panes: ['plant', 'overview', 'replay', 'connect'], active: 'plant' },
          { id: 'd2', size: 0.55, panes: ['trends', 'incidents'], active: 'trends' },
        ],
      },
      {
        id: 'c2',
        size: 0.42,
        docks: [
          { id: 'd3', size: 0.5, panes: ['approvals', 'agents', 'work', 'immune'], active: 'approvals' },
          { id: 'd4', size: 0.5, panes: ['alarms', 'logbook', 'audit', 'report', 'alarmtable'], active: 'alarms' },
        ],
      },
    ],
  };
}

const isPane = isPaneId;

function normSizes<T extends { size: number }>(items: T[]): T[] {
  const sizes = items.map((i) => (Number.isFinite(i.size) && i.size > 0 ? i.size : 1 / items.length));
  const total = sizes.reduce((a, b) => a + b, 0);
  return items.map((i, k) => ({ ...i, size: sizes[k] / total }));
}

/** Accept a stored layout only in a shape we can draw: every pane exactly once, sizes that add up. */
export function normalizeLayout(raw: unknown): Layout {
  const base = defaultLayout();
  if (!raw || typeof raw !== 'object' || (raw as Layout).version !== 1 || !Array.isArray((raw as Layout).columns)) return base;
  const seen = new Set<PaneId>();
  const columns: Column[] = [];
  for (const [ci, c] of (raw as Layout).columns.slice(0, 4).entries()) {
    if (!c || !Array.isArray(c.docks)) continue;
    const docks: Dock[] = [];
    for (const [di, d] of c.docks.slice(0, 4).entries()) {
      if (!d || !Array.isArray(d.panes)) continue;
      const panes = d.panes.filter((p) => isPane(p) && !seen.has(p) && (seen.add(p), true));
      docks.push({
        id: typeof d.id === 'string' ? d.id : `d${ci}${di}`,
        size: Number(d.size),
        panes,
        active: isPane(d.active) && panes.includes(d.active) ? d.active : (panes[0] ?? null),
      });
    }
    if (docks.length) columns.push({ id: typeof c.id === 'string' ? c.id : `c${ci}`, size: Number(c.size), docks: normSizes(docks) });
  }
  if (!columns.length) return base;
  const missing = PANE_IDS.filter((p) => !seen.has(p));
  if (missing.length) {
    const d = columns[0].docks[0];
    d.panes.push(...missing);
    d.active ??= d.panes[0] ?? null;
  }
  const popped = Array.isArray((raw as Layout).popped) ? [...new Set((raw as Layout).popped.filter(isPane))] : [];
  return { version: 1, columns: normSizes(columns), popped };
}

function mapDocks(l: Layout, f: (d: Dock) => Dock): Layout {
  return { ...l, columns: l.columns.map((c) => ({ ...c, docks: c.docks.map(f) })) };
}

export function dockOf(l: Layout, pane: PaneId): Dock | undefined {
  for (const c of l.columns) for (const d of c.docks) if (d.panes.includes(pane)) return d;
  return undefined;
}

export function activate(l: Layout, pane: PaneId): Layout {
  return mapDocks(l, (d) => (d.panes.includes(pane) ? { ...d, active: pane } : d));
}

export function movePane(l: Layout, pane: PaneId, toDock: string): Layout {
  const from = dockOf(l, pane);
  if (!from || from.id === toDock || !l.columns.some((c) => c.docks.some((d) => d.id === toDock))) return l;
  return mapDocks(l, (d) => {
    if (d.id === from.id) {
      const panes = d.panes.filter((p) => p !== pane);
      return { ...d, panes, active: d.active === pane ? (panes[0] ?? null) : d.active };
    }
    if (d.id === toDock) return { ...d, panes: [...d.panes, pane], active: pane };
    return d;
  });
}

/** Move the boundary after item `index` by `delta` (a fraction), keeping both neighbours ≥ MIN_SIZE. */
export function resizePair<T extends { size: number }>(items: T[], index: number, delta: number): T[] {
  const a = items[index];
  const b = items[index + 1];
  if (!a || !b || !Number.isFinite(delta)) return items;
  const total = a.size + b.size;
  const na = Math.min(Math.max(a.size + delta, MIN_SIZE), total - MIN_SIZE);
  return items.map((it, k) => (k === index ? { ...it, size: na } : k === index + 1 ? { ...it, size: total - na } : it));
}

export function resizeColumns(l: Layout, index: number, delta: number): Layout {
  return { ...l, columns: resizePair(l.columns, index, delta) };
}

export function resizeDocks(l: Layout, column: number, index: number, delta: number): Layout {
  return { ...l, columns: l.columns.map((c, k) => (k === column ? { ...c, docks: resizePair(c.docks, index, delta) } : c)) };
}

export function setPopped(l: Layout, pane: PaneId, popped: boolean): Layout {
  const rest = l.popped.filter((p) => p !== pane);
  return { ...l, popped: popped ? [...rest, pane] : rest };
}

const KEY = 'aegisflow.layout.v1';

export function loadLayout(storage: Pick<Storage, 'getItem'> | undefined): Layout {
  try {
    return normalizeLayout(JSON.parse(storage?.getItem(KEY) ?? 'null'));
  } catch {
    return defaultLayout();
  }
}

export interface LayoutState {
  layout: Layout;
  apply(f: (l: Layout) => Layout): void;
  reset(): void;
}

export function createLayoutStore(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined) {
  return create<LayoutState>()((set, get) => {
    const save = () => {
      try {
        storage?.setItem(KEY, JSON.stringify(get().layout));
      } catch {
        /* storage unavailable: the layout lasts for this session */
      }
    };
    return {
      layout: loadLayout(storage),
      apply: (f) => {
        set((s) => ({ layout: f(s.layout) }));
        save();
      },
      reset: () => {
        set({ layout: defaultLayout() });
        save();
      },
    };
  });
}
export const useLayout = createLayoutStore(typeof localStorage === 'undefined' ? undefined : localStorage);
