// What the desktop shell remembers between runs (in the user-data folder): the operator's
// notification and pop-up preferences, the main window's bounds, and which panes were popped out
// where. Parsing is defensive: a hand-edited or truncated file falls back to defaults, never crashes.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SHELL_PREFS, isPaneId, sanitizePrefs, type PaneId, type ShellPrefs } from '../../shared/shell';

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface ShellState {
  prefs: ShellPrefs;
  main: Bounds | null;
  popup: Bounds | null;
  popouts: Array<{ pane: PaneId; bounds: Bounds | null }>;
}

export const DEFAULT_SHELL_STATE: ShellState = { prefs: DEFAULT_SHELL_PREFS, main: null, popup: null, popouts: [] };

const int = (v: unknown, min: number, max: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(Math.round(v), min), max) : undefined);

export function parseBounds(v: unknown): Bounds | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const width = int(o.width, 200, 10_000);
  const height = int(o.height, 150, 10_000);
  if (width === undefined || height === undefined) return null;
  const x = int(o.x, -20_000, 20_000);
  const y = int(o.y, -20_000, 20_000);
  return { width, height, ...(x !== undefined && y !== undefined ? { x, y } : {}) };
}

export function parseShellState(text: string | null): ShellState {
  if (!text) return structuredClone(DEFAULT_SHELL_STATE);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return structuredClone(DEFAULT_SHELL_STATE);
  }
  if (!raw || typeof raw !== 'object') return structuredClone(DEFAULT_SHELL_STATE);
  const o = raw as Record<string, unknown>;
  const seen = new Set<PaneId>();
  const popouts: ShellState['popouts'] = [];
  if (Array.isArray(o.popouts))
    for (const p of o.popouts.slice(0, 20)) {
      const pane = (p as { pane?: unknown })?.pane;
      if (!isPaneId(pane) || seen.has(pane)) continue;
      seen.add(pane);
      popouts.push({ pane, bounds: parseBounds((p as { bounds?: unknown }).bounds) });
    }
  return { prefs: sanitizePrefs(o.prefs), main: parseBounds(o.main), popup: parseBounds(o.popup), popouts };
}

/** Reads once, writes on change (debounced): the file is small and losing the last second of a resize is harmless. */
export class ShellStateFile {
  state: ShellState;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly file: string) {
    let text: string | null = null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      /* first run */
    }
    this.state = parseShellState(text);
  }

  update(f: (s: ShellState) => ShellState): void {
    this.state = f(this.state);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 300);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = this.file + '.tmp';
      fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2));
      fs.renameSync(tmp, this.file);
    } catch {
      /* a read-only profile keeps working with in-memory state */
    }
  }
}
