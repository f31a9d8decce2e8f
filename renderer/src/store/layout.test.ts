import { describe, expect, it } from 'vitest';
import {
  MIN_SIZE,
  PANE_IDS,
  activate,
  createLayoutStore,
  defaultLayout,
  dockOf,
  movePane,
  normalizeLayout,
  resizeColumns,
  resizeDocks,
  setPopped,
} from './layout';

const allPanes = (l: ReturnType<typeof defaultLayout>) => l.columns.flatMap((c) => c.docks.flatMap((d) => d.panes)).sort();

describe('control-room layout', () => {
  it('the default layout shows every pane exactly once', () => {
    expect(allPanes(defaultLayout())).toEqual([...PANE_IDS].sort());
  });

  it('moving a pane takes it out of its dock, makes it active in the target, and fixes the source tab', () => {
    const l = movePane(defaultLayout(), 'plant', 'd4');
    expect(dockOf(l, 'plant')!.id).toBe('d4');
    expect(dockOf(l, 'plant')!.active).toBe('plant');
    expect(l.columns[0].docks[0].active).toBe('overview');
    expect(allPanes(l)).toEqual([...PANE_IDS].sort());
    expect(movePane(l, 'plant', 'nowhere')).toBe(l);
  });

  it('resizing keeps both neighbours above the minimum and the total unchanged', () => {
    const l = resizeColumns(defaultLayout(), 0, 5);
    const [a, b] = l.columns;
    expect(b.size).toBeCloseTo(MIN_SIZE);
    expect(a.size + b.size).toBeCloseTo(1);
    const d = resizeDocks(defaultLayout(), 1, 0, -0.1).columns[1].docks;
    expect(d[0].size).toBeCloseTo(0.4);
    expect(d[1].size).toBeCloseTo(0.6);
  });

  it('repairs a stored layout: unknown panes dropped, duplicates removed, missing panes added, sizes normalised', () => {
    const l = normalizeLayout({
      version: 1,
      popped: ['trends', 'bogus'],
      columns: [{ id: 'x', size: 3, docks: [{ id: 'y', size: 2, panes: ['alarms', 'alarms', 'evil'], active: 'evil' }] }],
    });
    expect(l.columns[0].size).toBe(1);
    expect(l.columns[0].docks[0].active).toBe('alarms');
    expect(allPanes(l)).toEqual([...PANE_IDS].sort());
    expect(l.popped).toEqual(['trends']);
    expect(normalizeLayout('garbage')).toEqual(defaultLayout());
    expect(normalizeLayout({ version: 2, columns: [] })).toEqual(defaultLayout());
  });

  it('remembers the layout across a reload through storage', () => {
    const mem = new Map<string, string>();
    const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
    const a = createLayoutStore(storage);
    a.getState().apply((l) => setPopped(activate(movePane(l, 'audit', 'd1'), 'audit'), 'trends', true));
    const b = createLayoutStore(storage);
    expect(dockOf(b.getState().layout, 'audit')!.id).toBe('d1');
    expect(dockOf(b.getState().layout, 'audit')!.active).toBe('audit');
    expect(b.getState().layout.popped).toEqual(['trends']);
    b.getState().reset();
    expect(createLayoutStore(storage).getState().layout).toEqual(defaultLayout());
  });
});
