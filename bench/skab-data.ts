// SKAB (GPL-3.0, read in place, never copied) as bench/eval-detector.ts and scripts/skab-breakdown.ts read it:
// the labelled files of its three subfolders, the leaderboard's protocol (the first FIT rows of each file are
// training, the rest is scored) and its row-wise confusion counts.
import fs from 'node:fs';
import path from 'node:path';

export interface SkabFile {
  /** `<subfolder>/<file>`. */
  name: string;
  cols: string[];
  ts: number[];
  x: number[][];
  /** The label per row (1: anomaly), null for a file without one. */
  y: number[] | null;
}

/** The leaderboard's protocol: the first 400 rows of each file are training data, the rest is scored. */
export const FIT = 400;

/** The labelled experiments, in the order the benchmark numbers them. */
export const SKAB_SUBFOLDERS = ['valve1', 'valve2', 'other'] as const;

export function readSkab(file: string, name: string): SkabFile {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = lines[0].split(';');
  const iA = header.indexOf('anomaly');
  const valueIdx = header.map((h, i) => i).filter((i) => i > 0 && header[i] !== 'anomaly' && header[i] !== 'changepoint');
  const f: SkabFile = { name, cols: valueIdx.map((i) => header[i]), ts: [], x: [], y: iA >= 0 ? [] : null };
  for (const line of lines.slice(1)) {
    const c = line.split(';');
    f.ts.push(Date.parse(c[0].replace(' ', 'T') + 'Z'));
    f.x.push(valueIdx.map((i) => Number(c[i])));
    if (f.y) f.y.push(Number(c[iA]) >= 0.5 ? 1 : 0);
  }
  return f;
}

/** The labelled files of one subfolder of dir (none if it is missing), read. */
export function readSkabFolder(dir: string, sub: string): SkabFile[] {
  const d = path.join(dir, sub);
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d)
    .filter((x) => x.endsWith('.csv'))
    .sort((a, b) => parseInt(a) - parseInt(b))
    .map((n) => readSkab(path.join(d, n), `${sub}/${n}`));
}

export interface Conf {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
export const zeroConf = (): Conf => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

/** Adds the scored rows (from FIT on) of one file's flags against its labels to c. */
export function countRows(c: Conf, flags: ArrayLike<number>, y: readonly number[]): void {
  for (let i = FIT; i < y.length; i++) {
    if (flags[i]) {
      if (y[i]) c.tp++;
      else c.fp++;
    } else if (y[i]) c.fn++;
    else c.tn++;
  }
}

/** F1, and the false- and missed-alarm rates in % of the normal and of the anomalous rows. */
export const metrics = (c: Conf) => {
  const prec = c.tp / Math.max(1, c.tp + c.fp);
  const rec = c.tp / Math.max(1, c.tp + c.fn);
  return { f1: (2 * prec * rec) / Math.max(1e-12, prec + rec), far: (100 * c.fp) / Math.max(1, c.fp + c.tn), mar: (100 * c.fn) / Math.max(1, c.fn + c.tp) };
};
