// A day of plant data for any plant model, for the simulator to replay. Every tag gets values from its
// normal band at its own sampling period: a slow wander inside the band, measurement noise
// (`sim.noise`, a share of the normal value), an optional 24 h cycle (`sim.daily_amplitude`,
// engineering units), and a few injected faults of generic kinds (drift, step, spike), labelled in a
// separate file that only evaluation reads. Same seed and model → byte-identical files.
//
// The data file ("tag CSV"): one row per instant, one column per tag, headed by the tag's id.
//   timestamp,intake/rw-pump-1/flow,intake/rw-pump-1/bearing_temp,...
//   2026-01-01T00:00:00.000Z,752.3,47.12,...
//   2026-01-01T00:00:01.000Z,749.8,,...
// timestamp is ISO 8601 (epoch ms is accepted too); a blank cell means the tag was not sampled at that
// instant (a 60 s tag fills one row in sixty of a 1 s plant). Columns of tags the model does not have
// are ignored on replay. The labels file (<name>.labels.csv): tag,kind,start,end,magnitude — one row
// per injected fault, times ISO, magnitude in the tag's units (the largest offset from normal).
import fs from 'node:fs';
import path from 'node:path';
import type { PlantModelView, TagView } from '../../../shared/schemas/model';
import { seededRng } from '../clock';
import { tagDigits } from './generic-model';

