// aegisflow detect FILE.csv: any CSV (a historian export, a public benchmark) through the same
// streaming detectors the live service runs. Plant engineers tune thresholds on their own history
// with it; anyone can score the detector on another benchmark with --label-col.
import fs from 'node:fs';
import path from 'node:path';
import { DetectorParamsSchema, runOffline, type DetectorParams, type DeviceMonitor, type Episode, type OfflineRow } from '../../core/detect';
import { fail, parseCommand } from '../common';
import { SENSOR_RANGES, SENSORS } from '../../../shared/plant';
import { loadConfig } from '../../core/config';
import type { CliCommand } from '../types';
import { dateOrderOf, detectSep, LABEL_NAMES, MISSING, parseTime, TIME_NAMES, unquote, type DateOrder } from './detect-csv';

const HELP = `Usage: aegisflow detect FILE.csv [options]

Runs every row of FILE.csv, in file order, through the streaming anomaly detectors (the same code
as the live service), writes a scored CSV and prints the anomaly episodes found.

Options:
  --sep C              field separator: ',' ';' 'tab' or 'auto' (default auto: from the header line)
  --time-col NAME      timestamp column (default: the first of timestamp, datetime, time, ts).
                       ISO 8601, 'YYYY-MM-DD hh:mm:ss' (read as UTC), epoch seconds or epoch ms, and spreadsheet
                       dates: DD.MM.YYYY hh:mm[:ss], D/M/YYYY or M/D/YYYY h:mm[:ss] [AM|PM] (see --dates)
  --dates dmy|mdy      order of slashed dates such as 03/04/2024 (default: from the data, where a day over 12
                       tells; a file whose days are all 12 or less must say which)
  --cols A,B,C         value columns (default: every other column except the key and label columns)
  --key-col NAME       series key, e.g. device_id (default: device_id if present, else one series)
  --fit-rows N         learn each series' baseline on its first N rows (default: its first detect.learnSeconds,
                       1800 s, measured on its own timestamps; at least detect.learnMinSamples rows; at most
                       detect.learnMaxShare, 25 %, of the series' rows, so a short file is still scored)
  --fit FROM..TO       learn on the rows with FROM <= time <= TO instead (times as in the file, or ISO);
                       rows before FROM are not scored
  --label-col NAME     0/1 label column: also print point-wise F1, false-alarm and missed-alarm rates
                       over the scored rows (after the fit)
  --mode M             combined (default) | zscore (the seed's rolling z-score, window 60, |z|>3)
  --set KEY=VALUE      override one detector setting (repeatable), e.g. --set levelThreshold=5
                       (keys: ${Object.keys(DetectorParamsSchema.shape).join(', ')})
  -c, --config FILE    take detector settings from the 'detect' section of a config file
  --out FILE           scored CSV (default FILE.scored.csv beside the input); '-' for none
  -q, --quiet          print only the summary line
  -h, --help           show this help

Output CSV: the input's columns plus aegis_score (calibrated: -log10 of the probability that normal data
of that series scores this high, estimated from its learning rows; empty while learning), aegis_flag
(0/1: inside an episode) and aegis_episode (episode id). The prefix keeps them apart from any label
column of the input. Per series it prints the measured sampling period, warnings (sampling too slow or
irregular for a setting, and the fallback taken), the daily or weekly cycles learned, and the hit threshold with
its expected false episodes per week (the alarm budget, detect.falseEpisodesPerWeek, default 1). An empty field (or NaN, NA, null) is a missing
value: the detector holds that sensor's last one. Fields may be quoted; with ';' or tab as the separator a
decimal comma (12,5) is read as a decimal point. Bad rows (wrong field count, unreadable time, non-numeric
value; a value outside the demo plant's engineering range, in its own five-sensor export) are reported on
stderr by line number, left out of the output, and the run goes on.
Timestamps that repeat or go backwards within a series are dropped by the detector and counted.

Examples:
  aegisflow detect data/sensor_data.csv --key-col device_id --fit-rows 720
  aegisflow detect ../shared/datasets/skab/valve1/0.csv --label-col anomaly`;

const fmtTime = (ts: number) => (Number.isFinite(ts) ? new Date(ts).toISOString().replace('.000Z', 'Z') : '-');

