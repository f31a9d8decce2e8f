// Diagnostic: where SKAB's errors are, per subfolder and per file, with the CLI's defaults (or --set), so a
// change to the detectors can be checked for helping one kind of experiment at the cost of another (issue 17:
// "judged on data you don't have"). Not an evaluation of record: that is `npm run eval:detector`.
//   node --import tsx scripts/skab-breakdown.ts [--skab DIR] [--set '{"knob":value}'] [--files]
// SKAB is GPL-3.0: it is read in place, never copied.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DetectorParamsSchema, runOffline, type OfflineRow } from '../electron/core/detect';
import { countRows, metrics, readSkabFolder, SKAB_SUBFOLDERS, zeroConf, type Conf } from '../bench/skab-data';

const { values: args } = parseArgs({
  options: {
    skab: { type: 'string', default: path.resolve(process.cwd(), '../shared/datasets/skab') },
    set: { type: 'string', default: '{}' },
    files: { type: 'boolean', default: false },
  },
});
const params = DetectorParamsSchema.parse(JSON.parse(args.set));
const total = zeroConf();
const bySub = new Map<string, Conf>();
for (const sub of SKAB_SUBFOLDERS) {
  const files = readSkabFolder(args.skab, sub);
  if (files.length === 0) continue;
  const conf = zeroConf();
  bySub.set(sub, conf);
  for (const f of files) {
    const y = f.y ?? [];
    const rows: OfflineRow[] = f.x.map((v, i) => ({ key: f.name, ts: f.ts[i], values: v }));
    const res = runOffline(rows, f.cols, params);
    const flags = res.episodeOf.map((e) => (e >= 0 ? 1 : 0));
    const c = zeroConf();
    countRows(c, flags, y);
    for (const k of ['tp', 'fp', 'fn', 'tn'] as const) {
      conf[k] += c[k];
      total[k] += c[k];
    }
    if (args.files) {
      const a0 = y.indexOf(1);
      const a1 = y.lastIndexOf(1);
      const eps = res.episodes
        .map((e) => {
          const s = f.ts.findIndex((t) => t >= e.start_ts);
          const en = f.ts.findIndex((t) => t > (e.end_ts ?? e.last_ts));
          return `${s}-${en < 0 ? rows.length : en - 1}:${e.sensors.join(',')}/${e.detectors.join('+')}`;
        })
        .join(' ');
      console.log(`${f.name.padEnd(13)} rows ${rows.length} anomaly ${a0}-${a1} tp ${c.tp} fp ${c.fp} fn ${c.fn}  ${eps}`);
    }
  }
}
for (const [sub, c] of bySub) {
  const m = metrics(c);
  console.log(`${sub.padEnd(8)} F1 ${m.f1.toFixed(3)} FAR ${m.far.toFixed(2)} MAR ${m.mar.toFixed(2)}`);
}
const m = metrics(total);
console.log(JSON.stringify({ f1: Math.round(m.f1 * 1000) / 1000, far: Math.round(m.far * 100) / 100, mar: Math.round(m.mar * 100) / 100 }));
