// What the simulator replays: a time-ordered list of frames, each one instant of one device carrying
// the tags sampled then. Built on the fly from columns, so a day of a 1 s plant (a million frames)
// costs typed arrays, not a million objects. The seed's dataset (rows of five fields) is one source,
// the tag CSV of model-generator.ts another.
import fs from 'node:fs';
import type { TagView } from '../../../shared/schemas/model';
import type { ReplayedValues } from './generic-model';

export interface TapeFrame extends ReplayedValues {
  timestamp: string;
}

export interface Tape {
  readonly length: number;
  ts(i: number): number;
  deviceId(i: number): string;
  frame(i: number): TapeFrame;
  /** Devices that have at least one frame, in model order. */
  readonly devices: readonly string[];
}

export interface BadLine {
  line: number;
  reason: string;
}

/** A tape over frames already held as objects (the seed's rows). */
export function tapeOf(frames: readonly TapeFrame[]): Tape {
  const devices = [...new Set(frames.map((f) => f.device_id))];
  return {
    length: frames.length,
    ts: (i) => frames[i]?.ts ?? NaN,
    deviceId: (i) => frames[i]?.device_id ?? '',
    frame: (i) => {
      const f = frames[i];
      if (!f) throw new RangeError(`frame ${i} of ${frames.length}`);
      return f;
    },
    devices,
  };
}

/** A tape over a tag table: one frame per (instant, device with a value at that instant). */
export function tapeOfTable(tags: readonly TagView[], ts: Float64Array, cells: Float64Array): Tape {
  const n = tags.length;
  const deviceIds = [...new Set(tags.map((t) => t.device_id))];
  const columnsOf = deviceIds.map((d) => tags.flatMap((t, c) => (t.device_id === d ? [c] : [])));
  const has = (row: number, d: number) => (columnsOf[d] ?? []).some((c) => !Number.isNaN(cells[row * n + c] ?? NaN));
  let count = 0;
  for (let r = 0; r < ts.length; r++) for (let d = 0; d < deviceIds.length; d++) if (has(r, d)) count++;
  const frameRow = new Uint32Array(count);
  const frameDev = new Uint16Array(count);
  let k = 0;
  for (let r = 0; r < ts.length; r++) {
    for (let d = 0; d < deviceIds.length; d++) {
      if (!has(r, d)) continue;
      frameRow[k] = r;
      frameDev[k] = d;
      k++;
    }
  }
  const present = new Set<number>(frameDev);
  return {
    length: count,
    ts: (i) => ts[frameRow[i] ?? 0] ?? NaN,
    deviceId: (i) => deviceIds[frameDev[i] ?? 0] ?? '',
    frame: (i) => {
      if (i < 0 || i >= count) throw new RangeError(`frame ${i} of ${count}`);
      const row = frameRow[i] ?? 0;
      const d = frameDev[i] ?? 0;
      const values: Record<string, number> = {};
      for (const c of columnsOf[d] ?? []) {
        const v = cells[row * n + c] ?? NaN;
        if (!Number.isNaN(v)) values[tags[c]?.key ?? ''] = v;
      }
      const t = ts[row] ?? 0;
      return { device_id: deviceIds[d] ?? '', ts: t, timestamp: new Date(t).toISOString(), values };
    },
    devices: deviceIds.filter((_, d) => present.has(d)),
  };
}

export interface LoadedTagCsv {
  tape: Tape;
  bad: BadLine[];
  /** Header columns that name no tag of the model (ignored). */
  unknownColumns: string[];
  /** Model tags the file has no column for (never replayed). */
  missingTags: string[];
}

/** Is this the tag CSV (timestamp + tag-id columns) rather than the seed's device-row format? */
export function isTagCsvHeader(headerLine: string): boolean {
  const cols = headerLine.split(',').map((h) => h.trim());
  return cols[0] === 'timestamp' && !cols.includes('device_id') && cols.slice(1).some((c) => c.includes('/'));
}

/** Parse a tag CSV against the model's tags. Bad lines are reported by number and skipped. */
export function parseTagCsv(text: string, modelTags: readonly TagView[]): LoadedTagCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const byId = new Map(modelTags.map((t) => [t.id, t]));
  const unknownColumns: string[] = [];
  // CSV column → index into the tags kept, in model order.
  const kept = modelTags.filter((t) => header.includes(t.id));
  const keptIndex = new Map(kept.map((t, i) => [t.id, i]));
  const colTo: Array<number | undefined> = header.map((h, i) => {
    if (i === 0) return undefined;
    if (!byId.has(h)) unknownColumns.push(h);
    return keptIndex.get(h);
  });
  const missingTags = modelTags.filter((t) => !keptIndex.has(t.id)).map((t) => t.id);
  const bad: BadLine[] = [];
  const n = kept.length;
  let ts = new Float64Array(lines.length);
  let cells = new Float64Array(lines.length * n).fill(NaN);
  let rows = 0;
  let sorted = true;
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln] ?? '';
    if (line.trim() === '') continue;
    const parts = line.split(',');
    const tsText = (parts[0] ?? '').trim();
    const t = /^\d+$/.test(tsText) ? Number(tsText) : Date.parse(tsText);
    if (!Number.isFinite(t)) {
      bad.push({ line: ln + 1, reason: `timestamp: not a time: "${tsText}"` });
      continue;
    }
    for (let c = 1; c < parts.length; c++) {
      const k = colTo[c];
      const cell = (parts[c] ?? '').trim();
      if (k === undefined || cell === '') continue;
      const v = Number(cell);
      if (Number.isFinite(v)) cells[rows * n + k] = v;
      else bad.push({ line: ln + 1, reason: `${header[c]}: not a number: "${cell}"` });
    }
    if (rows > 0 && t < (ts[rows - 1] ?? 0)) sorted = false;
    ts[rows++] = t;
  }
  ts = ts.subarray(0, rows);
  cells = cells.subarray(0, rows * n);
  if (!sorted) {
    // Replay in time order even if the export was not sorted.
    const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => (ts[a] ?? 0) - (ts[b] ?? 0) || a - b);
    const ts2 = new Float64Array(rows);
    const cells2 = new Float64Array(rows * n);
    order.forEach((src, r) => {
      ts2[r] = ts[src] ?? 0;
      cells2.set(cells.subarray(src * n, src * n + n), r * n);
    });
    ts = ts2;
    cells = cells2;
  }
  return { tape: tapeOfTable(kept, ts, cells), bad, unknownColumns, missingTags };
}

export function loadTagCsvFile(file: string, modelTags: readonly TagView[]): LoadedTagCsv {
  return parseTagCsv(fs.readFileSync(file, 'utf8'), modelTags);
}
