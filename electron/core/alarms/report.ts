// The ISA-18.2 / EEMUA 191 alarm report over a window of plant time, computed from the stored state
// history (not from the live 24-hour log in rates.ts, which a restart empties and which runs on the wall
// clock). An alarm counts when it is raised to the operator: a change into "unacknowledged" (a new
// activation, or an active alarm coming back from a shelf or out of service, as rates.ts counts it).
// Who was on shift comes from the acknowledged shift handovers, on the wall clock they were recorded on.
import type { AlarmReport } from '../../../shared/schemas/alarm-report';
import type { Handover } from '../../../shared/schemas/shift';
import { CoreError, type CoreApi } from '../api';
import type { Db } from '../store';
import { createAlarmRepository, type ReportHistoryRow } from './repository';
import type { AlarmConfig, AlarmPriority, AlarmState } from './schema';
import { ALARM_PRIORITIES } from './schema';

const HOUR = 3_600_000;
const WINDOW = 10 * 60_000;

/** A shift handover as the report reads it (wall clock). */
export type HandoverSpan = Pick<Handover, 'createdAt' | 'createdBy' | 'ackedAt' | 'ackedBy'>;

export type ReportConfig = Pick<AlarmConfig, 'chatterCount' | 'chatterWindowMs' | 'floodCount' | 'staleMs'>;

/**
 * EEMUA 191's ≈5/15/80 for high / medium / low. With a fourth level above high (our urgent: ISA-18.2's
 * "emergency", well under 1 %) the top band holds both, so an urgent alarm never counts as a low one's
 * share. Diagnostic alarms are not operator alarms and stay out.
 */
const BANDS: Array<{ band: string; priorities: AlarmPriority[]; target_pct: number }> = [
  { band: 'urgent + high', priorities: ['urgent', 'high'], target_pct: 5 },
  { band: 'medium', priorities: ['medium'], target_pct: 15 },
  { band: 'low', priorities: ['low'], target_pct: 80 },
];

const ACTIVE: ReadonlySet<AlarmState> = new Set(['unacknowledged', 'acknowledged']);
const INACTIVE: ReadonlySet<AlarmState> = new Set(['normal', 'rtn_unacknowledged']);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Who was on shift at a wall time: the incoming operator of the last handover acknowledged by then, else whoever wrote the first handover. */
export function onShiftAt(handovers: readonly HandoverSpan[], wall: number): string | null {
  let who: string | null = null;
  let whoAt = -Infinity;
  let first: HandoverSpan | null = null;
  for (const h of handovers) {
    if (!first || h.createdAt < first.createdAt) first = h;
    if (h.ackedAt !== null && h.ackedBy && h.ackedAt <= wall && h.ackedAt > whoAt) {
      who = h.ackedBy;
      whoAt = h.ackedAt;
    }
  }
  return who ?? first?.createdBy ?? null;
}

