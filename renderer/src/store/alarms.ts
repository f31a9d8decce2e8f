// Alarms slice (ISA-18.2): every alarm by id, the rate figures, the flood state and the list filters.
import { create } from 'zustand';
import {
  ALARM_PRIORITIES,
  type Alarm,
  type AlarmChange,
  type AlarmPriority,
  type AlarmState,
  type AlarmStats,
  type FloodStatus,
} from '../../../shared/anomalies';
import type { ModelLookup } from './model';

export type AlarmView = 'attention' | 'active' | 'shelved' | 'all';
export interface AlarmFilter {
  view: AlarmView;
  priority: AlarmPriority | 'all';
  source: string;
}

export interface AlarmsState {
  alarms: Record<string, Alarm>;
  stats: (AlarmStats & { flood: FloodStatus }) | null;
  flood: FloodStatus | null;
  filter: AlarmFilter;
  selectedId: string | null;
  loaded: boolean;
  setAll(list: Alarm[]): void;
  applyChange(c: AlarmChange): void;
  upsert(a: Alarm): void;
  setStats(s: AlarmStats & { flood: FloodStatus }): void;
  setFlood(f: FloodStatus): void;
  setFilter(f: Partial<AlarmFilter>): void;
  select(id: string | null): void;
}

/** States that want the operator: anything annunciated and not shelved, suppressed or out of service. */
const ATTENTION: ReadonlySet<AlarmState> = new Set(['unacknowledged', 'acknowledged', 'rtn_unacknowledged']);
const REMOVED: ReadonlySet<AlarmState> = new Set(['shelved', 'suppressed', 'out_of_service']);

export function needsAck(a: Alarm): boolean {
  return a.state === 'unacknowledged' || a.state === 'rtn_unacknowledged';
}

export function matchesFilter(a: Alarm, f: AlarmFilter): boolean {
  if (f.priority !== 'all' && a.priority !== f.priority) return false;
  if (f.source && !a.source.toLowerCase().includes(f.source.toLowerCase())) return false;
  switch (f.view) {
    case 'attention':
      return ATTENTION.has(a.state);
    case 'active':
      return a.active && !REMOVED.has(a.state);
    case 'shelved':
      return REMOVED.has(a.state);
    default:
      return true;
  }
}

const rank = (p: AlarmPriority) => ALARM_PRIORITIES.indexOf(p);

/** ISA-18.2 list order: unacknowledged first, then priority, first-out, newest activation. */
export function sortAlarms(list: Alarm[]): Alarm[] {
  return [...list].sort(
    (a, b) =>
      Number(needsAck(b)) - Number(needsAck(a)) ||
      rank(a.priority) - rank(b.priority) ||
      Number(b.first_out) - Number(a.first_out) ||
      (b.activated_at ?? 0) - (a.activated_at ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

export function visibleAlarms(s: Pick<AlarmsState, 'alarms' | 'filter'>): Alarm[] {
  return sortAlarms(Object.values(s.alarms).filter((a) => matchesFilter(a, s.filter)));
}

export function isRemoved(a: Pick<Alarm, 'state'>): boolean {
  return REMOVED.has(a.state);
}

export interface AlarmSummary {
  unacked: number;
  /** Process condition still in alarm (and annunciated). */
  active: number;
  /** Annunciated: unacknowledged, acknowledged or returned unacknowledged (every row of "needs attention"). */
  standing: number;
  /** Shelved, suppressed or out of service: not annunciated, never forgotten. */
  removed: number;
  top: AlarmPriority | null;
}

/** Counts for the top bar and Overview: standing alarms, how many await acknowledgement, and those removed from view. */
export function alarmSummary(alarms: Record<string, Alarm>): AlarmSummary {
  let unacked = 0;
  let active = 0;
  let standing = 0;
  let removed = 0;
  let top: AlarmPriority | null = null;
  for (const a of Object.values(alarms)) {
    if (REMOVED.has(a.state)) {
      removed++;
      continue;
    }
    if (a.state === 'normal') continue;
    standing++;
    if (needsAck(a)) unacked++;
    if (a.active) active++;
    if (top === null || rank(a.priority) < rank(top)) top = a.priority;
  }
  return { unacked, active, standing, removed, top };
}

const STATE_WORD: Partial<Record<AlarmState, string>> = { shelved: 'shelved', suppressed: 'suppressed', out_of_service: 'out of service' };

/** "shelved", "suppressed", "out of service" for an alarm removed from annunciation; '' otherwise. */
export function removedWord(a: Pick<Alarm, 'state'>): string {
  return STATE_WORD[a.state] ?? '';
}

/**
 * What an operator reads for an alarm: the asset's name and what is alarmed ("Compressor 1 Temperature HH",
 * "Compressor 1 anomaly"), never the internal id ("line-1/compressor-01:anomaly"). Ids of sources outside
 * the plant model (broker, store) read as words.
 */
export function alarmName(id: string, source: string | null, lookup: Pick<ModelLookup, 'assets' | 'tags'>): string {
  const i = id.lastIndexOf(':');
  const base = i >= 0 ? id.slice(0, i) : id;
  const what = i >= 0 ? id.slice(i + 1).replace(/_/g, ' ') : '';
  const tag = lookup.tags.get(base);
  const assetId = tag?.device_id ?? source ?? base;
  const asset = lookup.assets.get(assetId);
  const who = asset?.name ?? assetId;
  if (tag) return `${who} ${tag.name} ${what}`.trim();
  return `${who}${what ? ` ${what}` : ''}`;
}

/** The alarm's text with a leading device id replaced by the asset's name (limit alarms start with it). */
export function alarmText(a: Pick<Alarm, 'message' | 'source'>, lookup: Pick<ModelLookup, 'assets'>): string {
  const name = lookup.assets.get(a.source)?.name;
  return name && a.message.startsWith(`${a.source} `) ? `${name} ${a.message.slice(a.source.length + 1)}` : a.message;
}

export function createAlarmsStore() {
  return create<AlarmsState>()((set) => ({
    alarms: {},
    stats: null,
    flood: null,
    filter: { view: 'attention', priority: 'all', source: '' },
    selectedId: null,
    loaded: false,
    setAll: (list) => set({ alarms: Object.fromEntries(list.map((a) => [a.id, a])), loaded: true }),
    applyChange: (c) => set((s) => ({ alarms: { ...s.alarms, [c.alarm.id]: c.alarm } })),
    upsert: (a) => set((s) => ({ alarms: { ...s.alarms, [a.id]: a } })),
    setStats: (stats) => set({ stats, flood: stats.flood }),
    setFlood: (flood) => set({ flood }),
    setFilter: (f) => set((s) => ({ filter: { ...s.filter, ...f } })),
    select: (id) => set({ selectedId: id }),
  }));
}
export type AlarmsStore = ReturnType<typeof createAlarmsStore>;
export const useAlarms = createAlarmsStore();
