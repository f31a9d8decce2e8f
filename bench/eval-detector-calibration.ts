// Parts of the detector evaluation (bench/eval-detector.ts) for the alarm budget: the normal synthetic
// families (false episodes per series-week against falseEpisodesPerWeek), and the water-treatment
// plant's generated day (a detector per asset, as the live service runs it; injected faults detected,
// false episodes per asset-day), and shift schedules (a step at the same hours every day or every weekday:
// how long until the cycle is learned).
import path from 'node:path';
import { seededRng } from '../electron/core/clock';
import { gaussian, measureFamily, normalFamilies } from '../electron/core/detect/calibration';
import { runOffline, type DetectorParams, type OfflineRow } from '../electron/core/detect';
import { loadModelFile } from '../electron/core/model';
import { generateModelDay } from '../electron/core/plant';

const WEEK_S = 604_800;

export function evalCalibration(params: DetectorParams) {
  console.log(`\n== Alarm budget on normal synthetic families (every episode false; budget ${params.falseEpisodesPerWeek}/series-week) ==`);
  console.log('family                       series  series-weeks  false eps  per series-week  promised (median)');
  const rows = normalFamilies().map((f) => {
    // at least ~2 series-weeks scored per family, and at least 4 series
    const per = (f.span * (1 - params.learnMaxShare)) / WEEK_S;
    const r = measureFamily(f, params, Math.max(4, Math.ceil(2 / per)), 1);
    console.log(
      `${r.name.padEnd(28)} ${String(r.series).padEnd(7)} ${r.weeks.toFixed(1).padEnd(13)} ${String(r.falseEpisodes).padEnd(10)} ${r.perSeriesWeek.toFixed(2).padEnd(16)} ${r.promised.toFixed(2)}`,
    );
    return r;
  });
  const sorted = rows.map((r) => r.perSeriesWeek).sort((a, b) => a - b);
  const worst = rows.reduce((a, b) => (b.perSeriesWeek > a.perSeriesWeek ? b : a));
  const eps = rows.reduce((s, r) => s + r.falseEpisodes, 0);
  const weeks = rows.reduce((s, r) => s + r.weeks, 0);
  console.log(`pooled: ${eps} false episodes over ${weeks.toFixed(1)} series-weeks = ${(eps / weeks).toFixed(2)}/series-week; worst family ${worst.name}`);
  return { median: sorted[sorted.length >> 1], worst: worst.perSeriesWeek, worstFamily: worst.name, pooled: eps / weeks };
}

export function evalWater(params: DetectorParams, seeds: readonly number[]) {
  console.log(`\n== Water-treatment plant's generated day (seeds ${seeds.join(', ')}), a detector per asset ==`);
  const r = loadModelFile(path.resolve(process.cwd(), 'resources/plants/water-treatment.yaml'));
  if (!r.ok) throw new Error('water-treatment.yaml does not load');
  const model = r.model;
  let faults = 0;
  let detected = 0;
  let falseEps = 0;
  let assetDays = 0;
  for (const seed of seeds) {
    const { table, faults: injected } = generateModelDay(model, { seed });
    const cols = table.tags.map((t) => t.id);
    const T = cols.length;
    const days = (table.ts[table.ts.length - 1] - table.ts[0]) / 86_400_000;
    for (const a of model.assets) {
      const tags = a.tags.filter((t) => t.detect);
      if (!tags.length) continue;
      assetDays += days;
      const idx = tags.map((t) => cols.indexOf(t.id));
      const rows: OfflineRow[] = [];
      for (let i = 0; i < table.ts.length; i++) {
        const v = idx.map((c) => table.cells[i * T + c]);
        if (v.some((x) => !Number.isNaN(x))) rows.push({ key: a.id, ts: table.ts[i], values: v });
      }
      // as the live service: the asset's scored tags, at the fastest of their sampling periods
      const res = runOffline(
        rows,
        tags.map((t) => t.key),
        { ...params, samplingSeconds: Math.min(...tags.map((t) => t.sampling_s)) },
      );
      const mine = injected.filter((f) => tags.some((t) => t.id === f.tag));
      const near = (e: (typeof res.episodes)[number], f: (typeof mine)[number]) => e.start_ts <= f.end + 600_000 && (e.end_ts ?? e.last_ts) >= f.start;
      for (const f of mine) {
        faults++;
        if (res.episodes.some((e) => near(e, f))) detected++;
        else console.log(`  missed: seed ${seed} ${f.tag} ${f.kind} ${f.magnitude}`);
      }
      const fe = res.episodes.filter((e) => !mine.some((f) => near(e, f)));
      falseEps += fe.length;
      for (const e of fe)
        console.log(
          `  false episode: seed ${seed} ${a.id} ${new Date(e.start_ts).toISOString().slice(11, 19)} [${e.sensors.join(',')}] via ${e.detectors.join('+')}`,
        );
    }
  }
  const detectedPct = (100 * detected) / Math.max(1, faults);
  const falsePerAssetDay = falseEps / Math.max(1e-9, assetDays);
  console.log(
    `injected faults detected ${detected}/${faults}; false episodes ${falseEps} over ${assetDays.toFixed(0)} asset-days (${falsePerAssetDay.toFixed(3)}/asset-day)`,
  );
  return { detectedPct, falsePerAssetDay };
}

