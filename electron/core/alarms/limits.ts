// Limit alarms from the plant model (issue 15): every tag's HH / H / L / LL with its priority, deadband
// and on/off delays, judged on ingest's reading batches. Delays run on the plant clock (the readings'
// ts), so a replay at 100x still waits the model's seconds of process time. One alarm per limit, id
// "<tag id>:<key>" (line-1/compressor-01/temperature:HH), source the device, kind 'analog'.
// Bad-quality values say nothing about the process: they neither trip nor clear a limit. A device
// that is shut down or restarting has its limit alarms suppressed by design (ISA-18.2 state-based
// suppression), as detection does with its anomaly alarms.
import type { AlarmLimitKey, AssetView, TagView } from '../../../shared/schemas/model';
import type { TimedReading } from '../../../shared/schemas/plant';
import type { EventBus } from '../bus';
import type { AlarmSystem } from './alarm-system';

type LimitView = TagView['limits'][number];

/** The model as this module reads it (the ModelStore satisfies it). */
export interface LimitModelSource {
  readonly current: { model: { assets: readonly AssetView[] } };
  onChange(fn: (m: { model: { assets: readonly AssetView[] } }) => void): () => void;
}

export interface LimitAlarmsDeps {
  alarms: AlarmSystem;
  model: LimitModelSource;
  bus: EventBus;
}

export interface LimitAlarms {
  start(): void;
  stop(): void;
  /** One batch of readings (what the bus's 'readings' carries). */
  process(batch: readonly TimedReading[]): void;
  /** A device entered a state (device.status): shutdown and restarting suppress its limit alarms. */
  onDeviceStatus(deviceId: string, state: string): void;
  /** Limit alarm ids per device under the model in force (for the UI and tests). */
  alarmIds(deviceId: string): string[];
}

export const limitAlarmId = (tagId: string, key: AlarmLimitKey) => `${tagId}:${key}`;

const HIGH = new Set<AlarmLimitKey>(['HH', 'H']);

interface Limit {
  id: string;
  device: string;
  tag: TagView;
  limit: LimitView;
  high: boolean;
  /** Its entry in `states`, once looked up: a value is judged without hashing the alarm id (a reload makes new Limits). */
  state?: LimitState;
}

/** Per alarm: the raw condition (with deadband), since when on the plant clock, and what the alarm system was told. */
interface LimitState {
  device: string;
  cond: boolean;
  since: number;
  /** The worst value since the condition began (highest for HH/H, lowest for L/LL): what the raise names. */
  worst: number;
  reported: boolean;
}

const fmt = (v: number) => String(Math.round(v * 1000) / 1000);

// The condition only: the alarm system adds the consequence and action at the raise, from the master
// alarm table (table.ts) or, without one, the model's own text passed along below.
function message(l: Limit, value: number): string {
  const unit = l.tag.unit ? ` ${l.tag.unit}` : '';
  const side = HIGH.has(l.limit.key) ? 'above' : 'below';
  return `${l.device} ${l.tag.name} ${fmt(value)}${unit} ${side} ${l.limit.key} limit ${fmt(l.limit.value)}${unit}`;
}

function byDevice(assets: readonly AssetView[]): Map<string, Map<string, Limit[]>> {
  const out = new Map<string, Map<string, Limit[]>>();
  for (const a of assets) {
    const tags = new Map<string, Limit[]>();
    for (const tag of a.tags) {
      if (tag.limits.length)
        tags.set(
          tag.key,
          tag.limits.map((limit) => ({ id: limitAlarmId(tag.id, limit.key), device: a.id, tag, limit, high: HIGH.has(limit.key) })),
        );
    }
    if (tags.size) out.set(a.id, tags);
  }
  return out;
}