export const detectCommand: CliCommand = {
  name: 'detect',
  summary: 'score a CSV with the streaming anomaly detectors (detect FILE.csv)',
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(
      argv,
      {
        sep: { type: 'string' },
        'time-col': { type: 'string' },
        dates: { type: 'string' },
        cols: { type: 'string' },
        'key-col': { type: 'string' },
        'fit-rows': { type: 'string' },
        fit: { type: 'string' },
        'label-col': { type: 'string' },
        mode: { type: 'string' },
        set: { type: 'string', multiple: true },
        config: { type: 'string', short: 'c' },
        out: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      HELP,
      { positionals: true },
    );
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    try {
      const file = positionals[0];
      if (!file || positionals.length > 1) {
        process.stderr.write(`aegisflow detect: give exactly one CSV file\n\n${HELP}\n`);
        return 2;
      }
      if (!fs.existsSync(file)) {
        process.stderr.write(`aegisflow detect: no such file: ${file}\n`);
        return 2;
      }

      // detector settings: defaults < config file's detect section < --mode / --set
      const base: Record<string, unknown> = values.config ? { ...loadConfig({ file: values.config, env: {} }).detect } : {};
      if (values.mode) base.mode = values.mode;
      for (const kv of values.set ?? []) {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw usageError(`--set wants KEY=VALUE, got "${kv}"`);
        const k = kv.slice(0, eq);
        const v = kv.slice(eq + 1);
        if (!(k in DetectorParamsSchema.shape)) throw usageError(`--set: unknown detector setting "${k}"`);
        base[k] = /^(true|false)$/.test(v) ? v === 'true' : Number.isFinite(Number(v)) && v.trim() !== '' ? Number(v) : v;
      }
      const parsedParams = DetectorParamsSchema.safeParse(base);
      if (!parsedParams.success)
        throw usageError(`invalid detector settings: ${parsedParams.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      let params: DetectorParams = parsedParams.data;
      if (values['fit-rows'] !== undefined) {
        const n = Number(values['fit-rows']);
        if (!Number.isInteger(n) || n < 10) throw usageError(`--fit-rows must be an integer >= 10, got "${values['fit-rows']}"`);
        params = { ...params, learnSamples: n };
      }

      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split(/\r?\n/);
      while (lines.length && lines[lines.length - 1] === '') lines.pop();
      if (lines.length < 2) throw usageError(`${file} has no data rows`);
      const sepArg = values.sep ?? 'auto';
      const sep = sepArg === 'auto' ? detectSep(lines[0]) : sepArg === 'tab' ? '\t' : sepArg;
      const header = lines[0].split(sep).map((h) => h.trim().replace(/^"|"$/g, ''));
      const col = (name: string) => {
        const i = header.indexOf(name);
        if (i < 0) throw usageError(`no column "${name}" in ${file} (columns: ${header.join(', ')})`);
        return i;
      };
      const timeName = values['time-col'] ?? TIME_NAMES.find((n) => header.includes(n));
      if (!timeName) throw usageError(`no time column found; name it with --time-col (columns: ${header.join(', ')})`);
      const iTime = col(timeName);
      if (values.dates !== undefined && values.dates !== 'dmy' && values.dates !== 'mdy')
        throw usageError(`--dates is dmy (day-first, 13/02/2024) or mdy (month-first, 02/13/2024), got "${values.dates}"`);
      let dates: DateOrder | undefined = values.dates;
      if (!dates) {
        // read lazily: the first day over 12 decides, and the rest of the file is not split twice
        const times = function* () {
          for (let ln = 1; ln < lines.length; ln++) yield unquote(lines[ln].split(sep)[iTime] ?? '');
        };
        const found = dateOrderOf(times());
        if (found === 'ambiguous')
          throw usageError(
            `the dates in column ${timeName} (e.g. "${unquote(lines[1].split(sep)[iTime] ?? '')}") could be day-first or month-first and no day over 12 tells which: give --dates dmy or --dates mdy`,
          );
        if (found) dates = found;
      }
      // a decimal comma (1,5) where the separator is not a comma: a European spreadsheet's numbers
      const decimalComma = sep !== ',';
      const num = (f: string) => {
        const v = unquote(f);
        return Number(decimalComma && /^[+-]?\d*,\d+$/.test(v) ? v.replace(',', '.') : v);
      };
      const keyName = values['key-col'] ?? (header.includes('device_id') ? 'device_id' : undefined);
      const iKey = keyName ? col(keyName) : -1;
      const iLabel = values['label-col'] ? col(values['label-col']) : -1;
      const valueNames = values.cols
        ? values.cols
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : header.filter((h, i) => i !== iTime && i !== iKey && i !== iLabel && !LABEL_NAMES.has(h.toLowerCase()));
      if (valueNames.length === 0) throw usageError('no value columns; name them with --cols');
      const iVals = valueNames.map(col);
      // The demo plant's engineering ranges hold for its own export (its five sensors), not for any column
      // that happens to share a name (a temperature in K, a power in MW).
      const ranges: Record<string, { min: number; max: number }> | null = SENSORS.every((n) => valueNames.includes(n)) ? SENSOR_RANGES : null;

      let fitFrom = -Infinity;
      let fitTo = Infinity;
      if (values.fit) {
        const m = /^(.+?)\.\.(.+)$/.exec(values.fit);
        if (!m) throw usageError(`--fit wants FROM..TO, got "${values.fit}"`);
        fitFrom = parseTime(m[1], dates);
        fitTo = parseTime(m[2], dates);
        if (!Number.isFinite(fitFrom) || !Number.isFinite(fitTo) || fitTo <= fitFrom) throw usageError(`--fit: unreadable or empty range "${values.fit}"`);
      }

      // parse rows; bad ones are reported and skipped
      const rows: OfflineRow[] = [];
      const lineOf: number[] = [];
      const labels: number[] = [];
      let bad = 0;
      const reportBad = (lineNo: number, why: string) => {
        bad++;
        if (bad <= 50) process.stderr.write(`line ${lineNo}: ${why}; skipped\n`);
        else if (bad === 51) process.stderr.write('(more bad rows: reporting only the count from here)\n');
      };
      const fitCount = new Map<string, number>();
      for (let ln = 1; ln < lines.length; ln++) {
        const line = lines[ln];
        if (line.trim() === '') continue;
        const f = line.split(sep);
        if (f.length !== header.length) {
          reportBad(ln + 1, `${f.length} fields, header has ${header.length}`);
          continue;
        }
        const ts = parseTime(unquote(f[iTime]), dates);
        if (!Number.isFinite(ts)) {
          reportBad(ln + 1, `unreadable time "${f[iTime]}"`);
          continue;
        }
        if (ts < fitFrom) continue; // before the fit window: not scored
        // an empty field (or NaN / NA / null) is a missing value: the detector holds that sensor's last one
        const vals = iVals.map((i) => (MISSING.test(f[i]) ? NaN : num(f[i])));
        const badCol = vals.findIndex((v, j) => !Number.isFinite(v) && !MISSING.test(f[iVals[j]]));
        if (badCol >= 0) {
          reportBad(ln + 1, `column ${valueNames[badCol]} is not a number ("${f[iVals[badCol]]}")`);
          continue;
        }
        if (vals.every((v) => Number.isNaN(v))) {
          reportBad(ln + 1, 'no values');
          continue;
        }
        // A value outside its sensor's engineering range is a fault, not a measurement (issue 19: one
        // 1e300 row stretched an episode from 9.9 to 24.9 minutes).
        const outOfRange = vals.findIndex((v, j) => {
          const r = ranges?.[valueNames[j]];
          return r !== undefined && (v < r.min || v > r.max);
        });
        if (outOfRange >= 0) {
          const name = valueNames[outOfRange];
          const r = ranges?.[name] ?? { min: -Infinity, max: Infinity };
          reportBad(ln + 1, `column ${name} ${vals[outOfRange]} is outside its engineering range ${r.min}..${r.max} (implausible)`);
          continue;
        }
        const key = iKey >= 0 ? f[iKey].replace(/^"|"$/g, '') : 'series';
        if (values.fit && ts <= fitTo) fitCount.set(key, (fitCount.get(key) ?? 0) + 1);
        rows.push({ key, ts, values: vals });
        lineOf.push(ln);
        labels.push(iLabel >= 0 ? (Number(f[iLabel]) >= 0.5 ? 1 : 0) : 0);
      }
      if (values.fit) {
        const counts = [...fitCount.values()];
        if (counts.length === 0 || Math.min(...counts) < 10) throw usageError('--fit: fewer than 10 rows of some series fall inside the fit window');
        // one learning length for all series: the shortest series' count in the window
        params = { ...params, learnSamples: Math.min(...counts) };
      }

      const quiet = !!values.quiet;
      const t0 = performance.now();
      const res = runOffline(rows, valueNames, params);
      const ms = performance.now() - t0;

      const outFile = values.out ?? path.join(path.dirname(file), path.basename(file).replace(/\.csv$/i, '') + '.scored.csv');
      if (outFile !== '-') {
        const out: string[] = [`${lines[0]}${sep}aegis_score${sep}aegis_flag${sep}aegis_episode`];
        for (let r = 0; r < rows.length; r++) {
          const e = res.episodeOf[r];
          const learning = res.scores[r] === 0 && e < 0;
          out.push(`${lines[lineOf[r]]}${sep}${learning ? '' : res.pscores[r].toFixed(3)}${sep}${e >= 0 ? 1 : 0}${sep}${e >= 0 ? res.episodes[e].id : ''}`);
        }
        fs.writeFileSync(outFile, out.join('\n') + '\n');
      }

      if (!quiet) {
        printSeries(res.monitors);
        printEpisodes(res.episodes);
      } else {
        for (const [key, m] of res.monitors) for (const w of m.warnings) process.stderr.write(`warning: ${key}: ${w}\n`);
      }
      const flagged = Array.from(res.episodeOf).filter((e) => e >= 0).length;
      process.stdout.write(
        `${rows.length} rows (${bad} bad, ${res.dropped} dropped as repeated/backward time), ${res.monitors.size} series × ${valueNames.length} values, ` +
          `learned on ${learnedRange(res.monitors)} rows/series; ${res.episodes.length} episode${res.episodes.length === 1 ? '' : 's'}, ${flagged} rows flagged; ${Math.round((rows.length * valueNames.length) / (ms / 1000)).toLocaleString('en')} values/s` +
          (outFile !== '-' ? `\nscored CSV: ${outFile}` : '') +
          '\n',
      );
      if (iLabel >= 0) {
        // point-wise scores over the rows after each series' fit (SKAB's protocol)
        let tp = 0;
        let fp = 0;
        let fn = 0;
        let tn = 0;
        const cnt = new Map<string, number>();
        for (let r = 0; r < rows.length; r++) {
          const n = (cnt.get(rows[r].key) ?? 0) + 1;
          cnt.set(rows[r].key, n);
          if (n <= (res.monitors.get(rows[r].key)?.detector.learnedRows || Infinity)) continue;
          const p = res.episodeOf[r] >= 0;
          const y = labels[r] === 1;
          if (p && y) tp++;
          else if (p) fp++;
          else if (y) fn++;
          else tn++;
        }
        const prec = tp / Math.max(1, tp + fp);
        const rec = tp / Math.max(1, tp + fn);
        const f1 = (2 * prec * rec) / Math.max(1e-12, prec + rec);
        process.stdout.write(
          `labels (${values['label-col']}): F1 ${f1.toFixed(3)}  FAR ${((100 * fp) / Math.max(1, fp + tn)).toFixed(2)} %  MAR ${((100 * fn) / Math.max(1, fn + tp)).toFixed(2)} %  (TP ${tp} FP ${fp} FN ${fn} TN ${tn})\n`,
        );
      }
      return 0;
    } catch (err) {
      return fail(err);
    }
  },
};

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

function learnedRange(monitors: Map<string, DeviceMonitor>): string {
  const n = [...monitors.values()].map((m) => m.detector.learnedRows);
  if (n.length === 0) return '0';
  const lo = Math.min(...n);
  const hi = Math.max(...n);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function printSeries(monitors: Map<string, DeviceMonitor>): void {
  for (const [key, m] of monitors) {
    const d = m.detector;
    if (!d.timing || d.learnedRows === 0) {
      process.stdout.write(`series ${key}: still learning at the end of the data (${m.counters.rows} rows): not scored\n`);
      continue;
    }
    const seasonal = d
      .seasonality()
      .map((s, i) => (s ? `${m.sensors[i]} (${s})` : ''))
      .filter(Boolean);
    process.stdout.write(
      `series ${key}: sampled every ${(d.timing.dtMs / 1000).toPrecision(3)} s, learned on ${d.learnedRows} rows; hit threshold ${d.hit.toFixed(2)}× the detectors' own, ` +
        // with too few score clusters there is no tail to read an expectation from: 0 would promise silence
        `expected false episodes/week ${!d.budgetFitted ? 'not known (too few score clusters)' : d.expectedFalsePerWeek < 0.01 ? '< 0.01' : d.expectedFalsePerWeek.toFixed(2)}; cycle: ${seasonal.length ? seasonal.join(', ') : 'none'}\n`,
    );
    for (const w of m.warnings) process.stdout.write(`  warning: ${w}\n`);
  }
}

function printEpisodes(eps: Episode[]): void {
  if (eps.length === 0) {
    process.stdout.write('no anomaly episodes\n');
    return;
  }
  process.stdout.write(
    'episode                                   start                 end                   min    type              severity  conf  score   sensors\n',
  );
  for (const e of eps) {
    const end = e.end_ts ?? e.last_ts;
    process.stdout.write(
      `${e.id.padEnd(41)} ${fmtTime(e.start_ts).padEnd(21)} ${fmtTime(end).padEnd(21)} ${((end - e.start_ts) / 60_000).toFixed(1).padStart(6)} ${e.type_hint.padEnd(17)} ${e.severity.padEnd(9)} ${e.confidence.toFixed(2)}  ${e.score.toFixed(1).padStart(6)}  ${e.sensors.join(',')}\n`,
    );
  }
}