export function computeAlarmReport(input: {
  /** The changes within the window, in the order they happened (repository.reportRows). */
  rows: readonly ReportHistoryRow[];
  /** The changes of each alarm not back to normal by `to` since it last was (repository.openStreaks): for stale. */
  streaks: readonly ReportHistoryRow[];
  from: number;
  to: number;
  config: ReportConfig;
  handovers: readonly HandoverSpan[];
}): AlarmReport {
  const { rows, streaks, from, to, config, handovers } = input;
  const windows = Math.max(1, Math.ceil((to - from) / WINDOW));
  const perWindow = new Array<number>(windows).fill(0);
  const raisesOf = new Map<string, number[]>();
  const sourceOf = new Map<string, string | null>();
  const byPriority = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
  const onShift = new Map<string | null, number>();
  const acked = new Map<string, number>();
  // Each alarm's condition at the end of the window: active since when (for stale), state.
  const standing = new Map<string, { active: boolean; since: number | null; state: AlarmState; priority: AlarmPriority | null }>();
  let total = 0;

  for (const r of streaks) {
    sourceOf.set(r.alarm_id, r.source);
    if (r.plant_at > to) continue;
    const s = standing.get(r.alarm_id) ?? { active: false, since: null, state: 'normal' as AlarmState, priority: null };
    if (ACTIVE.has(r.to_state)) {
      if (!s.active) s.since = r.plant_at;
      s.active = true;
    } else if (INACTIVE.has(r.to_state)) {
      s.active = false;
      s.since = null;
    }
    s.state = r.to_state;
    s.priority = r.priority ?? s.priority;
    standing.set(r.alarm_id, s);
  }
  for (const r of rows) {
    sourceOf.set(r.alarm_id, r.source);
    if (r.plant_at < from || r.plant_at > to) continue;

    if (r.to_state === 'unacknowledged' && r.from_state !== 'unacknowledged') {
      total++;
      perWindow[Math.min(windows - 1, Math.floor((r.plant_at - from) / WINDOW))]++;
      const list = raisesOf.get(r.alarm_id) ?? [];
      list.push(r.plant_at);
      raisesOf.set(r.alarm_id, list);
      if (r.priority) byPriority[r.priority]++;
      const who = onShiftAt(handovers, r.at);
      onShift.set(who, (onShift.get(who) ?? 0) + 1);
    }
    const isAck = (r.from_state === 'unacknowledged' && r.to_state === 'acknowledged') || (r.from_state === 'rtn_unacknowledged' && r.to_state === 'normal');
    if (isAck && r.by) acked.set(r.by, (acked.get(r.by) ?? 0) + 1);
  }

  const hours = (to - from) / HOUR;
  const avg = hours > 0 ? total / hours : 0;
  let peak = 0;
  let peakAt: number | null = null;
  let floods = 0;
  perWindow.forEach((n, i) => {
    if (n > peak) [peak, peakAt] = [n, from + i * WINDOW];
    if (n > config.floodCount) floods++;
  });
  const acceptable = HOUR / WINDOW;
  const manageable = 2 * acceptable;

  const chatter = new Map<string, { max: number; at: number }>();
  for (const [id, times] of raisesOf) {
    times.sort((a, b) => a - b);
    let best = { max: 0, at: times[0] };
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] > config.chatterWindowMs) i++;
      if (j - i + 1 > best.max) best = { max: j - i + 1, at: times[i] };
    }
    if (best.max >= config.chatterCount) chatter.set(id, best);
  }

  const names = new Set<string | null>([...onShift.keys(), ...acked.keys()]);
  const operators = [...names]
    .map((operator) => ({ operator, on_shift: onShift.get(operator) ?? 0, acknowledged: operator === null ? 0 : (acked.get(operator) ?? 0) }))
    .sort((a, b) => (a.operator === null ? 1 : b.operator === null ? -1 : a.operator.localeCompare(b.operator)));

  const bandTotal = BANDS.reduce((n, b) => n + b.priorities.reduce((m, p) => m + byPriority[p], 0), 0);
  return {
    clock: 'plant',
    from,
    to,
    thresholds: {
      window_min: WINDOW / 60_000,
      acceptable_per_hour: acceptable,
      manageable_per_hour: manageable,
      flood_per_window: config.floodCount,
      chatter_count: config.chatterCount,
      chatter_window_s: config.chatterWindowMs / 1000,
      stale_hours: config.staleMs / HOUR,
    },
    total,
    hours: round(hours),
    avg_per_hour: round(avg),
    peak_window: { count: peak, at: peakAt },
    rate_rating: avg <= acceptable ? 'acceptable' : avg <= manageable ? 'manageable' : 'overloaded',
    windows,
    flood_windows: floods,
    flood_pct: round((100 * floods) / windows),
    operators,
    bad_actors: [...raisesOf.entries()]
      .map(([alarm_id, t]) => ({
        alarm_id,
        source: sourceOf.get(alarm_id) ?? null,
        count: t.length,
        share_pct: round((100 * t.length) / total),
        chattering: chatter.has(alarm_id),
      }))
      .sort((a, b) => b.count - a.count || a.alarm_id.localeCompare(b.alarm_id))
      .slice(0, 10),
    stale: [...standing.entries()]
      .filter(([, s]) => s.active && s.since !== null && to - s.since > config.staleMs)
      .map(([alarm_id, s]) => {
        const since = s.since ?? to;
        return {
          alarm_id,
          source: sourceOf.get(alarm_id) ?? null,
          priority: s.priority,
          state: s.state,
          raised_at: since,
          hours: round((to - since) / HOUR, 1),
        };
      })
      .sort((a, b) => a.raised_at - b.raised_at),
    chattering: [...chatter.entries()]
      .map(([alarm_id, c]) => ({
        alarm_id,
        source: sourceOf.get(alarm_id) ?? null,
        raises: raisesOf.get(alarm_id)?.length ?? 0,
        max_in_window: c.max,
        at: c.at,
      }))
      .sort((a, b) => b.max_in_window - a.max_in_window || a.alarm_id.localeCompare(b.alarm_id)),
    priorities: {
      counts: byPriority,
      bands: BANDS.map((b) => {
        const n = b.priorities.reduce((m, p) => m + byPriority[p], 0);
        return { ...b, count: n, pct: bandTotal ? round((100 * n) / bandTotal, 1) : 0 };
      }),
    },
  };
}

/** `alarms.report`: the window defaults to the 24 hours up to the plant clock now (the wall clock with no replay). */
export function registerAlarmReportApi(api: CoreApi, deps: { db: Db; config: ReportConfig; plantNow: () => number; handovers: () => HandoverSpan[] }): void {
  const repo = createAlarmRepository(deps.db);
  api.register('alarms.report', (p) => {
    const to = p.to ?? deps.plantNow();
    const from = p.from ?? to - 24 * HOUR;
    if (from >= to) throw new CoreError('invalid_params', 'the report window must end after it starts (from < to)');
    return computeAlarmReport({ rows: repo.reportRows(from, to), streaks: repo.openStreaks(to), from, to, config: deps.config, handovers: deps.handovers() });
  });
}