export function createLimitAlarms(deps: LimitAlarmsDeps): LimitAlarms {
  const { alarms, model, bus } = deps;
  let limits = byDevice(model.current.model.assets);
  const states = new Map<string, LimitState>();
  const stopped = new Map<string, string>();
  const offs: Array<() => void> = [];

  const limitsOf = (deviceId: string): Limit[] => [...(limits.get(deviceId)?.values() ?? [])].flat();

  const report = (l: Limit, active: boolean, value: number | null) => {
    alarms.setCondition(l.id, {
      active,
      source: l.device,
      kind: 'analog',
      priority: l.limit.priority,
      // a cleared alarm keeps the text it tripped with
      message: active && value !== null ? message(l, value) : undefined,
      consequence: l.limit.consequence ?? null,
      action: l.limit.action ?? null,
    });
  };

  const suppress = (l: Limit, why: string) => {
    // an alarm is suppressed as a record: create it (normal) so a trip while stopped is never annunciated
    if (!alarms.find(l.id))
      alarms.setCondition(l.id, { active: false, source: l.device, kind: 'analog', priority: l.limit.priority, message: message(l, l.limit.value) });
    alarms.setSuppressed(l.id, true, why);
  };

  const judge = (l: Limit, value: number, ts: number) => {
    let st = (l.state ??= states.get(l.id));
    // after a restart the alarm system remembers what was active; pick that up so it can clear
    if (!st) states.set(l.id, (st = l.state = { device: l.device, cond: false, since: ts, worst: value, reported: alarms.find(l.id)?.active ?? false }));
    const { value: lim, deadband } = l.limit;
    const high = l.high;
    const cond = st.cond ? (high ? value > lim - deadband : value < lim + deadband) : high ? value >= lim : value <= lim;
    if (cond !== st.cond) {
      st.cond = cond;
      st.since = ts;
      st.worst = value;
    } else st.worst = high ? Math.max(st.worst, value) : Math.min(st.worst, value);
    const held = ts - st.since;
    if (st.cond && !st.reported && held >= l.limit.on_delay_s * 1000) {
      st.reported = true;
      // After an on-delay the value may be back inside the deadband, on the safe side of the limit:
      // "7.8 m above H limit 8 m" would be false, the worst value of the wait is what tripped it.
      report(l, true, st.worst);
    } else if (!st.cond && st.reported && held >= l.limit.off_delay_s * 1000) {
      st.reported = false;
      report(l, false, null);
    }
  };

  const process = (batch: readonly TimedReading[]) => {
    for (const r of batch) {
      const tags = limits.get(r.device_id);
      if (!tags) continue;
      // for…in, not Object.entries: no pair array per value (10,000 single-value readings/s over OPC UA).
      for (const key in r.values) {
        const value = r.values[key];
        const ls = tags.get(key);
        if (!ls || r.quality?.[key]?.level === 'bad') continue;
        for (const l of ls) judge(l, value, r.ts);
      }
    }
  };

  const onDeviceStatus = (deviceId: string, state: string) => {
    const isStopped = state === 'shutdown' || state === 'restarting';
    if (isStopped === stopped.has(deviceId)) return;
    const why = isStopped ? `device ${state} by command` : 'device running again';
    if (isStopped) stopped.set(deviceId, why);
    else stopped.delete(deviceId);
    for (const l of limitsOf(deviceId)) {
      if (isStopped) suppress(l, why);
      else alarms.setSuppressed(l.id, false, why);
    }
  };

  /** A reloaded model: limits it dropped return to normal; a stopped device's new limits are suppressed too. */
  const rebuild = (assets: readonly AssetView[]) => {
    const next = byDevice(assets);
    const kept = new Set([...next.values()].flatMap((tags) => [...tags.values()].flat().map((l) => l.id)));
    for (const [id, st] of states) {
      if (kept.has(id)) continue;
      states.delete(id);
      if (st.reported) alarms.setCondition(id, { active: false, source: st.device, kind: 'analog' });
    }
    limits = next;
    for (const [deviceId, why] of stopped) for (const l of limitsOf(deviceId)) suppress(l, why);
  };

  return {
    start() {
      offs.push(bus.on('readings', (batch) => process(batch)));
      offs.push(bus.on('device.status', (s) => onDeviceStatus(s.device_id, s.state)));
      offs.push(model.onChange((m) => rebuild(m.model.assets)));
    },
    stop() {
      for (const off of offs.splice(0)) off();
    },
    process,
    onDeviceStatus,
    alarmIds: (deviceId) => limitsOf(deviceId).map((l) => l.id),
  };
}