/**
 * Shift schedules: a load +8σ from 06:00 to 22:00 every day, or Monday to Friday only, with wander, for six
 * weeks at 1 min, 5 min and 15 min; every episode is false. Counted in weeks 1–3 (the cycle is being learned:
 * a weekly one needs two whole weeks) and weeks 4–6 (learned).
 */
export function evalShiftCycles(params: DetectorParams) {
  console.log('\n== Shift schedules (a step at the same hours every day / every weekday; every episode false) ==');
  console.log('schedule              sampling  series  false eps weeks 1–3  weeks 4–6  per series-week 4–6  cycle found');
  const T0 = Date.UTC(2026, 0, 5); // a Monday
  let early = 0;
  let late = 0;
  let lateWeeks = 0;
  let worst = 0;
  for (const weekdaysOnly of [false, true]) {
    for (const dt of [60, 300, 900]) {
      const perDay = 86_400 / dt;
      let e1 = 0;
      let e2 = 0;
      const found: string[] = [];
      const series = 3;
      for (let k = 0; k < series; k++) {
        const rng = seededRng(7001 + k * 31 + dt);
        const rows: OfflineRow[] = [];
        let w = 0;
        const a = Math.exp(-dt / 3600);
        for (let i = 0; i < 42 * perDay; i++) {
          const ts = T0 + i * dt * 1000;
          const hod = ((i % perDay) * dt) / 3600;
          const dow = new Date(ts).getUTCDay();
          const on = hod >= 6 && hod < 22 && (!weekdaysOnly || (dow >= 1 && dow <= 5));
          w = a * w + Math.sqrt(1 - a * a) * gaussian(rng);
          rows.push({ key: 's', ts, values: [100 + (on ? 8 : 0) + w + gaussian(rng), 50 + gaussian(rng)] });
        }
        const res = runOffline(rows, ['load', 'flat'], params);
        for (const ep of res.episodes)
          if (ep.start_ts < T0 + 21 * 86_400_000) e1++;
          else e2++;
        found.push(res.monitors.get('s')?.detector.seasonality()[0] ?? 'none');
      }
      const per = e2 / (series * 3);
      worst = Math.max(worst, per);
      early += e1;
      late += e2;
      lateWeeks += series * 3;
      const name = weekdaysOnly ? 'weekdays 06–22' : 'every day 06–22';
      console.log(
        `${name.padEnd(21)} ${`${dt / 60} min`.padEnd(9)} ${String(series).padEnd(7)} ${String(e1).padEnd(20)} ${String(e2).padEnd(10)} ${per.toFixed(2).padEnd(20)} ${found.join(', ')}`,
      );
    }
  }
  console.log(`weeks 4–6: ${late} false episodes over ${lateWeeks} series-weeks; weeks 1–3: ${early}`);
  return { lateWorst: worst, latePooled: late / lateWeeks, early };
}
