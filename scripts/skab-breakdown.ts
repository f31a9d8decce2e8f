// Diagnostic: where SKAB's errors are, per subfolder and per file, with the CLI's defaults (or --set), so a
// change to the detectors can be checked for helping one kind of experiment at the cost of another (issue 17:
// "judged on data you don't have"). Not an evaluation of record: that is `npm run eval:detector`.
//   node --import tsx scripts/skab-breakdown.ts [--skab DIR] [--set '{"knob":value}'] [--files]
// SKAB is GPL-3.0: it is read in place, never copied.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DetectorParamsSchema, runOffline, type OfflineRow } from '../electron/core/detect';

const { values: args } = parseArgs({
  options: {
    skab: { type: 'string', default: path.resolve(process.cwd(), '../shared/datasets/skab') },
    set: { type: 'string', default: '{}' },
    files: { type: 'boolean', default: false },
  },
});
const params = DetectorParamsSchema.parse(JSON.parse(args.set));
// the leaderboard's protocol, as in bench/eval-detector.ts: the first 400 rows of each file are not scored
const FIT = 400;

interface Conf {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const zero = (): Conf => ({ tp: 0, fp: 0, fn: 0, tn: 0 });
const metrics = (c: Conf) => {
  const prec = c.tp / Math.max(1, c.tp + c.fp);
  const rec = c.tp / Math.max(1, c.tp + c.fn);
  return { f1: (2 * prec * rec) / Math.max(1e-12, prec + rec), far: (100 * c.fp) / Math.max(1, c.fp + c.tn), mar: (100 * c.fn) / Math.max(1, c.fn + c.tp) };
};

function read(file: string) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = lines[0].split(';');
  const iA = header.indexOf('anomaly');
  const idx = header.map((_, i) => i).filter((i) => i > 0 && header[i] !== 'anomaly' && header[i] !== 'changepoint');
  const ts: number[] = [];
  const x: number[][] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const c = line.split(';');
    ts.push(Date.parse(c[0].replace(' ', 'T') + 'Z'));
    x.push(idx.map((i) => Number(c[i])));
    y.push(iA >= 0 && Number(c[iA]) >= 0.5 ? 1 : 0);
  }
  return { cols: idx.map((i) => header[i]), ts, x, y };
}

const total = zero();
const bySub = new Map<string, Conf>();
for (const sub of ['valve1', 'valve2', 'other']) {
  const dir = path.join(args.skab, sub);
  if (!fs.existsSync(dir)) continue;
  const conf = zero();
  bySub.set(sub, conf);
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.csv'))
    .sort((a, b) => parseInt(a) - parseInt(b))) {
    const f = read(path.join(dir, name));
    const rows: OfflineRow[] = f.x.map((v, i) => ({ key: name, ts: f.ts[i], values: v }));
    const res = runOffline(rows, f.cols, params);
    const c = zero();
    for (let i = FIT; i < rows.length; i++) {
      const flag = res.episodeOf[i] >= 0;
      if (flag && f.y[i]) c.tp++;
      else if (flag) c.fp++;
      else if (f.y[i]) c.fn++;
      else c.tn++;
    }
    for (const k of ['tp', 'fp', 'fn', 'tn'] as const) {
      conf[k] += c[k];
      total[k] += c[k];
    }
    if (args.files) {
      const a0 = f.y.indexOf(1);
      const a1 = f.y.lastIndexOf(1);
      const eps = res.episodes
        .map((e) => {
          const s = f.ts.findIndex((t) => t >= e.start_ts);
          const en = f.ts.findIndex((t) => t > (e.end_ts ?? e.last_ts));
          return `${s}-${en < 0 ? rows.length : en - 1}:${e.sensors.join(',')}/${e.detectors.join('+')}`;
        })
        .join(' ');
      console.log(`${sub}/${name.padEnd(7)} rows ${rows.length} anomaly ${a0}-${a1} tp ${c.tp} fp ${c.fp} fn ${c.fn}  ${eps}`);
    }
  }
}
for (const [sub, c] of bySub) {
  const m = metrics(c);
  console.log(`${sub.padEnd(8)} F1 ${m.f1.toFixed(3)} FAR ${m.far.toFixed(2)} MAR ${m.mar.toFixed(2)}`);
}
const m = metrics(total);
console.log(JSON.stringify({ f1: Math.round(m.f1 * 1000) / 1000, far: Math.round(m.far * 100) / 100, mar: Math.round(m.mar * 100) / 100 }));
