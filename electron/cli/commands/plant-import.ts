// `aegisflow plant import-csv`: a draft plant model from a historian export. The CSV says which
// columns are numbers, how they spread and how often rows come; it does not say units, limits or the
// plant's hierarchy, so the draft says what it guessed and what the engineer must check.
import { parseTime } from './detect-csv';

export interface DraftOptions {
  /** Shown in the draft's header comment and as the site's name. */
  source: string;
  deviceColumn?: string;
  timeColumn?: string;
  /** Field separator; default: the most frequent of , ; tab in the header line. */
  sep?: string;
}

export interface Draft {
  yaml: string;
  rows: number;
  assets: number;
  tags: string[];
  /** Columns left out (labels, text), with why. */
  skipped: string[];
}

export class DraftError extends Error {}

const TIME_NAMES = ['timestamp', 'datetime', 'time', 'ts', 'date'];
// evaluation labels of benchmark files (SKAB, NAB …): not plant signals
const LABEL_NAMES = new Set(['anomaly', 'changepoint', 'is_anomaly', 'anomaly_type', 'label', 'labels']);
const EMPTY = new Set(['', 'nan', 'null', 'none', 'na', 'n/a']);
/** Engineering range = the data's min..max widened by this share of its spread on each side. */
const RANGE_MARGIN = 0.2;
const NORMAL_PERCENTILES = [0.01, 0.99] as const;

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1');

/** A valid model id from free text ("Volume Flow RateRMS" → "Volume_Flow_RateRMS"); case is kept so a tag's key can stay its field name on the wire. */
export function slug(s: string, fallback: string): string {
  const out = s
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[^A-Za-z0-9]+|_+$/g, '')
    .slice(0, 64);
  return out || fallback;
}

