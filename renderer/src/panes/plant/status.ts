// What the Plant pane's overview shows per asset, line and area, computed from the model, the latest
// values and the alarms. Pure functions: the pane memoises them, the tests call them directly.
import { ALARM_PRIORITIES, type Alarm, type AlarmPriority } from '../../../../shared/anomalies';
import type { AssetView, ModelLookup, PlantModelView, TagView } from '../../store/model';
import type { DeviceRow } from '../../store/plant';

/** Annunciated alarms (what wants the operator); shelved, suppressed and out of service are counted apart, never hidden. */
const ANNUNCIATED: ReadonlySet<Alarm['state']> = new Set(['unacknowledged', 'acknowledged', 'rtn_unacknowledged']);
const REMOVED: ReadonlySet<Alarm['state']> = new Set(['shelved', 'suppressed', 'out_of_service']);

export type PriorityCounts = Record<AlarmPriority, number>;
const zeroCounts = (): PriorityCounts => ({ urgent: 0, high: 0, medium: 0, low: 0, diagnostic: 0 });

export interface Summary {
  assets: number;
  running: number;
  /** Shut down or restarting: not producing. */
  stopped: number;
  reduced: number;
  /** Real devices whose running state no source reports: neither running nor stopped as far as we know. */
  unknown: number;
  /** Active alarms by priority (annunciated: unacknowledged, acknowledged, returned unacknowledged). */
  alarms: PriorityCounts;
  unacked: number;
  /** Shelved, suppressed or out of service: removed from annunciation, still shown. */
  removed: number;
  bad: number;
  uncertain: number;
  /** Tags that have had no value yet. */
  noValue: number;
}

export const emptySummary = (): Summary => ({
  assets: 0,
  running: 0,
  stopped: 0,
  reduced: 0,
  unknown: 0,
  alarms: zeroCounts(),
  unacked: 0,
  removed: 0,
  bad: 0,
  uncertain: 0,
  noValue: 0,
});

/** The asset an alarm belongs to: its source is a device id, a tag id, or something under a device. */
export function assetOfSource(source: string, lookup: ModelLookup): string | null {
  if (lookup.assets.has(source)) return source;
  const tag = lookup.tags.get(source);
  if (tag) return tag.device_id;
  // "line-1/compressor-01:anomaly" and the like.
  const base = source.split(':')[0] ?? source;
  if (lookup.assets.has(base)) return base;
  const parent = base.slice(0, base.lastIndexOf('/'));
  return lookup.assets.has(parent) ? parent : null;
}

export function alarmsByAsset(alarms: Readonly<Record<string, Alarm>>, lookup: ModelLookup): Map<string, Alarm[]> {
  const m = new Map<string, Alarm[]>();
  for (const a of Object.values(alarms)) {
    if (a.state === 'normal') continue;
    const id = assetOfSource(a.source, lookup);
    if (!id) continue;
    const list = m.get(id);
    if (list) list.push(a);
    else m.set(id, [a]);
  }
  for (const list of m.values()) list.sort(byPriorityThenTime);
  return m;
}

export function byPriorityThenTime(a: Alarm, b: Alarm): number {
  return ALARM_PRIORITIES.indexOf(a.priority) - ALARM_PRIORITIES.indexOf(b.priority) || (b.activated_at ?? 0) - (a.activated_at ?? 0);
}

export type TagQuality = 'good' | 'uncertain' | 'bad' | 'none';

export function tagQuality(tag: TagView, row: DeviceRow | undefined): TagQuality {
  const q = row?.latest?.quality[tag.key];
  if (q) return q.level;
  return row?.latest && tag.key in row.latest.values ? 'good' : 'none';
}

export function assetSummary(asset: AssetView, row: DeviceRow | undefined, alarms: readonly Alarm[] | undefined): Summary {
  const s = emptySummary();
  s.assets = 1;
  const state = row?.state ?? 'unknown';
  if (state === 'running') s.running = 1;
  else if (state === 'reduced') s.reduced = 1;
  else if (state === 'unknown') s.unknown = 1;
  else s.stopped = 1;
  for (const a of alarms ?? []) {
    if (REMOVED.has(a.state)) s.removed++;
    else if (ANNUNCIATED.has(a.state)) {
      s.alarms[a.priority]++;
      if (a.state === 'unacknowledged' || a.state === 'rtn_unacknowledged') s.unacked++;
    }
  }
  for (const t of asset.tags) {
    const q = tagQuality(t, row);
    if (q === 'bad') s.bad++;
    else if (q === 'uncertain') s.uncertain++;
    else if (q === 'none') s.noValue++;
  }
  return s;
}

export function addSummary(into: Summary, s: Summary): Summary {
  into.assets += s.assets;
  into.running += s.running;
  into.stopped += s.stopped;
  into.reduced += s.reduced;
  into.unknown += s.unknown;
  for (const p of ALARM_PRIORITIES) into.alarms[p] += s.alarms[p];
  into.unacked += s.unacked;
  into.removed += s.removed;
  into.bad += s.bad;
  into.uncertain += s.uncertain;
  into.noValue += s.noValue;
  return into;
}

export function activeAlarms(s: Summary): number {
  return ALARM_PRIORITIES.reduce((n, p) => n + s.alarms[p], 0);
}

/** Something is wrong: an alarm (active or removed from view), bad or uncertain values, not running. */
export function isAbnormal(s: Summary): boolean {
  return activeAlarms(s) > 0 || s.removed > 0 || s.bad > 0 || s.uncertain > 0 || s.stopped > 0 || s.reduced > 0;
}

export interface PlantSummaries {
  asset: Map<string, Summary>;
  line: Map<string, Summary>;
  area: Map<string, Summary>;
  site: Summary;
}

export function summarise(
  model: PlantModelView,
  lookup: ModelLookup,
  devices: Readonly<Record<string, DeviceRow>>,
  byAsset: ReadonlyMap<string, Alarm[]>,
): PlantSummaries {
  const asset = new Map<string, Summary>();
  const line = new Map<string, Summary>();
  const area = new Map<string, Summary>();
  const site = emptySummary();
  for (const ar of model.areas) {
    const as = emptySummary();
    for (const ln of ar.lines) {
      const ls = emptySummary();
      for (const id of ln.assets) {
        const a = lookup.assets.get(id);
        if (!a) continue;
        const s = assetSummary(a, devices[id], byAsset.get(id));
        asset.set(id, s);
        addSummary(ls, s);
      }
      line.set(ln.id, ls);
      addSummary(as, ls);
    }
    area.set(ar.id, as);
    addSummary(site, as);
  }
  return { asset, line, area, site };
}

/** Decimals worth showing for a tag: from the width of its normal band (vibration moves in hundredths). */
export function tagDigits(tag: Pick<TagView, 'normal' | 'type'>): number {
  if (tag.type !== 'float') return 0;
  const w = Math.abs(tag.normal[1] - tag.normal[0]);
  return w >= 50 ? 0 : w >= 5 ? 1 : w >= 0.5 ? 2 : 3;
}

export function fmtValue(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** Case-insensitive match of an asset on its id, name, type or type name. */
export function assetMatches(a: AssetView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [a.id, a.name, a.type, a.type_name].some((x) => x.toLowerCase().includes(q));
}