export const FAULT_KINDS = ['drift', 'step', 'spike'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault {
  tag: string;
  kind: FaultKind;
  /** Epoch ms, end exclusive. */
  start: number;
  end: number;
  /** Largest offset from the normal value, engineering units (signed). */
  magnitude: number;
}

export interface ModelDayOptions {
  seed: number;
  /** Epoch ms of the first instant (default 2026-01-01T00:00:00Z). */
  start?: number;
  hours?: number;
  /** Faults to inject (default 6; 0 for none). */
  faults?: number;
}

/** A plant's data as columns: instants, one column per tag, NaN where a tag was not sampled. */
export interface TagTable {
  tags: readonly TagView[];
  ts: Float64Array;
  /** Row-major: cells[row * tags.length + column]. */
  cells: Float64Array;
}

export const MODEL_DAY_START = Date.UTC(2026, 0, 1, 0, 0, 0);
const DRIFT_S = 2 * 3600;
const STEP_S = 30 * 60;

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The instants' spacing: the greatest common divisor of every tag's sampling period, in ms. */
export function baseStepMs(tags: readonly TagView[]): number {
  return tags.map((t) => Math.max(1, Math.round(t.sampling_s * 1000))).reduce(gcd);
}

function planFaults(tags: readonly TagView[], opts: Required<ModelDayOptions>, rng: () => number): InjectedFault[] {
  const candidates = tags.filter((t) => t.detect && t.type === 'float');
  const out: InjectedFault[] = [];
  const count = Math.min(opts.faults, candidates.length);
  // Spread over the day, clear of its first and last hours (of a shorter run: its first and last tenth).
  const marginH = Math.min(1, opts.hours / 10);
  const spanH = opts.hours - 3 * marginH;
  for (let i = 0; i < count && spanH > 0; i++) {
    const tag = candidates.splice(Math.floor(rng() * candidates.length), 1)[0];
    if (!tag) break;
    const kind = FAULT_KINDS[i % FAULT_KINDS.length] ?? 'step';
    const hour = marginH + (spanH * (i + rng() * 0.5)) / count;
    const startMs = Math.round(hour * 3600) * 1000;
    const periodMs = tag.sampling_s * 1000;
    const start = opts.start + Math.ceil(startMs / periodMs) * periodMs;
    const dur = kind === 'drift' ? DRIFT_S * 1000 : kind === 'step' ? STEP_S * 1000 : 3 * periodMs;
    const half = (tag.normal[1] - tag.normal[0]) / 2 || (tag.range[1] - tag.range[0]) / 20;
    const mid = (tag.normal[0] + tag.normal[1]) / 2;
    const size = half * (kind === 'drift' ? 6 : kind === 'step' ? 5 : 10);
    // Away from the nearer end of the engineering range, and never past it (a fault, not a broken transmitter).
    const up = tag.range[1] - mid >= mid - tag.range[0];
    const room = up ? tag.range[1] - mid : mid - tag.range[0];
    const digits = 10 ** tagDigits(tag);
    const magnitude = Math.round((up ? 1 : -1) * Math.min(size, room * 0.8) * digits) / digits;
    out.push({ tag: tag.id, kind, start, end: start + dur, magnitude });
  }
  return out.sort((a, b) => a.start - b.start);
}

function faultOffset(f: InjectedFault, ts: number): number {
  if (ts < f.start || ts >= f.end) return 0;
  return f.kind === 'drift' ? (f.magnitude * (ts - f.start)) / (f.end - f.start) : f.magnitude;
}

/** Generate the data of every tag of the model. Pure and deterministic. */
export function generateModelDay(model: PlantModelView, options: ModelDayOptions): { table: TagTable; faults: InjectedFault[] } {
  const opts: Required<ModelDayOptions> = { start: MODEL_DAY_START, hours: 24, faults: 6, ...options };
  const rng = seededRng(opts.seed);
  const tags = model.assets.flatMap((a) => a.tags);
  const step = baseStepMs(tags);
  const rows = Math.round((opts.hours * 3_600_000) / step);
  const ts = new Float64Array(rows);
  for (let r = 0; r < rows; r++) ts[r] = opts.start + r * step;
  const cells = new Float64Array(rows * tags.length).fill(NaN);
  const faults = planFaults(tags, opts, rng);
  tags.forEach((tag, c) => {
    const period = Math.max(1, Math.round((tag.sampling_s * 1000) / step));
    const [lo, hi] = tag.normal;
    const mid = (lo + hi) / 2;
    const half = (hi - lo) / 2;
    const sim = tag.sim;
    const noiseSd = (sim?.noise ?? 0.01) * (Math.abs(mid) || half);
    const daily = sim?.daily_amplitude ?? 0;
    // AR(1) wander that decorrelates over ~20 min whatever the sampling period.
    const phi = Math.exp(-tag.sampling_s / 1200);
    const innov = 0.3 * half * Math.sqrt(1 - phi * phi);
    const offset = 0.1 * half * gaussian(rng);
    const mine = faults.filter((f) => f.tag === tag.id);
    const f = 10 ** tagDigits(tag);
    let wander = 0;
    for (let r = 0; r < rows; r += period) {
      const t = ts[r] ?? 0;
      wander = phi * wander + innov * gaussian(rng);
      const hour = (t - opts.start) / 3_600_000;
      let v = mid + offset + daily * Math.sin((2 * Math.PI * (hour - 9)) / 24) + wander + noiseSd * gaussian(rng);
      for (const fault of mine) v += faultOffset(fault, t);
      if (tag.type === 'bool') v = hi >= 0.5 ? 1 : 0;
      v = Math.min(tag.range[1], Math.max(tag.range[0], v));
      cells[r * tags.length + c] = Math.round(v * f) / f;
    }
  });
  return { table: { tags, ts, cells }, faults };
}

function csvCell(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

export interface WrittenModelDataset {
  csv: string;
  labels: string;
  rows: number;
  tags: number;
  faults: number;
}

/** Write <file> (the tag CSV) and <file without .csv>.labels.csv; temp names first, so a crash leaves no half file. */
export function writeModelDataset(file: string, model: PlantModelView, options: ModelDayOptions): WrittenModelDataset {
  const { table, faults } = generateModelDay(model, options);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const n = table.tags.length;
  const fd = fs.openSync(file + '.tmp', 'w');
  try {
    let chunk = ['timestamp', ...table.tags.map((t) => t.id)].join(',') + '\n';
    for (let r = 0; r < table.ts.length; r++) {
      let line = new Date(table.ts[r] ?? 0).toISOString();
      for (let c = 0; c < n; c++) line += ',' + csvCell(table.cells[r * n + c] ?? NaN);
      chunk += line + '\n';
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(file + '.tmp', file);
  const labels = labelsPath(file);
  const lines = ['tag,kind,start,end,magnitude', ...faults.map((x) => `${x.tag},${x.kind},${iso(x.start)},${iso(x.end)},${x.magnitude}`)];
  fs.writeFileSync(labels + '.tmp', lines.join('\n') + '\n');
  fs.renameSync(labels + '.tmp', labels);
  return { csv: file, labels, rows: table.ts.length, tags: n, faults: faults.length };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function labelsPath(csv: string): string {
  return csv.replace(/\.csv$/i, '') + '.labels.csv';
}

/** Read a labels file back (evaluation only). */
export function readFaultLabels(file: string): InjectedFault[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [tag = '', kind = '', start = '', end = '', magnitude = ''] = l.split(',');
      const k = FAULT_KINDS.find((x) => x === kind) ?? 'step';
      return { tag, kind: k, start: Date.parse(start), end: Date.parse(end), magnitude: Number(magnitude) };
    });
}