function unique(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 60)}_${n}`;
  taken.add(id);
  return id;
}

function percentile(sorted: readonly number[], p: number): number {
  const x = (sorted.length - 1) * p;
  const i = Math.floor(x);
  const a = sorted[i] ?? 0;
  const b = sorted[Math.min(i + 1, sorted.length - 1)] ?? a;
  return a + (b - a) * (x - i);
}

/** x rounded down (dir -1) or up (dir 1) to a multiple of step, printed without float noise. */
function roundTo(x: number, step: number, dir: -1 | 1): number {
  const k = dir < 0 ? Math.floor(x / step + 1e-9) : Math.ceil(x / step - 1e-9);
  return Number((k * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));
}

/** A step giving about two significant digits over `span`. */
const stepFor = (span: number) => 10 ** (Math.floor(Math.log10(span)) - 1);

/** A unit written into the header: "Temperature (°C)", "flow [m3/h]". */
function unitOf(header: string): { name: string; unit: string } {
  const m = /^(.*?)\s*[([]\s*([^)\]]{1,32})\s*[)\]]\s*$/.exec(header);
  return m && m[1] ? { name: m[1], unit: m[2] ?? '' } : { name: header, unit: '' };
}

interface Column {
  header: string;
  key: string;
  name: string;
  unit: string;
  index: number;
}

interface TagStats {
  type: 'float' | 'int' | 'bool';
  range: [number, number];
  normal: [number, number];
  min: number;
  max: number;
}

/** `like`: a device's own band, of its type's data type. */
function tagStats(values: number[], like?: { type: TagStats['type'] }): TagStats {
  values.sort((a, b) => a - b);
  const min = values[0] ?? 0;
  const max = values[values.length - 1] ?? 0;
  const type = like?.type ?? (values.every((v) => v === 0 || v === 1) ? 'bool' : values.every(Number.isInteger) ? 'int' : 'float');
  if (type === 'bool') return { type, range: [0, 1], normal: [0, 1], min, max };
  const spread = max - min || Math.abs(max) || 1;
  let step = stepFor(spread * (1 + 2 * RANGE_MARGIN));
  if (type === 'int') step = Math.max(1, step);
  let lo = roundTo(min - RANGE_MARGIN * spread, step, -1);
  // a quantity that never went negative in the export (a level, a flow, a power) is unlikely to
  if (min >= 0 && lo < 0) lo = 0;
  const hi = roundTo(max + RANGE_MARGIN * spread, step, 1);
  const p = NORMAL_PERCENTILES.map((x) => percentile(values, x));
  const width = (p[1] ?? 0) - (p[0] ?? 0);
  // the band to about two significant digits of its own width, not of the range's
  const fine = type === 'int' ? Math.max(1, stepFor(width || spread)) : width > 0 ? stepFor(width) : step / 10;
  const nlo = Math.max(lo, roundTo(p[0] ?? lo, fine, -1));
  const nhi = Math.min(hi, roundTo(p[1] ?? hi, fine, 1));
  return { type, range: [lo, hi], normal: [nlo, nhi], min, max };
}

function medianStepS(times: number[]): number | null {
  times.sort((a, b) => a - b);
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const dt = (times[i] ?? 0) - (times[i - 1] ?? 0);
    if (dt > 0) d.push(dt);
  }
  if (d.length === 0) return null;
  d.sort((a, b) => a - b);
  const s = percentile(d, 0.5) / 1000;
  return Math.min(86_400, Number(s.toPrecision(s >= 1 ? 3 : 2)));
}

const q = (s: string) => JSON.stringify(s);
const pair = (r: readonly [number, number]) => `[${r[0]}, ${r[1]}]`;

function detectSep(header: string): string {
  const counts: Array<[string, number]> = [',', ';', '\t'].map((c) => [c, header.split(c).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0] && counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Infer a draft model from CSV text. Throws DraftError for a CSV it cannot use (a usage error). */
export function draftModelFromCsv(text: string, opts: DraftOptions): Draft {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new DraftError(`${opts.source} has no data rows`);
  const sep = opts.sep ?? detectSep(lines[0] ?? '');
  const header = (lines[0] ?? '').split(sep).map(unquote);
  const find = (name: string, flag: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new DraftError(`${flag}: no column "${name}" (columns: ${header.join(', ')})`);
    return i;
  };
  const iTime = opts.timeColumn ? find(opts.timeColumn, '--time-column') : header.findIndex((h) => TIME_NAMES.includes(h.toLowerCase()));
  const iDev = opts.deviceColumn ? find(opts.deviceColumn, '--device-column') : header.findIndex((h) => h.toLowerCase() === 'device_id');

  const rows = lines.slice(1).map((l) => l.split(sep).map(unquote));
  const skipped: string[] = [];
  const keys = new Set<string>();
  const columns: Column[] = [];
  header.forEach((h, i) => {
    if (i === iTime || i === iDev) return;
    if (LABEL_NAMES.has(h.toLowerCase())) return void skipped.push(`${h} (an evaluation label)`);
    let numbers = 0;
    const bad = rows.find((r) => {
      const v = (r[i] ?? '').trim();
      if (EMPTY.has(v.toLowerCase())) return false;
      numbers++;
      return !Number.isFinite(Number(v));
    });
    if (bad || numbers === 0) return void skipped.push(`${h} (${numbers === 0 ? 'empty' : `not numeric: "${bad?.[i] ?? ''}"`})`);
    const { name, unit } = unitOf(h);
    columns.push({ header: h, key: unique(slug(name, `tag_${i + 1}`), keys), name, unit, index: i });
  });
  if (columns.length === 0) throw new DraftError(`${opts.source}: no numeric column to make a tag of (columns: ${header.join(', ')})`);

  // devices in order of first appearance; "line/asset" ids (the seed's) keep their line
  const devices = new Map<string, { rows: string[][]; line: string; asset: string }>();
  const assetIds = new Map<string, Set<string>>();
  for (const r of rows) {
    const raw = iDev >= 0 ? (r[iDev] ?? '').trim() : '';
    let d = devices.get(raw);
    if (!d) {
      const slash = raw.lastIndexOf('/');
      const line = slash > 0 ? slug(raw.slice(0, slash), 'line-1') : 'line-1';
      const taken = assetIds.get(line) ?? new Set<string>();
      assetIds.set(line, taken);
      d = { rows: [], line, asset: unique(slug(slash > 0 ? raw.slice(slash + 1) : raw, iDev >= 0 ? `asset-${devices.size + 1}` : 'asset-1'), taken) };
      devices.set(raw, d);
    }
    d.rows.push(r);
  }

  const num = (r: string[], c: Column) => {
    const v = (r[c.index] ?? '').trim();
    return EMPTY.has(v.toLowerCase()) ? NaN : Number(v);
  };
  const typeStats = new Map(columns.map((c) => [c.key, tagStats(rows.map((r) => num(r, c)).filter(Number.isFinite))]));
  const timeOf = (rs: string[][]) => (iTime >= 0 ? rs.map((r) => parseTime(r[iTime] ?? '')).filter(Number.isFinite) : []);
  const typePeriod = iTime >= 0 ? medianStepS(timeOf(rows)) : null;
  // a period over all rows mixes devices; the typical device's own period is what the tags need
  const devicePeriods = [...devices.values()].map((d) => medianStepS(timeOf(d.rows)));
  const known = devicePeriods.filter((p): p is number => p !== null).sort((a, b) => a - b);
  const sampling = known.length ? (known[Math.floor(known.length / 2)] ?? 60) : (typePeriod ?? 60);

  const out: string[] = [];
  const w = (s = '') => out.push(s);
  w(`# Draft plant model inferred by \`aegisflow plant import-csv\` from ${opts.source}`);
  w(`# (${rows.length} rows, ${devices.size} device${devices.size > 1 ? 's' : ''}, ${columns.length} numeric columns).`);
  w('# It is a starting point: the CSV shows how values spread, not what the instruments and the process allow.');
  w('# Check every line marked CHECK, then: aegisflow plant validate THIS_FILE');
  w('#   - ids, names, units and the hierarchy (site / area / line / asset): the CSV names none of them;');
  w(`#   - range: the instrument's span. Inferred as the data's min..max plus ${RANGE_MARGIN * 100} % of its spread each side`);
  w('#     (never below 0 for a column that never went negative). A value outside it is stored as bad quality');
  w("#     (out_of_range): put the datasheet's span here;");
  w(`#   - normal: the ${NORMAL_PERCENTILES[0] * 100}st..${NORMAL_PERCENTILES[1] * 100}th percentile of the export. If it holds upsets or faults, narrow it;`);
  w('#   - limits: none inferred. Add HH / H / L / LL with priority, deadband and delays from the P&ID or the');
  w('#     alarm philosophy (e.g. limits: { H: { value: 90, priority: high, deadband: 1, on_delay_s: 10 } });');
  w(
    iTime >= 0
      ? `#   - sampling_s: the median time step per device in the export ("${header[iTime]}"). A historian often stores slower than the device samples;`
      : '#   - sampling_s: the CSV has no time column, so 60 s is a guess;',
  );
  w('#   - the connector: the topic your devices publish on and where each value sits in their JSON.');
  if (skipped.length) w(`# Columns left out: ${skipped.join(', ')}.`);
  w();
  w('plant_model: 1');
  w();
  w('site:');
  w('  id: my-plant # CHECK');
  w(`  name: ${q(`Imported from ${opts.source}`)}`);
  w();
  w('connectors:');
  w('  # MQTT JSON: one message per device on the topic, each tag read from the field named like its key');
  w('  # (the seed preset in resources/plants/demo.yaml works the same way). CHECK topic and fields.');
  w('  - id: plant-mqtt');
  w('    type: mqtt-json');
  w('    broker: embedded');
  w('    topic: plant/{device}');
  w('    value: $.{tag}');
  w('    timestamp: { path: $.timestamp, format: iso8601 }');
  w();
  w('asset_types:');
  w('  imported: # CHECK: one type per kind of equipment; split it if the devices differ');
  w(`    name: ${q('Imported asset')}`);
  w('    model: generic');
  w('    tags:');
  for (const c of columns) {
    const s = typeStats.get(c.key);
    if (!s) continue;
    const fields = [`unit: ${q(c.unit)}`];
    if (s.type !== 'float') fields.push(`type: ${s.type}`);
    fields.push(`range: ${pair(s.range)}`);
    if (s.type !== 'bool') fields.push(`normal: ${pair(s.normal)}`);
    fields.push(`sampling_s: ${sampling}`);
    if (c.name !== c.key) fields.unshift(`name: ${q(c.name)}`);
    const notes = [`data ${s.min}..${s.max}`, c.unit ? '' : 'CHECK unit', c.header !== c.key ? `CSV column ${q(c.header)}: the JSON field is "${c.key}"` : '']
      .filter(Boolean)
      .join('; ');
    w(`      ${c.key}: { ${fields.join(', ')} } # ${notes}`);
  }
  w('    # commands: none inferred. Declare what this type accepts and the parameters, e.g.');
  w('    # commands:');
  w('    #   reduce_load: { params: { reduction_pct: { type: integer, min: 10, max: 90 } }, effect: { state: reduced, load_minus_param: reduction_pct } }');
  w();
  w('areas:');
  w('  - id: area-1 # CHECK');
  w('    lines:');
  const byLine = new Map<string, Array<[string, { rows: string[][]; asset: string }]>>();
  for (const [raw, d] of devices) byLine.set(d.line, [...(byLine.get(d.line) ?? []), [raw, d]]);
  let di = 0;
  for (const [line, ds] of byLine) {
    w(`      - id: ${line}`);
    w('        assets:');
    for (const [raw, d] of ds) {
      const period = devicePeriods[di++] ?? null;
      w(`          - id: ${d.asset}`);
      w('            type: imported');
      if (raw) w(`            name: ${q(raw)}`);
      if (devices.size === 1 && period === sampling) continue;
      // the type's bands span every device; each device gets its own normal band (and period)
      const overrides: string[] = [];
      for (const c of columns) {
        const vals = d.rows.map((r) => num(r, c)).filter(Number.isFinite);
        const t = typeStats.get(c.key);
        if (!t || vals.length === 0 || t.type === 'bool') continue;
        const own = tagStats(vals, t);
        const normal: [number, number] = [Math.max(t.range[0], own.normal[0]), Math.min(t.range[1], own.normal[1])];
        const f = [`normal: ${pair(normal)}`];
        if (period !== null && period !== sampling) f.push(`sampling_s: ${period}`);
        overrides.push(`              ${c.key}: { ${f.join(', ')} }`);
      }
      if (overrides.length) {
        w('            tags:');
        out.push(...overrides);
      }
    }
  }
  return { yaml: out.join('\n') + '\n', rows: rows.length, assets: devices.size, tags: columns.map((c) => c.key), skipped };
}
